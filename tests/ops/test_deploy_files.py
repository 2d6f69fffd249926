"""The deployment files agree with the code: Dockerfile, compose.yaml, the Kubernetes manifest,
.env.example and the Procfile (Docker does not run here, so the files are checked as text)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml

from bot.observability import probe
from bot.storage import heartbeat
from bot.storage.db import get_engine
from bot.storage.subscriptions import utcnow

ROOT = Path(__file__).resolve().parents[2]
READS = re.compile(
    r"""(?:environ\.get|environ\[|getenv|_env|env\.get)\(?\s*["']([A-Z][A-Z0-9_]{2,})["']"""
)
ENV_CONSTANT = re.compile(r"""^[A-Z0-9_]*ENV[A-Z0-9_]*\s*=\s*["']([A-Z][A-Z0-9_]{2,})["']""", re.M)
# Read by the Microsoft 365 Agents SDK's load_configuration_from_env, which bot.teams.agent calls.
SDK_FAMILY = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip() and not line.startswith("#"))


def dockerfile() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [tuple(line.split(None, 1)) for line in lines if line and not line.startswith("#")]


def exec_form(value: str) -> list[str]:
    return yaml.safe_load(value)  # a JSON array is YAML too


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def app_services() -> dict[str, dict]:
    return {name: s for name, s in compose()["services"].items() if s.get("build") == "."}


def code_reads() -> set[str]:
    names: set[str] = set()
    for path in [*ROOT.joinpath("bot").rglob("*.py"), *ROOT.joinpath("flexcalc").rglob("*.py")]:
        text = path.read_text()
        names |= set(READS.findall(text)) | set(ENV_CONSTANT.findall(text))
    return {name for name in names if not is_wsgi_key(name)}


def is_wsgi_key(name: str) -> bool:
    """A request's WSGI environ key (the edge-limits middleware reads those), not a setting."""
    return name.startswith("HTTP_") or name in {
        "REQUEST_METHOD", "PATH_INFO", "CONTENT_LENGTH", "CONTENT_TYPE", "QUERY_STRING",
    }  # fmt: skip


def env_example() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", text, re.M))


def test_the_image_is_slim_python_311_runs_as_a_user_and_checks_its_health():
    instructions = dockerfile()
    assert instructions[0] == ("FROM", "python:3.11-slim")
    users = [arg for op, arg in instructions if op == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    ops = [op for op, _ in instructions]
    assert ops.index("USER") < ops.index("CMD")  # the process itself never runs as root
    runs = " ".join(arg for op, arg in instructions if op == "RUN")
    assert "pip install -r requirements.txt" in runs
    [check] = [arg for op, arg in instructions if op == "HEALTHCHECK"]
    command = exec_form(check.split("CMD", 1)[1])
    assert command[:3] == ["python", "-m", "bot.observability.probe"]
    assert command[3] in probe.ROLES


def test_the_image_and_compose_run_exactly_the_procfile_processes():
    processes = procfile()
    [cmd] = [arg for op, arg in dockerfile() if op == "CMD"]
    assert exec_form(cmd) == ["python", "-m", "bot", "web"]  # = the Procfile's web line
    services = app_services()
    assert set(processes) <= set(services)
    for name, service in services.items():
        assert service["command"] == ["python", "-m", "bot", name]
        if name in processes and name != "web":  # web: gunicorn, which `python -m bot web` runs
            assert shlex.split(processes[name]) == service["command"]


def test_compose_runs_postgresql_migrates_first_and_needs_no_redis():
    spec = compose()
    assert spec["services"]["db"]["image"].startswith("postgres:")
    assert "healthcheck" in spec["services"]["db"]
    for name, service in app_services().items():
        assert service["environment"]["DATABASE_URL"].startswith("postgresql://")
        if name != "migrate":
            assert service["depends_on"]["migrate"] == {
                "condition": "service_completed_successfully"
            }
    assert "redis" not in spec["services"]  # the queue lives in PostgreSQL (PostgresHuey)
    assert not any("redis" in str(s.get("environment", "")) for s in app_services().values())


def test_env_example_lists_every_variable_the_code_reads_and_nothing_else():
    listed, read = env_example(), code_reads()
    assert read - listed == set(), "read by the code but missing from .env.example"
    extra = listed - read
    sdk = {name for name in extra if name.startswith(SDK_FAMILY)}
    assert "load_configuration_from_env" in (ROOT / "bot/teams/agent.py").read_text()
    compose_only = {name for name in extra if f"${{{name}" in (ROOT / "compose.yaml").read_text()}
    assert extra - sdk - compose_only == set(), "listed in .env.example but never read"


def test_the_kubernetes_manifest_runs_every_process_as_non_root_with_probes():
    docs = list(yaml.safe_load_all((ROOT / "deploy/kubernetes.yaml").read_text()))
    deployments = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Deployment"}
    roles = set()
    for deployment in deployments.values():
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] != 0
        for container in pod.get("initContainers", []) + pod["containers"]:
            assert container["command"][:3] == ["python", "-m", "bot"]
            assert container["securityContext"]["allowPrivilegeEscalation"] is False
            roles.add(container["command"][3])
            assert "livenessProbe" in container or container["command"][3] == "migrate"
    assert set(procfile()) | {"migrate"} <= roles
    web = deployments["flexcalc-web"]["spec"]["template"]["spec"]["containers"][0]
    assert web["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert web["readinessProbe"]["httpGet"]["path"] == "/readyz"


def test_the_web_probe_passes_against_a_serving_web_process(slack_app, monkeypatch, capsys):
    monkeypatch.setenv("PORT", slack_app.url.rsplit(":", 1)[1])
    assert probe.main(["web"]) == 0
    monkeypatch.setenv("PORT", "9")  # nothing listens there
    assert probe.main(["web"]) == 1


@pytest.fixture
def database(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path}/probe.sqlite"
    monkeypatch.setenv("DATABASE_URL", url)
    get_engine(url)  # the schema, as the first process to start makes it
    return url


def test_the_clock_probe_fails_until_a_clock_beats(database, capsys):
    assert probe.main(["clock"]) == 1
    assert "no clock heartbeat" in capsys.readouterr().out
    heartbeat.beat(get_engine(database), "clock-a", utcnow())
    assert probe.main(["clock"]) == 0
    assert probe.main(["worker"]) == 0
