"""Colour maps of the graph, as NumPy lookups (no QColor per edge).

Weights: blue = positive, orange = negative (TensorFlow Playground's colour-blind-safe pair);
strength is shown by width and by mixing towards the white background, which looks like opacity
but is drawn opaque (translucent wide lines cost 9-16x more to paint).
Hidden activations use the same diverging pair; movie ratings use viridis (sequential, safe).
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

POSITIVE = np.array([8, 119, 189])  # blue
NEGATIVE = np.array([232, 113, 10])  # orange
WHITE = np.array([255, 255, 255])
NOT_FINITE = (214, 39, 40)  # red, for NaN / inf markers
GRADIENT = (123, 44, 191)  # purple: backward pass, gradient magnitudes and deltas
CHANGE = (30, 30, 30)  # near black: the update's flash
TARGET = (20, 20, 20)
TIED = (70, 110, 70)  # green-grey: notes on weight matrices shared by encoder and decoder
NOISE = (197, 27, 125)  # magenta: inputs the denoising corruption hid or changed
SPARSE_OK = (90, 90, 90)  # a unit's mean activation at or below the sparsity target
SPARSE_OVER = (200, 80, 0)  # above it: the KL penalty pulls this unit down

N_LEVELS = 6  # width/opacity buckets per sign
FLASH_SHARE = 0.10  # the Update flash shows the largest 10% of each layer pair's weight changes
_VIRIDIS = pg.colormap.get("viridis").getLookupTable(nPts=256)[:, :3].astype(np.int64)


def level_fraction(level):
    """Centre of a strength bucket, 0 < f <= 1."""
    return (np.asarray(level) + 1) / N_LEVELS


def level_width(level, scale: float = 1.0) -> float:
    return float((0.6 + 3.4 * level_fraction(level) ** 1.3) * scale)


def level_rgb(sign: int, level: int) -> tuple:
    """Opaque colour of a bucket: weak weights pale, strong ones saturated."""
    base = POSITIVE if sign > 0 else NEGATIVE
    a = 0.18 + 0.82 * float(level_fraction(level))
    return tuple(int(v) for v in np.round(WHITE - (WHITE - base) * a))


def strength_levels(magnitude: np.ndarray, vmax: float) -> np.ndarray:
    """Bucket |value| / vmax into 0..N_LEVELS-1 (vmax <= 0 puts everything in the lowest)."""
    if not vmax > 0 or not np.isfinite(vmax):
        return np.zeros(np.shape(magnitude), dtype=np.int64)
    f = np.clip(np.nan_to_num(magnitude / vmax, nan=0.0), 0.0, 1.0)
    return np.minimum((f * N_LEVELS).astype(np.int64), N_LEVELS - 1)


def diverging(values: np.ndarray, lim: float) -> np.ndarray:
    """Orange (-lim) - white (0) - blue (+lim); returns uint8 RGB rows."""
    v = np.asarray(values, dtype=np.float64)
    t = np.clip(np.nan_to_num(v / lim if lim > 0 else v * 0.0), -1.0, 1.0)[..., None]
    out = np.where(t >= 0, WHITE - (WHITE - POSITIVE) * t, WHITE - (WHITE - NEGATIVE) * (-t))
    return np.round(out).astype(np.uint8)


def sequential(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Viridis from lo to hi; returns uint8 RGB rows."""
    v = np.asarray(values, dtype=np.float64)
    span = hi - lo if hi > lo else 1.0
    t = np.clip(np.nan_to_num((v - lo) / span), 0.0, 1.0)
    return _VIRIDIS[np.round(t * 255).astype(np.int64)].astype(np.uint8)


def diverging_colormap() -> pg.ColorMap:
    """The weight colours as a pyqtgraph ColorMap (for the weight-matrix heatmap)."""
    return pg.ColorMap([0.0, 0.5, 1.0], [tuple(NEGATIVE), tuple(WHITE), tuple(POSITIVE)])


def text_on(rgb) -> tuple:
    """Black or white text, whichever reads on this fill."""
    r, g, b = (int(c) for c in rgb[:3])
    return (0, 0, 0) if 0.299 * r + 0.587 * g + 0.114 * b > 140 else (255, 255, 255)


def nice_limit(x: float) -> float:
    """Round a positive scale limit up to 1, 2 or 5 x 10^k so the legend reads cleanly."""
    if not np.isfinite(x) or x <= 0:
        return 1.0
    e = 10 ** np.floor(np.log10(x))
    for m in (1, 2, 2.5, 5, 10):
        if x <= m * e * 1.0000001:
            return float(m * e)
    return float(10 * e)
