"""An answer's chart never waits behind a queue of new work: it is drawn and uploaded by the
answer's own job, straight after the answer is posted, before the worker takes the next command
(docs/adr/0089)."""

from __future__ import annotations

import pytest
from huey import SqliteHuey

from bot.worker import build_queue
from tests.fakes.slack_api import FakeSlack
from tests.jobs.web import offline_services, queueing_web, single_workspace


@pytest.mark.slow  # five answers with charts, computed for real
def test_each_chart_follows_its_own_answer_before_the_next_answer(
    fake_slack: FakeSlack, tmp_path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("FLEX_OFFLINE", "1")
    monkeypatch.setenv("SLACK_BOT_TOKEN", single_workspace(fake_slack).bot_token or "")
    monkeypatch.setenv("SLACK_API_URL", fake_slack.api_url)
    services = offline_services(tmp_path)
    queue_file = str(tmp_path / "queue.sqlite")
    running, stop = queueing_web(
        fake_slack, services, single_workspace(fake_slack), SqliteHuey("q", filename=queue_file)
    )
    users = [f"U0USER{n}" for n in range(5)]
    asker: dict[str, str] = {}  # response_url name -> who asked
    try:  # a queue of new work, all acked before any of it runs
        for n, user in enumerate(users):
            _, url = running.slack.command("/bestslot", f"{n + 1}h", user_id=user)
            asker[url.rsplit("/", 1)[1]] = user
    finally:
        stop()
    huey = SqliteHuey("q", filename=queue_file, results=False)
    build_queue(huey, services)  # the worker's listeners, on the queue the web filled
    while (task := huey.dequeue()) is not None:  # one worker thread, in queue order
        huey.execute(task)
    seen: list[str] = []  # what each user saw, in the order Slack got it
    for call in fake_slack.calls:
        text = str(call.params.get("text", ""))
        if call.method == "response_url" and not text.startswith(("Working", "Still")):
            seen.append(f"answer {asker[call.target]}")
        elif call.method == "files.completeUploadExternal":
            seen.append("chart " + str(call.params.get("initial_comment", "")).split("<@")[-1][:-2])
    assert seen == [f"{what} {user}" for user in users for what in ("answer", "chart")]
