"""``--fix`` and ``--diff``: apply the rules' safe edits without losing a byte.

Edits are line splices on the raw bytes, so a BOM, CRLF line ends, invalid UTF-8 and every
untouched line stay exactly as they were; new lines take the file's dominant line end. A fix
is applied only when re-linting the edited bytes shows that the findings it targets are gone
and that nothing new appeared; otherwise the file is left alone and the reason reported.
Fixes are checked together, a group that fails is split, and a file is linted at most
``MAX_LINTS`` times, fewer for a long file: the fixes not checked by then are reported, not
applied.
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
from pytest_uwsgi_lint.sources import UnreadableSource, read_source

MAX_ROUNDS = 10
MAX_LINTS = 20
"""Lints one file's fixing may take: each lints the whole file, and one per fix would make a
file with many fixes that fail to verify take minutes."""
MAX_LINTED_LINES = 200_000
"""Lines those lints may read in all: a file of 100,000 lines gets two lints (one to find
the fixes, one to check them), so fixing costs a small multiple of linting it."""
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
    """Splice ``edits`` (non-overlapping, any order) into ``data``. In a CRLF file each line
    written ends with CR, except a last line that no LF follows (a file without a final
    line end keeps having none, rather than ending in a lone CR)."""
    carriage = b"\r" if line_end(data) == b"\r\n" else b""
    lines = data.split(b"\n")
    last = len(lines)  # edits go from the end, so the file's last line is known
    for edit in sorted(edits, key=lambda e: (e.line, e.end_line), reverse=True):
        texts = [text + carriage for text in edit.lines]
        if texts and edit.end_line >= last:
            texts[-1] = edit.lines[-1]
        lines[edit.line - 1 : edit.end_line] = texts
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
_Key = tuple[str, int, str]


@dataclass
class _Fixing:
    """One file being fixed. A round lints ``base`` and tries its fixes on it; the fixes
    that verified so far (``accepted``) are applied together with each new trial, since
    every edit is numbered in ``base``'s lines. ``findings`` lints ``base`` plus them."""

    path: str
    lint: Lint
    outcome: FixOutcome
    base: bytes = b""
    findings: list[Finding] = field(default_factory=list)
    accepted: list[Finding] = field(default_factory=list)
    refused_keys: set[_Key] = field(default_factory=set)
    lints: int = 0
    allowed: int = MAX_LINTS

    def relint(self, data: bytes) -> list[Finding]:
        """Lint ``data``, counting the lint against the budget."""
        self.lints += 1
        return self.lint(data)

    @property
    def spent(self) -> bool:
        return self.lints >= self.allowed

    def candidates(self) -> list[Finding]:
        """The findings of ``base`` with a fix in this file that was not refused."""
        return [
            f for f in self.findings
            if f.edits and all(e.path == self.path for e in f.edits)
            and _key(f) not in self.refused_keys
        ]

    def settle(self, trial: list[Finding]) -> None:
        """Apply as much of ``trial`` as verifies: all of it, or else each part of it in
        turn (the fixes the failure blames apart from the others, or halves), down to
        single fixes, which are refused with the reason. A lint per part keeps the work
        near (refused fixes) x log(fixes) lints, not one lint per fix."""
        if not trial or self.spent:
            return
        faults = self.attempt(trial)
        if not faults:
            return
        if len(trial) == 1:
            self.outcome.refused.append((trial[0], faults[0][0]))
            self.refused_keys.add(_key(trial[0]))
            return
        for part in _split(trial, {index for _, index in faults if index is not None}):
            self.settle(part)

    def attempt(self, trial: list[Finding]) -> list[tuple[str, int | None]]:
        """Lint ``base`` with the accepted fixes and ``trial``; keep them when nothing is
        wrong, else say what is (see :func:`_faults`)."""
        tried = [*trial, *self.accepted]
        candidate = apply_edits(self.base, [e for f in tried for e in f.edits])
        after = self.relint(candidate)
        written = _writers([f.edits for f in trial] + [[e for f in self.accepted for e in f.edits]])
        faults = _faults(self.path, self.findings, after, trial, written)
        if not faults:
            self.accepted.extend(trial)
            self.findings = after
            self.outcome.fixed = candidate
            self.outcome.applied.extend(trial)
        return faults

    def next_round(self) -> None:
        """Start from the fixed bytes; the refused fixes move with the lines above them."""
        edits = [e for f in self.accepted for e in f.edits]
        self.refused_keys = {(name, _moved(line, edits), message)
                             for name, line, message in self.refused_keys}
        self.base = self.outcome.fixed
        self.accepted = []

    def give_up(self, left: list[Finding]) -> None:
        """Report the fixes the lint budget left unchecked."""
        why = (f"not checked: checking fixes may take at most {self.allowed} lints of this "
               f"file ({MAX_LINTS} at most, and {MAX_LINTED_LINES:,} lines in all) and they "
               f"are used up ({_count(len(left))} left unapplied)")
        self.outcome.refused.extend((finding, why) for finding in left)


def fix_file(path: str, data: bytes, lint: Lint) -> FixOutcome:
    """Fix what can be fixed safely in ``path`` (whose bytes are ``data``); ``lint`` lints
    bytes as if they were that file's content. It is called at most ``MAX_LINTS`` times, and
    at most ``MAX_LINTED_LINES`` lines' worth (but twice at least); the fixes not checked by
    then are reported as such."""
    lines = data.count(b"\n") + 1
    allowed = max(2, min(MAX_LINTS, MAX_LINTED_LINES // lines))
    fixing = _Fixing(path, lint, FixOutcome(path, data, data), base=data, allowed=allowed)
    fixing.findings = fixing.relint(data)
    for _ in range(MAX_ROUNDS):
        chosen: list[Finding] = []
        taken: list[Edit] = []
        for finding in fixing.candidates():
            if not any(_overlaps(edit, taken) for edit in finding.edits):
                chosen.append(finding)
                taken.extend(finding.edits)
        if not chosen or fixing.spent:
            break
        fixing.settle(chosen)
        fixing.next_round()
    if fixing.spent:
        fixing.give_up(fixing.candidates())
    return fixing.outcome


def _key(finding: Finding) -> _Key:
    return finding.name, finding.line, _DIGITS.sub("#", finding.message)


def _count(fixes: int) -> str:
    return f"{fixes} fix" if fixes == 1 else f"{fixes} fixes"


def _moved(line: int, edits: Iterable[Edit]) -> int:
    """Where ``line``, untouched by ``edits``, is once they are applied."""
    return line + sum(len(e.lines) - (e.end_line - e.line + 1) for e in edits if e.end_line < line)


def _split(trial: list[Finding], blamed: set[int]) -> list[list[Finding]]:
    """The parts to retry a failed trial in: the fixes the failure did not blame, then those
    it did; halves when it blamed all of them or none."""
    if 0 < len(blamed) < len(trial):
        return [[f for i, f in enumerate(trial) if i not in blamed],
                [f for i, f in enumerate(trial) if i in blamed]]
    half = len(trial) // 2
    return [trial[:half], trial[half:]]


def _writers(groups: Sequence[Sequence[Edit]]) -> dict[int, int]:
    """For each line the edits wrote, numbered as in the edited file, the index of the group
    of edits that wrote it. (A deletion counts as writing the line that takes its place.)"""
    tagged = sorted(((index, edit) for index, group in enumerate(groups) for edit in group),
                    key=lambda pair: (pair[1].line, pair[1].end_line))
    writers: dict[int, int] = {}
    shift = 0
    for index, edit in tagged:
        start = edit.line + shift
        writers.update(dict.fromkeys(range(start, start + max(len(edit.lines), 1)), index))
        shift += len(edit.lines) - (edit.end_line - edit.line + 1)
    return writers


def _faults(
    path: str,
    before: Sequence[Finding],
    after: Sequence[Finding],
    trial: Sequence[Finding],
    writers: dict[int, int],
) -> list[tuple[str, int | None]]:
    """Why the edits of ``trial`` are not safe, each reason with the index in ``trial`` of
    the fix it blames (None when unknown): a finding a fix targets is not gone, or a new
    finding is on a line the edits wrote. (Findings elsewhere may appear: a repaired
    header, say, makes the section's options visible for the first time.)"""
    counted_before = Counter(_signature(f) for f in before)
    counted_after = Counter(_signature(f) for f in after)
    targeted = Counter(_signature(f) for f in trial)
    faults: list[tuple[str, int | None]] = [
        (f"the fix would not resolve it ({finding.name}: {finding.message})", index)
        for index, finding in enumerate(trial)
        if counted_after[_signature(finding)]
        > counted_before[_signature(finding)] - targeted[_signature(finding)]
    ]
    remaining = counted_before - targeted
    for finding in after:
        signature = _signature(finding)
        if remaining[signature] > 0:
            remaining[signature] -= 1
        elif finding.path == path and finding.line in writers:
            writer = writers[finding.line]
            faults.append((f"the fix would add a finding ({finding.name}: {finding.message})",
                           writer if writer < len(trial) else None))
    return faults


class UnwritableFile(Exception):
    """A file ``--fix`` cannot or will not replace; the message says why, in the user's terms."""


def write_atomically(path: str, data: bytes, expected: bytes | None = None) -> None:
    """Replace the file ``path`` names with ``data`` so a crash leaves either the old or the new
    file. A symbolic link is followed (replacing the link would leave the file it points to
    unfixed); the new file keeps the old one's mode, owner and group. With ``expected``, the
    file must still hold those bytes just before it is replaced: an edit made while it was
    being linted is not thrown away."""
    real = os.path.realpath(path)
    info = _replaceable(path, real)
    try:
        _replace(real, data, info, expected)
    except OSError as error:
        raise UnwritableFile(
            f"cannot put a new copy in {os.path.dirname(real)}: {reason(error)}"
        ) from None


def _replace(real: str, data: bytes, info: os.stat_result, expected: bytes | None) -> None:
    """Write ``data`` to a temporary file beside ``real`` and rename it over ``real``, if
    ``real`` still holds ``expected`` (when given)."""
    descriptor, temporary = tempfile.mkstemp(prefix=".uwsgi-lint-", dir=os.path.dirname(real))
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            _keep_owner(handle.fileno(), info)
            os.fchmod(handle.fileno(), stat.S_IMODE(info.st_mode))
            os.fsync(handle.fileno())
        if expected is not None and _now_holds(real) != expected:
            raise UnwritableFile("it changed while it was being linted; nothing was written, "
                                 "run the fix again")
        os.replace(temporary, real)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def _now_holds(real: str) -> bytes | None:
    try:
        return read_source(real)
    except UnreadableSource:
        return None


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
        raise UnwritableFile(reason(error)) from None
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


def reason(error: OSError) -> str:
    """An OS error in the user's words: ``permission denied``."""
    return (error.strerror or str(error)).lower()


def unified_diff(outcome: FixOutcome) -> str:
    """The change as a unified diff that ``patch`` and ``git apply`` take: bytes that are
    not UTF-8 kept as surrogates (write it with :func:`reader.encode` to get them back), and
    a last line without a newline marked as such."""
    before = decode(outcome.original).splitlines(keepends=True)
    after = decode(outcome.fixed).splitlines(keepends=True)
    old, new = (_diff_name(f"{side}/{outcome.path}") for side in "ab")
    return "".join(line if line.endswith("\n") else f"{line}\n\\ No newline at end of file\n"
                   for line in difflib.unified_diff(before, after, old, new))


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
    "reason",
    "unified_diff",
    "write_atomically",
]
