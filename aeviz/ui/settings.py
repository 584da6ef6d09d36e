"""Persistent preferences (QSettings, organisation "aeviz") read defensively.

A stored value written by an older version, another program or a crash must never stop the app
from starting: every reader checks the type and falls back to the default.
"""
from __future__ import annotations

import json
import logging

from PySide6.QtCore import QByteArray, QSettings

ORG = "aeviz"
APP = "aeviz"
MAX_RECENT = 8
log = logging.getLogger(__name__)


def store() -> QSettings:
    """INI everywhere, so tests (and users) can point `QSettings.setPath(IniFormat, ...)` elsewhere."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORG, APP)


def read_bytes(key: str) -> QByteArray | None:
    """Window geometry/state blobs; None when absent or not bytes."""
    try:
        v = store().value(key)
    except Exception:  # a foreign value Qt cannot even decode
        return None
    return v if isinstance(v, QByteArray) and not v.isEmpty() else None


def read_number(key: str, default: float, lo: float, hi: float) -> float:
    try:
        v = float(store().value(key, default))
    except Exception:
        return default
    return v if lo <= v <= hi else default


def read_bool(key: str, default: bool) -> bool:
    try:
        v = store().value(key, default)
    except Exception:
        return default
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and v.lower() in ("true", "false"):
        return v.lower() == "true"
    return default


def read_config(default):
    """The last applied ModelConfig, or `default` if the stored one is missing or invalid."""
    try:
        raw = store().value("model/config")
        if not isinstance(raw, str):
            return default
        cfg = type(default).from_dict(json.loads(raw))
        if cfg.problems():
            log.warning("stored model/config ignored (%s); using the default model", "; ".join(cfg.problems()))
            return default
        return cfg
    except Exception as exc:
        log.warning("stored model/config ignored (%s); using the default model", exc)
        return default


def write_config(config) -> None:
    store().setValue("model/config", json.dumps(config.to_dict()))


def recent_files() -> list[str]:
    try:
        v = store().value("recent", [])
    except Exception:
        return []
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, (list, tuple)):
        return []
    return [str(p) for p in v if isinstance(p, str) and p][:MAX_RECENT]


def add_recent(path: str) -> list[str]:
    items = [path] + [p for p in recent_files() if p != path]
    items = items[:MAX_RECENT]
    store().setValue("recent", items)
    return items


def write(key: str, value) -> None:
    store().setValue(key, value)
