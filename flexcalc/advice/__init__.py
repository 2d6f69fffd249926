"""Advice scored against what happened: how good the windows Flexcalc recommended turned out.

``scoring`` compares one recommended window with the best window in hindsight over the same
span; ``accuracy`` sums many scores up for the ``accuracy`` answer and the weekly digest.
"""
