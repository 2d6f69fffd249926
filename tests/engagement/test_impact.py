"""/flex impact, hide me, forget me through the Slack harness; settlement from real history;
two workspaces that never see each other's people."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.storage.engagement import Pledge
from flexcalc.engagement import PledgeOffer, kg_text, money
from flexcalc.sources.sample import sample_carbon, sample_prices
from tests.engagement.test_pledges import ask_bestslot, buttons
from tests.slack.harness import block_text

OTHER = "T0OTHER"


def pledge(app, text: str, label: str, user: str, team: str = "T0000TEAM") -> PledgeOffer:
    button = buttons(ask_bestslot(app, text, user_id=user, team_id=team))[label]
    _, url = app.slack.click(button["action_id"], button["value"], user_id=user, team_id=team)
    app.fake.wait_replies(url)
    return PledgeOffer.decode(button["value"])


def after(offer: PledgeOffer) -> pd.Timestamp:
    """When a pledge can be settled: its window and its baseline are both over."""
    return max(offer.end, offer.baseline_end) + pd.Timedelta(hours=1)


def flex(app, text: str, user: str = "U0ALICE", team: str = "T0000TEAM", channel="C0GENERAL"):
    _, url = app.slack.command("/flex", text, user_id=user, team_id=team, channel_id=channel)
    return app.fake.wait_replies(url)[0]


def real_saving(offer: PledgeOffer) -> tuple[float, float]:
    """Independent check: mean actual (else forecast) carbon and mean price per window."""
    carbon = sample_carbon().frame
    used = carbon["actual"].where(carbon["actual"] > 0).fillna(carbon["forecast"])
    prices = sample_prices().prices

    def mean(series, start):
        return series.loc[start : start + offer.duration - pd.Timedelta(minutes=30)].mean()

    kg = offer.kwh * (mean(used, offer.baseline_start) - mean(used, offer.start)) / 1000
    gbp = offer.kwh * (mean(prices, offer.baseline_start) - mean(prices, offer.start)) / 100
    return kg, gbp


def rows(engine) -> list[Pledge]:
    with Session(engine) as session:
        return list(session.scalars(select(Pledge).order_by(Pledge.id)))


def test_impact_settles_from_real_data_dms_the_saving_and_ranks_the_team(app, engine, clock):
    alice = pledge(app, "2h", "I'll charge my EV then", "U0ALICE")
    bob = pledge(app, "3h", "I'll run my 3 h load then", "U0BOB")
    carol = pledge(app, "2h", "I'll charge my EV then", "U0CAROL", team=OTHER)
    before = flex(app, "impact me")
    assert "No kept pledges" in before["text"]  # windows still ahead
    assert "1 pledge(s) will be counted" in block_text(before)

    clock.now = max(after(alice), after(bob), after(carol))
    mine = flex(app, "impact me")
    # settled on demand from the recorded outcome, and each person told by DM
    kg, gbp = real_saving(alice)
    [dm] = app.fake.wait_for(
        lambda f: [m for m in f.dms_to("U0ALICE") if "Your pledge" in m["text"]]
    )
    assert f"you saved {kg_text(kg)} and {money(gbp)}" in dm["text"]
    assert "measured (actual) intensity" in block_text(dm)
    assert any("Your pledge" in m["text"] for m in app.fake.dms_to("U0BOB"))
    assert not any("Your pledge" in m["text"] for m in app.fake.dms_to("U0CAROL"))
    settled = {r.user_id: r for r in rows(engine)}
    assert settled["U0ALICE"].saved_kg == pytest_approx(kg)
    assert settled["U0CAROL"].status == "pledged"  # other workspace: not touched
    assert f"{alice.kwh:,.1f} kWh" in block_text(mine)

    team = flex(app, "impact team all")
    assert "<@U0ALICE>" not in block_text(team)  # the leaderboard is opt-in
    for user in ("U0ALICE", "U0BOB"):
        flex(app, "impact show me", user=user)
    team = flex(app, "impact team all")
    text = block_text(team)
    assert "<@U0ALICE>" in text and "<@U0BOB>" in text and "U0CAROL" not in text
    assert "by 2 people" in text
    app.fake.wait_calls("files.completeUploadExternal")  # the chart went with it


def pytest_approx(value):
    import pytest

    return pytest.approx(value, rel=1e-9)


def test_the_leaderboard_is_opt_in_and_hide_me_keeps_the_totals(app, clock):
    pledge(app, "2h", "I'll charge my EV then", "U0ALICE")
    offer = pledge(app, "3h", "I'll run my 3 h load then", "U0BOB")
    clock.now = after(offer) + pd.Timedelta(hours=3)
    shown = block_text(flex(app, "impact team"))
    assert "<@U0ALICE>" not in shown and "<@U0BOB>" not in shown  # nobody chose to be listed
    assert "2 more people are not listed (the leaderboard is opt-in)" in shown
    assert "Want your name listed? `/flex impact show me`" in shown
    for user in ("U0ALICE", "U0BOB"):
        assert "You're on the leaderboard" in flex(app, "impact show me", user=user)["text"]
    assert "You're off the leaderboard" in flex(app, "impact hide me", user="U0BOB")["text"]
    hidden = block_text(flex(app, "impact team"))
    assert "<@U0BOB>" not in hidden and "<@U0ALICE>" in hidden
    assert "1 more person is not listed" in hidden
    assert "by 2 people" in hidden  # still counted
    assert "You're not on the team leaderboard" in block_text(flex(app, "impact me", user="U0BOB"))
    flex(app, "impact show me", user="U0BOB")
    assert "<@U0BOB>" in block_text(flex(app, "impact team"))


def test_forget_me_deletes_only_my_data_in_this_workspace(app, engine, clock):
    pledge(app, "2h", "I'll charge my EV then", "U0ALICE")
    pledge(app, "2h", "I'll charge my EV then", "U0ALICE", team=OTHER)
    pledge(app, "3h", "I'll run my 3 h load then", "U0BOB")
    flex(app, "impact hide me")
    scheduled_before = dict(app.fake.scheduled)
    assert len(scheduled_before) == 3

    reply = flex(app, "forget me")
    assert "Deleted 1 pledge(s), 1 scheduled reminder(s), your leaderboard setting" in reply["text"]
    assert "Nothing in any other workspace was touched" in reply["text"]
    [deleted] = app.fake.calls_to("chat.deleteScheduledMessage")
    assert deleted.params["channel"] == "D0ALICE"
    left = [(r.team_id, r.user_id) for r in rows(engine)]
    assert left == [(OTHER, "U0ALICE"), ("T0000TEAM", "U0BOB")]
    assert len(app.fake.scheduled) == 2  # the other workspace's reminder still stands
