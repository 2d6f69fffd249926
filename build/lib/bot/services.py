"""What every listener needs besides Slack: the database, the data provider and settings.

One ``Services`` object is made per app (see ``bot.app.create_app``) and handed to the listeners
when they are registered, so two apps in one process (tests) never share state by accident.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

log = logging.getLogger(__name__)

WARM_UP_COMMAND = "bestslot 1h"


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
    chart_threads: int = 1  # charts drawn at once (matplotlib holds the GIL; acks come first)
    chart_deadline: float = 60.0  # a chart still queued after this long is skipped
    slow_notice_after: float = 5.0  # seconds before "still working" is posted (slow upstream)
    _provider: Any = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _memory_regions: dict[tuple[str, str], str] = field(default_factory=dict, init=False)
    charts: ThreadPoolExecutor = field(init=False, repr=False)
    answer_slots: threading.BoundedSemaphore = field(init=False, repr=False)
    ready: threading.Event = field(init=False, repr=False)
    warm_up_wait: float = 10.0  # longest a command waits for the start-up warm-up

    def __post_init__(self) -> None:
        # Charts are drawn after the answer is posted, on their own small pool, so listener
        # threads are freed at once and acks never queue behind matplotlib.
        self.charts = ThreadPoolExecutor(max(1, self.chart_threads), "flexcalc-chart")
        self.answer_slots = threading.BoundedSemaphore(max(1, self.answer_threads))
        self.ready = threading.Event()
        self.ready.set()  # until a warm-up is started

    @property
    def provider(self) -> Any:
        """The process-wide DataProvider (created on first use, then reused: warm caches)."""
        with self._lock:
            if self._provider is None:
                if self.provider_factory is not None:
                    self._provider = self.provider_factory()
                else:
                    from flexcalc.sources.providers import make_provider

                    self._provider = make_provider()
            return self._provider

    def warm_up(self) -> None:
        """Answer one command (chart included) so the provider, its caches, pandas and
        matplotlib are loaded before users arrive; commands that come in meanwhile wait for it
        (up to ``warm_up_wait``) instead of all loading the same things at once."""
        try:
            from bot.answering import Where, reply_for, understand

            request = understand(WARM_UP_COMMAND)
            reply_for(request, self, Where(team_id="warm-up"), charts=True)  # type: ignore[arg-type]
        except Exception:
            log.warning("warm-up failed", exc_info=True)
        finally:
            self.ready.set()

    def warm_up_in_background(self) -> threading.Thread:
        self.ready.clear()
        thread = threading.Thread(target=self.warm_up, name="flexcalc-warm-up", daemon=True)
        thread.start()
        return thread

    def wait_until_warm(self) -> None:
        self.ready.wait(self.warm_up_wait)

    # Region settings: the database when there is one, else this process's memory.

    def get_region_letter(self, team_id: str, channel_id: str | None) -> str | None:
        if self.engine is not None:
            from bot.storage.settings import get_region

            return get_region(self.engine, team_id, channel_id)
        return self._memory_regions.get((team_id, channel_id or "")) or self._memory_regions.get(
            (team_id, "")
        )

    def set_region_letter(self, team_id: str, letter: str, channel_id: str | None) -> None:
        if self.engine is not None:
            from bot.storage.settings import set_region

            set_region(self.engine, team_id, letter, channel_id=channel_id)
            return
        self._memory_regions[(team_id, channel_id or "")] = letter
