"""The polish pass: the texts and ranges a user reads agree with each other and with the data."""
import dataclasses
import re

import pytest

from aeviz.engine.insights import compute_extras
from aeviz.presets import get_preset
from aeviz.ui.controls import STEP_ACTIONS
from aeviz.ui.graph.text import counters, status_line
from aeviz.ui.help import HOW_TO_READ
from aeviz.ui.panels import (PANELS, CodePanel, DistributionsPanel, ReconstructionPanel,
                             RecommendationsPanel)

from support import all_text, click, make, setup, snap


def toy():
    preset = get_preset("toy")
    ratings = preset.load_dataset()
    tr, split = preset.make_trainer(ratings)
    return tr, ratings, split


def toy_snap(tr):
    return dataclasses.replace(tr.snapshot(), extras=compute_extras(tr, {"layer": 2, "index": 0}))


# ------------------------------------------------------------------------- 1. numbering
def test_graph_caption_counts_like_the_status_bar(win, qtbot):
    def agree():
        s = win.last_snapshot
        epoch = int(re.search(r"Epoch (\d+)", win.status_labels["epoch"].text()).group(1))
        obs, n = map(int, re.search(r"Observation (\d+) of (\d+)", win.status_labels["obs"].text()).groups())
        assert f"epoch {epoch}" in status_line(s) and f"observation {obs} of {n}" in status_line(s)
        return epoch, obs
    assert agree() == (1, 1)
    click(qtbot, win, "forward")
    assert agree() == (1, 1)  # the observation being processed, not the 0 done so far
    click(qtbot, win, "step_observation")  # finishes the first user
    assert agree() == (1, 2)
    click(qtbot, win, "step_observation")
    assert agree() == (1, 3)
    click(qtbot, win, "step_epoch")
    assert agree() == (2, 1)


def test_counters_never_pass_the_last_observation():
    tr, _, _ = toy()
    s = tr.snapshot()
    assert counters(s) == (1, 1)
    assert counters(dataclasses.replace(s, position=4, epoch=2)) == (3, 4)
    assert status_line(s).startswith("epoch 1  ·  observation 1 of 4")


# --------------------------------------------------------------------- 2. reconstruction
def axis_texts(axis):
    """The labels a pyqtgraph axis draws, as its own paint code lays them out."""
    from PySide6.QtGui import QImage, QPainter
    image = QImage(max(axis.width(), 1), max(axis.height(), 1), QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [text for _, _, text in specs[2]] if specs else []


def test_reconstruction_fits_the_toys_four_movies_and_binary_scale(qtbot):
    tr, r, _ = toy()
    w = make(qtbot, ReconstructionPanel, r, None, size=(440, 850))
    tr.forward()
    w.show_snapshot(toy_snap(tr))
    vb = w.plot.getPlotItem().getViewBox()
    (x0, x1), (y0, y1) = vb.viewRange()
    assert x0 == pytest.approx(-0.6) and x1 == pytest.approx(3.6)  # 4 movies, not 17
    assert y0 == pytest.approx(0.0) and y1 == pytest.approx(1.1)  # a 0/1 scale, not 5.5
    assert axis_texts(w.plot.getPlotItem().getAxis("bottom")) == [
        r.titles[i] for i in toy_snap(tr).extras["reconstruction"]["order"]]
    text = w.header.text().replace("&nbsp;", " ")
    assert "no held-out ratings" in text and "RMSE on 0" not in text and "\u2014" not in text


def test_reconstruction_on_stars_keeps_the_five_star_scale(qtbot):
    tr, r, split = setup()
    w = make(qtbot, ReconstructionPanel, r, split, size=(440, 850))
    tr.select_observation(9)
    tr.forward()
    s = snap(tr)
    w.show_snapshot(s)
    (x0, x1), (y0, y1) = w.plot.getPlotItem().getViewBox().viewRange()
    assert y0 == pytest.approx(0.0) and 5.0 < y1 <= 5.5 + 1e-9
    assert x1 <= r.n_items - 0.4 + 1e-9  # never past the last movie
    assert "RMSE on 1 held-out" in w.header.text().replace("&nbsp;", " ")
    # the key is text above the plot: nothing is drawn over the dots
    assert w.plot.getPlotItem().legend is None and "held-out&nbsp;rating" in w.key.text()


# -------------------------------------------------------------------------------- 3. code
def test_code_panel_gives_the_scatter_the_room(qtbot):
    tr, r, split = setup(hidden=(8, 3, 8))
    w = make(qtbot, CodePanel, r, split, size=(400, 850))
    tr.forward()
    w.show_snapshot(snap(tr))
    qtbot.waitUntil(lambda: w.scatter_plot.height() > 0)
    bars, scatter = w.bars_plot.geometry(), w.scatter_plot.geometry()
    assert bars.bottom() < scatter.top()  # a strip above, not a column beside
    assert scatter.width() >= 0.95 * w.body.width() and scatter.height() > 3 * bars.height()


# --------------------------------------------------------------------- 4. the other panels
def test_recommendations_say_when_nothing_is_left(qtbot):
    tr, r, _ = toy()
    w = make(qtbot, RecommendationsPanel, r, None, size=(440, 850))
    tr.forward()
    w.show_snapshot(toy_snap(tr))
    assert "has rated every movie" in w.header.text() and "Top 0" not in w.header.text()
    assert not w.top.isVisible() and not w.held.isVisible()


def test_recommendation_numbers_are_short(qtbot):
    tr, r, split = setup()
    w = make(qtbot, RecommendationsPanel, r, split, size=(440, 850))
    tr.select_observation(30)
    tr.forward()
    w.show_snapshot(snap(tr))
    for k in range(w.top.rowCount()):
        assert re.fullmatch(r"\d\.\d\d", w.top.item(k, 3).text())
        assert re.fullmatch(r"\d\.\d\d", w.held.item(k, 4).text()) if k < w.held.rowCount() else True
    for k in range(w.held.rowCount()):
        assert re.fullmatch(r"[+-]\d\.\d\d", w.held.item(k, 5).text())


def test_weights_over_time_waits_for_two_updates_then_reads_at_every_row(qtbot):
    tr, r, split = setup(hidden=(8, 3, 8), epochs=0)
    w = make(qtbot, DistributionsPanel, r, split, size=(600, 290))
    w.show_snapshot(snap(tr))
    assert w.empty.isVisible() and not w.scroll.isVisible() and "Train" in w.empty.text()
    for _ in range(3):
        tr.step_observation()
    w.show_snapshot(snap(tr))
    qtbot.waitUntil(w.scroll.isVisible, timeout=2000)  # drawn at most MIN_INTERVAL later
    assert not w.empty.isVisible()
    assert w.canvas.minimumHeight() >= 4 * 100  # rows keep their ticks; the grid scrolls
    for l in range(4):
        title = w.titles[l]
        assert title.startswith(f"W{l + 1} gradients") and len(title) <= 40
    for row in w.rows:
        for band in row:
            assert not band.plot.getAxis("bottom").autoSIPrefix


@pytest.mark.parametrize("title,factory", PANELS)
def test_every_empty_panel_says_what_will_appear(qtbot, title, factory):
    tr, r, split = setup()
    w = make(qtbot, factory, r, split, size=(440, 400))
    if title == "Ratings matrix":  # with data it shows the matrix itself; without, it says so
        w.set_dataset(None)
        assert "Open a ratings file" in all_text(w)
        return
    text = all_text(w)
    assert re.search(r"[Ss]tep forward|Train", text), text


def test_no_raw_python_on_screen(qtbot):
    tr, r, split = setup(hidden=(8, 3, 8))
    tr.run_to("backward")
    s = snap(tr, {"layer": 4, "index": 0})
    for _, factory in PANELS:
        w = make(qtbot, factory, r, split)
        w.show_snapshot(s)
        text = all_text(w)
        for bad in ("None", "nan", "array(", "np.", "float64", "{'", "[np"):
            assert bad not in text, (factory.__name__, bad)


# ---------------------------------------------------------------------------------- 5. help
def test_help_names_every_step_key_and_panel():
    plain = re.sub(r"<[^>]+>", "", HOW_TO_READ).replace("&rarr;", "Right")
    for _, text, keys, _ in STEP_ACTIONS:
        assert text in plain, text
        assert any(k.replace("Right", "Right") in plain for k in keys), keys
    for title, _ in PANELS:
        assert title in plain, title
    assert "Space" in plain and "red negative" not in plain and "orange" in plain


def test_code_unit_ticks_are_round_numbers():
    from aeviz.ui.panels.codes import unit_ticks
    assert unit_ticks(2) == [1, 2]
    assert unit_ticks(13) == [1, 2, 4, 6, 8, 10, 12]
    assert unit_ticks(120)[:3] == [1, 10, 20] and unit_ticks(120)[-1] == 120


def test_feature_detector_weights_sit_in_their_own_cell(qtbot):
    from aeviz.ui.numbers import fmt
    from aeviz.ui.panels import FeatureDetectorsPanel
    tr, r, split = setup(hidden=(10,), n_users=300, n_items=60, epochs=3, hidden_activation="tanh")
    w = make(qtbot, FeatureDetectorsPanel, r, split, size=(600, 290))
    s = snap(tr, {"layer": 1, "index": 0})
    w.show_snapshot(s)
    fd = s.extras["feature_detectors"]
    i, wt = int(fd["pos_items"][0][0]), fd["pos_weights"][0][0]
    # the signed weight is a cell of its own, right before the title's cell
    from aeviz.ui.panels.base import esc
    assert f"+{fmt(wt, 2)}&nbsp;</td><td>{esc(r.titles[i])}" in w.html


def test_matrix_label_of_a_top_row_stays_on_the_plot(qtbot):
    from aeviz.ui.panels import RatingsMatrixPanel
    tr, r, split = setup()
    w = make(qtbot, RatingsMatrixPanel, r, split, size=(600, 290))
    tr.select_observation(1)
    tr.forward()
    w.show_snapshot(snap(tr))
    assert tuple(w.row_label.anchor) == (0, 0) and w.row_label.pos().y() > 1.5  # below the mark
    tr.step_observation()  # finishes user 1
    tr.select_observation(40)
    tr.forward()
    w.show_snapshot(snap(tr))
    assert tuple(w.row_label.anchor) == (0, 1) and w.row_label.pos().y() < 40.5  # above it


def test_feature_detectors_say_when_the_weights_are_still_random(qtbot):
    from aeviz.ui.panels import FeatureDetectorsPanel
    tr, r, split = setup(hidden=(10,), n_users=300, n_items=60, epochs=0)
    w = make(qtbot, FeatureDetectorsPanel, r, split, size=(600, 290))
    w.show_snapshot(snap(tr, {"layer": 1, "index": 0}))
    assert w.view.toPlainText().startswith("Untrained: these are the initial random weights")
    tr.step_observation()
    w.show_snapshot(snap(tr, {"layer": 1, "index": 0}))
    assert "Untrained" not in w.view.toPlainText()
