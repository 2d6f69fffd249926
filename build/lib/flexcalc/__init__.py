"""Flexcalc: when to use electricity in GB so it costs less and emits less."""

__version__ = "0.1.0"
