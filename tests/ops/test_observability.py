"""/metrics, /readyz, /healthz and JSON logs, against the real app on loopback."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine

from bot.observability import health
from bot.observability.logs import configure_logging
from bot.storage import heartbeat
from bot.storage.subscriptions import utcnow
from flexcalc.sources.http import get_json, make_session

ROOT = Path(__file__).resolve().parents[2]


def _samples(text: str) -> dict[tuple[str, tuple], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def _scrape(app) -> dict[tuple[str, tuple], float]:
    response = requests.get(f"{app.url}/metrics", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    return _samples(response.text)


def _delta(after, before, name, **labels) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


def test_a_slash_command_is_counted_by_kind_and_outcome_with_its_ack_and_answer_times(slack_app):
    before = _scrape(slack_app)
    response, url = slack_app.slack.command("/flex", "prices in NG1")
    assert response.status_code == 200
    slack_app.fake.wait_replies(url)
    after = _scrape(slack_app)
    assert _delta(after, before, "flexcalc_commands_total", kind="prices", outcome="ok") == 1
    assert _delta(after, before, "flexcalc_answer_seconds_count", kind="prices") == 1
    assert _delta(after, before, "flexcalc_ack_seconds_count", surface="slack") >= 1
    deadline = time.monotonic() + 20  # the chart follows the answer
    while _delta(after, before, "flexcalc_chart_render_seconds_count") < 1:
        assert time.monotonic() < deadline, "no chart render was timed"
        time.sleep(0.2)
        after = _scrape(slack_app)


def test_a_command_not_understood_counts_as_a_usage_problem(slack_app):
    before = _scrape(slack_app)
    _, url = slack_app.slack.command("/flex", "bestslot banana")
    slack_app.fake.wait_replies(url)
    after = _scrape(slack_app)
    assert _delta(after, before, "flexcalc_commands_total", kind="unknown", outcome="usage") == 1


def test_readyz_reports_each_part_and_the_clock_once_it_beats(slack_app, tmp_path, monkeypatch):
    monkeypatch.setenv("FLEX_CACHE_DIR", str(tmp_path / "empty-cache"))
    report = requests.get(f"{slack_app.url}/readyz", timeout=10)
    assert report.status_code == 200  # the database answers: ready, even without a clock
    body = report.json()
    assert body["status"] == "degraded"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["queue"] == {"ok": True, "backend": "none"}
    assert body["checks"]["clock"] == {"ok": False, "last_beat": None, "age_seconds": None}
    assert body["checks"]["data"] == {"ok": False, "age_seconds": None}

    heartbeat.beat(slack_app.services.engine, "clock-1", utcnow() - timedelta(minutes=2))
    clock = requests.get(f"{slack_app.url}/readyz", timeout=10).json()["checks"]["clock"]
    assert clock["ok"] is True and 100 <= clock["age_seconds"] <= 200
    assert requests.get(f"{slack_app.url}/healthz", timeout=10).text.strip() == "ok"
    scraped = _scrape(slack_app)
    assert 100 <= scraped[("flexcalc_clock_heartbeat_age_seconds", ())] <= 200


def test_a_stale_clock_is_reported_not_ok():
    engine = create_engine("sqlite://")
    from bot.storage.db import init_db

    init_db(engine)
    heartbeat.beat(engine, "clock-1", utcnow() - timedelta(minutes=11))
    assert health.clock_check(engine)["ok"] is False
    heartbeat.beat(engine, "clock-2", utcnow())  # a second clock took over
    assert health.clock_check(engine)["ok"] is True


def test_readiness_fails_when_the_database_is_unreachable():
    engine = create_engine("postgresql+psycopg://flex@127.0.0.1:9/flexcalc?connect_timeout=2")
    ready, report = health.readiness(engine)
    assert ready is False
    assert report["status"] == "unavailable"
    assert report["checks"]["database"]["ok"] is False


def test_a_queue_probe_reports_its_depth_to_readyz_and_metrics(monkeypatch):
    monkeypatch.setattr(health, "_queue_probe", None)
    health.set_queue_probe("sqlite", lambda: 7)
    assert health.queue_check() == {"ok": True, "backend": "sqlite", "depth": 7}
    health.set_queue_probe("redis", lambda: 1 / 0)
    assert health.queue_check()["ok"] is False


def test_upstream_calls_are_counted_fetched_cached_and_failed(httpserver, tmp_path):
    from bot.observability.metrics import UPSTREAM

    def count(result: str) -> float:
        return UPSTREAM.labels(service="Test API", result=result)._value.get()

    before = {r: count(r) for r in ("fetched", "cached", "error")}
    httpserver.expect_request("/ok").respond_with_json({"results": []})
    httpserver.expect_request("/broken").respond_with_data("no", status=404)
    session = make_session(tmp_path, retries=0)
    get_json(session, httpserver.url_for("/ok"), "Test API")
    get_json(session, httpserver.url_for("/ok"), "Test API")
    with pytest.raises(Exception, match="HTTP 404"):
        get_json(session, httpserver.url_for("/broken"), "Test API")
    assert count("fetched") - before["fetched"] == 1
    assert count("cached") - before["cached"] == 1
    assert count("error") - before["error"] == 1


def test_json_log_lines_carry_level_logger_message_and_extras(monkeypatch, capsys):
    monkeypatch.setenv("FLEX_LOG_FORMAT", "json")
    configure_logging("INFO")
    try:
        logging.getLogger("bot.test").warning("slow answer %s", "prices", extra={"team": "T1"})
        logging.getLogger("bot.test").debug("not shown at INFO")
    finally:
        monkeypatch.delenv("FLEX_LOG_FORMAT")
        configure_logging("WARNING")  # back to text for the other tests
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
    assert len(lines) == 1
    assert lines[0]["level"] == "WARNING" and lines[0]["logger"] == "bot.test"
    assert lines[0]["message"] == "slow answer prices" and lines[0]["team"] == "T1"
    assert "time" in lines[0]


@pytest.mark.slow
def test_in_multiprocess_mode_metrics_from_every_process_are_summed(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "HOME": "/tmp"}
    count = "from bot.observability import metrics; metrics.record_command(None, 'usage')"
    for _ in range(2):  # two gunicorn workers, say
        subprocess.run([sys.executable, "-c", count], cwd=ROOT, env=env, check=True, timeout=60)
    show = "from bot.observability import metrics; print(metrics.exposition()[0].decode())"
    out = subprocess.run([sys.executable, "-c", show], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True, timeout=60).stdout  # fmt: skip
    key = ("flexcalc_commands_total", (("kind", "unknown"), ("outcome", "usage")))
    assert _samples(out)[key] == 2


@pytest.mark.slow
def test_gunicorn_hooks_drop_a_previous_runs_values_but_keep_their_own(tmp_path):
    (tmp_path / "counter_999999.db").write_bytes(b"stale")  # a worker of the previous run
    env = {"PATH": "/usr/bin:/bin", "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "HOME": "/tmp"}
    script = (
        "import importlib.util, os\n"
        "spec = importlib.util.spec_from_file_location('conf', 'gunicorn.conf.py')\n"
        "conf = importlib.util.module_from_spec(spec); spec.loader.exec_module(conf)\n"
        "from bot.observability import metrics\n"
        "metrics.CHART_SECONDS.observe(0.2)\n"
        "conf.on_starting(None)\n"
        "print(metrics.exposition()[0].decode())\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True, timeout=60).stdout  # fmt: skip
    assert not (tmp_path / "counter_999999.db").exists()
    assert _samples(out)[("flexcalc_chart_render_seconds_count", ())] == 1


def test_with_a_token_set_metrics_need_it(slack_app, monkeypatch):
    monkeypatch.setenv("FLEX_METRICS_TOKEN", "s3cret-scrape")
    url = f"{slack_app.url}/metrics"
    assert requests.get(url, timeout=10).status_code == 401
    wrong = {"Authorization": "Bearer guess"}
    assert requests.get(url, headers=wrong, timeout=10).status_code == 401
    right = {"Authorization": "Bearer s3cret-scrape"}
    response = requests.get(url, headers=right, timeout=10)
    assert response.status_code == 200 and "flexcalc_commands_total" in response.text


def test_json_logs_keep_tokens_out_of_tracebacks(monkeypatch, capsys):
    from bot.security import redaction

    redaction.install()
    monkeypatch.setenv("FLEX_LOG_FORMAT", "json")
    configure_logging("INFO")
    token = "xoxb-1234567890-abcdefghijkl"
    try:
        try:
            raise RuntimeError(f"Slack refused {token}")
        except RuntimeError:
            logging.getLogger("bot.test").exception("posting failed")
    finally:
        monkeypatch.delenv("FLEX_LOG_FORMAT")
        configure_logging("WARNING")
    [line] = [json.loads(x) for x in capsys.readouterr().err.splitlines() if x]
    assert "RuntimeError" in line["exc_info"] and token not in json.dumps(line)
