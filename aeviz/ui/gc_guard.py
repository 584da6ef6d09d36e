"""Garbage collection only in the GUI thread.

Python's cyclic collector runs in whichever thread happens to allocate when a threshold is crossed.
If that is the engine's worker and the garbage holds Qt objects (a closed window's plots, say),
Qt objects get destroyed off the GUI thread, and Qt can crash. pyqtgraph's GarbageCollector turns
automatic collection off and collects on a GUI-thread timer instead; one per process.
"""
from __future__ import annotations

from pyqtgraph.util.garbage_collector import GarbageCollector

_collector = None


def install(interval_s: float = 0.5) -> None:
    """Idempotent: the first window installs it (a QApplication must exist)."""
    global _collector
    if _collector is None:
        _collector = GarbageCollector(interval=interval_s)
