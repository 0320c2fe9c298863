"""Reading config bytes without ever blocking, following a device, or exhausting memory.

uWSGI happily reads a FIFO (and waits for a writer); the linter must not. Only regular files
are opened, non-blocking, with the type checked again on the open descriptor, and never more
than a bound of bytes is read. Some kernel files are regular files all the same: a read of
``/proc/kmsg`` takes the messages it returns away from the system logger, and waits when there
are none. Those are refused unopened, and a file that would make a read wait is left unread.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import sys
from collections.abc import Iterator
from functools import lru_cache

MAX_BYTES = 10 * 1024 * 1024
#: Files one config may read in all: an include tree that fans out (each file including the
#: next one twice) reaches millions of loads within the depth bound.
MAX_LOADS = 1_000

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
    directory, a file past the size bound, the kernel's log, a file a read would wait on),
    which uWSGI itself may well read, or wait on."""

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


# A regular file whose reads take the messages they return away from the system logger.
_KERNEL_LOG = "/proc/kmsg"
_WOULD_BLOCK = ("cannot be read without waiting (for data to arrive, or for another process "
                "to let go of it); it was not read")


@lru_cache(maxsize=1)
def _kernel_log() -> tuple[int, int] | None:
    """The device and inode of this machine's kernel log, if it has one: a link to it, or a
    bind mount of it, is the same file under another name."""
    try:
        info = os.stat(_KERNEL_LOG)
    except OSError:
        return None
    return info.st_dev, info.st_ino


#: Files that describe the process reading them (its environment, memory, descriptors):
#: what they say is about the linter, not uWSGI, and a report must not carry it.
PROCESS_FILES = re.compile(r"/proc/(?:self|thread-self|[0-9]+)/")


@lru_cache(maxsize=1)
def _proc_device() -> int | None:
    try:
        return os.stat("/proc/self").st_dev
    except OSError:
        return None


def _of_a_process(path: str, info: os.stat_result) -> bool:
    """Whether ``path`` (``info``) is a file of ``/proc/PID/``, however it is named: only a
    file on that file system has its real path worked out."""
    return info.st_dev == _proc_device() and bool(PROCESS_FILES.match(os.path.realpath(path)))


def _refusal(path: str, info: os.stat_result) -> UnreadableSource | None:
    """Why the file ``info`` describes is not to be read, or None for an ordinary file."""
    if not stat.S_ISREG(info.st_mode):
        return UnreadableSource(_not_regular(path, info.st_mode), present=True)
    if (info.st_dev, info.st_ino) == _kernel_log():
        return UnreadableSource("is the kernel's log, whose reads take the messages they "
                                "return from the system logger, or wait for one; it was not "
                                "read", present=True)
    if _of_a_process(path, info):
        return UnreadableSource("describes the process that reads it (the linter, not uWSGI); "
                                "it was not read", present=True)
    return None


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


def _failed(path: str, error: OSError) -> UnreadableSource:
    """The refusal for an open or a read that failed: one that would have had to wait (a
    kernel file with nothing to say yet, a file under another process's lease) is a file
    uWSGI would wait on, not one it would fail to find."""
    if error.errno in (errno.EAGAIN, errno.EWOULDBLOCK):
        return UnreadableSource(_WOULD_BLOCK, present=True)
    return UnreadableSource(_explain(path, error))


_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)


def _open_regular(path: str, limit: int) -> tuple[int, int]:
    """A descriptor of the regular file at ``path`` of at most ``limit`` bytes, opened without
    blocking and checked again once open, and the size it has then; raises UnreadableSource,
    or OSError."""
    info = os.stat(path)
    refused = _refusal(path, info)
    if refused is not None:
        raise refused
    if info.st_size > limit:
        raise _too_large(limit)
    fd = os.open(path, _FLAGS)
    try:
        opened = os.fstat(fd)
        refused = _refusal(path, opened)
        if refused is not None:
            raise refused
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
        raise _failed(path, error) from None
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
                raise _failed(path, error) from None
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
    "MAX_LOADS",
    "UnreadableSource",
    "forget_directories",
    "read_chunks",
    "read_source",
    "real_path",
]
