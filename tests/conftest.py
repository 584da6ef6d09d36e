"""Shared test configuration: every test runs headless, whatever the shell says."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


import pytest


@pytest.fixture(autouse=True)
def _never_ask_on_close(monkeypatch):
    """Closing a window with unsaved training asks Save/Discard/Cancel in a modal box, which would
    block a headless test forever: tests discard unless they patch `model_files.ask_unsaved`."""
    try:
        from aeviz.ui.model_files import DISCARD, ModelFiles
    except ImportError:  # pragma: no cover
        return
    monkeypatch.setattr(ModelFiles, "_ask_unsaved", lambda self: DISCARD)
