"""Bytes off the disk, in newline-terminated chunks, refusing what is not a text table at once.

What cannot be a ratings table is refused before or as it is read, never after reading it all:
a FIFO or a device (checked with ``stat`` before opening: opening a FIFO blocks, a device never
ends), NUL bytes or UTF-16 in the bytes just read, a line over ``MAX_LINE_BYTES``. A line longer
than a chunk is gathered with amortised appends, so parsing stays linear in the file size.
"""
from __future__ import annotations

import os
import pathlib

from ..filekinds import not_readable
from .errors import LoadCancelled, RatingsFileError


_PAD = b"00000000"  # 8 bytes before each chunk's data: every field ends >= 8 bytes in
CHUNK_BYTES = 1 << 20  # small chunks stay in cache and reuse freed memory: faster than big ones


class _Reader:
    """Yields newline-terminated chunks, strips a UTF-8 BOM, turns CR-only line ends into
    newlines, refuses NUL bytes (and UTF-16) as soon as they are read and lines longer than
    ``MAX_LINE_BYTES``, reports progress and honours cancel between reads."""

    def __init__(self, path: pathlib.Path, chunk_bytes: int, progress, cancel, share=(0.0, 0.9)):
        self.path = path
        self.chunk_bytes = max(int(chunk_bytes), 1024)
        self.progress = progress
        self.cancel = cancel
        self.share = share
        self.size = os.path.getsize(path)
        self.lines_before = 0  # lines completely consumed before the current chunk
        self.offset = 0  # byte offset in the file of the current chunk
        self.cr_only = False  # old Mac line ends: every CR is a newline
        self._free = []  # buffers given back by release()

    def _report(self, done: int):
        if self.progress is not None:
            lo, hi = self.share
            frac = done / self.size if self.size else 1.0
            self.progress(lo + (hi - lo) * min(frac, 1.0))

    def _check_cancel(self):
        if self.cancel is not None and self.cancel():
            raise LoadCancelled()

    def release(self, chunk):
        """The caller is done with a chunk from ``chunks()``: its buffer may be reused
        (fresh memory costs page faults; recycled buffers are already mapped)."""
        buf = chunk.obj if isinstance(chunk, memoryview) else None
        if isinstance(chunk, memoryview):
            chunk.release()
        if buf is not None and len(self._free) < 16:
            self._free.append(buf)

    def _buffer(self, size: int) -> bytearray:
        while self._free:
            cand = self._free.pop()
            if len(cand) >= size:
                return cand
        return bytearray(max(size, len(_PAD) + 2 * self.chunk_bytes))

    def _new_data(self, buf, lo: int, hi: int, at: int, first: bool):
        """Checks and fixes bytes just read (``buf[lo:hi]``, file offset ``at``)."""
        if first:
            _refuse_utf16(self.path, bytes(buf[lo:min(hi, lo + 64)]))
            cr, nl = buf.find(b"\r", lo, hi), buf.find(b"\n", lo, hi)
            self.cr_only = cr >= 0 and nl < 0
        nul = buf.find(b"\x00", lo, hi)
        if nul >= 0:
            raise RatingsFileError(self.path, "this is a binary file, not a text table of ratings (NUL byte)",
                                   line=_line_at(self.path, at + nul - lo))
        if self.cr_only:
            buf[lo:hi] = bytes(buf[lo:hi]).replace(b"\r", b"\n")

    def _long_line(self, f, line: bytearray, done: int):
        """A line longer than a chunk: read on with amortised appends (one copy of the data,
        not one per chunk) until a newline or the end, refusing lines over MAX_LINE_BYTES."""
        while True:
            self._check_cancel()
            if len(line) > MAX_LINE_BYTES:
                raise RatingsFileError(self.path, f"a line longer than {MAX_LINE_BYTES >> 20} MB: this is not "
                                                  "a table of ratings", line=_line_at(self.path, self.offset))
            block = bytearray(f.read(self.chunk_bytes))
            if not block:
                return line, done
            self._new_data(block, 0, len(block), done, False)
            done += len(block)
            self._report(done)
            line += block
            if b"\n" in block:
                return line, done

    def chunks(self):
        """Newline-terminated chunks: memoryviews of buffers with 8 bytes of padding
        (``_PAD``) in front (the fast parser reads 8-byte words ending at any field).
        Read with ``readinto`` into recycled buffers: one copy of the data, no more."""
        done = 0
        carry = b""
        first = True
        pad = len(_PAD)
        with _open(self.path) as f:
            while True:
                self._check_cancel()
                head = pad + len(carry)
                size = head + self.chunk_bytes
                ba = self._buffer(size)
                ba[:pad] = _PAD
                ba[pad:head] = carry
                with memoryview(ba) as mv:
                    got = f.readinto(mv[head:size])
                end = head + got
                if got == 0:
                    if carry:
                        yield memoryview(ba)[:end]
                    break
                self._new_data(ba, head, end, done, first)
                done += got
                if first:
                    first = False
                    if ba[pad:pad + 3] == b"\xef\xbb\xbf":
                        ba[pad:end - 3] = ba[pad + 3:end]
                        end -= 3
                        self.offset = 3
                cut = ba.rfind(b"\n", head, end)  # the carry holds no newline
                if cut < 0:
                    line = bytearray(ba[pad:end])
                    self._free.append(ba)
                    line, done = self._long_line(f, line, done)
                    ba = bytearray(_PAD) + line
                    del line
                    end = len(ba)
                    cut = ba.rfind(b"\n", pad, end)
                    if cut < 0:  # the last line, without a newline
                        carry = b""
                        yield memoryview(ba)[:end]
                        break
                carry = bytes(ba[cut + 1:end])
                chunk = memoryview(ba)[:cut + 1]
                yield chunk
                self.offset += cut + 1 - pad
                self._report(done)
        self._report(self.size)


#: a longer line is refused: no ratings table has one (a 20,000-movie wide row is ~100 KB)
MAX_LINE_BYTES = 16 << 20


def _open(path):
    """Open for reading; an unreadable file is a RatingsFileError naming it."""
    try:
        return open(path, "rb")
    except OSError as exc:
        raise RatingsFileError(path, f"cannot be read ({exc.strerror or exc})") from None


def _check_regular_file(path: pathlib.Path):
    """Refuse at once what is not a regular file: a FIFO or a device would block or never end."""
    problem = not_readable(path)
    if problem is not None:
        if problem.endswith("not a regular file"):
            problem += ": save the data to a file first"
        raise RatingsFileError(path, problem)


def _refuse_utf16(path, head: bytes):
    """UTF-16 text (a BOM, or every other byte NUL) gets its own message, not 'binary file'."""
    bom = head[:2] in (b"\xff\xfe", b"\xfe\xff")
    even, odd = head[0:32:2], head[1:32:2]
    zeros = len(head) >= 8 and any(a.count(0) == len(a) and b.count(0) == 0 for a, b in ((even, odd), (odd, even)))
    if bom or zeros:
        raise RatingsFileError(path, "this file is UTF-16 text: save it as UTF-8 (or plain text) and open it again",
                               line=1)


def _line_at(path, offset: int) -> int:
    """1-based line number of a byte offset (slow second pass, for error messages)."""
    count = 0
    with open(path, "rb") as f:
        while offset > 0:
            block = f.read(min(offset, 1 << 20))
            if not block:
                break
            count += block.count(b"\n")
            offset -= len(block)
    return count + 1


def _cut_lines(data: bytes, count: int, line_base: int):
    """``data`` without its first ``count`` lines, and the new line base."""
    pos = 0
    for _ in range(count):
        nl = data.find(b"\n", pos)
        pos = len(data) if nl < 0 else nl + 1
    return data[pos:], line_base + count
