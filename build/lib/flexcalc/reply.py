"""The platform-neutral answer that every front end renders (text, JSON, Block Kit, cards).

A ``Reply`` is built once by ``flexcalc.commands``; front ends only lay it out, never compute.
"""

from __future__ import annotations

import base64
import json
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Field:
    """A labelled headline figure, e.g. ``Field("Best window", "Tue 01:00-05:00")``."""

    label: str
    value: str


@dataclass(frozen=True)
class Table:
    """A small table; every cell is already formatted text."""

    columns: list[str]
    rows: list[list[str]]
    title: str = ""


@dataclass(frozen=True)
class Action:
    """A button or follow-up: ``command`` is a command line in the shared grammar."""

    label: str
    command: str
    kind: str = "command"  # "command" (run it), "share" (repost in channel), "pledge"


@dataclass
class Reply:
    """Everything a user sees for one command."""

    title: str
    summary: str = ""
    fields: list[Field] = field(default_factory=list)
    table: Table | None = None
    chart_png: bytes | None = None
    chart_alt: str = ""
    notes: list[str] = field(default_factory=list)  # data freshness, sample labels, caveats
    actions: list[Action] = field(default_factory=list)
    csv: dict[str, str] = field(default_factory=dict)  # file name -> CSV text (exports)
    data: dict[str, Any] = field(default_factory=dict)  # machine-readable figures for --json
    is_error: bool = False  # a usage / input problem (front ends show it privately)

    def to_text(self) -> str:
        """Plain text for the terminal shell and the CLI."""
        lines = [self.title]
        if self.summary:
            lines += ["", self.summary]
        if self.fields:
            width = max(len(f.label) for f in self.fields)
            lines.append("")
            lines += [f"  {f.label.ljust(width)}  {f.value}" for f in self.fields]
        if self.table and self.table.rows:
            lines += ["", *_text_table(self.table)]
        if self.notes:
            lines.append("")
            lines += [f"  * {note}" for note in self.notes]
        return "\n".join(lines)

    def to_json(self, include_chart: bool = False) -> str:
        """JSON for ``--json``; the chart is left out unless asked for (base64 PNG)."""
        payload = asdict(self)
        payload.pop("chart_png")
        if include_chart and self.chart_png:
            payload["chart_png_base64"] = base64.b64encode(self.chart_png).decode()
        return json.dumps(payload, indent=2, default=str)


def _text_table(table: Table) -> list[str]:
    widths = [len(c) for c in table.columns]
    for row in table.rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=False)]
    out = [table.title] if table.title else []
    out.append("  " + "  ".join(c.ljust(w) for c, w in zip(table.columns, widths, strict=False)))
    out.append("  " + "  ".join("-" * w for w in widths))
    out += [
        "  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False))
        for row in table.rows
    ]
    return out


def error_reply(message: str, examples: list[str] | None = None) -> Reply:
    """A friendly usage message with a few examples."""
    notes = [f"Try: {e}" for e in (examples or [])]
    return Reply(title="Sorry, I didn't get that", summary=message, notes=notes, is_error=True)
