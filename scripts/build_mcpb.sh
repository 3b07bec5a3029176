#!/usr/bin/env bash
# Build the Claude Desktop extension bundle: dist/syncro-mcp-<version>.mcpb
#
#   bash scripts/build_mcpb.sh [OUT_DIR]      # default OUT_DIR: dist
#
# The bundle is this project's sdist (exactly the files the package builds from) plus
# mcpb/manifest.json and mcpb/launch.py at its root. Its server type is "uv": Claude Desktop
# installs Python and the dependencies from pyproject.toml with uv, so one bundle serves every
# platform (pydantic-core is compiled, so bundling site-packages would tie it to one).
#
# Needs: uv (or python -m build) for the sdist, and the official MCPB CLI: `mcpb` on PATH
# (npm install -g @anthropic-ai/mcpb), else it is run with npx at the version pinned below.
# The file list and contents are reproducible (same checkout, same bytes); the archive is not
# byte-identical between builds because `mcpb pack` stamps entries with the build time.
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:-dist}
mcpb_version=2.1.2
if command -v mcpb >/dev/null; then
    mcpb=(mcpb)
else
    mcpb=(npx --yes "@anthropic-ai/mcpb@$mcpb_version")
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. The sdist: what setuptools would ship, whatever the package layout is.
if command -v uv >/dev/null; then
    uv build --quiet --sdist --out-dir "$tmp/sdist" .
else
    "${PYTHON:-python}" -m build --sdist --outdir "$tmp/sdist" . >/dev/null
fi
sdists=("$tmp"/sdist/*.tar.gz)
[ ${#sdists[@]} -eq 1 ] || { echo "expected one sdist, got: ${sdists[*]}" >&2; exit 1; }

# 2. Stage it as the bundle root, without build leftovers and tests.
mkdir "$tmp/bundle"
tar -xzf "${sdists[0]}" -C "$tmp/bundle" --strip-components=1
rm -rf "$tmp"/bundle/*.egg-info "$tmp/bundle/tests"
cp mcpb/manifest.json mcpb/launch.py "$tmp/bundle/"

version=$(sed -n 's/^Version: //p' "$tmp/bundle/PKG-INFO")
manifest_version=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' mcpb/manifest.json)
if [ "$version" != "$manifest_version" ]; then
    echo "mcpb/manifest.json has version $manifest_version but the package is $version" >&2
    exit 1
fi

# 3. Validate and pack with the official CLI.
"${mcpb[@]}" validate "$tmp/bundle/manifest.json"
mkdir -p "$out"
bundle="$out/syncro-mcp-$version.mcpb"
"${mcpb[@]}" pack "$tmp/bundle" "$bundle"
"${mcpb[@]}" info "$bundle"
sha256sum "$bundle" 2>/dev/null || shasum -a 256 "$bundle"
