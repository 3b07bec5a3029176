"""syncro-mcp: an MCP server and Claude Code skill for SyncroMSP tickets.

The distribution installs as the ``syncro_mcp`` namespace; its subpackages live at the
repository's top level (``server/``, ``tools/``, ``client/``, ``sandbox/``) and are mapped in
by setuptools ``package-dir``.
"""

__version__ = "0.1.0"
