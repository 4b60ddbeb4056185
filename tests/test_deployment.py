"""The deployment files a charity's volunteer would use, read as Docker, Compose and Heroku read them.

No Docker engine runs here, so the image is not built in the tests: these check what the files say
(non-root, the lock file, the commands, the services) and run the image's command as a process.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import yaml

from famsbot.config import Settings
from tests.support.processes import serving

ROOT = Path(__file__).resolve().parents[1]


def _dockerfile() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def test_the_image_is_slim_pinned_to_our_python_installs_the_lock_and_runs_as_a_user() -> None:
    instructions = _dockerfile()
    base = next(arg for op, arg in instructions if op == "FROM")
    python = (ROOT / ".python-version").read_text(encoding="utf-8").strip()
    assert re.fullmatch(rf"python:{re.escape(python)}-slim(-\w+)?", base)

    runs = [arg for op, arg in instructions if op == "RUN"]
    assert "pip install --require-hashes -r requirements.txt" in runs[0]
    assert "pip install --no-deps ." in runs[1]

    users = [arg for op, arg in instructions if op == "USER"]
    assert users == ["famsbot"]  # the last USER is the one the container runs as
    assert "useradd --system" in runs[1]
    ops = [op for op, _ in instructions]
    assert ops.index("USER") > max(i for i, op in enumerate(ops) if op == "RUN")  # nothing runs as root after

    assert json.loads(next(arg for op, arg in instructions if op == "ENTRYPOINT")) == ["famsbot"]
    command = json.loads(next(arg for op, arg in instructions if op == "CMD"))
    assert command == ["serve", "--host", "0.0.0.0"]  # noqa: S104 - inside the container, behind its port mapping


def test_the_image_leaves_out_secrets_databases_and_the_repository() -> None:
    ignored = set((ROOT / ".dockerignore").read_text(encoding="utf-8").split())
    assert {".git", ".env", "*.db", ".venv", "tests"} <= ignored


def test_the_image_command_serves_on_the_platform_port(tmp_path: Path) -> None:
    """``famsbot serve`` with only PORT set, as the container (and Heroku, Render, ...) runs it."""
    with serving({"FAMSBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/d.db"}, port_from_env=True) as served:
        health = httpx.get(f"{served.url}/healthz")
    assert health.json() == {"status": "ok"}


def test_compose_runs_web_worker_and_postgresql_after_migrating() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert set(services) == {"db", "migrate", "web", "worker"}

    assert services["migrate"]["command"] == ["db", "upgrade"]
    assert services["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    for name in ("web", "worker"):
        assert services[name]["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
        url = services[name]["environment"]["FAMSBOT_DATABASE_URL"]
        assert Settings(database_url=url).database_url.startswith("postgresql+psycopg://famsbot:famsbot@db:5432/")
    assert services["web"]["ports"] == ["127.0.0.1:8000:8000"]  # localhost only: no console open to the LAN
    assert services["worker"]["command"] == ["worker"]
    assert "pgdata:/var/lib/postgresql/data" in services["db"]["volumes"]  # data survives `down` and restarts


def test_the_platform_manifest_matches_the_procfile_and_the_settings() -> None:
    manifest = json.loads((ROOT / "app.json").read_text(encoding="utf-8"))
    procfile = dict(line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line)
    assert set(manifest["formation"]) == {"web", "worker"} <= set(procfile)
    assert [addon["plan"] for addon in manifest["addons"]] == ["heroku-postgresql"]  # gives DATABASE_URL

    env = manifest["env"]
    assert env["FAMSBOT_ENV"]["value"] == "production"
    assert env["FAMSBOT_SECRET_KEY"] == {"description": "signs staff sessions and CSRF tokens", "generator": "secret"}
    assert env["FAMSBOT_PUBLIC_URL"]["required"] is True
    assert "*" not in env["FAMSBOT_TRUSTED_PROXIES"]["value"]  # '*' would believe the client's own first entry
    read = {name for field in Settings.model_fields.values() for name in getattr(field.validation_alias, "choices", [])}
    assert set(env) <= read  # every variable the manifest asks for is one famsbot reads
    assert "DATABASE_URL" in read
