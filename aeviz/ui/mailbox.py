"""The newest item a worker thread has for the GUI, coalesced.

The rule, written once: `put` keeps only the newest item and says whether to signal, which is only
when the GUI has taken the previous one, so a slow painter never builds a backlog of stale
pictures. Used by the main bridge (snapshots) and the Compare bridge (lockstep frames).
"""
from __future__ import annotations

import threading


class Mailbox:
    def __init__(self):
        self._lock = threading.Lock()
        self._item = None
        self._pending = False

    def put(self, item) -> bool:
        """Keep `item` (replacing any not yet taken); True if the GUI must now be signalled."""
        with self._lock:
            self._item = item
            if self._pending:
                return False
            self._pending = True
            return True

    def take(self):
        """The newest item (None if taken already), re-arming the signal."""
        with self._lock:
            item, self._item, self._pending = self._item, None, False
        return item

    @property
    def pending(self) -> bool:
        """Signalled and not taken yet."""
        return self._pending
