"""What every listener needs besides Slack: the database, the data provider and settings.

One ``Services`` object is made per app (see ``bot.app.create_app``) and handed to the listeners
when they are registered, so two apps in one process (tests) never share state by accident.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.storage.settings import get_region, set_region, tariff_words

log = logging.getLogger(__name__)

T = TypeVar("T")


def setting_or_default(what: str, read: Callable[[], T]) -> T | None:
    """A stored setting, or None (the environment's default) when the database is down or
    locked: answers that need no database still answer (issue 10, "degrade, don't fail")."""
    try:
        return read()
    except SQLAlchemyError:
        log.warning("%s settings unavailable; using the default", what, exc_info=True)
        return None


@dataclass
class Services:
    """Shared, thread-safe dependencies of the Slack front end."""

    engine: Engine | None  # None: region settings kept in memory (the terminal shell)
    public_base_url: str | None = None  # chart image links instead of file uploads
    provider_factory: Callable[[], Any] | None = None  # -> DataProvider; default make_provider
    chart_upload_timeout: float = 20.0  # seconds before we tell the user the chart is slow
    clock: Callable[[], Any] | None = None  # -> UTC pd.Timestamp; None: the real time
    answer_threads: int = 4  # answers computed at once (CPU-bound under the GIL; bounds memory)
    answer_wait: float = 2.0  # ...but never wait longer than this for a turn (a hung upstream)
    slow_notice_after: float = 5.0  # seconds before "still working" is posted (slow upstream)
    _provider: Any = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _memory_regions: dict[tuple[str, str], str] = field(default_factory=dict, init=False)
    _memory_tariffs: dict[tuple[str, str], str] = field(default_factory=dict, init=False)
    answer_slots: threading.BoundedSemaphore = field(init=False, repr=False)
    ready: threading.Event = field(init=False, repr=False)
    warm_up_wait: float = 10.0  # longest a command waits for the start-up warm-up

    def __post_init__(self) -> None:
        self.answer_slots = threading.BoundedSemaphore(max(1, self.answer_threads))
        self.ready = threading.Event()
        self.ready.set()  # until a warm-up is started (bot.answering.warm_up_in_background)

    @property
    def provider(self) -> Any:
        """The process-wide DataProvider (created on first use, then reused: warm caches)."""
        with self._lock:
            if self._provider is None:
                if self.provider_factory is not None:
                    self._provider = self.provider_factory()
                else:
                    # Lazy on purpose: the ack-only web process never needs a provider.
                    from flexcalc.sources.providers import make_provider

                    self._provider = make_provider()
            return self._provider

    def wait_until_warm(self) -> None:
        self.ready.wait(self.warm_up_wait)

    # Region settings: the database when there is one, else this process's memory.

    def get_region_letter(self, team_id: str, channel_id: str | None) -> str | None:
        if self.engine is not None:
            engine = self.engine
            return setting_or_default("region", lambda: get_region(engine, team_id, channel_id))
        return self._memory_regions.get((team_id, channel_id or "")) or self._memory_regions.get(
            (team_id, "")
        )

    def tariff_words(self, team_id: str, scopes: list[str], words: str | None = None) -> str | None:
        """Store (with ``words``) and read default tariffs: first of ``scopes`` that has one."""
        if self.engine is not None and words is None:
            engine = self.engine
            return setting_or_default("tariff", lambda: tariff_words(engine, team_id, scopes))
        if self.engine is not None:  # storing: a failure reaches the user as a failure
            return tariff_words(self.engine, team_id, scopes, words)
        if words is not None:
            self._memory_tariffs[(team_id, scopes[0])] = words
        return next(
            (
                self._memory_tariffs[(team_id, s)]
                for s in scopes
                if (team_id, s) in self._memory_tariffs
            ),
            None,
        )

    def set_region_letter(self, team_id: str, letter: str, channel_id: str | None) -> None:
        if self.engine is not None:
            set_region(self.engine, team_id, letter, channel_id=channel_id)
            return
        self._memory_regions[(team_id, channel_id or "")] = letter
