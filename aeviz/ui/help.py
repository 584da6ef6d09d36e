"""Help > How to read this screen, and About: the words a first-time user needs, in one place."""
from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMessageBox, QTextBrowser, QVBoxLayout

import aeviz

HOW_TO_READ = """
<h2>How to read this screen</h2>
<p><b>The network</b> (centre) is an autoencoder: the left column has one input per movie, the
right column one output per movie, and the narrow middle (the <i>bottleneck</i>) forces the
network to summarise a user's taste in a few numbers. Lines are weights: blue positive, red
negative, thicker = larger. Units are coloured by their activation for the current user.</p>
<h3>One training step, one click each</h3>
<ol>
<li><b>Forward</b> [F]: the current user's ratings (0 = not rated) go in, are <i>encoded</i>
into the bottleneck and <i>decoded</i> back into predicted ratings (STEPs 2-4).</li>
<li><b>Backward</b> [B]: the reconstruction error is measured on the movies the user rated
(STEP 5) and sent back through the network: every weight learns its share of the blame
(STEP 6).</li>
<li><b>Update</b> [U]: each weight moves against its gradient, scaled by the learning rate
(STEP 7). With batches, the update waits until a whole batch has been back-propagated.</li>
<li><b>Step epoch</b> [Ctrl+E]: every user once = one epoch (STEP 8).</li>
</ol>
<p>The <b>phase strip</b> in the toolbar shows which phase was just done (filled) and which comes
next (outlined). Buttons that make no sense now are greyed out. <b>Play</b> [Space] trains
continuously; the speed slider goes from one observation per second (you can watch each phase)
to full speed. <b>Undo</b> restores the weights from before the last update.</p>
<h3>The loss curves</h3>
<p>Top: root mean squared error in stars, per epoch, on the ratings used for training (blue) and
on held-out ratings the network never saw (orange). When orange stops falling while blue keeps
falling, the network is memorising rather than learning tastes. Bottom: the loss of each user in
the current epoch. Right-click a plot to export it.</p>
<h3>Model setup</h3>
<p>Change the layer sizes, activations, loss, optimizer and batch size, then <b>Apply</b> to build
a fresh network. A red field explains what is wrong with it. If training <i>diverges</i> (numbers
become infinite) it pauses and says which layer failed: try a smaller learning rate.</p>
<p>All panels are docks: drag them by their title, or show and hide them in the View menu.</p>
"""


def show_how_to_read(parent=None) -> QDialog:
    dlg = QDialog(parent)
    dlg.setWindowTitle("How to read this screen")
    dlg.resize(620, 640)
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
