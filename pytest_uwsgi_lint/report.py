"""Output formats shared by the CLI and the pytest plugin."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence

from pytest_uwsgi_lint.findings import Finding


def relative(path: str) -> str:
    """``path`` relative to the current directory when it lies below it."""
    if path.startswith("<") or path == "-":
        return path
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


def format_finding(finding: Finding) -> str:
    """``path:line:col: CODE [severity] message (name)``, then the fix on its own line."""
    text = (
        f"{relative(finding.path)}:{finding.line}:{finding.column}: {finding.code} "
        f"[{finding.severity.value}] {finding.message} ({finding.name})"
    )
    if finding.fix:
        text += f"\n    fix: {finding.fix}"
    return text


def format_text(findings: Sequence[Finding]) -> str:
    return "\n".join(format_finding(f) for f in findings)


def format_json(findings: Sequence[Finding], uwsgi_version: str, files: int) -> str:
    """The stable JSON document of DESIGN §2: paths relative, sorted by path then line."""
    items = []
    for finding in sorted(findings, key=lambda f: (relative(f.path), f.line, f.column, f.code)):
        item = finding.as_dict()
        item["path"] = relative(finding.path)
        items.append(item)
    document = {"uwsgi_version": uwsgi_version, "files": files, "findings": items}
    return json.dumps(document, indent=2, ensure_ascii=False)


__all__ = ["format_finding", "format_json", "format_text", "relative"]
