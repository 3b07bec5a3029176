"""syncro-mcp: an MCP server and Claude Code skill for SyncroMSP tickets.

The distribution installs as the ``syncro_mcp`` namespace; its subpackages live at the
repository's top level (``server/``, ``tools/``, ``client/``, ``sandbox/``) and are mapped in
by setuptools ``package-dir``. This package's own modules sit in ``package/``: a folder named
``syncro_mcp/`` would hide an installed ``syncro_mcp`` when Python runs from the repository root.
"""

__version__ = "0.1.0"
