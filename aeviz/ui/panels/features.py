"""Feature detectors: which movies switch each first-layer unit on, and which switch it off.

A trained recommender's first hidden units often become genre detectors; naming the movies behind
each unit's largest weights (and the genre they share) is the seed's "feature detection" made
concrete. Clicking a unit selects that node in the network.
"""
from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtWidgets

from ..numbers import fmt
from ..paced import Paced
from .base import Panel, esc, set_html_keeping_scroll

EMPTY = ("<p style='color:#888'>Train a little (Play, or Step epoch) to see which movies switch each "
         "first-layer unit on and off: trained units often become genre detectors.</p>")
CLEAR = 3.0  # a unit leans clearly towards a genre when its genre score (a t-like score) passes 3


class FeatureDetectorsPanel(Panel):
    """One block per hidden unit: strongest positive and negative incoming weights, by title."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.view = QtWidgets.QTextBrowser()
        self.view.setOpenLinks(False)
        self.view.anchorClicked.connect(self._anchor)
        self.view.setHtml(EMPTY)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.view)
        self.fd = None
        self.html = ""
        # 120 units' HTML takes ~1 s to lay out: while training, it waits 4 times that (paced.py)
        self.paced = Paced(self._show, parent=self)
        self._updates = None  # the snapshot's update count last offered

    def dataset_changed(self):
        self.paced.cancel()
        self.fd = self._updates = None
        self.html = ""
        self.view.setHtml(EMPTY)

    def draw(self, snapshot, extras):
        fd = extras.get("feature_detectors")
        if not fd or fd is self.fd:  # the worker reuses it until the weights change
            return
        # a manual step (at most one update since the last) is drawn at once; training is paced
        updates = getattr(snapshot, "updates", None)
        stepped = updates is None or self._updates is None or abs(updates - self._updates) <= 1
        self._updates = updates
        self.paced.offer(fd, now=self.fd is None or stepped)

    def _show(self, fd):
        self.fd = fd
        self._render()

    def selection_changed(self):
        if self.fd is not None:
            self._render()
            layer, index = self.selected
            if layer == 1:
                self.view.scrollToAnchor(f"u{index}")

    def dominant_genres(self) -> list[str]:
        """The genre each unit leans to or away from (empty when genres are unknown)."""
        fd = self.fd
        if fd is None or fd.get("dominant_genre") is None:
            return []
        names = fd["genre_names"]
        return [names[int(g)] for g in fd["dominant_genre"]]

    def _item(self, i, w):
        """One row: the signed weight in its own right-aligned cell, so a long title wraps under
        itself and never leaves a number reading as the next movie's."""
        g = self.entry_genre(int(i))
        genre = f" <span style='color:#888'>({esc(g)})</span>" if g else ""
        sign = "+" if w > 0 else ""
        return (f"<tr><td align='right' style='color:#666'>{sign}{fmt(w, 2)}&nbsp;</td>"
                f"<td>{esc(self.entry_label(int(i)))}{genre}</td></tr>")

    def _items(self, items, weights):
        rows = "".join(self._item(i, w) for i, w in zip(items, weights))
        return f"<table cellspacing='0' cellpadding='0'>{rows}</table>"

    def _render(self):
        fd = self.fd
        units = fd["pos_items"].shape[0]
        doms = self.dominant_genres()
        dominance = fd.get("dominance")
        sel_layer, sel_index = self.selected
        parts = []
        if self.item_model:
            parts.append("<p style='font-size:8pt'><b>Item-based model</b>: each movie is an observation, "
                         "so a first-layer unit's inputs are <b>users</b>: the users whose ratings of a "
                         "movie switch the unit on and off.</p>")
        if getattr(self.snapshot, "updates", None) == 0:
            parts.append("<p style='color:#b26b00'>Untrained: these are the initial random weights. Train a "
                         "little (Play, or Step epoch) to see detectors form.</p>")
        if doms:
            clear = [("+ " if s > 0 else "\u2212 ") + d for d, s in zip(doms, dominance)
                     if np.isfinite(s) and abs(s) >= CLEAR]
            counts = {g: clear.count(g) for g in sorted(set(clear))}
            summary = ", ".join(f"{esc(g)} \u00d7{n}" for g, n in sorted(counts.items(), key=lambda t: -t[1]))
            parts.append(f"<p style='font-size:8pt'><b>{len(clear)} of {units}</b> units lean clearly towards one genre"
                         f"{': ' + summary if summary else ''}. <span style='color:#777'>(+ the genre's movies "
                         f"switch the unit on, \u2212 off; the score is the genre's mean weight against "
                         f"the unit's, in standard errors; |score|&nbsp;\u2265&nbsp;{CLEAR:g} is clear)</span></p>")
        parts.append("<table cellspacing='0' cellpadding='3' width='100%'>")
        parts.append("<tr style='background:#eee'><th align='left'>unit</th><th align='left'>"
                     "on: largest + weights</th><th align='left'>off: largest \u2212 weights</th></tr>")
        for u in range(units):
            bg = "#fff3d6" if (sel_layer == 1 and sel_index == u) else ("#fafafa" if u % 2 else "#ffffff")
            head = f"<a name='u{u}' href='unit:{u}'><b>h1[{u + 1}]</b></a>"
            if doms:
                s = dominance[u]
                strong = bool(np.isfinite(s) and abs(s) >= CLEAR)
                colour = ("#1a7f37" if s > 0 else "#b42318") if strong else "#888"
                sign = "+" if s > 0 else "\u2212"
                head += (f"<br><span style='color:{colour}'>{'<b>' if strong else 'weakly '}{sign} "
                         f"{esc(doms[u])}{'</b>' if strong else ''}</span><br><span style='color:#888'>"
                         f"score {fmt(s, 2)}</span>")
            pos = self._items(fd["pos_items"][u], fd["pos_weights"][u])
            neg = self._items(fd["neg_items"][u], fd["neg_weights"][u])
            parts.append(f"<tr style='background:{bg}'><td valign='top'>{head}</td><td valign='top'>{pos}"
                         f"</td><td valign='top'>{neg}</td></tr>")
        parts.append("</table>")
        html = "".join(parts)
        self.html = set_html_keeping_scroll(self.view, html, self.html)

    def _anchor(self, url: QtCore.QUrl):
        text = url.toString()
        if text.startswith("unit:"):
            self.nodeSelected.emit(1, int(text.split(":", 1)[1]))
