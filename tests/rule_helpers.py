"""Small helpers for rule tests: lint one rule over a config written line by line."""

from __future__ import annotations

from typing import Any

from pytest_uwsgi_lint.engine import Settings, lint_text
from pytest_uwsgi_lint.findings import Finding


def lint(rule: str, text: str, version: str = "2.0.30", **settings: Any) -> list[Finding]:
    """The findings of ``rule`` alone on ``text``; ``settings`` go to :class:`Settings`."""
    return lint_text(text, Settings(select=(rule,), uwsgi_version=version, **settings))


def only(rule: str, text: str, version: str = "2.0.30", **settings: Any) -> Finding:
    """The single finding ``rule`` reports on ``text`` (the test fails on zero or several)."""
    findings = lint(rule, text, version, **settings)
    assert len(findings) == 1, findings
    return findings[0]


def ini(*lines: str) -> str:
    """A ``[uwsgi]`` section holding ``lines``."""
    return "\n".join(("[uwsgi]", *lines)) + "\n"
