"""Suppression comment lines.

uWSGI has no inline comments, so a suppression is a whole comment line:
``; uwsgi-lint: disable=NAME[,NAME]`` silences those rules on the next option line,
``; uwsgi-lint: disable-file=NAME[,NAME]`` on the whole file. Rules may be named by name or
code. A suppression that names no rule, or silences nothing, is reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from pytest_uwsgi_lint.findings import Finding
from pytest_uwsgi_lint.reader import IniFile, LineKind

_DIRECTIVE = re.compile(r"^[;#]\s*uwsgi-lint:\s*(disable|disable-file)\s*=\s*(.*)$")


@dataclass
class Suppression:
    line: int
    column: int
    target_line: int | None
    names: list[str]
    used: set[str] = field(default_factory=set)


def parse(ini: IniFile) -> list[Suppression]:
    """Every suppression comment of the file; ``target_line`` is None for ``disable-file``."""
    found: list[Suppression] = []
    pending: list[Suppression] = []
    for line in ini.lines:
        if line.kind is LineKind.OPTION:
            for suppression in pending:
                suppression.target_line = line.line
            pending = []
            continue
        if line.kind is not LineKind.COMMENT:
            continue
        match = _DIRECTIVE.match(line.text)
        if match is None:
            continue
        # each name once: a line naming one rule a million times is one name
        names = list(dict.fromkeys(n.strip() for n in match.group(2).split(",") if n.strip()))
        suppression = Suppression(line.line, line.column, None, names)
        found.append(suppression)
        if match.group(1) == "disable":
            suppression.target_line = -1
            pending.append(suppression)
    return found


def apply(findings: Iterable[Finding], suppressions: list[Suppression], path: str) -> list[Finding]:
    """The findings no suppression silences; marks which suppressions were used. Each
    finding looks up the suppressions of its own line and the file-wide ones by its name and
    its code, so a file of 90,000 suppressions costs no more per finding than one of ten."""
    # (target line, None for the whole file; name) -> the suppressions not yet marked used
    waiting: dict[tuple[int | None, str], list[Suppression]] = {}
    for item in suppressions:
        for name in item.names:
            waiting.setdefault((item.target_line, name), []).append(item)
    kept = []
    for finding in findings:
        silenced = False
        if finding.path == path:
            for target in (None, finding.line):
                for name in (finding.name, finding.code):
                    items = waiting.get((target, name))
                    if items is None:
                        continue
                    silenced = True
                    for item in items:
                        item.used.add(name)
                    items.clear()  # marked once; the key stays, and keeps silencing
        if not silenced:
            kept.append(finding)
    return kept


__all__ = ["Suppression", "apply", "parse"]
