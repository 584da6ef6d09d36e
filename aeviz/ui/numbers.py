"""The one formatter for numbers a person reads in the panels, the loss plot and the status bar.

Missing, NaN or infinite values become a dash, never 'nan' or 'inf' on screen (a diverging network
is reported in words elsewhere). The network canvas keeps its own compact style (graph/text.py:
integers without decimals, three digits) because its labels must fit inside the nodes.
"""
from __future__ import annotations

import math

DASH = "\u2014"


def fmt(value, digits: int = 4) -> str:
    """`digits` significant digits; a dash for missing, NaN or infinite values."""
    if value is None:
        return DASH
    try:
        v = float(value)
    except (TypeError, ValueError):
        return DASH
    if not math.isfinite(v):
        return DASH
    if v == 0:
        return "0"
    return f"{v:.{digits}g}"
