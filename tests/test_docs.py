"""Docs as tests: every command the documentation shows is run, so the docs never drift.

Conventions (docs/development.md, "Writing docs"):

- In README.md and docs/**/*.md, a ```console block line starting with ``$ flexcalc `` (optionally
  after ``NAME=value`` environment assignments) is run as ``python -m flexcalc ...`` on the bundled
  offline sample (``FLEX_OFFLINE=1``), from a scratch directory where ``tests/`` points at the
  repository's (so ``--prices tests/fixtures/...`` works). A trailing ``\\`` continues the command.
- The lines after it, up to the next ``$`` line, are its expected standard output. Whitespace is
  normalised and blank lines ignored; a line ``...`` stands for any number of lines and ``...``
  inside a line for any text. No output shown: only the exit status is checked.
- The exit status must be 0, unless the block follows the command with ``$ echo $?`` and the
  status it expects (for the documented bad-input answers).
- Every Slack-style example (``/flex ...``, ``/bestslot ...``, ``/carbon``, ``/prices``) in the
  docs, and every example in flexcalc's own help texts, is read by the command grammar without
  error. Grammar synopses (containing ``[``, ``|``, ``…`` or upper-case placeholders) are not
  examples and are skipped; ``<URL>`` stands for a real address.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest

from flexcalc.cli import build_parser
from flexcalc.commands.grammar import COMMANDS, UsageError, parse
from flexcalc.commands.help import answer_help

ROOT = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([\w+-]*)")
ENV_ASSIGNMENT = re.compile(r"^[A-Z_][A-Z0-9_]*=\S*$")
SLASH_COMMAND = re.compile(r"(?<![\w/<])/(?:flex|bestslot|carbon|prices)\b[^`\n]*")
PLACEHOLDERS = {"<URL>": "https://prod-12.westeurope.logic.azure.com/workflows/a1b2"}
RUN_TIMEOUT_S = 180


def doc_files() -> list[Path]:
    """README.md and every Markdown page under docs/ (ADRs record decisions, not usage)."""
    docs = ROOT / "docs"
    pages = sorted(p for p in docs.rglob("*.md") if "adr" not in p.relative_to(docs).parts)
    return [ROOT / "README.md", *pages]


@dataclass
class CodeBlock:
    path: Path
    line: int  # 1-based line of the opening fence
    language: str
    lines: list[str]


@dataclass
class DocCommand:
    path: Path
    line: int
    env: dict[str, str]
    argv: list[str]
    output: list[str] = field(default_factory=list)
    exit_status: int = 0

    @property
    def id(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def code_blocks(path: Path) -> Iterator[CodeBlock]:
    """Fenced code blocks, in order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        indent, fence, language = opening.groups()
        body: list[str] = []
        j = i + 1
        while j < len(lines) and not lines[j].strip().startswith(fence):
            body.append(lines[j].removeprefix(indent))
            j += 1
        yield CodeBlock(path, i + 1, language.lower(), body)
        i = j + 1


def commands_in(block: CodeBlock) -> list[DocCommand]:
    """The ``$ flexcalc`` commands of one console block with their shown output and status."""
    commands: list[DocCommand] = []
    current: DocCommand | None = None
    awaiting_status = False
    i = 0
    while i < len(block.lines):
        text, number = block.lines[i], block.line + 1 + i
        i += 1
        if not text.startswith("$ "):
            if awaiting_status and text.strip():
                assert current is not None
                current.exit_status = int(text.strip())
                awaiting_status = False
            elif current is not None and not awaiting_status:
                current.output.append(text)
            continue
        command = text[2:]
        while command.endswith("\\") and i < len(block.lines):
            command = command[:-1] + " " + block.lines[i].strip()
            i += 1
        if command.strip() == "echo $?":
            awaiting_status = current is not None
            continue
        awaiting_status = False
        words = shlex.split(command, comments=True)
        env = {}
        while words and ENV_ASSIGNMENT.match(words[0]):
            name, _, value = words.pop(0).partition("=")
            env[name] = value
        current = None
        if words and words[0] == "flexcalc":
            current = DocCommand(block.path, number, env, words[1:])
            commands.append(current)
    return commands


@cache
def documented_commands() -> tuple[DocCommand, ...]:
    found: list[DocCommand] = []
    for path in doc_files():
        for block in code_blocks(path):
            if block.language == "console":
                found.extend(commands_in(block))
    return tuple(found)


# ----------------------------------------------------------------------------- output matching


def normalise(lines: list[str]) -> list[str]:
    """Collapse runs of whitespace, drop blank lines."""
    return [" ".join(line.split()) for line in lines if line.strip()]


def _line_pattern(expected: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in expected.split("...")))


def output_matches(expected: list[str], actual: list[str]) -> bool:
    """Whether ``actual`` fits ``expected`` line by line; ``...`` is a wildcard (line or text)."""
    want, got = normalise(expected), normalise(actual)
    patterns = [None if line == "..." else _line_pattern(line) for line in want]

    @cache
    def fits(i: int, j: int) -> bool:
        if i == len(patterns):
            return j == len(got)
        pattern = patterns[i]
        if pattern is None:  # any number of lines
            return fits(i + 1, j) or (j < len(got) and fits(i, j + 1))
        return j < len(got) and pattern.fullmatch(got[j]) is not None and fits(i + 1, j + 1)

    return fits(0, 0)


def test_matching_rules():
    """The matcher itself: exact lines, whitespace, blank lines and both kinds of wildcard."""
    shown = ["Best 4 h window", "", "  Cheapest   Sun 09 Jun", "..."]
    assert output_matches(shown, ["Best 4 h window", "Cheapest Sun 09 Jun", "a", "b"])
    assert output_matches(shown, ["Best  4 h window", "  Cheapest Sun 09 Jun"])
    assert not output_matches(shown, ["Best 4 h window", "Cheapest Sun 10 Jun"])
    assert not output_matches(["a"], ["a", "extra line"])
    assert output_matches(["a ... z"], ["a then z"])
    assert not output_matches(["a ... z"], ["a then y"])
    assert output_matches(["...", "last"], ["first", "last"])
    assert not output_matches(["...", "last"], ["last", "after"])


def test_console_blocks_are_read_as_documented():
    """A block with a continued command, a shown status and output is split as the docs say."""
    block = CodeBlock(
        ROOT / "README.md",
        10,
        "console",
        [
            "$ FLEX_OFFLINE=1 flexcalc bestslot 30h \\",
            "    --now 2024-06-08T17:30",
            "Sorry, I didn't get that",
            "$ echo $?",
            "2",
            "$ ls",
            "README.md",
            "$ flexcalc prices  # upcoming prices",
        ],
    )
    first, second = commands_in(block)
    assert first.argv == ["bestslot", "30h", "--now", "2024-06-08T17:30"]
    assert first.env == {"FLEX_OFFLINE": "1"}
    assert first.output == ["Sorry, I didn't get that"]
    assert first.exit_status == 2
    assert (second.argv, second.output, second.exit_status, second.line) == (["prices"], [], 0, 18)


# ----------------------------------------------------------------------------- running them


def test_the_docs_show_commands():
    """The harness finds the documented commands (a broken finder would pass vacuously)."""
    paths = {c.path.name for c in documented_commands()}
    assert {"README.md", "user-guide.md"} <= paths


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where documented commands run: charts and CSVs land here; ``tests/`` is the repo's."""
    directory = tmp_path_factory.mktemp("docs-run")
    (directory / "tests").symlink_to(ROOT / "tests", target_is_directory=True)
    return directory


def run_offline(
    args: list[str], cwd: Path, extra_env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``python ARGS`` on the bundled sample only: no live-data settings, no network."""
    live = ("FLEX_", "OCTOPUS_", "CARBON_INTENSITY_", "SLACK_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(live)}
    env.update(PYTHONPATH=str(ROOT), FLEX_OFFLINE="1", FLEX_CACHE_DIR=str(cwd / ".flexcalc"))
    env.update(extra_env or {})
    return subprocess.run(
        [sys.executable, *args],
        input=stdin,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )


def run_documented(command: DocCommand, scratch: Path) -> subprocess.CompletedProcess[str]:
    return run_offline(["-m", "flexcalc", *command.argv], scratch, {"COLUMNS": "80", **command.env})


@pytest.mark.slow
@pytest.mark.parametrize("command", documented_commands(), ids=lambda c: c.id)
def test_documented_command_gives_the_documented_answer(command: DocCommand, scratch: Path):
    result = run_documented(command, scratch)
    shown = "$ flexcalc " + shlex.join(command.argv)
    assert result.returncode == command.exit_status, (
        f"{command.id}: `{shown}` exited {result.returncode}, the docs say "
        f"{command.exit_status}\n{result.stdout}\n{result.stderr}"
    )
    # What a terminal shows: answers go to stdout, bad-input messages to stderr.
    shown_output = result.stdout if command.exit_status == 0 else result.stdout + result.stderr
    if normalise(command.output):
        assert output_matches(command.output, shown_output.splitlines()), (
            f"{command.id}: `{shown}` printed something else than the docs show.\n"
            f"--- docs\n" + "\n".join(command.output) + "\n--- actual\n" + shown_output
        )


# ----------------------------------------------------------------------------- chat examples


METASYNTAX = {"DURATION", "REGION", "HOURS", "HH:MM", "N", "SIZE", "DATE", "COMMAND", "CHANNEL"}
METASYNTAX |= {"#CHANNEL", "DAY", "KEY", "X"}
NAMES_ONLY = {"/flex", "/bestslot"}  # the slash commands named in prose, not examples
# Answered by the Slack door before the grammar (bot.security.admin_slack): not grammar examples.
SLACK_DOOR_ONLY = ("/flex admin", "/flex my data")


def is_example(text: str) -> bool:
    """Concrete examples, not grammar synopses such as ``bestslot DURATION [in REGION]``."""
    if any(mark in text for mark in "[|…{<") or text in NAMES_ONLY:
        return False
    if text.startswith(SLACK_DOOR_ONLY):
        return False
    return not METASYNTAX & set(text.split())


def clean_example(text: str) -> str:
    text = text.split("  #")[0].split(" → ")[0].strip().rstrip(".,;:")
    for placeholder, value in PLACEHOLDERS.items():
        text = text.replace(placeholder, value)
    return text


REJECTED = "Sorry, I didn't get that"


@cache
def doc_chat_examples() -> tuple[tuple[str, str, bool], ...]:
    """(where, example, understood) for every Slack-style command shown in the docs.

    An example whose next line shows the bad-input answer is documented as rejected."""
    found: list[tuple[str, str, bool]] = []
    for path in doc_files():
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, 1):
            understood = not (number < len(lines) and lines[number].startswith(REJECTED))
            for spans in (re.findall(r"`([^`]+)`", line), [line]):
                for span in spans:
                    for match in SLASH_COMMAND.finditer(span.replace("\\|", "|")):
                        example = clean_example(match.group(0).split("`")[0])
                        if is_example(example):
                            where = f"{path.relative_to(ROOT)}:{number}"
                            found.append((where, example, understood))
    return tuple(dict.fromkeys(found))


def help_examples() -> list[tuple[str, str, bool]]:
    """Every example in flexcalc's help: ``help``, ``help COMMAND`` and the CLI's ``--help``."""
    found: list[tuple[str, str]] = []
    for topic in (None, *COMMANDS):
        for note in answer_help(topic).notes:
            if note.startswith("Example: "):
                found.append((f"help {topic}", note.removeprefix("Example: ")))
            elif note.startswith("Try: "):
                found += [(f"help {topic}", e) for e in note.removeprefix("Try: ").split(" · ")]
    epilog = " ".join((build_parser().epilog or "").split())
    listed = epilog.partition("Examples: ")[2].partition(". ")[0]
    found += [("flexcalc --help", e.strip()) for e in listed.split(" | ")]
    return [(where, example, True) for where, example in found]


def test_the_docs_and_help_show_chat_examples():
    assert len(doc_chat_examples()) >= 10
    assert len(help_examples()) >= 10
    assert is_example("/flex alerts subscribe 08:00 in NG1 4h")
    assert not is_example("/flex alerts subscribe [HH:MM] [in REGION]")
    assert not is_example("bestslot DURATION within HOURS")


@pytest.mark.parametrize(
    ("where", "example", "understood"),
    [*doc_chat_examples(), *help_examples()],
    ids=lambda v: str(v),
)
def test_example_is_read_by_the_grammar(where: str, example: str, understood: bool):
    try:
        parse(example, lookup=lambda district: None)
    except UsageError as error:
        assert not understood, f"{where}: {example!r} is not understood: {error.message}"
    else:
        assert understood, f"{where}: {example!r} is shown as rejected but is understood"


@pytest.mark.slow
def test_documented_examples_answer_in_the_shell(tmp_path: Path):
    """The same examples typed into ``python -m bot shell`` are understood there too."""
    examples = [
        e for _, e, ok in doc_chat_examples() if ok and e.split()[0] in ("/bestslot", "/prices")
    ]
    assert examples
    stdin = "\n".join(examples) + "\n"
    result = run_offline(["-m", "bot", "shell"], tmp_path, stdin=stdin)
    assert result.returncode == 0, result.stderr
    assert "didn't get that" not in result.stdout
    assert result.stdout.count("Offline sample data") == len(examples)  # one answer each


# ----------------------------------------------------------------------------- links

# Pages other engineers write in parallel; linked from the index before they land.
PAGES_WRITTEN_ELSEWHERE = {
    "docs/architecture.md",
    "docs/data-sources.md",
    "docs/forecasts.md",
    "docs/admin/deploy.md",
    "docs/admin/operations.md",
}
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def github_anchor(heading: str) -> str:
    """The id GitHub gives a Markdown heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    in_code, found = False, set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            in_code = not in_code
        elif not in_code and line.startswith("#"):
            found.add(github_anchor(line.lstrip("#")))
    return found


def doc_links() -> list[tuple[str, str]]:
    found = []
    for path in doc_files():
        in_code = False
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if FENCE.match(line):
                in_code = not in_code
            if not in_code:
                found += [(f"{path.relative_to(ROOT)}:{number}", t) for t in LINK.findall(line)]
    return found


def test_links_between_pages_resolve():
    """Relative links reach a file (or a page being written in parallel) and its heading."""
    broken = []
    for where, target in doc_links():
        if re.match(r"^[a-z]+:", target):
            continue  # https:, mailto:
        source = ROOT / where.rsplit(":", 1)[0]
        file_part, _, anchor = target.partition("#")
        path = (source.parent / file_part).resolve() if file_part else source
        relative = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)
        if not path.exists():
            if relative not in PAGES_WRITTEN_ELSEWHERE:
                broken.append(f"{where}: {target} (no such file)")
        elif anchor and path.suffix == ".md" and anchor not in anchors(path):
            broken.append(f"{where}: {target} (no such heading)")
    assert not broken, "\n".join(broken)


def test_readme_is_short_and_keeps_the_two_commands():
    """A newcomer's page: at most 12 KB, the two set-up commands exactly, links to read on."""
    readme = ROOT / "README.md"
    assert readme.stat().st_size <= 12 * 1024
    shell_lines = [
        line for block in code_blocks(readme) if block.language == "sh" for line in block.lines
    ]
    assert shell_lines[:2] == ["./scripts/run.sh", "./scripts/test.sh"]
    assert all((ROOT / "scripts" / name).exists() for name in ("run.sh", "test.sh"))
    assert "docs/index.md" in readme.read_text(encoding="utf-8")
