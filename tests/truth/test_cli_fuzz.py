"""10,000 generated command lines through the CLI: never a traceback, only exit codes 0/1/2.

Words are drawn from the grammar's own vocabulary (so many lines are valid and reach the
calculations on the bundled sample) mixed with arbitrary text, extreme numbers and dates.
Set FLEX_FUZZ_EXAMPLES to run fewer while developing.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flexcalc.cli import main

EXAMPLES = int(os.environ.get("FLEX_FUZZ_EXAMPLES", "10000"))

_NUMBERS = st.one_of(
    st.integers(-10, 100).map(str),
    st.sampled_from(["0", "0.0", "1e9", "9999999", "99999999999999999999999", "-1", "nan", "inf"]),
    st.floats(allow_nan=True, allow_infinity=True).map(lambda f: f"{f:g}"),
)
_UNITS = ["h", "m", "h30m", "kW", "kWh", "MWh", "TB", "GB", "%", "am", "pm", ""]
_WORDS = [
    "bestslot", "prices", "carbon", "backtest", "battery", "footprint", "storage", "help",
    "by", "before", "after", "between", "and", "within", "in", "for", "price", "both",
    "green", "split", "at", "daily", "from", "to", "efficiency", "replication", "pue",
    "ssd", "hdd", "site", "grid", "tonight", "overnight", "today", "tomorrow", "this",
    "morning", "afternoon", "evening", "London", "C", "NG1", "Scotland", "north", "wales",
    "07:00", "7am", "23:30", "22:15", "25:00", "00:00", "01:30", "12pm", "2023-03-26",
    "2023-10-29", "2024-06-01", "9999-12-31", "0001-01-01", "2023-02-30", "x", "",
]  # fmt: skip
_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
_FILES = [
    str(_FIXTURES / "csv/agile-half-hour-actual-rates-02-06-2024_01-07-2024.csv"),
    str(_FIXTURES / "csv/carbon_intensity_example_out.csv"),
    str(_FIXTURES / "csv/dashboard_N_2023-10-29.csv"),
    str(_FIXTURES / "carbonintensity/intensity_2020-01-01T0000Z_2020-01-02T2359Z.json"),
    str(_FIXTURES / "octopus/standard_unit_rates_fixed_tariff_5rows.json"),
    str(_FIXTURES / "missing.csv"),
    str(_FIXTURES / "SOURCES.md"),
]
_DATES = ["2023-03-20", "2023-03-27", "2023-10-25", "2023-11-01", "2024-06-01", "2024-06-09"]

_token = st.one_of(
    st.sampled_from(_WORDS),
    st.tuples(_NUMBERS, st.sampled_from(_UNITS)).map("".join),
    st.text(max_size=8),
)
_command = st.sampled_from(
    ["bestslot", "prices", "carbon", "backtest", "battery", "footprint", "help", "region", "4h"]
)
_flags = st.lists(
    st.one_of(
        st.tuples(st.just("--by"), st.sampled_from(["07:00", "7am", "07:15", "x"])),
        st.tuples(st.just("--within"), st.sampled_from(["12h", "0", "999999h", "x"])),
        st.tuples(st.just("--for"), st.sampled_from(["price", "carbon", "both"])),
        st.tuples(st.just("--kw"), st.sampled_from(["7", "-1", "1e308", "nan"])),
        st.tuples(st.just("--region"), st.sampled_from(["C", "NG1", "nowhere", "P"])),
        st.tuples(st.just("--from"), st.sampled_from([*_DATES[::2], "9999-12-31"])),
        st.tuples(st.just("--to"), st.sampled_from([*_DATES[1::2], "0001-01-01"])),
        st.tuples(st.just("--prices"), st.sampled_from(_FILES)),
        st.tuples(st.just("--carbon"), st.sampled_from(_FILES)),
        st.tuples(
            st.just("--now"),
            st.sampled_from(
                ["2023-03-25 23:30", "2023-10-29 01:30", "2024-06-08 17:10", "bad", "9999-01-01"]
            ),
        ),
    ),
    max_size=4,
)


@pytest.mark.slow
@pytest.mark.timeout(1800)  # 10,000 command lines take minutes on a shared machine
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not os.environ.get("FLEX_FUZZ_RANDOM"),  # CI: the same 10,000 every run
    suppress_health_check=list(HealthCheck),
)
@given(command=_command, words=st.lists(_token, max_size=7), flags=_flags)
def test_generated_command_lines_never_crash(command, words, flags, caplog):
    argv = [command, *words, *(x for pair in flags for x in pair), "--offline", "--json"]
    argv.append("--quiet")
    out, err = io.StringIO(), io.StringIO()
    caplog.clear()
    with caplog.at_level(logging.ERROR), contextlib.redirect_stdout(out), \
            contextlib.redirect_stderr(err):  # fmt: skip
        try:
            code = main(argv)
        except SystemExit as exit_:  # argparse on a malformed flag
            code = exit_.code
    assert code in (0, 1, 2), argv
    assert "Traceback" not in out.getvalue() + err.getvalue(), argv
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], argv
    if code == 1:  # 1 is for data that could not be had or a file not written, said why
        assert err.getvalue().strip(), argv
