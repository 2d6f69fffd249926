"""Observation hooks: the domain says what it did, the application decides what to record.

The domain never imports a metrics library. It calls ``emit(event, **fields)``; an application
(e.g. ``bot.observability.metrics``) subscribes with ``on(event, callback)``. Events:

- ``upstream``: ``service`` (API name), ``result`` = fetched | cached | error | stale_fallback
- ``chart_render``: ``seconds`` spent rasterising one chart to PNG
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

_observers: dict[str, list[Callable[..., None]]] = {}


def on(event: str, callback: Callable[..., None]) -> None:
    """Call ``callback(**fields)`` on every ``emit(event, ...)`` (once per callback)."""
    callbacks = _observers.setdefault(event, [])
    if callback not in callbacks:
        callbacks.append(callback)


def emit(event: str, **fields: Any) -> None:
    """Tell the observers; an observer's failure never reaches the caller."""
    for callback in _observers.get(event, ()):
        try:
            callback(**fields)
        except Exception:
            log.debug("observer of %s failed", event, exc_info=True)
