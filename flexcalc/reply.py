"""The platform-neutral answer that every front end renders (text, JSON, Block Kit, cards).

A ``Reply`` is built once by ``flexcalc.commands``; front ends only lay it out, never compute.
Its text may hold two neutral hints each door renders its own way (``Reply.with_hints``): a
command to type (``command_hint("impact show me")``: each chat door adds its own command
prefix, the CLI ``flexcalc``) and a person (``mention_hint("U123")``: a chat door's mention,
plain ``@U123`` elsewhere).
"""

from __future__ import annotations

import base64
import dataclasses
import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

Render = Callable[[str], str]
_HINT = re.compile(r"\u27e6(@?)([^\u27e6\u27e7]+)\u27e7")  # ⟦words⟧ or ⟦@user⟧


def command_hint(words: str) -> str:
    """A command for the person to type (``words`` in the shared grammar), rendered by each
    door with its own prefix."""
    return f"\u27e6{words}\u27e7"


def mention_hint(user_id: str) -> str:
    """A person, rendered by each door (a chat mention, plain ``@id`` elsewhere)."""
    return f"\u27e6@{user_id}\u27e7"


def render_hints(text: str, command: Render, mention: Render) -> str:
    """``text`` with every hint rendered by the door's ``command`` and ``mention``."""
    return _HINT.sub(lambda m: mention(m[2]) if m[1] else command(m[2]), text)


def cli_command(words: str) -> str:
    return f"`flexcalc {words}`"


def plain_mention(user_id: str) -> str:
    return f"@{user_id}"


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

    def with_hints(self, command: Render, mention: Render = plain_mention) -> Reply:
        """A copy with every hint in its text rendered the door's way."""

        def r(text: str) -> str:
            return render_hints(text, command, mention)

        table = self.table
        if table is not None:
            rows = [[r(c) for c in row] for row in table.rows]
            table = Table([r(c) for c in table.columns], rows, r(table.title))
        return dataclasses.replace(
            self,
            title=r(self.title),
            summary=r(self.summary),
            fields=[Field(r(f.label), r(f.value)) for f in self.fields],
            table=table,
            chart_alt=r(self.chart_alt),
            notes=[r(n) for n in self.notes],
        )

    def to_text(self, command: Render = cli_command, mention: Render = plain_mention) -> str:
        """Plain text for the terminal shell and the CLI (hints rendered by ``command``)."""
        return self.with_hints(command, mention)._text()

    def _text(self) -> str:
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
        """JSON for ``--json`` (hints as the CLI shows them); the chart is left out unless asked
        for (base64 PNG)."""
        payload = asdict(self.with_hints(cli_command))
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
