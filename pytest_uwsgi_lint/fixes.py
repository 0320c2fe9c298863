"""``--fix`` and ``--diff``: apply the rules' safe edits without losing a byte.

Edits are line splices on the raw bytes, so a BOM, CRLF line ends, invalid UTF-8 and every
untouched line stay exactly as they were; new lines take the file's dominant line end. A fix
is applied only when re-linting the edited bytes shows that the findings it targets are gone
and that nothing new appeared; otherwise the file is left alone and the reason reported.
Files are written atomically (temporary file in the real file's folder, fsync, rename, same
mode and owner), through symbolic links; a file with hard links is refused.
Fixing repeats until nothing fixable is left, so running it twice changes nothing.
"""

from __future__ import annotations

import difflib
import errno
import os
import re
import stat
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from pytest_uwsgi_lint.findings import Edit, Finding
from pytest_uwsgi_lint.reader import decode

MAX_ROUNDS = 10
_DIGITS = re.compile(r"\d+")


@dataclass
class FixOutcome:
    """What ``--fix``/``--diff`` did to one file."""

    path: str
    original: bytes
    fixed: bytes
    applied: list[Finding] = field(default_factory=list)
    refused: list[tuple[Finding, str]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.fixed != self.original


def line_end(data: bytes) -> bytes:
    """The file's dominant line end: CRLF when most lines end with it."""
    lines = data.count(b"\n")
    return b"\r\n" if lines and data.count(b"\r\n") * 2 > lines else b"\n"


def apply_edits(data: bytes, edits: Iterable[Edit]) -> bytes:
    """Splice ``edits`` (non-overlapping, any order) into ``data``."""
    carriage = b"\r" if line_end(data) == b"\r\n" else b""
    lines = data.split(b"\n")
    for edit in sorted(edits, key=lambda e: (e.line, e.end_line), reverse=True):
        lines[edit.line - 1 : edit.end_line] = [text + carriage for text in edit.lines]
    return b"\n".join(lines)


def _overlaps(edit: Edit, taken: list[Edit]) -> bool:
    last = max(edit.end_line, edit.line)
    return any(
        edit.path == other.path and edit.line <= max(other.end_line, other.line)
        and other.line <= last
        for other in taken
    )


def _signature(finding: Finding) -> tuple[str, str]:
    """What a finding says, with numbers folded so that shifted line numbers still match."""
    return finding.name, _DIGITS.sub("#", finding.message)


Lint = Callable[[bytes], list[Finding]]


def fix_file(path: str, data: bytes, lint: Lint) -> FixOutcome:
    """Fix what can be fixed safely in ``path`` (whose bytes are ``data``); ``lint`` lints
    bytes as if they were that file's content."""
    outcome = FixOutcome(path, data, data)
    refused_keys: set[tuple[str, int, str]] = set()
    for _ in range(MAX_ROUNDS):
        findings = lint(outcome.fixed)
        candidates = [
            f for f in findings
            if f.edits and all(e.path == path for e in f.edits)
            and (f.name, f.line, f.message) not in refused_keys
        ]
        chosen: list[Finding] = []
        taken: list[Edit] = []
        for finding in candidates:
            if not any(_overlaps(edit, taken) for edit in finding.edits):
                chosen.append(finding)
                taken.extend(finding.edits)
        if not chosen:
            break
        candidate = apply_edits(outcome.fixed, taken)
        verdict = _verify(findings, lint(candidate), chosen)
        if verdict is None:
            outcome.fixed = candidate
            outcome.applied.extend(chosen)
            continue
        for finding in chosen:  # retry them one by one to keep the safe ones
            single = apply_edits(outcome.fixed, finding.edits)
            reason = _verify(findings, lint(single), [finding])
            if reason is None:
                outcome.fixed = single
                outcome.applied.append(finding)
                break
            outcome.refused.append((finding, reason))
            refused_keys.add((finding.name, finding.line, finding.message))
    return outcome


def _new_lines(edits: Sequence[Edit]) -> set[int]:
    """The line numbers the edited text occupies in the edited file."""
    touched: set[int] = set()
    shift = 0
    for edit in sorted(edits, key=lambda e: (e.line, e.end_line)):
        start = edit.line + shift
        touched.update(range(start, start + max(len(edit.lines), 1)))
        shift += len(edit.lines) - (edit.end_line - edit.line + 1)
    return touched


def _verify(
    before: Sequence[Finding], after: Sequence[Finding], fixed: Sequence[Finding]
) -> str | None:
    """None when the edit removed what it targeted and put no new finding on the lines it
    wrote; else why not. (Findings elsewhere may appear: a repaired header, say, makes the
    section's options visible for the first time.)"""
    counted_before = Counter(_signature(f) for f in before)
    counted_after = Counter(_signature(f) for f in after)
    for finding in fixed:
        if counted_after[_signature(finding)] >= counted_before[_signature(finding)]:
            return f"the fix would not resolve it ({finding.name}: {finding.message})"
    touched = _new_lines([edit for finding in fixed for edit in finding.edits])
    remaining = counted_before - Counter(_signature(f) for f in fixed)
    for finding in after:
        signature = _signature(finding)
        if remaining[signature] > 0:
            remaining[signature] -= 1
        elif finding.line in touched:
            return f"the fix would add a finding ({finding.name}: {finding.message})"
    return None


class UnwritableFile(Exception):
    """A file ``--fix`` cannot or will not replace; the message says why, in the user's terms."""


def write_atomically(path: str, data: bytes) -> None:
    """Replace the file ``path`` names with ``data`` so a crash leaves either the old or the new
    file. A symbolic link is followed (replacing the link would leave the file it points to
    unfixed); the new file keeps the old one's mode, owner and group."""
    real = os.path.realpath(path)
    info = _replaceable(path, real)
    try:
        _replace(real, data, info)
    except OSError as error:
        raise UnwritableFile(
            f"cannot put a new copy in {os.path.dirname(real)}: {_reason(error)}"
        ) from None


def _replace(real: str, data: bytes, info: os.stat_result) -> None:
    """Write ``data`` to a temporary file beside ``real`` and rename it over ``real``."""
    descriptor, temporary = tempfile.mkstemp(prefix=".uwsgi-lint-", dir=os.path.dirname(real))
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            _keep_owner(handle.fileno(), info)
            os.fchmod(handle.fileno(), stat.S_IMODE(info.st_mode))
            os.fsync(handle.fileno())
        os.replace(temporary, real)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def _replaceable(path: str, real: str) -> os.stat_result:
    """The status of ``real``, the file ``path`` resolves to, when replacing it is safe: it is
    a regular file with one name (replacing a file with hard links would split them, and
    writing it in place could leave it half-written)."""
    try:
        info = os.stat(real)
    except OSError as error:
        if error.errno == errno.ENOENT and os.path.islink(path):
            raise UnwritableFile("it is a broken symbolic link") from None
        if error.errno == errno.ELOOP:
            raise UnwritableFile("it is a symbolic link that loops") from None
        raise UnwritableFile(_reason(error)) from None
    if not stat.S_ISREG(info.st_mode):
        raise UnwritableFile("it is not a regular file")
    if info.st_nlink > 1:
        raise UnwritableFile(
            f"it has {info.st_nlink} hard links; replacing it would split them and writing it "
            "in place is not atomic (apply the --diff output by hand)"
        )
    return info


def _keep_owner(descriptor: int, info: os.stat_result) -> None:
    """Give the new file the old one's owner and group, or refuse: a config readable by
    uWSGI's group only would become unreadable to it."""
    created = os.fstat(descriptor)
    if (created.st_uid, created.st_gid) == (info.st_uid, info.st_gid):
        return
    try:
        os.fchown(descriptor, info.st_uid, info.st_gid)
    except PermissionError:
        raise UnwritableFile(
            f"its owner and group (uid {info.st_uid}, gid {info.st_gid}) cannot be kept"
        ) from None


def _reason(error: OSError) -> str:
    return (error.strerror or str(error)).lower()


def unified_diff(outcome: FixOutcome) -> str:
    """The change as a unified diff (bytes shown losslessly as text)."""
    before = decode(outcome.original).splitlines(keepends=True)
    after = decode(outcome.fixed).splitlines(keepends=True)
    old, new = (_diff_name(f"{side}/{outcome.path}") for side in "ab")
    return "".join(difflib.unified_diff(before, after, old, new))


def _diff_name(name: str) -> str:
    """A file name for a diff header, quoted as git quotes it when it holds a quote, a
    backslash or a control character (a newline would end the header)."""
    if not any(c in '"\\' or ord(c) < 32 or ord(c) == 127 for c in name):
        return name
    return '"' + "".join(_C_ESCAPES.get(c, c if 32 <= ord(c) != 127 else f"\\{ord(c):03o}")
                         for c in name) + '"'


_C_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}


__all__ = [
    "FixOutcome",
    "UnwritableFile",
    "apply_edits",
    "fix_file",
    "line_end",
    "unified_diff",
    "write_atomically",
]
