"""syncro_mcp.sandbox"""
