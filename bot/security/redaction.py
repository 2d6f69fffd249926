"""Secrets out of logs and saved answers.

``redact(text)`` replaces Slack tokens (``xoxb-``, ``xoxp-``, ``xoxa-``, ``xoxr-``, ``xoxe-``,
``xapp-``), bearer and HMAC credentials and the values of signed-URL query parameters (``sig=``,
``sv=``, ``sp=``, ``code=``, ``token=``) with ``…``. ``install()`` makes every log record of every
logger, at every level, pass through it (a log-record factory, so records created by libraries
are covered and nothing depends on handler configuration).
"""

from __future__ import annotations

import logging
import re
from typing import Any

HIDDEN = "…"
_PATTERNS = (
    re.compile(r"\bx(?:ox[abeprs]|app)-[A-Za-z0-9-]+"),
    re.compile(r"\b(Bearer|HMAC)\s+[A-Za-z0-9._~+/=-]+", re.IGNORECASE),
    re.compile(r"([?&;](?:sig|sv|sp|se|code|token|client_secret)=)[^&\s'\"<>]+", re.IGNORECASE),
)


def redact(text: str) -> str:
    """``text`` with every token, credential and URL signature replaced by ``…``."""
    text = _PATTERNS[0].sub(HIDDEN, text)
    text = _PATTERNS[1].sub(lambda m: f"{m.group(1)} {HIDDEN}", text)
    return _PATTERNS[2].sub(lambda m: m.group(1) + HIDDEN, text)


def redact_any(value: Any) -> Any:
    """``redact`` applied to every string inside lists and dicts (saved Block Kit JSON)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [redact_any(v) for v in value]
    if isinstance(value, dict):
        return {k: redact_any(v) for k, v in value.items()}
    return value


_installed = False
_formatter = logging.Formatter()


def install() -> None:
    """Redact every log record from now on (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True
    make = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to the handler to report
            return record
        record.msg, record.args = redact(message), None
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = redact(_formatter.formatException(record.exc_info))
        return record

    logging.setLogRecordFactory(factory)
