"""The You and What if docks' screenshots (docs/profile_*.png): the real window on MovieLens-100k
with a trained model, five ratings typed into the You dock one at a time.

    Xvfb :14 -screen 0 1366x768x24 &
    python -m aeviz train ~/.cache/aeviz-ml/ml-100k/u.data --orientation user --layers 500 \
        --lr 0.001 --epochs 40 --save /tmp/user500.npz
    DISPLAY=:14 python scripts/profile_screenshots.py /tmp/user500.npz [ml-100k/u.data]
"""
import pathlib
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from PySide6.QtWidgets import QApplication
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
app = QApplication(sys.argv)
app.setOrganizationName("aeviz-screenshots")  # settings apart from a real session
app.setApplicationName("aeviz")
from aeviz.data import load_ratings
from aeviz.ui.main_window import MainWindow
DATA = sys.argv[2] if len(sys.argv) > 2 else str(pathlib.Path.home() / ".cache/aeviz-ml/ml-100k/u.data")
OUT = ROOT / "docs"

def pump(sec):
    end = time.time() + sec
    while time.time() < end:
        app.processEvents()
        time.sleep(0.01)

def shot(name):
    pump(0.8)
    subprocess.run(["import", "-window", "root", f"{OUT}/{name}"], check=True)
    print("shot", name, flush=True)

r = load_ratings(DATA)
w = MainWindow(r, DATA, restore=False)
w.confirm = lambda *_: True
w.show()
pump(3)
while w.last_snapshot is None:
    pump(0.2)
wi = next(d for d in w.docks if d.windowTitle() == "What if")
w.model_files.open(sys.argv[1])
print("open:", w.model_files.wait("open", 60), flush=True)
pump(2)
p = w.profile
you = next(d for d in w.docks if d.windowTitle() == "You")
you.show(); you.raise_()
w.activateWindow()
pump(1)
movies = [("Star Wars (1977)", "5"), ("Empire Strikes Back", "5"), ("Toy Story (1995)", "4"),
          ("Titanic (1997)", "1"), ("Scream (1996)", "2")]
for k, (title, stars) in enumerate(movies, 1):
    p.search.setFocus()
    pump(0.2)
    QTest.keyClicks(QApplication.focusWidget() or p.search, title)
    pump(0.5)
    if k == 2:
        shot("profile_search.png")  # the completer's popup
    popup = p.search.completer().popup()
    if popup.isVisible():
        QTest.keyClick(popup, Qt.Key.Key_Down)
        QTest.keyClick(popup, Qt.Key.Key_Return)
    p.stars.setCurrentIndex(p.stars.findText(f"{stars} \u2605"))
    p.search.setFocus()
    QTest.keyClick(QApplication.focusWidget() or p.search, Qt.Key.Key_Return)
    t = time.time()
    while p.busy() and time.time() - t < 10:
        pump(0.05)
    print(k, p.ratings, p.recommended()[:3], flush=True)
    if k in (1, 5):
        shot(f"profile_{k}_ratings.png")
p.min_ratings.setValue(50)
pump(1.5)
shot("profile_filtered.png")
code = next(d for d in w.docks if d.windowTitle() == "Code")
code.raise_()
pump(2)
print("mark", next(x for x in w.panels if type(x).__name__ == "CodePanel").profile_mark(), flush=True)
shot("profile_code.png")
wi = next(d for d in w.docks if d.windowTitle() == "What if")
wi.show(); wi.raise_()

row = r.user_index(1)
w.what_if.ask(row, r.item_index(50), 1.0)  # user 1 rated Star Wars 5: what if 1?
t = time.time()
while w.what_if.busy() and time.time() - t < 10:
    pump(0.05)
print(w.what_if.header.text(), flush=True)
pump(2)
for d in w.docks:
    d.repaint()
w.repaint()
shot("profile_what_if.png")
w.close()
pump(1)
