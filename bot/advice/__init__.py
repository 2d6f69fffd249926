"""Advice scored (issue 14): recording recommended windows, settling them on the clock tick,
and the ``accuracy`` answer and weekly-digest line built from them."""
