"""syncro_mcp.tools"""
