"""What every listener needs besides Slack: the database, the data provider and settings.

One ``Services`` object is made per app (see ``bot.app.create_app``) and handed to the listeners
when they are registered, so two apps in one process (tests) never share state by accident.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine


@dataclass
class Services:
    """Shared, thread-safe dependencies of the Slack front end."""

    engine: Engine | None  # None: region settings kept in memory (the terminal shell)
    public_base_url: str | None = None  # chart image links instead of file uploads
    provider_factory: Callable[[], Any] | None = None  # -> DataProvider; default make_provider
    chart_upload_timeout: float = 20.0  # seconds before we tell the user the chart is slow
    clock: Callable[[], Any] | None = None  # -> UTC pd.Timestamp; None: the real time
    chart_threads: int = 1  # charts drawn at once (matplotlib holds the GIL; acks come first)
    chart_deadline: float = 60.0  # a chart still queued after this long is skipped
    slow_notice_after: float = 5.0  # seconds before "still working" is posted (slow upstream)
    _provider: Any = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _memory_regions: dict[tuple[str, str], str] = field(default_factory=dict, init=False)
    charts: ThreadPoolExecutor = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Charts are drawn after the answer is posted, on their own small pool, so listener
        # threads are freed at once and acks never queue behind matplotlib.
        self.charts = ThreadPoolExecutor(max(1, self.chart_threads), "flexcalc-chart")

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
