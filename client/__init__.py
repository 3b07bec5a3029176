"""syncro_mcp.client"""
