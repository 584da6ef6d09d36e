"""Shared test configuration: every test runs headless, whatever the shell says."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
