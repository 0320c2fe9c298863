"""Stable identities for findings, for SARIF's ``partialFingerprints`` and for baselines.

A fingerprint must survive unrelated edits that move lines, so it hashes the rule, the file's
repository-relative path and the *text* of the flagged line (whitespace-normalised), not the
line number; identical lines in one file are told apart by their order of occurrence.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from pytest_uwsgi_lint.findings import Finding
from pytest_uwsgi_lint.report import relative
from pytest_uwsgi_lint.sources import UnreadableSource, read_source


def _lines(path: str) -> list[bytes]:
    try:
        return read_source(path).split(b"\n")
    except UnreadableSource:
        return []


def line_text(lines: list[bytes], line: int) -> bytes:
    """The flagged line's bytes with whitespace folded, or empty when unavailable."""
    return b" ".join(lines[line - 1].split()) if 0 < line <= len(lines) else b""


def fingerprints(findings: Iterable[Finding]) -> list[tuple[Finding, str]]:
    """Each finding with its fingerprint ``<hash>:<occurrence>``. The hash of one rule on
    one line is worked out once, however many findings share it (a line may be megabytes
    long, and carry a thousand findings)."""
    seen: dict[str, int] = {}
    sources: dict[str, list[bytes]] = {}
    hashes: dict[tuple[str, str, int], str] = {}
    result = []
    for finding in findings:
        place = (finding.code, finding.path, finding.line)
        key = hashes.get(place)
        if key is None:
            if finding.path not in sources:
                sources[finding.path] = _lines(finding.path)
            digest = hashlib.sha256()
            for part in (finding.code, relative(finding.path)):
                digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
            digest.update(line_text(sources[finding.path], finding.line))
            key = hashes[place] = digest.hexdigest()[:16]
        seen[key] = seen.get(key, 0) + 1
        result.append((finding, f"{key}:{seen[key]}"))
    return result


__all__ = ["fingerprints", "line_text"]
