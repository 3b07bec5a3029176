"""Copy the part of Syncro's OpenAPI spec that the sandbox conformance tests use into the repository.

    python scripts/vendor_openapi.py [--spec PATH]   # rewrites tests/sandbox/data/openapi-subset.json

The source is Syncro's published OpenAPI 3.0 document (``syncro-api-v1.openapi.json``, the file
behind https://api-docs.syncromsp.com; default: ``shared/syncro-api/`` next to this checkout or one
level further up).
Kept: for every route the sandbox serves (read from the sandbox's own routing table), the spec's
operation for that method and path (the spec writes some paths without the leading slash), with
its summary and its responses (schemas and examples, ``$ref``s inlined). Routes the spec does not
document are listed under ``x-vendored.not_in_spec``. Re-run it after adding a sandbox route;
``tests/sandbox/test_conformance.py`` fails while a served route is missing from the subset.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from syncro_mcp.sandbox import Sandbox
from syncro_mcp.sandbox.app import build_api

ROOT = Path(__file__).resolve().parents[1]
#: Where a checkout (or a worktree one level down) finds the shared spec; --spec overrides.
CANDIDATES = [up / "shared" / "syncro-api" / "syncro-api-v1.openapi.json" for up in (ROOT.parent, ROOT.parent.parent)]
DEFAULT_SPEC = next((c for c in CANDIDATES if c.is_file()), CANDIDATES[0])
OUT = ROOT / "tests" / "sandbox" / "data" / "openapi-subset.json"


def served_routes() -> list[tuple[str, str]]:
    """(METHOD, /path/{param}) for every Syncro route of the sandbox, HEAD left out."""
    out = set()
    for route in build_api(Sandbox()).routes:
        path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)  # starlette's {id:int} → {id}
        out.update((m, path) for m in route.methods or () if m != "HEAD")
    return sorted(out, key=lambda mp: (mp[1], mp[0]))


def spec_path(paths: dict[str, Any], method: str, path: str) -> str | None:
    for candidate in (path, path.lstrip("/")):
        if method.lower() in paths.get(candidate, {}):
            return candidate
    return None


def inline_refs(node: Any, spec: dict[str, Any], seen: tuple[str, ...] = ()) -> Any:
    if isinstance(node, list):
        return [inline_refs(v, spec, seen) for v in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/") and ref not in seen:
        target: Any = spec
        for part in ref[2:].split("/"):
            target = target[part]
        return inline_refs(target, spec, (*seen, ref))
    return {k: inline_refs(v, spec, seen) for k, v in node.items()}


def subset(spec: dict[str, Any], source: Path) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    missing = []
    for method, path in served_routes():
        key = spec_path(spec["paths"], method, path)
        if key is None:
            missing.append(f"{method} {path}")
            continue
        op = spec["paths"][key][method.lower()]
        kept = {k: op[k] for k in ("summary",) if k in op}
        kept["responses"] = inline_refs(op.get("responses", {}), spec)
        paths.setdefault(key, {})[method.lower()] = kept
    raw = source.read_bytes()
    return {
        "x-vendored": {
            "what": "The responses of the Syncro API operations the sandbox serves, copied from Syncro's spec "
            "for tests/sandbox/test_conformance.py. Do not edit by hand.",
            "source": f"{source.name} (Syncro's published OpenAPI {spec.get('openapi')} document, "
            f"info.version {spec.get('info', {}).get('version')}, https://api-docs.syncromsp.com)",
            "source_sha256": hashlib.sha256(raw).hexdigest(),
            "vendored_on": datetime.now(timezone.utc).date().isoformat(),
            "regenerate": "python scripts/vendor_openapi.py --spec PATH/TO/syncro-api-v1.openapi.json",
            "not_in_spec": missing,
        },
        "openapi": spec.get("openapi"),
        "info": {k: spec["info"][k] for k in ("title", "version") if k in spec.get("info", {})},
        "paths": paths,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help=f"the full spec (default {DEFAULT_SPEC})")
    parser.add_argument("--out", type=Path, default=OUT, help="where to write the subset")
    args = parser.parse_args(argv)
    if not args.spec.is_file():
        print(f"spec not found: {args.spec} (pass --spec)", file=sys.stderr)
        return 2
    data = subset(json.loads(args.spec.read_text(encoding="utf-8")), args.spec)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    ops = sum(len(v) for v in data["paths"].values())
    print(f"{args.out}: {ops} operations, {args.out.stat().st_size:,} bytes; not in spec: "
          f"{', '.join(data['x-vendored']['not_in_spec']) or 'none'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
