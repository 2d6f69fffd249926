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
from bot.listeners import actions, alerts, commands, engagement, events, register_listeners
from bot.listeners.work import lazy_work
from bot.services import Services
from tests.fakes.slack_api import FakeSlack
from tests.jobs.web import offline_services, queueing_web, single_workspace
from tests.slack.harness import block_text


def _worker_table(services: Services, order: list) -> ListenerTable:
    """The worker's table, its listener modules registered in ``order``."""
    table = ListenerTable()
    app = QueuingApp(None, table, work=lazy_work(services))  # type: ignore[arg-type]
    for module in order:
        if module is alerts:
            module.register(app, services.engine)  # type: ignore[arg-type]
        else:
            module.register(app)  # type: ignore[arg-type]
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
    assert len(worker.table.functions) == 18  # every lazy listener, whatever the order


def test_two_different_listeners_cannot_share_a_name():
    table = ListenerTable()

    def answer() -> None: ...

    def other() -> None: ...

    key = table.add("command", "answer", "/prices", answer)
    assert table.add("command", "answer", "/prices", answer) == key  # the same job again
    with pytest.raises(ValueError, match="both named"):
        table.add("command", "answer", "/prices", other)


def test_every_job_the_web_names_is_in_the_workers_table(tmp_path):
    """A web and a worker of one build agree: each queued name finds its function."""
    services = offline_services(tmp_path)
    web, worker = ListenerTable(), ListenerTable()
    register_listeners(QueuingApp(None, web), services)  # type: ignore[arg-type]
    register_listeners(QueuingApp(None, worker, work=lazy_work(services)), services)  # type: ignore[arg-type]
    assert web.functions == {}  # the web only names jobs
    assert web.names == worker.names == set(worker.functions)
    used = {name.rsplit(":", 1)[1] for name in web.names}
    assert used == set(lazy_work(services))  # and the table holds nothing unused
