"""syncro_mcp.engine: the write engine, below the tools and above the client.

Plans and steps, the journal (resume, dedupe, per-ticket lock), the runner, confirmation
tokens and the audit log. It takes its dependencies explicitly (a ``SyncroClient``, a
``Journal``, a ``Clock``) and knows nothing of MCP or of the tools' runtime.
"""
