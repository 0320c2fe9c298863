"""Baselines: adopt the linter on a legacy repository by recording today's findings and
reporting only new ones.

A baseline stores fingerprints (rule, relative path, text of the flagged line, occurrence),
so findings keep matching when unrelated edits move lines, and a finding whose line is edited
shows up again.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from pytest_uwsgi_lint import sources
from pytest_uwsgi_lint.findings import Finding
from pytest_uwsgi_lint.fingerprint import fingerprints
from pytest_uwsgi_lint.fixes import UnwritableFile, reason, write_atomically
from pytest_uwsgi_lint.report import relative

FORMAT = 1
# A baseline is committed with the configs, so it is read as warily as they are: a regular
# file of at most this many bytes (about 50,000 findings), and never written past it.
MAX_BYTES = sources.MAX_BYTES
_WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NONBLOCK", 0)


class BaselineError(Exception):
    """A baseline file that cannot be read or written, or is not ours."""


def write_baseline(path: Path, findings: Sequence[Finding]) -> int:
    """Record ``findings``; returns how many were recorded."""
    entries = [
        {"fingerprint": fp, "code": f.code, "name": f.name, "path": relative(f.path),
         "line": f.line}
        for f, fp in fingerprints(findings)
    ]
    document = {"uwsgi-lint-baseline": FORMAT, "findings": entries}
    data = (json.dumps(document, indent=2, sort_keys=True) + "\n").encode("utf-8")
    if len(data) > MAX_BYTES:
        raise BaselineError(f"{path}: {len(entries)} findings would take {len(data)} bytes, "
                            f"more than a baseline may hold ({MAX_BYTES}); nothing was written")
    try:
        if _replaceable(path):  # an earlier baseline: replaced whole, never left half-written
            write_atomically(str(path), data)
        else:
            with _open_for_writing(path) as handle:
                handle.write(data)
    except UnwritableFile as error:
        raise BaselineError(f"{path}: cannot be written: {error}") from None
    except OSError as error:
        raise BaselineError(f"{path}: cannot be written: {_reason(error)}") from None
    return len(entries)


def _replaceable(path: Path) -> bool:
    """Whether ``path`` is a regular file with one name, which a new copy can replace in one
    rename (with more names, it is written in place so that they all see it)."""
    try:
        info = os.stat(path)
    except OSError:
        return False
    return stat.S_ISREG(info.st_mode) and info.st_nlink == 1


def _open_for_writing(path: Path) -> BinaryIO:
    """``path`` truncated for writing, if it is a regular file or does not exist: a FIFO would
    wait for a reader (so the open does not block: ENXIO), and a device is no baseline."""
    descriptor = os.open(path, _WRITE_FLAGS, 0o666)
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise BaselineError(f"{path}: not a regular file; nothing was written")
    return os.fdopen(descriptor, "wb")


def _number(text: str) -> int | str:
    """A JSON integer; one too long for any line number or format stays text (Python would
    refuse to convert it, with advice meant for programmers)."""
    return int(text) if len(text) <= 20 else text


def _is_format(value: object) -> bool:
    """The format number itself: not `true` or `1.0`, which compare equal to it."""
    return type(value) is int and value == FORMAT


def read_baseline(path: Path) -> frozenset[str]:
    """The recorded fingerprints."""
    try:
        data = sources.read_source(str(path.absolute()), MAX_BYTES)  # a file, even one named -
        document = json.loads(data.decode("utf-8"), parse_int=_number)
    except sources.UnreadableSource as error:
        raise BaselineError(f"{path} {error}") from None
    except UnicodeDecodeError as error:
        raise BaselineError(f"{path}: not UTF-8: {error}") from None
    except RecursionError:
        raise BaselineError(f"{path}: not a uwsgi-lint baseline (JSON nested too deeply)") from None
    except ValueError as error:
        raise BaselineError(f"{path}: not valid JSON: {error}") from None
    if not isinstance(document, dict) or not _is_format(document.get("uwsgi-lint-baseline")):
        raise BaselineError(f"{path}: not a uwsgi-lint baseline (format {FORMAT})")
    findings = document.get("findings")
    if not isinstance(findings, list) or not all(
        isinstance(item, dict) and isinstance(item.get("fingerprint"), str) for item in findings
    ):
        raise BaselineError(f"{path}: malformed findings list (each needs a fingerprint)")
    return frozenset(item["fingerprint"] for item in findings)


def _reason(error: OSError) -> str:
    if error.errno == errno.ENXIO:
        return "not a regular file (a FIFO or socket nobody reads)"
    return reason(error)


def new_findings(findings: Sequence[Finding], known: frozenset[str]) -> list[Finding]:
    """The findings the baseline does not record."""
    return [finding for finding, fp in fingerprints(findings) if fp not in known]


__all__ = ["BaselineError", "new_findings", "read_baseline", "write_baseline"]
