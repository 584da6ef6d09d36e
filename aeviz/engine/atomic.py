"""Write a file so that readers see the old version or the new one, never half of either.

The content goes to a temporary file beside the target, then `os.replace` swaps it in (atomic on
one file system). Model files and exports both need this: a crash mid-write must not destroy
ten minutes of training or a previous export.
"""
from __future__ import annotations

import os
import pathlib
import tempfile

_UMASK = os.umask(0o022)
os.umask(_UMASK)


def atomic_write(path, write, binary: bool = False, fsync: bool = False) -> pathlib.Path:
    """Call `write(file)` on a temporary file next to `path`, then rename it into place."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with (os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", newline="", encoding="utf-8")) as fh:
            write(fh)
            if fsync:
                fh.flush()
                os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp's 0600 would hide the file from other users
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path
