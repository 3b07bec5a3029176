"""Static checks of the publishing files: the MCP Registry's server.json and the Claude Desktop
extension manifest (mcpb/manifest.json), against the official schemas vendored in tests/data/."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
SERVER_JSON = ROOT / "server.json"
MANIFEST = ROOT / "mcpb" / "manifest.json"
LAUNCH = ROOT / "mcpb" / "launch.py"
PYPROJECT = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")

# The vendored schemas must stay byte-identical to their published source (see tests/data/README.md).
SCHEMA_HASHES = {
    "server.schema.json": "3fba09590c99f61735d234822279f4223fab9e300c0a81e81c91ab62a4114de0",
    "mcpb-manifest-v0.4.schema.json": "068557824c651d6d49b86ad132adeafe62ca788d918b3e1e2b224bf0f91320fd",
}
SERVER_SCHEMA_URL = "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"

# SYNCRO_SANDBOX=1 runs on the embedded sandbox (no account); the other two reach a real Syncro.
ENV_VARS = {"SYNCRO_SUBDOMAIN", "SYNCRO_API_KEY", "SYNCRO_SANDBOX"}


def _project_field(name: str) -> str:
    """A string field of pyproject's [project] table (a regex: tomllib is not in Python 3.10)."""
    table = re.search(r"^\[project\]\n(.*?)(?=^\[)", PYPROJECT, re.S | re.M)
    assert table, "pyproject.toml has no [project] table"
    found = re.search(rf'^{name}\s*=\s*"([^"]+)"', table.group(1), re.M)
    assert found, f"pyproject.toml [project] has no {name}"
    return found.group(1)


def _console_scripts() -> dict[str, str]:
    table = re.search(r"^\[project\.scripts\]\n(.*?)(?=^\[|\Z)", PYPROJECT, re.S | re.M)
    assert table, "pyproject.toml has no [project.scripts]"
    return dict(re.findall(r'^"?([\w.-]+)"?\s*=\s*"([^"]+)"', table.group(1), re.M))


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _validator(schema_file: str) -> jsonschema.protocols.Validator:
    schema = _load(DATA / schema_file)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _errors(schema_file: str, instance: dict) -> list[str]:
    errors = _validator(schema_file).iter_errors(instance)
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors]


@pytest.mark.parametrize("name", sorted(SCHEMA_HASHES))
def test_vendored_schemas_are_unmodified(name):
    assert hashlib.sha256((DATA / name).read_bytes()).hexdigest() == SCHEMA_HASHES[name]


# --- server.json (MCP Registry) ---------------------------------------------------------------


def test_server_json_validates_against_the_registry_schema():
    server = _load(SERVER_JSON)
    assert server["$schema"] == SERVER_SCHEMA_URL == _load(DATA / "server.schema.json")["$id"]
    assert _errors("server.schema.json", server) == []


def test_the_validator_rejects_a_broken_server_json():
    """The schema check has teeth: a name without a namespace and a version of 'latest' fail."""
    broken = _load(SERVER_JSON)
    broken["name"] = "syncro-mcp"
    broken["packages"][0]["version"] = "latest"
    assert len(_errors("server.schema.json", broken)) == 2


def test_server_json_matches_pyproject():
    server = _load(SERVER_JSON)
    version = _project_field("version")
    assert server["version"] == version
    [package] = server["packages"]
    assert package["registryType"] == "pypi"
    assert package["identifier"] == _project_field("name")
    assert package["version"] == version
    assert package["transport"] == {"type": "stdio"}
    # `uvx syncro-mcp serve`: uvx runs the package's console script of the same name.
    assert package["identifier"] in _console_scripts()
    assert [a["value"] for a in package["packageArguments"]] == ["serve"]


def test_server_json_environment():
    [package] = _load(SERVER_JSON)["packages"]
    env = {v["name"]: v for v in package["environmentVariables"]}
    assert set(env) == ENV_VARS
    assert env["SYNCRO_API_KEY"]["isSecret"] is True
    assert not any(v.get("isSecret") for name, v in env.items() if name != "SYNCRO_API_KEY")


def test_readme_carries_the_registry_name_marker():
    """The registry verifies a PyPI package by `mcp-name: <name>` in its description (the README),
    followed by a boundary: whitespace, a newline, a tag or the comment close."""
    name = _load(SERVER_JSON)["name"]
    assert re.search(rf"mcp-name: {re.escape(name)}(?=\s|<|-->|$)", README, re.M), f"README lacks mcp-name: {name}"
    assert re.findall(r"mcp-name: (\S+?)(?=\s|<|-->|$)", README, re.M) == [name]
    assert _project_field("readme") == "README.md"


# --- mcpb/manifest.json (Claude Desktop extension) --------------------------------------------


def test_manifest_validates_against_the_mcpb_schema():
    manifest = _load(MANIFEST)
    assert manifest["manifest_version"] == "0.4"
    assert _errors("mcpb-manifest-v0.4.schema.json", manifest) == []


def test_manifest_matches_pyproject_and_server_json():
    manifest = _load(MANIFEST)
    assert manifest["name"] == _project_field("name")
    assert manifest["version"] == _project_field("version") == _load(SERVER_JSON)["version"]
    assert manifest["license"] == _project_field("license")


def test_manifest_runs_the_console_script():
    server = _load(MANIFEST)["server"]
    assert server["type"] == "uv"
    config = server["mcp_config"]
    assert config["command"] == "uv"
    assert config["args"] == ["run", "--directory", "${__dirname}", "syncro-mcp", "serve"]
    assert _console_scripts()["syncro-mcp"] == "syncro_mcp.server.cli:main"
    assert server["entry_point"] == LAUNCH.name


def test_manifest_user_config_feeds_the_environment():
    manifest = _load(MANIFEST)
    user_config = manifest["user_config"]
    env = manifest["server"]["mcp_config"]["env"]
    assert set(env) == ENV_VARS
    used = {key for value in env.values() for key in re.findall(r"\$\{user_config\.(\w+)\}", value)}
    assert used == set(user_config), "every user_config option feeds an env var, and only those"
    assert env["SYNCRO_API_KEY"] == "${user_config.syncro_api_key}"
    assert user_config["syncro_api_key"]["sensitive"] is True
    assert user_config["sandbox"]["type"] == "boolean" and user_config["sandbox"]["default"] is False
    # No option is required, so the sandbox runs without an account.
    assert not any(option.get("required") for option in user_config.values())


def test_launch_entry_point_runs_serve():
    """mcpb/launch.py (the manifest's entry_point) is `syncro-mcp serve`: its --help is serve's."""
    done = subprocess.run(
        [sys.executable, str(LAUNCH), "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "serve" in done.stdout and "--sandbox" in done.stdout


@pytest.mark.skipif(shutil.which("mcpb") is None, reason="the mcpb CLI (npm @anthropic-ai/mcpb) is not installed")
def test_official_mcpb_cli_validates_the_manifest():
    done = subprocess.run(
        ["mcpb", "validate", str(MANIFEST)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "validation passes" in done.stdout
