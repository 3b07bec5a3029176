"""The code's shape, enforced: short functions in the tools and the engine, tools declared at module level.

A tool is one module-level ``ReadTool``/``WriteTool`` value whose handler, plan and apply are
module-level functions (reachable by an editor, a profiler, a test); no function in ``tools/``
or ``engine/`` is longer than 60 lines; no function is defined inside another one there.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from syncro_mcp.tools import catalog
from syncro_mcp.tools.declare import ReadTool

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("tools", "engine")
MAX_LINES = 60


def _sources() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).glob("*.py"))


def _functions(tree: ast.AST):
    return [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


@pytest.mark.parametrize("path", _sources(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_function_is_longer_than_60_lines(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    long = [
        f"{f.name} ({f.end_lineno - f.lineno + 1} lines)"
        for f in _functions(tree)
        if (f.end_lineno or f.lineno) - f.lineno + 1 > MAX_LINES
    ]
    assert not long, f"{path.name}: {long}"


@pytest.mark.parametrize("path", _sources(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_nested_functions(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nested = [
        f"{inner.name} in {outer.name}"
        for outer in _functions(tree)
        for inner in _functions(outer)
        if inner is not outer
    ]
    assert not nested, f"{path.name}: {nested}"


def test_every_tool_is_a_module_level_declaration_of_module_level_functions():
    for tool in catalog.TOOLS:
        fns = [tool.handler] if isinstance(tool, ReadTool) else [tool.plan, tool.apply]
        for fn in fns:
            assert "<locals>" not in fn.__qualname__, (tool.name, fn.__qualname__)
            assert getattr(__import__(fn.__module__, fromlist=["_"]), fn.__name__) is fn, (tool.name, fn)
        assert tool.description, tool.name


def test_toolsets_match_the_settings_list():
    from syncro_mcp.server.settings import OPT_IN_TOOLSETS, TOOLSETS
    from syncro_mcp.tools.declare import Toolset

    assert {t.value for t in Toolset if t is not Toolset.ANY} == set(TOOLSETS + OPT_IN_TOOLSETS)


CITING = ("client", "sandbox", "server", "tools", "engine", "package", "tests", "bench", "docs", "skill", "scripts")


def _citing_files() -> list[Path]:
    """Every Python and Markdown file of the repository that may cite a Syncro fact."""
    found = [ROOT / "README.md"]
    for folder in CITING:
        found += [p for p in (ROOT / folder).rglob("*") if p.suffix in (".py", ".md") and "__pycache__" not in p.parts]
    return sorted(found)


def test_cited_syncro_facts_exist():
    """Code, tests and docs cite docs/syncro-facts.md#<anchor>; every cited anchor is in that file,
    every cited docs/<name>.md exists, and nothing cites notes that are not in the repository."""
    import re

    facts = (ROOT / "docs" / "syncro-facts.md").read_text(encoding="utf-8")
    anchors = set(re.findall(r'<a id="([a-z0-9-]+)"></a>', facts))
    outside = "NOTES " + "\u00a7"  # the shared NOTES.md's sections: not in this repository
    files = _citing_files()
    assert len(files) > 100
    for path in files:
        source = path.read_text(encoding="utf-8")
        where = path.relative_to(ROOT)
        assert outside not in source, f"{where} cites {outside}: cite docs/syncro-facts.md#<anchor>"
        for anchor in re.findall(r"syncro-facts\.md#([A-Za-z0-9_-]+)", source):
            assert anchor in anchors, (str(where), anchor)
        for doc in re.findall(r"\bdocs/([A-Za-z0-9_-]+\.md)\b", source):
            assert (ROOT / "docs" / doc).is_file(), (str(where), doc)


def test_input_schemas_read_from_fields_equal_pydantics_compacted():
    """Start-up reads each input schema from the model's fields; it must equal pydantic's, compacted."""
    from syncro_mcp.tools.schema import compact, fields_schema

    for tool in catalog.TOOLS:
        assert fields_schema(tool.args) == compact(tool.args.model_json_schema(by_alias=True)), tool.name


# What each package may not import (docs/architecture.md: arrows point downwards only). ``mcp`` is
# the SDK: the client, the engine and the sandbox know nothing of MCP.
FORBIDDEN = {
    "client": {"engine", "tools", "server", "sandbox", "testing", "mcp"},
    "engine": {"tools", "server", "sandbox", "testing", "mcp"},
    "tools": {"server", "sandbox", "testing"},
    "sandbox": {"client", "engine", "tools", "server", "testing", "mcp"},
}


def _imported(path: Path, package: str) -> set[str]:
    """The first name below ``syncro_mcp`` (or ``mcp`` for the SDK) of every import in ``path``,
    relative ones resolved, function-level (lazy) ones included."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: level 1 is this package, 2 is syncro_mcp
                base = ["syncro_mcp", package][: 3 - node.level] if node.level <= 2 else []
                modules = [".".join([*base, node.module] if node.module else base)]
                if not node.module:
                    modules = [".".join([*base, a.name]) for a in node.names]
            else:
                modules = [node.module or ""]
        else:
            continue
        for m in modules:
            parts = m.split(".")
            if parts[0] == "syncro_mcp" and len(parts) > 1:
                names.add(parts[1])
            elif parts[0] == "mcp":
                names.add("mcp")
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_point_downwards_only(package: str):
    wrong = {
        p.name: sorted(_imported(p, package) & FORBIDDEN[package]) for p in sorted((ROOT / package).glob("*.py"))
    }
    wrong = {k: v for k, v in wrong.items() if v}
    assert not wrong, f"{package}/ imports what sits above it: {wrong}"


def test_the_import_check_sees_relative_and_lazy_imports(tmp_path: Path):
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from ..tools import registry\ndef f():\n    from mcp.server import x\n    import syncro_mcp.server\n"
    )
    assert _imported(probe, "engine") == {"tools", "mcp", "server"}


def test_each_journaled_plan_names_its_own_tool():
    """A plan's ``Engine.check(op, …)`` and ``Job(op, …)`` carry its tool's name: ``check`` and the
    lock (``Journal.claim``) compare entries by op, and ``resume_write`` finds the tool by it; a
    name that drifted would let a repeat through and leave an entry nothing can resume."""
    import inspect
    import textwrap

    from syncro_mcp.tools.declare import WriteTool

    journaled = 0
    for tool in catalog.TOOLS:
        if not isinstance(tool, WriteTool):
            continue
        tree = ast.parse(textwrap.dedent(inspect.getsource(tool.plan)))
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call) and n.args):
            callee = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
            if callee in ("check", "Job") and isinstance(call.args[0], ast.Constant):
                assert call.args[0].value == tool.name, (tool.name, callee, call.args[0].value)
                journaled += 1
    assert journaled >= 20  # both calls, in every plan that journals (bill, comment, time, close, …)


def test_the_worked_example_visits_at_most_six_files_each_once():
    """docs/architecture.md follows ``bill_ticket``'s ``number`` from the tool to the HTTP request:
    at most 6 files, none twice, each existing and holding the function or field its row names."""
    import re

    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = doc.split("## Worked example", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| \d+ \| `([^`]+)` \| `([^`]+)`", section, flags=re.M)
    files = [f for f, _ in rows]
    assert 2 <= len(files) <= 6 and len(set(files)) == len(files), files
    for file, first in rows:
        source = (ROOT / file).read_text(encoding="utf-8")
        symbol = re.match(r"[A-Za-z_][\w.]*", first)
        assert symbol, (file, first)
        assert _defines(ast.parse(source), symbol.group(0).split(".")), (file, symbol.group(0))


def _defines(tree: ast.AST, names: list[str]) -> bool:
    """``tree`` defines ``names[0]`` (a class or function), and ``names[1]`` in that class's own body."""
    defs = (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    found = [n for n in ast.walk(tree) if isinstance(n, defs) and n.name == names[0]]
    if len(names) == 1 or not found:
        return bool(found)
    members = {n.name for n in found[0].body if isinstance(n, defs)}
    members |= {n.target.id for n in found[0].body if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)}
    return names[1] in members


def test_one_client_factory():
    """Only ``server/serving.make_client`` builds a ``SyncroClient`` (real Syncro, the sandbox, the
    placeholder, a technician's; the in-memory stack of ``syncro_mcp.testing`` goes through it too)."""
    builders = []
    for pkg in ("server", "tools", "engine", "package", "sandbox", "client"):
        for path in sorted((ROOT / pkg).glob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call):
                    f = node.func
                    if (f.id if isinstance(f, ast.Name) else getattr(f, "attr", "")) == "SyncroClient":
                        builders.append(f"{pkg}/{path.name}:{node.lineno}")
    assert builders and {b.split(":")[0] for b in builders} == {"server/serving.py"}, builders


def test_billing_and_time_build_on_shared_homes_not_on_the_tickets_module():
    """The journaled plan type lives with the declarations (``declare.JournaledPlan``), the shared
    argument models with the shared input types (``params``), the ticket label with the texts
    (``formatting``): the billing, time and other write modules import nothing from ``tickets.py``."""
    for name in ("billing", "time", "time_edit", "parts", "day_writes", "invoices"):
        tree = ast.parse((ROOT / "tools" / f"{name}.py").read_text(encoding="utf-8"))
        froms = [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        assert not [n for n in froms if n.module in ("tickets", "syncro_mcp.tools.tickets")], name
        assert not [n for n in froms if n.level and n.module is None and any(a.name == "tickets" for a in n.names)]
