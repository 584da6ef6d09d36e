"""Can Qt open a window here? Asked before QApplication exists, because Qt's own answer is an abort.

Without a display, or without one of the libraries its X11 (xcb) platform plugin loads, Qt prints
a hint that may blame the wrong library (libxcb-cursor0 when libxcb-icccm4 is missing) and aborts
the process (exit 134). `display_problem()` finds the real cause with ctypes (a dlopen per library
and one test connection to the X server) and says which Debian/Ubuntu package to install.
XCB_LIBRARIES is the list the README gives (checked with `ldd` on PySide6's libqxcb.so and
libQt6XcbQpa.so.6); tests keep the two equal.
"""
from __future__ import annotations

import ctypes
import os
import sys

# soname -> Debian/Ubuntu package, beyond what Qt needs even offscreen (README, Quick start)
XCB_LIBRARIES = {
    "libxcb.so.1": "libxcb1",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
}
NO_WINDOW = ("The command-line tools need no display: python -m aeviz --help.")
# The probe's connection stays open until Qt has its own (`release()`): an X server whose last
# client leaves resets itself, and a connection made during the reset fails (seen with Xvfb).
_held: list = []


def _uses_xcb(env) -> bool:
    """Qt on Linux picks xcb unless told otherwise or on a Wayland session."""
    if not sys.platform.startswith("linux"):
        return False
    platform = env.get("QT_QPA_PLATFORM", "").split(":")[0].split(";")[0].strip()
    if platform:
        return platform == "xcb"
    return not env.get("WAYLAND_DISPLAY")


def missing_libraries(libraries=None) -> list[tuple[str, str]]:
    """(soname, package) of each library the xcb plugin needs that cannot be loaded."""
    out = []
    for soname, package in (XCB_LIBRARIES if libraries is None else libraries).items():
        try:
            ctypes.CDLL(soname)
        except OSError:
            out.append((soname, package))
    return out


def _x_server_error(display: str) -> int:
    """0 when the X server at `display` accepts a connection, else libxcb's error code."""
    xcb = ctypes.CDLL("libxcb.so.1")
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    conn = xcb.xcb_connect(display.encode(), None)
    error = int(xcb.xcb_connection_has_error(conn))
    if error:
        xcb.xcb_disconnect(conn)
    else:
        _held.append((xcb, conn))
    return error


def release() -> None:
    """Close the probe's X connection (call once QApplication exists)."""
    while _held:
        xcb, conn = _held.pop()
        xcb.xcb_disconnect(conn)


def display_problem(env=None, libraries=None) -> str | None:
    """Why Qt could not open a window here, in words a person can act on; None when it can."""
    env = os.environ if env is None else env
    if not _uses_xcb(env):
        return None
    missing = missing_libraries(libraries)
    if missing:
        names = ", ".join(s for s, _ in missing)
        packages = " ".join(p for _, p in missing)
        return (f"aeviz cannot open a window: Qt's X11 platform plugin (xcb) needs {names}, which "
                f"{'is' if len(missing) == 1 else 'are'} not installed. On Debian or Ubuntu: "
                f"sudo apt-get install {packages} (the README lists every library). {NO_WINDOW}")
    display = env.get("DISPLAY", "")
    if not display:
        return ("aeviz cannot open a window: no X11 display is set (DISPLAY is empty). Start it from a "
                "desktop session, over `ssh -X`, or under a virtual screen (`xvfb-run python main.py`). "
                + NO_WINDOW)
    if _x_server_error(display):
        return (f"aeviz cannot open a window: the X11 display {display!r} does not accept a connection "
                f"(is the X server running, and may this user use it?). {NO_WINDOW}")
    return None
