"""deploy/: the team compose file, its Dockerfile and the demo-users script hold together.

No Docker here (and no image registry), so the compose file is checked as YAML structure: the
services the README promises, every ``SYNCRO_*`` variable a real setting, health checks on
``/healthz``, the Dockerfile copying every package folder. Where ``docker compose`` exists, its own
``config`` check runs too. The demo-users script runs for real and its users.yaml must load, with
its tokens authenticating.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import yaml
from syncro_mcp.server.settings import FIELDS, env_name
from syncro_mcp.server.users import authenticate, load_users

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
COMPOSE = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
SETTINGS_ENV = {env_name(f) for f in FIELDS}


def test_compose_has_two_servers_redis_postgres_and_the_sandbox():
    services = COMPOSE["services"]
    assert set(services) == {"sandbox", "syncro-mcp-1", "syncro-mcp-2", "redis", "postgres"}
    assert services["sandbox"]["command"][0] == "sandbox"
    ports = set()
    for name in ("syncro-mcp-1", "syncro-mcp-2"):
        svc = services[name]
        cmd = svc["command"]
        assert cmd[:3] == ["serve", "--transport", "http"], cmd
        port = cmd[cmd.index("--port") + 1]
        ports.add(port)
        env = svc["environment"]
        assert env["SYNCRO_RATE_LIMIT_URL"].startswith("redis://redis:")
        assert env["SYNCRO_USERS_FILE"] == "/etc/syncro-mcp/users.yaml"
        assert "SYNCRO_HTTP_TOKEN" not in env and "SYNCRO_API_KEY" not in env  # the users file replaces both
        assert "/healthz" in " ".join(svc["healthcheck"]["test"]) and port in " ".join(svc["healthcheck"]["test"])
        assert svc["depends_on"]["redis"]["condition"] == "service_healthy"
        assert svc["depends_on"]["postgres"]["condition"] == "service_healthy"
        journal = env["SYNCRO_JOURNAL_URL"]
        assert journal.startswith("postgresql://syncro:") and "@postgres:5432/" in journal
        # One journal in PostgreSQL: no state dir is shared (nor needed) between the instances.
        assert not [v for v in svc.get("volumes", []) if "/var/lib/syncro-mcp" in v], svc["volumes"]
        assert svc["build"]["dockerfile"] == "deploy/Dockerfile"
    assert len(ports) == 2
    published = {p.split(":")[-1] for p in services["sandbox"]["ports"]}
    assert ports <= published


def test_every_syncro_variable_in_compose_is_a_setting():
    text = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    live = {line.split(":")[0].strip() for line in text.splitlines() if re.match(r"\s+SYNCRO_\w+:", line)}
    assert live and live <= SETTINGS_ENV, live - SETTINGS_ENV
    assert "SYNCRO_JOURNAL_URL" in live  # the shared journal (PostgreSQL)


def test_dockerfile_copies_every_package_folder_and_installs_the_team_extra():
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")  # package-dir: "syncro_mcp.x" = "folder"
    folders = re.findall(r'^"syncro_mcp[\w.]*" = "(\w+)"$', pyproject, re.MULTILINE)
    assert "package" in folders and "server" in folders
    for folder in folders:
        assert f"COPY {folder} ./{folder}" in dockerfile, folder
    assert "'.[team]'" in dockerfile and "USER " in dockerfile


def test_docker_compose_config_when_available():
    docker = shutil.which("docker")
    if docker is None or subprocess.run([docker, "compose", "version"], capture_output=True).returncode != 0:
        return  # no Compose here: the structure tests above stand in for it
    done = subprocess.run([docker, "compose", "-f", str(DEPLOY / "compose.yaml"), "config", "-q"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_make_demo_users_writes_a_users_file_that_loads(tmp_path):
    shutil.copy(DEPLOY / "make-demo-users.sh", tmp_path)
    done = subprocess.run(["bash", str(tmp_path / "make-demo-users.sh")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    users = load_users(tmp_path / "users.yaml")
    assert [u.name for u in users] == ["Alice Example", "Bob Example"]
    for user, who in zip(users, ("alice", "bob"), strict=True):
        token = (tmp_path / "secrets" / f"{who}.token").read_text(encoding="utf-8").strip()
        assert authenticate(users, token) is user
        assert user.load_key().get_secret_value() == "sandbox-key"
    assert (tmp_path / "secrets" / "alice.token").stat().st_mode & 0o077 == 0
