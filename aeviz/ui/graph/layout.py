"""Where the graph's parts go at a given widget size: label columns, layer titles, node capacity.

The graph has to read at 550 px (the app's default centre) and at 1400 px: the label columns get
what the layer columns leave over, titles shrink ("hidden 1 · 20 · sigmoid" -> "h1 · 20") or
stack on two lines, and a short view shows fewer movies rather than unreadable ones. Pure
arithmetic on widths, so tests can check it without painting.
"""
from __future__ import annotations

from dataclasses import dataclass, field

MIN_GAP = 56.0  # pixels between two layer columns, at least
CORE_SHARE = 0.42  # of the width kept for the layer columns before labels get any
MAX_TITLE = 180.0  # widest movie title column
MIN_TITLE = 36.0  # narrower than this, titles are left out (hover still names the movie)


@dataclass
class Layout:
    left: float  # x of the first layer column
    right: float  # margin right of the last layer column
    top: float
    bottom: float
    title_left: float  # width of the input titles column (0 = none)
    title_right: float  # width of the output titles column (0 = none)
    rating_w: float  # width of the inputs' rating column
    columns: list = field(default_factory=list)  # output value columns: (name, width)
    heads: list = field(default_factory=list)  # per layer: lines of its title
    narrow: bool = False


def output_columns(narrow: bool, show_pre: bool, show_err: bool, number_w: float = 0.0,
                   clip_w: float = 0.0) -> list:
    """The output value columns (ŷ, pre-activation, target, error) and their widths.

    number_w: width of the widest number the columns may hold (a value column is never narrower,
    so '-2.7e-04' never runs into the next column); clip_w: room after ŷ for '→ 5' when a
    prediction lies outside the rating scale."""
    if narrow:
        cols = [("ŷ", 44.0)] + ([("a", 38.0)] if show_pre else []) + [("target", 38.0)]
        cols += [("error", 46.0)] if show_err else []
    else:
        cols = [("ŷ", 56.0)] + ([("a", 44.0)] if show_pre else []) + [("target", 52.0)]
        cols += [("error", 52.0)] if show_err else []
    return [(n, max(w, number_w + (clip_w if n == "ŷ" else 0.0)) if n != "target" else w) for n, w in cols]


def head_candidates(sizes, activation_names, layer: int) -> list:
    """Titles of a layer column, from the fullest to the shortest; each a list of lines."""
    L = len(sizes) - 1
    n = f"{sizes[layer]:,}"
    if layer == 0:
        return [[f"inputs · {n}"], ["inputs", n], ["in", n], ["in"]]
    act = activation_names[layer - 1]
    if layer == L:
        return [[f"outputs · {act}"], ["outputs", act], ["out", act[:4]], ["out"]]
    return [[f"hidden {layer} · {n} · {act}"], [f"hidden {layer}", f"{n} · {act}"],
            [f"h{layer} · {n}", act], [f"h{layer} · {n}", act[:4]], [f"h{layer} · {n}"], [f"h{layer}"]]


def choose_heads(sizes, activation_names, room: list, advance) -> list:
    """Per layer the first title whose every line fits in room[layer] pixels (advance(text) -> px)."""
    heads = []
    for l in range(len(sizes)):
        cands = head_candidates(sizes, activation_names, l)
        pick = next((c for c in cands if max(advance(t) for t in c) <= room[l]), cands[-1])
        heads.append(pick)
    return heads


def plan(width: float, height: float, n_layers: int, *, title_need_left: float, title_need_right: float,
         columns: list, radius_guess: float, line_h: float, caption_h: float, legend_h: float,
         vectors_h: float = 0.0, noisy: bool = False) -> Layout:
    """Margins and label widths for a widget of width x height showing n_layers + 1 columns."""
    narrow = width < 900
    rating_w = (30.0 if narrow else 36.0) * (2 if noisy else 1)  # denoising: clean and fed values
    node_room = radius_guess + radius_guess * 0.55 + 8  # node radius, bias square, gap
    fixed_left = 8 + rating_w + node_room
    fixed_right = node_room + 4 + sum(w for _, w in columns) + 6
    core = max(n_layers * MIN_GAP, (CORE_SHARE if n_layers > 2 else 0.34) * width)
    spare = max(width - fixed_left - fixed_right - core, 0.0)
    # titles share what is left, each no wider than its longest title needs
    tl, tr = min(title_need_left, MAX_TITLE), min(title_need_right, MAX_TITLE)
    if tl + tr > spare:
        half = spare / 2
        if tl < half:
            tr = spare - tl
        elif tr < half:
            tl = spare - tr
        else:
            tl = tr = half
    tl = tl if tl >= MIN_TITLE else 0.0
    tr = tr if tr >= MIN_TITLE else 0.0
    top = caption_h + 2 * line_h + 14
    return Layout(left=fixed_left + tl, right=fixed_right + tr, top=top, bottom=legend_h + 10 + vectors_h,
                  title_left=tl, title_right=tr, rating_w=rating_w, columns=list(columns), narrow=narrow)


def node_capacity(height: float, top: float, bottom: float, line_h: float) -> int:
    """How many nodes a column can show with a readable label each (one row kept for '+N more')."""
    avail = height - top - bottom - 18
    return max(int(avail // max(line_h, 1.0)) - 1, 4)
