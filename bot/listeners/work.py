"""The worker's table of lazy jobs: each name a listener registration uses -> the function doing
the work (the heavy half of every listener: answers, charts, Home tabs, pledges, alerts).

Only processes that run jobs import this module: the worker (``bot.worker``) and the one-process
modes (``bot.one_process``: Socket Mode, the shell's Slack-less twin, tests). The web never does,
so it never loads the numeric stack (see docs/architecture.md, "What the web imports").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.listeners.actions.buttons import make_quick_answer, make_run_command, make_share_answer
from bot.listeners.alerts.buttons import make_alert_work
from bot.listeners.commands.slash import make_answer_command
from bot.listeners.engagement.buttons import make_cancel, make_pledge
from bot.listeners.events.app_home_opened import make_publish_home
from bot.listeners.events.messages import make_answer_dm, make_answer_mention
from bot.services import Services


def lazy_work(services: Services) -> dict[str, Callable[..., Any]]:
    """Every lazy job by the name its listener registers it under."""
    return {
        "answer_command": make_answer_command(services),
        "answer_mention": make_answer_mention(services),
        "answer_dm": make_answer_dm(services),
        "publish_home": make_publish_home(services),
        "share_answer": make_share_answer(services),
        "run_command": make_run_command(services),
        "quick_answer": make_quick_answer(services),
        "pledge": make_pledge(services),
        "cancel_pledge": make_cancel(services),
        **make_alert_work(services),
    }
