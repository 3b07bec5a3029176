"""syncro_mcp.server"""
