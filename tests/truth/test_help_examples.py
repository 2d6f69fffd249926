"""Every example the help shows (``help``, ``help COMMAND``, the CLI's --help) runs and answers."""

from __future__ import annotations

import re

import pytest

from flexcalc.cli import build_parser, main
from flexcalc.commands.grammar import EXAMPLES
from flexcalc.commands.help import answer_help

NOW = "2024-06-08 17:30"  # a Saturday evening the bundled sample covers


def _shown_examples() -> list[str]:
    shown = {e for topic in EXAMPLES for e in EXAMPLES[topic]}
    for topic in [None, *EXAMPLES]:
        for note in answer_help(topic).notes:
            if note.startswith("Example: "):
                shown.add(note.removeprefix("Example: "))
            if note.startswith("Try: "):
                shown.update(part.strip() for part in note.removeprefix("Try: ").split("·"))
    epilog = build_parser().epilog or ""
    listed = epilog.split("Examples: ", 1)[1].split(". 'help", 1)[0]
    shown.update(part.strip() for part in listed.split("|"))
    return sorted(shown)


@pytest.mark.slow
@pytest.mark.parametrize("example", _shown_examples())
def test_every_help_example_answers(example, capsys):
    words = re.sub(r"\s+", " ", example).split(" ")
    code = main([*words, "--offline", "--now", NOW, "--json", "--quiet"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert '"is_error": true' not in out


def test_the_help_lists_the_time_words_and_battery_models():
    usage = answer_help("bestslot").summary
    assert "tonight" in usage and "tomorrow" in usage and "after HH:MM" in usage
    assert "site|grid" in answer_help("battery").summary
