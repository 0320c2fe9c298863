"""Baselines: adopt the linter on a legacy repository by recording today's findings and
reporting only new ones.

A baseline stores fingerprints (rule, relative path, text of the flagged line, occurrence),
so findings keep matching when unrelated edits move lines, and a finding whose line is edited
shows up again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from pytest_uwsgi_lint.findings import Finding
from pytest_uwsgi_lint.fingerprint import fingerprints
from pytest_uwsgi_lint.report import relative

FORMAT = 1


class BaselineError(Exception):
    """A baseline file that cannot be read or is not ours."""


def write_baseline(path: Path, findings: Sequence[Finding]) -> int:
    """Record ``findings``; returns how many were recorded."""
    entries = [
        {"fingerprint": fp, "code": f.code, "name": f.name, "path": relative(f.path),
         "line": f.line}
        for f, fp in fingerprints(findings)
    ]
    document = {"uwsgi-lint-baseline": FORMAT, "findings": entries}
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return len(entries)


def read_baseline(path: Path) -> frozenset[str]:
    """The recorded fingerprints."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise BaselineError(f"{path}: cannot be read: {error}") from None
    if not isinstance(document, dict) or document.get("uwsgi-lint-baseline") != FORMAT:
        raise BaselineError(f"{path}: not a uwsgi-lint baseline (format {FORMAT})")
    try:
        return frozenset(str(item["fingerprint"]) for item in document["findings"])
    except (KeyError, TypeError):
        raise BaselineError(f"{path}: malformed findings list") from None


def new_findings(findings: Sequence[Finding], known: frozenset[str]) -> list[Finding]:
    """The findings the baseline does not record."""
    return [finding for finding, fp in fingerprints(findings) if fp not in known]


__all__ = ["BaselineError", "new_findings", "read_baseline", "write_baseline"]
