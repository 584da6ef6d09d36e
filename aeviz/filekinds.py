"""What kind of file is this, before opening it? Reading a FIFO blocks until someone writes to
it, a device like /dev/zero never ends, and replacing one with a regular file destroys it: every
place that opens or replaces a user's file asks here first, and refuses anything but a regular
file with the reason this gives. Pure standard library (the data layer and the engine use it)."""
from __future__ import annotations

import os
import stat


def kind_of(mode: int) -> str:
    """'a named pipe (FIFO)', 'a device', 'a socket', 'a folder' or 'a regular file'."""
    if stat.S_ISREG(mode):
        return "a regular file"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def not_readable(path) -> str | None:
    """Why `path` cannot be read as a regular file ("no such file", "this is a folder, not a
    file", "this is a device, not a regular file", ...), or None if it can be opened."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return "no such file"
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if stat.S_ISDIR(st.st_mode):
        return "this is a folder, not a file"
    if not stat.S_ISREG(st.st_mode):
        return f"this is {kind_of(st.st_mode)}, not a regular file"
    return None
