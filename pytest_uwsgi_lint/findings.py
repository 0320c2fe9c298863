"""What a rule reports, and where."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from pytest_uwsgi_lint.reader import Entry


def printable(text: str) -> str:
    """Text any output can carry: bytes that were not UTF-8 are shown as ``\\xNN``."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is more severe, for thresholds."""
        return {"info": 0, "warning": 1, "error": 2}[self.value]


@dataclass(frozen=True)
class Edit:
    """A safe, byte-level change: replace source lines ``line``..``end_line`` (1-based,
    inclusive) of ``path`` with ``lines`` (bytes without line ends). ``end_line = line - 1``
    inserts before ``line``; empty ``lines`` deletes."""

    path: str
    line: int
    end_line: int
    lines: tuple[bytes, ...] = ()


@dataclass(frozen=True)
class Hit:
    """A problem a rule found, before the engine stamps it with the rule's identity.

    ``path`` defaults to the linted file; ``severity`` overrides the rule's default where the
    same mistake is worse in context (an unknown key under ``strict`` stops uWSGI).
    """

    message: str
    line: int
    column: int = 1
    end_line: int = 0
    end_column: int = 0
    fix: str | None = None
    severity: Severity | None = None
    path: str | None = None
    chain: tuple[str, ...] = ()
    condition: str = ""
    edits: tuple[Edit, ...] = ()

    @classmethod
    def at(cls, entry: Entry, message: str, **extra: Any) -> Hit:
        """A hit covering the whole option line(s) of ``entry``."""
        last_line = entry.raw.rsplit(b"\n", 1)[-1].rstrip(b"\r")
        return cls(
            message,
            line=entry.line,
            column=entry.column,
            end_line=entry.end_line,
            end_column=len(last_line.decode("utf-8", "replace")) + 1,
            path=entry.path,
            chain=entry.chain,
            condition=entry.condition,
            **extra,
        )

    def full_message(self) -> str:
        """The message with the include chain and the logic condition it depends on."""
        text = self.message
        if self.condition:
            text += f" (only when `{self.condition}` holds)"
        if self.chain:
            text += f" [included from {' -> '.join(self.chain)}]"
        return text


@dataclass(frozen=True)
class Finding:
    """One reported problem, as every output format shows it."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    code: str
    name: str
    severity: Severity
    message: str
    fix: str | None = None
    edits: tuple[Edit, ...] = field(default=(), compare=False, repr=False)

    def sort_key(self) -> tuple[str, int, int, str, int, int, str]:
        """Position first; the rest breaks ties so the order never depends on hashing."""
        return (self.path, self.line, self.column, self.code, self.end_line, self.end_column,
                self.message)

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "code": self.code,
            "name": self.name,
            "severity": self.severity.value,
            "message": self.message,
            "fix": self.fix,
        }


QUOTE_LIMIT = 120


def shown(text: str, limit: int = QUOTE_LIMIT) -> str:
    """Config text quoted in a message, cut in the middle when long (a value can be megabytes;
    its end, where a stray comment sits, stays visible)."""
    if len(text) <= limit:
        return text
    half = (limit - 3) // 2
    return f"{text[:half]}...{text[-half:]}"


__all__ = ["Edit", "Finding", "Hit", "Severity", "printable", "shown"]
