"""Errors raised by the data layer.

Every refused file raises :class:`RatingsFileError`, whose message names the
file, the line, the column and the reason, e.g.::

    ratings.csv, line 17, column 3 (rating): 'abc' is not a number

:class:`LoadCancelled` is deliberately *not* a RatingsFileError: a cancelled
load is not a bad file.
"""
from __future__ import annotations

import os

__all__ = ["RatingsFileError", "LoadCancelled", "quote", "QUOTE_CHARS"]

#: at most this many characters of a field are quoted in a message (a 20 MB field must not
#: become a 20 MB message box)
QUOTE_CHARS = 80


def quote(text: str, limit: int = QUOTE_CHARS) -> str:
    """``repr`` of a field from a file, cut to ``limit`` characters with its full length noted."""
    text = str(text)
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}… ({len(text):,} characters)"


class RatingsFileError(ValueError):
    """One error type for every refused file.

    Attributes: ``path`` (full path as given), ``line`` (1-based, or None),
    ``column`` (1-based int or None), ``column_name`` (e.g. ``"rating"``),
    ``reason`` (human readable text).
    """

    def __init__(self, path, reason, line=None, column=None, column_name=None):
        self.path = os.fspath(path) if path is not None else ""
        self.reason = str(reason)
        self.line = line
        self.column = column
        self.column_name = column_name if column_name is None or len(str(column_name)) <= QUOTE_CHARS \
            else str(column_name)[:QUOTE_CHARS] + "…"
        super().__init__(self._message())

    @property
    def filename(self) -> str:
        return os.path.basename(self.path) or self.path

    def _message(self) -> str:
        parts = [self.filename or "<data>"]
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.column is not None:
            if self.column_name:
                parts.append(f"column {self.column} ({self.column_name})")
            else:
                parts.append(f"column {self.column}")
        return ", ".join(parts) + ": " + self.reason

    def __str__(self) -> str:  # keep the message even if args are changed
        return self._message()

    def __reduce__(self):
        return (type(self), (self.path, self.reason, self.line, self.column, self.column_name))


class LoadCancelled(Exception):
    """Raised by the loader when its ``cancel`` callback returns True."""

    def __init__(self, message: str = "loading was cancelled"):
        super().__init__(message)
