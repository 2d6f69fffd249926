"""Log set-up for every process: text by default, one JSON object a line with FLEX_LOG_FORMAT=json.

JSON lines carry ``time`` (ISO 8601 UTC), ``level``, ``logger``, ``message`` and any ``extra=``
fields, plus ``exc_info`` for exceptions; they suit log shippers (Loki, CloudWatch, ELK).
"""

from __future__ import annotations

import logging
import os
import sys

from pythonjsonlogger.json import JsonFormatter

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
FORMAT_ENV = "FLEX_LOG_FORMAT"


class _JsonFormatter(JsonFormatter):
    """Uses a record's ready ``exc_text`` (redacted by ``bot.security.redaction``) when set."""

    def format(self, record: logging.LogRecord) -> str:
        if not (record.exc_info and record.exc_text):
            return super().format(record)
        saved, record.exc_info = record.exc_info, None
        try:
            return super().format(record)
        finally:
            record.exc_info = saved


def json_formatter() -> logging.Formatter:
    return _JsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        datefmt="%Y-%m-%dT%H:%M:%S%z",
        json_ensure_ascii=False,
    )


def wants_json() -> bool:
    return os.environ.get(FORMAT_ENV, "").strip().lower() == "json"


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (test capture, a redirected stream)."""

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:  # StreamHandler.__init__ assigns it
        pass


def configure_logging(level: str | int = "INFO") -> None:
    """Root logger at ``level`` on stderr, in the format FLEX_LOG_FORMAT asks for.

    Calling it again replaces its own handler (never two copies of each line)."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "flexcalc", False)]:
        root.removeHandler(old)
    handler = _StderrHandler()
    handler.setFormatter(json_formatter() if wants_json() else logging.Formatter(TEXT_FORMAT))
    handler.flexcalc = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
