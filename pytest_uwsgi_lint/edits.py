"""Building the safe edits that ``--fix`` applies (see :mod:`pytest_uwsgi_lint.fixes`).

Each helper returns None when the change cannot be made with certainty (the option spans
several source lines, or the text to change is not there exactly once), so a rule offers a
fix only where it is sure of it.
"""

from __future__ import annotations

from pytest_uwsgi_lint.findings import Edit
from pytest_uwsgi_lint.reader import Entry, encode


def _single_line(entry: Entry) -> bytes | None:
    return entry.raw if entry.line == entry.end_line else None


def replace_in_entry(entry: Entry, old: str, new: str) -> Edit | None:
    """Replace the one occurrence of ``old`` in the entry's source line with ``new``."""
    raw = _single_line(entry)
    needle = encode(old)
    if raw is None or not needle or raw.count(needle) != 1:
        return None
    line = raw.rstrip(b"\r").replace(needle, encode(new))
    return Edit(entry.path, entry.line, entry.line, (line,))


def replace_entry(entry: Entry, *lines: str) -> Edit | None:
    """Replace the entry's source line with ``lines`` (its indentation kept)."""
    raw = _single_line(entry)
    if raw is None:
        return None
    indent = raw[: entry.column - 1]
    return Edit(entry.path, entry.line, entry.line, tuple(indent + encode(t) for t in lines))


def rename_key(entry: Entry, name: str) -> Edit | None:
    """Rewrite the key where the entry's line spells it, leaving the rest of the line alone."""
    raw = _single_line(entry)
    key = encode(entry.key)
    start = entry.column - 1
    if raw is None or not key or raw[start : start + len(key)] != key:
        return None
    line = raw.rstrip(b"\r")
    return Edit(entry.path, entry.line, entry.line,
                (line[:start] + encode(name) + line[start + len(key) :],))


def comment_above(entry: Entry, comment: str, swap: tuple[str, str] = ("", "")) -> Edit | None:
    """Move ``comment``, written at the end of the entry's line, onto its own line above it;
    the value keeps everything before the comment, byte for byte, except that ``swap =
    (old, new)`` replaces the ``old`` text that ends it with ``new``."""
    raw = _single_line(entry)
    needle = encode(comment)
    if raw is None:
        return None
    line = raw.rstrip(b" \t\r")
    if not needle or not line.endswith(needle):
        return None
    kept = line[: -len(needle)].rstrip(b" \t")
    old, new = (encode(text) for text in swap)
    if not kept.endswith(old):
        return None
    indent = raw[: entry.column - 1]
    return Edit(entry.path, entry.line, entry.line,
                (indent + needle, kept[: len(kept) - len(old)] + new))


def insert_after(path: str, line: int, text: str) -> Edit:
    """A new line after source line ``line`` of ``path``."""
    return Edit(path, line + 1, line, (encode(text),))


__all__ = ["comment_above", "insert_after", "rename_key", "replace_entry", "replace_in_entry"]
