"""Output formats shared by the CLI and the pytest plugin."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from pathlib import PurePath
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from pytest_uwsgi_lint.findings import Finding, Severity, printable

if TYPE_CHECKING:
    from pytest_uwsgi_lint.registry import Rule


def relative(path: str) -> str:
    """``path`` relative to the current directory when it lies below it."""
    if path.startswith("<") or path == "-":
        return path
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


# C0 controls, DEL and C1 controls: a newline, a carriage return, the ESC (and the one-character
# CSI) that start colours, hyperlinks, cursor moves and line erasures on a terminal or CI log.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def one_line(text: str) -> str:
    """``text`` safe to show on a terminal: undecodable bytes as ``\\xNN`` and control
    characters escaped (``\\n``, ``\\r``, ``\\x1b``), so that what a config holds (a key, a
    value, a file name) can neither break a finding's line nor erase or fake another one."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], printable(text))


def shown_path(path: str) -> str:
    """``path`` as :func:`one_line` shows it, relative to the current directory."""
    return one_line(relative(path))


def sarif_uri(path: str) -> str:
    """``path`` as the relative URI reference SARIF requires: its bytes percent-encoded where
    a URI cannot hold them (blanks, ``%``, ``:``, newlines, bytes that are not UTF-8)."""
    return quote(os.fsencode(PurePath(relative(path)).as_posix()), safe="/")


def format_finding(finding: Finding) -> str:
    """``path:line:col: CODE [severity] message (name)``, then the fix on its own line."""
    text = (
        f"{shown_path(finding.path)}:{finding.line}:{finding.column}: {finding.code} "
        f"[{finding.severity.value}] {one_line(finding.message)} ({finding.name})"
    )
    if finding.fix:
        text += f"\n    fix: {one_line(finding.fix)}"
    return text


def format_text(findings: Sequence[Finding]) -> str:
    return "\n".join(format_finding(f) for f in findings)


# A code point UTF-8 cannot carry: in a path, a byte of the file name that was not UTF-8.
_SURROGATE = re.compile("[\ud800-\udfff]")


def format_json(findings: Sequence[Finding], uwsgi_version: str, files: int) -> str:
    """The stable JSON document of DESIGN §2: paths relative, sorted by path then line.

    A path keeps the bytes of a file name that are not UTF-8 as the JSON escapes ``\\udc80``
    to ``\\udcff`` (as Python's ``json`` writes them), never as text a real name could hold."""
    items = []
    for finding in sorted(findings, key=lambda f: (relative(f.path), f.line, f.column, f.code)):
        item = finding.as_dict()
        item["path"] = relative(finding.path)
        items.append(item)
    document = {"uwsgi_version": uwsgi_version, "files": files, "findings": items}
    text = json.dumps(document, indent=2, ensure_ascii=False)
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


_SARIF_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_GITHUB_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _sarif_rule(rule: Rule) -> dict[str, Any]:
    sections = rule.sections()
    properties: dict[str, Any] = {"tags": list(rule.tags), "precision": "high"}
    security = rule.security_severity
    if security is not None:
        properties["security-severity"] = f"{security:.1f}"
    elif "security" not in rule.tags:
        properties["problem.severity"] = {"info": "recommendation"}.get(
            rule.severity.value, rule.severity.value
        )
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": " ".join(sections["What it does"].split())},
        "help": {"text": rule.doc, "markdown": rule.doc},
        "defaultConfiguration": {"level": _SARIF_LEVELS[rule.severity]},
        "properties": properties,
    }


def format_sarif(findings: Sequence[Finding], rules: Sequence[Rule], version: str) -> str:
    """SARIF 2.1.0 with every field GitHub code scanning requires (paths relative to the
    current directory, which should be the repository root)."""
    from pytest_uwsgi_lint.fingerprint import fingerprints

    index = {rule.code: position for position, rule in enumerate(rules)}
    results = []
    for finding, fingerprint in fingerprints(findings):
        result: dict[str, Any] = {
            "ruleId": finding.code,
            "level": _SARIF_LEVELS[finding.severity],
            "message": {"text": finding.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {
                            "uri": sarif_uri(finding.path),
                            "uriBaseId": "%SRCROOT%",
                        },
                        "region": {
                            "startLine": finding.line,
                            "startColumn": finding.column,
                            "endLine": finding.end_line,
                            "endColumn": max(finding.end_column, finding.column),
                        },
                    }
                }
            ],
            "partialFingerprints": {"primaryLocationLineHash": fingerprint},
        }
        if finding.code in index:
            result["ruleIndex"] = index[finding.code]
        results.append(result)
    driver = {
        "name": "uwsgi-lint",
        "semanticVersion": version,
        "informationUri": "https://pypi.org/project/pytest-uwsgi-lint/",
        "rules": [_sarif_rule(rule) for rule in rules],
    }
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{"tool": {"driver": driver}, "results": results}],
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(findings: Sequence[Finding]) -> str:
    """GitHub Actions workflow commands: one annotation per finding on the pull request."""
    lines = []
    for finding in findings:
        properties = ",".join(
            f"{key}={_escape_property(str(value))}"
            for key, value in (
                ("file", printable(relative(finding.path))),
                ("line", finding.line),
                ("col", finding.column),
                ("endLine", finding.end_line),
                ("endColumn", finding.end_column),
                ("title", f"{finding.code} {finding.name}"),
            )
        )
        lines.append(
            f"::{_GITHUB_LEVELS[finding.severity]} {properties}::"
            f"{_escape_data(one_line(finding.message))}"
        )
    return "\n".join(lines)


__all__ = [
    "format_finding",
    "format_github",
    "format_json",
    "format_sarif",
    "format_text",
    "one_line",
    "relative",
    "sarif_uri",
    "shown_path",
]
