"""The web process only verifies, acks and enqueues, so it never loads the numeric stack.

Run in a fresh interpreter exactly as gunicorn loads it (``bot.web:app`` from the environment,
the durable SQLite queue), against a loopback fake Slack: after the import, and after acking a
signed slash command, a button click and an event, none of pandas, numpy, scipy, matplotlib or
scikit-learn is loaded, and the three jobs are on the queue for a worker.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.fakes.slack_api import DEFAULT_TEAM, DEFAULT_TOKEN, FakeSlack
from tests.slack.harness import SIGNING_SECRET

ROOT = Path(__file__).resolve().parents[2]

CHILD = r"""
import hashlib, hmac, json, sys, time
from urllib.parse import urlencode

HEAVY = ("pandas", "numpy", "scipy", "matplotlib", "sklearn")

def loaded():
    return sorted(name for name in HEAVY if name in sys.modules)

import bot.web

after_import = loaded()
web = bot.web.app  # built from the environment, as gunicorn does
client = web.test_client()

def post(body, content_type):
    stamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": stamp,
               "X-Slack-Signature": f"v0={digest}"}
    return client.post("/slack/events", data=body.encode(), headers=headers).status_code

team = TEAM
statuses = [
    post(urlencode({"team_id": team, "channel_id": "C0GENERAL", "user_id": "U0ALICE",
                    "command": "/prices", "text": "", "api_app_id": "A0FLEXCALC",
                    "response_url": FAKE + "respond/1", "trigger_id": "1.1.a"}),
         "application/x-www-form-urlencoded"),
    post(urlencode({"payload": json.dumps({
        "type": "block_actions", "team": {"id": team}, "api_app_id": "A0FLEXCALC",
        "user": {"id": "U0ALICE", "team_id": team}, "trigger_id": "1.2.a",
        "channel": {"id": "C0GENERAL"}, "response_url": FAKE + "respond/2",
        "container": {"type": "message", "channel_id": "C0GENERAL"},
        "actions": [{"type": "button", "action_id": "flex_run_0", "value": "carbon",
                     "action_ts": str(time.time())}]})}),
         "application/x-www-form-urlencoded"),
    post(json.dumps({"team_id": team, "api_app_id": "A0FLEXCALC", "type": "event_callback",
                     "event_id": "Ev0LEAN", "event_time": int(time.time()),
                     "event": {"type": "app_mention", "user": "U0ALICE", "text": "<@UBOT> prices",
                               "channel": "C0GENERAL", "ts": "1.000100"}}),
         "application/json"),
]
from bot.jobs.queue import make_huey
print(json.dumps({"after_import": after_import, "after_acks": loaded(), "statuses": statuses,
                  "queued": make_huey().pending_count()}))
"""


def test_the_web_acks_and_queues_without_the_numeric_stack(fake_slack: FakeSlack, tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SLACK_", "FLEX_", "TEAMS_", "DATABASE_URL"))
    }
    env.update(
        SLACK_BOT_TOKEN=DEFAULT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake_slack.api_url,
        DATABASE_URL=f"sqlite:///{tmp_path}/flexcalc.sqlite",
        FLEX_CACHE_DIR=str(tmp_path / "cache"),
        PYTHONPATH=str(ROOT),
    )
    given = {"SECRET": SIGNING_SECRET, "TEAM": DEFAULT_TEAM, "FAKE": fake_slack.base_url + "/"}
    code = "".join(f"{name} = {value!r}\n" for name, value in given.items()) + CHILD
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["after_import"] == []
    assert seen["statuses"] == [200, 200, 200]
    assert seen["queued"] == 3  # the command, the click and the mention: each one job
    assert seen["after_acks"] == []
