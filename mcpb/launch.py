"""Entry point of the Claude Desktop extension (``mcpb/manifest.json``, server type ``uv``).

The same as ``syncro-mcp serve``: the host runs it with ``uv`` in the unpacked bundle, which is
this project's sdist, so ``uv`` installs the package and its dependencies from pyproject.toml.
``scripts/build_mcpb.sh`` copies this file to the bundle's root.
"""

import sys

from syncro_mcp.server.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["serve", *sys.argv[1:]]))
