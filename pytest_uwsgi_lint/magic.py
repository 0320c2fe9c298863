"""uWSGI's ``%`` magic pass, run over a whole file before it is split into lines.

uWSGI (``magic_sub`` in ``core/utils.c``) replaces ``%`` plus *any* byte with a table value that
defaults to the empty string, so unknown ``%X`` pairs vanish and a ``%`` at the end of a line eats
the newline. This module reproduces that byte for byte and records every substitution, so that
rules can say what the author wrote and what uWSGI read.
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import re
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from pytest_uwsgi_lint.sources import real_path

_PERCENT_PAIR = re.compile(rb"%(.?)", re.DOTALL)


@dataclass(frozen=True)
class MagicEvent:
    """One ``%X`` pair that the magic pass replaced, at 1-based ``line`` and ``column``."""

    line: int
    column: int
    char: bytes
    replacement: bytes


def _djb33x_hex(data: bytes) -> bytes:
    """uWSGI's path hash: ``char`` is signed there, and the hex is of the little-endian bytes."""
    value = 5381
    for byte in data:
        value = ((value * 33) ^ ((byte - 256) if byte > 127 else byte)) & 0xFFFFFFFF
    return value.to_bytes(4, "little").hex().upper().encode()


def _hostname() -> bytes:
    return socket.gethostname().encode(errors="surrogateescape")


def _online_cpus() -> int:
    """``sysconf(_SC_NPROCESSORS_ONLN)``, uWSGI's CPU count (``os.cpu_count`` can be overridden)."""
    try:
        return max(os.sysconf("SC_NPROCESSORS_ONLN"), 1)
    except (ValueError, OSError):
        return os.cpu_count() or 1


def _user_and_group() -> dict[bytes, bytes]:
    """``%u %U %g %G`` from the password and group databases, as ``getpwuid``/``getgrgid``
    give them to uWSGI (not from ``$USER``, which may name someone else)."""
    uid, gid = os.getuid(), os.getgid()
    try:
        user = pwd.getpwuid(uid).pw_name
    except KeyError:
        user = str(uid)
    try:
        group = grp.getgrgid(gid).gr_name
    except KeyError:
        group = str(gid)
    return {
        b"u": str(uid).encode(),
        b"U": user.encode(errors="surrogateescape"),
        b"g": str(gid).encode(),
        b"G": group.encode(errors="surrogateescape"),
    }


@lru_cache(maxsize=1)
def _machine() -> dict[bytes, bytes]:
    """The host name, CPU count, user and group: looked up once per process, not per file."""
    table = {b"h": _hostname(), b"k": str(_online_cpus()).encode(), b"[": b"\x1b", b"b": b"uwsgi"}
    table.update(_user_and_group())
    return table


# The time a source with no file behind it (stdin, a string) stands for: fixed per process.
_PROCESS_START = time.time()


def start_time(path: str) -> float:
    """What ``%t`` and ``%T`` stand for when the linter reads ``path``. uWSGI puts the time it
    starts, which cannot be known here; the config's modification time is a moment uWSGI can
    only start after, and it makes an unchanged file read the same way on every run."""
    try:
        return os.stat(path).st_mtime
    except (OSError, ValueError):
        return _PROCESS_START


def global_table(uwsgi_version: str, now: float = _PROCESS_START) -> dict[bytes, bytes]:
    """The values uWSGI sets once at start-up (``uwsgi_setup``), taken from this machine;
    ``now`` is the start time (see :func:`start_time`)."""
    table = {
        b"v": os.getcwd().encode(errors="surrogateescape"),
        b"t": str(int(now)).encode(),
        b"T": str(int(now * 1_000_000)).encode(),
        b"V": uwsgi_version.encode(),
    }
    table.update(_machine())
    return table


def file_table(path: str, section: str) -> dict[bytes, bytes]:
    """The per-file values of ``config_magic_table_fill`` for a config read from ``path``."""
    given = os.fsencode(path)
    table: dict[bytes, bytes] = {b"o": given, b"x": section.encode(errors="surrogateescape")}
    if os.path.islink(path):
        full = given if given.startswith(b"/") else os.fsencode(os.getcwd()) + b"/" + given
    else:
        full = os.fsencode(real_path(path))
    directory, _, name = full.rpartition(b"/")
    table[b"p"] = full
    table[b"s"] = name
    table[b"d"] = directory + b"/"
    table[b"j"] = _djb33x_hex(full)
    with contextlib.suppress(OSError):
        table[b"i"] = str(os.lstat(path).st_ino).encode()
    table[b"c"] = directory.rpartition(b"/")[2]
    stem, dot, extension = name.rpartition(b".")
    table[b"e"] = extension if dot else b""
    table[b"n"] = stem if dot else name
    for index, part in enumerate([p for p in directory.split(b"/") if p][:10]):
        table[str(index).encode()] = part
    return table


def first_file_aliases(table: Mapping[bytes, bytes]) -> dict[bytes, bytes]:
    """``%O %D …``: the same values for the first config file uWSGI loaded."""
    return {upper: table[lower] for lower, upper in _FIRST_ROUND.items() if lower in table}


def table_for(
    path: str,
    section: str,
    uwsgi_version: str,
    first_round: Mapping[bytes, bytes] | None = None,
    started: float | None = None,
) -> dict[bytes, bytes]:
    """The whole ``%`` table uWSGI uses while reading ``path``; ``first_round`` holds the
    ``%O %D ...`` values of the first file loaded (this file's own when None), ``started``
    the start time (by default, that of ``path``). Stdin and scheme sources only get ``%o``."""
    table = global_table(uwsgi_version, start_time(path) if started is None else started)
    if path == "-":
        table[b"o"] = b"-"
        return table
    per_file = file_table(path, section)
    table.update(per_file)
    table.update(first_file_aliases(per_file) if first_round is None else first_round)
    return table


_FIRST_ROUND = {b"o": b"O", b"d": b"D", b"s": b"S", b"p": b"P", b"c": b"C", b"e": b"E",
                b"n": b"N", b"x": b"X", b"i": b"I", b"j": b"J"}


def _replacement(char: bytes, table: Mapping[bytes, bytes]) -> bytes:
    """What ``%`` followed by ``char`` becomes: ``%%`` a ``%``, ``%(`` stays (a placeholder
    for a later pass), anything else the table's value or nothing."""
    if char == b"%":
        return b"%"
    return b"%(" if char == b"(" else table.get(char, b"")


def first_pair_past(
    data: bytes, end: int, pairs: int, size: int, table: Mapping[bytes, bytes]
) -> tuple[int, bool] | None:
    """Where the first ``%`` pair of ``data[:end]`` starts that is past the ``pairs``-th, or
    that makes the substituted text longer than ``size`` bytes (``%x`` of a huge section
    name, repeated, would take gigabytes), and whether the count was passed; None when
    neither happens."""
    count = data.count(b"%", 0, end)
    longest = max(map(len, table.values()), default=0)
    if count <= pairs and end + count * longest <= size:
        return None  # the usual case, known without walking the pairs
    grown = 0
    for index, match in enumerate(_PERCENT_PAIR.finditer(data, 0, end)):
        if index == pairs:
            return match.start(), True
        pair_end = match.end()
        grown += len(_replacement(match.group(1), table)) - (pair_end - match.start())
        if pair_end + grown > size:
            return match.start(), False
    return None


def substitute(
    data: bytes, table: Mapping[bytes, bytes]
) -> tuple[bytes, list[MagicEvent], list[int]]:
    """Apply the magic pass to ``data``.

    Returns the substituted buffer, the substitutions made, and the 1-based original line
    numbers whose newline a ``%`` swallowed (so two source lines became one).
    """
    if b"%" not in data:
        return data, [], []
    events: list[MagicEvent] = []
    joined: list[int] = []
    out: list[bytes] = []
    last = 0
    line = 1
    line_start = 0
    scanned = 0
    for match in _PERCENT_PAIR.finditer(data):
        start = match.start()
        newlines = data.count(b"\n", scanned, start)
        if newlines:
            line += newlines
            line_start = data.rfind(b"\n", scanned, start) + 1
        char = match.group(1)
        replacement = _replacement(char, table)
        out.append(data[last:start])
        out.append(replacement)
        events.append(MagicEvent(line, start - line_start + 1, char, replacement))
        if char == b"\n":
            joined.append(line)
            line += 1
            line_start = match.end()
        scanned = match.end()
        last = match.end()
    out.append(data[last:])
    return b"".join(out), events, joined


__all__ = [
    "MagicEvent",
    "file_table",
    "first_file_aliases",
    "first_pair_past",
    "global_table",
    "start_time",
    "substitute",
    "table_for",
]
