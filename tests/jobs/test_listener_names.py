"""Queued jobs name their listener by what it answers, never by the order listeners register in.

A job outlives the process that queued it (a deploy restarts the web and the workers at
different moments), so a worker whose listener modules register in another order must still
run the right listener for every job already in the queue.
"""

from __future__ import annotations

import pytest
from huey import SqliteHuey

from bot.app import slack_tokens
from bot.jobs.bridge import ListenerTable, QueuingApp
from bot.jobs.runner import JobQueue
from bot.listeners import actions, alerts, commands, engagement, events
from bot.services import Services
from tests.fakes.slack_api import FakeSlack
from tests.jobs.web import offline_services, queueing_web, single_workspace
from tests.slack.harness import block_text


def _worker_table(services: Services, order: list) -> ListenerTable:
    """The worker's table, its listener modules registered in ``order``."""
    table = ListenerTable()
    app = QueuingApp(None, table)  # type: ignore[arg-type]
    for module in order:
        if module is alerts:
            module.register(app, services.engine)  # type: ignore[arg-type]
        else:
            module.register(app, services)  # type: ignore[arg-type]
    return table


@pytest.mark.slow  # two answers with charts, computed for real
def test_a_worker_registering_listeners_in_another_order_answers_queued_commands(
    fake_slack: FakeSlack, tmp_path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("FLEX_OFFLINE", "1")
    services = offline_services(tmp_path)
    config = single_workspace(fake_slack)
    queue_file = str(tmp_path / "queue.sqlite")
    # The web: acks and queues on the durable queue; nothing runs the jobs yet.
    running, stop = queueing_web(
        fake_slack, services, config, SqliteHuey("flexcalc", filename=queue_file)
    )
    try:
        _, prices_url = running.slack.command("/prices", "")
        _, bestslot_url = running.slack.command("/bestslot", "2h")
    finally:
        stop()
    # A worker from a build whose listener modules register in reverse order.
    order = [alerts, actions, events, commands, engagement]
    huey = SqliteHuey("flexcalc", filename=queue_file, results=False)
    worker = JobQueue(
        huey, _worker_table(services, order), lambda: slack_tokens(config, services.engine)
    )
    assert huey.pending_count() == 2
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
    prices = " ".join(block_text(r) for r in fake_slack.wait_replies(prices_url))
    bestslot = " ".join(block_text(r) for r in fake_slack.wait_replies(bestslot_url))
    assert "p/kWh" in prices  # (a busy machine may add "Still working on it" first)
    assert "Best 2 h window" in bestslot
    assert len(worker.table.functions) == 12  # every lazy listener, whatever the order


def test_two_different_listeners_cannot_share_a_name():
    table = ListenerTable()

    def answer() -> None: ...

    def make_other():
        def answer() -> None: ...

        answer.__qualname__ = test_two_different_listeners_cannot_share_a_name.__qualname__
        answer.__qualname__ += ".<locals>.answer"
        return answer

    table.add("command", answer, "/prices")
    assert table.add("command", answer, "/prices")  # the same listener again: the same name
    with pytest.raises(ValueError, match="both named"):
        table.add("command", make_other(), "/prices")
