"""Write a file so that readers see the old version or the new one, never half of either.

The content goes to a temporary file beside the target, then `os.replace` swaps it in (atomic on
one file system). Model files and exports both need this: a crash mid-write must not destroy
ten minutes of training or a previous export.

What is replaced is decided first (`write_target`): a symlink is written through (its target gets
the new content, the link stays), and a write that would destroy something it should not is
refused before any byte is written: an empty name, a folder, a device or pipe, or a file the
caller protects (the ratings file that is open). The temporary file never outlives the write:
it is removed on any exception, and on SIGTERM when writing from the main thread.
"""
from __future__ import annotations

import os
import pathlib
import signal
import stat
import tempfile
import threading

from ..filekinds import kind_of

_UMASK = os.umask(0o022)
os.umask(_UMASK)


class WriteError(OSError):
    """A write refused or failed; ``filename`` is the target (never the temporary file) and
    ``str()`` is the reason alone, so callers can say "cannot save to <target>: <reason>"."""

    def __init__(self, reason: str, target, errno: int | None = None):
        super().__init__(errno, reason, os.fspath(target))

    def __str__(self) -> str:
        return self.strerror


def write_target(path, protect=()) -> pathlib.Path:
    """The regular file a write to `path` replaces (a symlink's final target), or WriteError."""
    if path is None or not str(os.fspath(path)).strip():
        raise WriteError("no file name given", "")
    path = pathlib.Path(path)
    real = pathlib.Path(os.path.realpath(path))
    try:
        st = os.stat(real)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise WriteError(exc.strerror or str(exc), path, exc.errno) from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise WriteError(f"this is {kind_of(st.st_mode)}, not a regular file: it was not replaced", path)
    for other in protect:
        if other and st is not None and os.path.exists(other) and os.path.samefile(real, other):
            raise WriteError(f"this is the ratings file that is open ({os.path.basename(os.fspath(other))}): "
                             "choose another name", path)
    return real


def _terminated(signum, frame):
    raise SystemExit(128 + signum)


def atomic_write(path, write, binary: bool = False, fsync: bool = False, protect=()) -> pathlib.Path:
    """Call `write(file)` on a temporary file next to `path`'s target, then rename it into place.
    Returns the path given; WriteError (an OSError naming the target) if refused or failed."""
    target = write_target(path, protect)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise WriteError(exc.strerror or str(exc), path, exc.errno) from None
    in_main = threading.current_thread() is threading.main_thread()
    old_handler = signal.signal(signal.SIGTERM, _terminated) if in_main else None
    if old_handler is None:  # installed outside Python: restore the default
        old_handler = signal.SIG_DFL
    try:
        with (os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", newline="", encoding="utf-8")) as fh:
            write(fh)
            if fsync:
                fh.flush()
                os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp's 0600 would hide the file from other users
        os.replace(tmp, target)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError) and exc.errno is not None and not isinstance(exc, WriteError):
            raise WriteError(exc.strerror or str(exc), path, exc.errno) from None
        raise
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, old_handler)
    return pathlib.Path(path)
