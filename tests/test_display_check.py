"""Without a display or an xcb library, the app says what is missing instead of Qt's abort (134)."""
import os
import pathlib
import re
import subprocess
import sys

from aeviz.ui.display_check import XCB_LIBRARIES, display_problem

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_no_display_is_a_message_and_status_1_not_an_abort():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    r = subprocess.run([sys.executable, "-m", "aeviz"], cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 1, r.stderr
    assert "cannot open a window: no X11 display is set" in r.stderr and "xvfb-run" in r.stderr
    assert "Traceback" not in r.stderr and "qt.qpa" not in r.stderr


def test_a_missing_xcb_library_is_named_with_its_package():
    libs = {"libxcb.so.1": "libxcb1", "libxcb-icccm-absent.so.4": "libxcb-icccm4"}
    msg = display_problem({"DISPLAY": ":0"}, libs)
    assert "needs libxcb-icccm-absent.so.4, which is not installed" in msg
    assert "apt-get install libxcb-icccm4 " in msg and "libxcb1" not in msg.split("install")[1]


def test_other_platforms_are_not_checked():
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}) is None
    assert display_problem({"WAYLAND_DISPLAY": "wayland-0"}) is None


def test_the_readme_lists_every_library_the_check_knows():
    text = (ROOT / "README.md").read_text()
    block = re.search(r"apt-get install libxcb1 .*?```", text, re.S).group(0)
    listed = set(block.replace("\\", " ").split()) - {"apt-get", "install", "```"}
    assert listed == set(XCB_LIBRARIES.values())
