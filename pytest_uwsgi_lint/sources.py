"""Reading config bytes without ever blocking, following a device, or exhausting memory.

uWSGI happily reads a FIFO (and waits for a writer); the linter must not. Only regular files
are opened, non-blocking, with the type checked again on the open descriptor, and never more
than a bound of bytes is read.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from collections.abc import Iterator
from functools import lru_cache

MAX_BYTES = 10 * 1024 * 1024

_KINDS = {
    stat.S_IFIFO: "a FIFO",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a directory",
}


class UnreadableSource(Exception):
    """A config that cannot be read; the message says why, in the user's terms. ``present``
    is set when the file is there but the linter chose not to read it (a FIFO, a device, a
    directory, a file past the size bound), which uWSGI itself may well read."""

    def __init__(self, message: str, present: bool = False) -> None:
        super().__init__(message)
        self.present = present


def real_path(path: str) -> str:
    """``os.path.realpath(path)``, with the resolution of its directory remembered: a run
    resolves the same few directories for thousands of files, and ``realpath`` costs one
    ``lstat`` per path component."""
    head, tail = os.path.split(path)
    if tail in ("", ".", "..") or os.path.islink(path):
        return os.path.realpath(path)
    return os.path.join(_real_directory(os.path.abspath(head or os.curdir)), tail)


@lru_cache(maxsize=1024)
def _real_directory(directory: str) -> str:
    return os.path.realpath(directory)


def forget_directories() -> None:
    """Resolve directories afresh: each run calls this first, so that a link switched
    between two runs of one process (a test session, a watcher) does not keep its old
    target."""
    _real_directory.cache_clear()


_CHUNK = 1 << 16


def _too_large(limit: int) -> UnreadableSource:
    return UnreadableSource(f"is larger than {limit} bytes; it was not read", present=True)


def _not_regular(path: str, mode: int) -> str:
    if stat.S_ISDIR(mode) and not os.access(path, os.R_OK | os.X_OK):
        return "is a directory that cannot be listed: permission denied; its configs were not read"
    kind = _KINDS.get(stat.S_IFMT(mode), "not a regular file")
    return f"is {kind}, not a regular file; it was not read"


def _explain(path: str, error: OSError) -> str:
    if error.errno == errno.ENOENT:
        if os.path.islink(path):
            return "is a broken symbolic link"
        return "does not exist"
    if error.errno == errno.ELOOP:
        return "is a symbolic link that loops"
    if error.errno == errno.EACCES:
        return "cannot be read: permission denied"
    return f"cannot be read: {error.strerror or error}"


_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)


def _open_regular(path: str, limit: int) -> tuple[int, int]:
    """A descriptor of the regular file at ``path`` of at most ``limit`` bytes, opened without
    blocking and checked again once open, and the size it has then; raises UnreadableSource,
    or OSError."""
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise UnreadableSource(_not_regular(path, info.st_mode), present=True)
    if info.st_size > limit:
        raise _too_large(limit)
    fd = os.open(path, _FLAGS)
    try:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode):
            raise UnreadableSource(_not_regular(path, opened.st_mode), present=True)
    except BaseException:
        os.close(fd)
        raise
    return fd, opened.st_size


def read_chunks(path: str, size: int, limit: int = MAX_BYTES) -> Iterator[bytes]:
    """The bytes of the file at ``path``, ``size`` at a time, for a reader that may stop early
    (closing the generator closes the file); refuses what :func:`read_source` refuses."""
    try:
        fd, length = _open_regular(path, limit)
    except OSError as error:
        raise UnreadableSource(_explain(path, error)) from None
    try:
        total = 0
        # The first read asks for the size the file has (plus one byte, to see growth):
        # asking every small file for a large buffer leaves the allocator's heap fragmented,
        # and a run's memory growing with the number of files.
        want = min(size, length + 1)
        while True:
            try:
                chunk = os.read(fd, want)
            except OSError as error:
                raise UnreadableSource(_explain(path, error)) from None
            total += len(chunk)
            if total > limit:
                raise _too_large(limit)
            if not chunk:
                return
            yield chunk
            if len(chunk) < want:  # a regular file reads short only at its end
                return
            want = size
    finally:
        os.close(fd)


def read_source(path: str, limit: int = MAX_BYTES) -> bytes:
    """The bytes of the config at ``path`` (``-`` is standard input)."""
    if path == "-":
        data = sys.stdin.buffer.read(limit + 1)
        if len(data) > limit:
            raise UnreadableSource(f"standard input is larger than {limit} bytes; it was not read",
                                   present=True)
        return data
    return b"".join(read_chunks(path, _CHUNK, limit))


__all__ = [
    "MAX_BYTES",
    "UnreadableSource",
    "forget_directories",
    "read_chunks",
    "read_source",
    "real_path",
]
