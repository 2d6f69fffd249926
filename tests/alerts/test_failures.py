"""A failing channel is recorded and disabled (or retried later) without stopping the others;
rate limits are waited out; each workspace posts with its own bot token."""

from __future__ import annotations

import time_machine
from slack_sdk.oauth.installation_store.models.installation import Installation

from bot.alerts.slack_post import SlackClients
from bot.storage.subscriptions import DISABLED, FAILED, GAVE_UP, SENT
from tests.alerts.conftest import london, run_ticks
from tests.alerts.helpers import deliveries, subscribe, subscriptions


def test_removed_channel_is_disabled_with_a_note_and_others_still_get_theirs(
    engine, slack, make_clock
):
    for channel in ("C0FIRST", "C0KICKED", "C0LAST"):
        subscribe(engine, "alerts subscribe 08:00 in C", channel, user="U0BOB")
    slack.fail("chat.postMessage", "not_in_channel", channel="C0KICKED")

    reports = run_ticks(make_clock(), london("2024-06-05 08:00"), london("2024-06-05 10:00"))

    assert len(slack.alerts_in("C0FIRST")) == 1 and len(slack.alerts_in("C0LAST")) == 1
    tries = [c for c in slack.calls_to("chat.postMessage") if c.params["channel"] == "C0KICKED"]
    assert len(tries) == 1  # disabled at once, not hammered every tick
    kicked = next(s for s in subscriptions(engine) if s.channel_id == "C0KICKED")
    assert kicked.status == DISABLED
    assert "not a member of the channel" in kicked.note
    assert sorted(d.status for d in deliveries(engine)) == [GAVE_UP, SENT, SENT]
    dm = [c.params for c in slack.calls_to("chat.postMessage") if c.params["channel"] == "U0BOB"]
    assert len(dm) == 1 and "Invite @Flexcalc" in dm[0]["text"]
    assert sum(r.disabled_channels for _, r in reports) == 1
    listing = subscribe(engine, "alerts list", "C0KICKED")
    assert "disabled" in listing.to_text() and "not a member" in listing.to_text()


def test_archived_channel_and_transient_errors(engine, slack, make_clock):
    subscribe(engine, "alerts subscribe 08:00 in C", "C0ARCHIVED")
    subscribe(engine, "alerts subscribe 08:00 in C", "C0FLAKY")
    slack.fail("chat.postMessage", "is_archived", channel="C0ARCHIVED")
    slack.fail("chat.postMessage", "internal_error", channel="C0FLAKY")
    clock = make_clock()
    with time_machine.travel(london("2024-06-05 08:00"), tick=False) as traveller:
        first = clock.tick()
        assert (first.gave_up, first.retry_later) == (1, 1)
        assert {d.status for d in deliveries(engine)} == {GAVE_UP, FAILED}
        del slack.errors[("chat.postMessage", "C0FLAKY")]  # Slack recovers
        traveller.move_to(london("2024-06-05 08:05"))
        assert clock.tick().posted == 0  # waits out the retry delay
        traveller.move_to(london("2024-06-05 08:15"))
        assert clock.tick().posted == 1
    assert len(slack.alerts_in("C0FLAKY")) == 1
    assert slack.alerts_in("C0ARCHIVED") == []


def test_rate_limited_posts_are_retried_after_retry_after(engine, slack, make_clock):
    for i in range(3):
        subscribe(engine, "alerts subscribe 08:00 in C", f"C0BUSY{i}")
    slack.rate_limited = 4  # HTTP 429, Retry-After: 0, for the next four API calls
    with time_machine.travel(london("2024-06-05 08:00"), tick=False):
        report = make_clock().tick()
    assert report.posted == 3 and report.retry_later == 0
    assert slack.rate_limit_hits == 4
    assert all(len(slack.alerts_in(f"C0BUSY{i}")) == 1 for i in range(3))


def test_each_workspace_posts_with_its_installed_bot_token(engine, slack, make_clock):
    slack.add_workspace("T0SECOND", "xoxb-second-workspace")
    clients = SlackClients(engine, client_id="111.222", base_url=slack.api_url)
    _install(clients, "T0000TEAM", "xoxb-fake-default")
    _install(clients, "T0SECOND", "xoxb-second-workspace")
    subscribe(engine, "alerts subscribe 08:00 in C", "C0ONE", team="T0000TEAM")
    subscribe(engine, "alerts subscribe 08:00 in C", "C0TWO", team="T0SECOND")
    subscribe(engine, "alerts subscribe 08:00 in C", "C0GONE", team="T0UNINSTALLED")

    with time_machine.travel(london("2024-06-05 08:00"), tick=False):
        report = make_clock(clients=clients).tick()

    tokens = {c.params["channel"]: c.token for c in slack.calls_to("chat.postMessage")}
    assert tokens == {"C0ONE": "xoxb-fake-default", "C0TWO": "xoxb-second-workspace"}
    assert report.posted == 2 and report.retry_later == 1  # no token for the third workspace


def _install(clients: SlackClients, team: str, token: str) -> None:
    """What the OAuth install flow stores for a workspace."""
    clients._store.save(
        Installation(
            app_id="A0FLEXCALC",
            team_id=team,
            user_id="U0INSTALLER",
            bot_token=token,
            bot_id=f"B{team}",
            bot_user_id=f"U{team}BOT",
            bot_scopes=["chat:write"],
        )
    )


def test_revoked_token_disables_that_workspace_only(engine, slack, make_clock):
    clients = SlackClients(engine, client_id="111.222", base_url=slack.api_url)
    _install(clients, "T0000TEAM", "xoxb-fake-default")
    _install(clients, "T0REVOKED", "xoxb-revoked")  # Slack answers invalid_auth for it
    subscribe(engine, "alerts subscribe 08:00 in C", "C0OK")
    subscribe(engine, "alerts subscribe 08:00 in C", "C0REVOKED", team="T0REVOKED")
    subscribe(engine, "alerts when price below 0", "C0REVOKED2", team="T0REVOKED")

    with time_machine.travel(london("2024-06-05 08:00"), tick=False):
        make_clock(clients=clients).tick()

    status = {s.channel_id: s.status for s in subscriptions(engine)}
    assert status == {"C0OK": "active", "C0REVOKED": DISABLED, "C0REVOKED2": DISABLED}
    assert len(slack.alerts_in("C0OK")) == 1
    assert "no longer valid" in subscriptions(engine)[1].note
