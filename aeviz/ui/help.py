"""Help > How to read this screen, and About: the words a first-time user needs, in one place."""
from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMessageBox, QTextBrowser, QVBoxLayout

import aeviz

HOW_TO_READ = """
<h2>How to read this screen</h2>
<p><b>The network</b> (centre) is an autoencoder: one input per movie on the left, one output per
movie on the right, and a narrow middle (the <i>bottleneck</i>) that must summarise a user's taste
in a few numbers. The caption above it names the phase just done and counts like the status bar:
epoch 1 is the first, observation 1 of N the user being stepped.</p>
<table cellspacing="0" cellpadding="2">
<tr><td><b>Lines</b></td><td>weights: <span style="color:#0877bd">blue</span> positive,
<span style="color:#e8710a">orange</span> negative; thicker and darker = larger |w|.</td></tr>
<tr><td><b>Hidden units</b></td><td>filled by their activation h, the same
<span style="color:#e8710a">orange</span>-white-<span style="color:#0877bd">blue</span> scale; the
small squares beside them are biases.</td></tr>
<tr><td><b>Movies</b></td><td>filled by rating / prediction (dark purple low, yellow high); a dashed
circle = not rated; a <b>ring</b> on an output = the target rating it should reproduce.</td></tr>
<tr><td><b>Denoising</b></td><td><span style="color:#c51b7d">magenta</span> marks the inputs the
corruption hid or changed; the target is still the full row.</td></tr>
<tr><td><b>Backward</b></td><td><span style="color:#7b2cbf">purple</span> rings = error signals
&delta;, purple lines = |gradient|.</td></tr>
<tr><td><b>Update</b></td><td>dark flashes on the lines that changed most.</td></tr>
<tr><td><b>&times;</b></td><td><span style="color:#d62728">red</span>: a value that is not finite
(training diverged).</td></tr>
</table>
<p>Hover a node or a line to read its numbers; click a node to follow it in the <b>Math
inspector</b>; click a line to type a new weight. The wheel zooms, a drag pans, <b>Fit</b> (or a
double-click) resets. <b>Weight matrix</b> shows a whole layer pair as a heatmap.</p>

<h3>One training step, one key each</h3>
<table cellspacing="0" cellpadding="2">
<tr><td><b>F</b></td><td><b>Forward</b>: the user's ratings (0 = not rated) are encoded into the
bottleneck and decoded back into predictions (STEPs 2-4).</td></tr>
<tr><td><b>B</b></td><td><b>Backward</b>: the error on the movies the user rated (STEP 5) is sent
back: every weight gets its share of the blame (STEP 6).</td></tr>
<tr><td><b>U</b></td><td><b>Update</b>: each weight moves against its gradient, scaled by the
learning rate (STEP 7). With batches, only once the batch is complete.</td></tr>
<tr><td><b>N</b></td><td><b>Next phase</b>: forward, loss, backward or update, one at a time.</td></tr>
<tr><td><b>&rarr;</b> or <b>.</b></td><td><b>Step observation</b>: one whole user.</td></tr>
<tr><td><b>Shift+&rarr;</b></td><td><b>Step batch</b>: finish the batch, then update.</td></tr>
<tr><td><b>Ctrl+E</b></td><td><b>Step epoch</b>: every user once (STEP 8), at full speed and
drawn as it goes; Pause stops it where it is.</td></tr>
<tr><td><b>Space</b></td><td><b>Play</b> / pause; the speed slider runs from one observation a
second (every phase visible) to full speed.</td></tr>
<tr><td><b>Ctrl+Z</b></td><td><b>Undo update</b>: the weights from before the last update
(again and again: the timeline keeps the run's past).</td></tr>
<tr><td><b>&larr;</b> (Left)</td><td><b>Step back</b>: one phase back in time: the update undone (its
gradients shown), then backward, then forward; stepping on again gives the very same numbers.</td></tr>
<tr><td><b>Ctrl+B</b></td><td><b>Go back to the best epoch</b>: the network, optimizer and history
of the epoch with the lowest validation RMSE (the star on the loss curve).</td></tr>
<tr><td><b>Ctrl+R</b></td><td><b>Reset</b>: a fresh network from the same seed.</td></tr>
</table>
<p>The <b>phase strip</b> under the toolbar shows the phase just done (filled) and the next one
(outlined); buttons that make no sense now are greyed out.</p>

<h3>Timeline</h3>
<p>The slider under the loss curves runs over every epoch of this network: drag it to see the
network, the curves (a vertical cursor) and every panel as they were at the end of that epoch,
exactly. <b>Continue here</b> trains on from that point: the old future stays on the curves,
dimmed, until <b>Discard</b>. The memory the timeline may use is set beside it; past it,
epochs are thinned evenly (the first, the latest and the best are always kept).
<b>File &gt; Save model with history</b> keeps the timeline in the model file.</p>

<h3>Loss curves</h3>
<p>Left: RMSE per epoch on the training ratings (<span style="color:#1f77b4">blue</span>), on the
validation ratings held back from training to choose the epoch (<span style="color:#9467bd">purple</span>)
and on the test ratings the network never saw (<span style="color:#ff7f0e">orange</span>, only
reported); sparse and contractive models add their penalty (<span style="color:#2ca02c">green,
dashed</span>, own axis). Dotted grey lines are the classical baselines on the same test ratings
(global mean, item mean, user + item biases): a network worth having ends below them. When the
held-out curves stop falling while blue keeps falling, the network is memorising instead of learning
tastes. The star marks the best validation RMSE so far; Train &gt; Early stopping pauses Play once
it is N epochs old, and Ctrl+B goes back to it. Right: the loss of each observation in the current
epoch. Right-click to export.</p>

<h3>The panels</h3>
<ul>
<li><b>Code</b>: the current user's bottleneck values (bars), and every user in code space,
coloured by most-rated genre or mean rating. Click a point to step that user.</li>
<li><b>Reconstruction</b>: the user's ratings (bars) against the network's output (dots);
held-out ratings as green diamonds. d(x, y) and RMSE count rated movies only.</li>
<li><b>Recommendations</b>: the best-scored movies the user has not rated, and the held-out
ratings beside their predictions.</li>
<li><b>Ratings matrix</b>: every user &times; movie; the current user is marked; click a row to
step that user.</li>
<li><b>Feature detectors</b>: the movies that switch each first-layer unit on and off.</li>
<li><b>Math inspector</b>: the selected node's formula with this step's numbers.</li>
<li><b>Weights over time</b>: each layer's spread of weights and gradients, update after update.</li>
<li><b>Movie map</b>: every movie placed by the network's weights for it (PCA to 2-D), coloured by
genre; the user's rated (&#9675;) and recommended (&#9733;) movies marked. Hover a movie for its
five nearest neighbours; type a title to find it.</li>
</ul>

<h3>Model setup and presets</h3>
<p>Change layers, activations, loss, optimizer and batch size, then <b>Apply</b> to build a fresh
network; a red field says what is wrong. <b>Presets</b> load a ready-made story (the seed's 4-2-4,
the recommender, denoising, sparse ...). If training <i>diverges</i> it pauses and names the layer
that failed: try a smaller learning rate.</p>
<p>All panels are docks: drag them by their title; show or hide them in the View menu. <b>F1</b>
opens this page.</p>
"""


def show_how_to_read(parent=None) -> QDialog:
    dlg = QDialog(parent)
    dlg.setWindowTitle("How to read this screen")
    dlg.resize(640, 720)
    lay = QVBoxLayout(dlg)
    text = QTextBrowser()
    text.setHtml(HOW_TO_READ)
    lay.addWidget(text)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dlg.close)
    lay.addWidget(buttons)
    dlg.setModal(False)
    dlg.show()
    return dlg


def show_about(parent=None) -> QMessageBox:
    version = getattr(aeviz, "__version__", "")
    box = QMessageBox(QMessageBox.Icon.Information, "About aeviz",
                      f"<b>aeviz</b> {version}<br>Watch an autoencoder learn movie tastes: every weight, "
                      "every phase of every step.<br><br>NumPy engine, PySide6 + pyqtgraph interface.",
                      QMessageBox.StandardButton.Ok, parent)
    box.setModal(False)
    box.show()
    return box
