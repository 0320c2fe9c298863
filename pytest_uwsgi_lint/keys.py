"""Keys a config defines on purpose although they are not options of any plugin.

uWSGI stores every key it does not know as a placeholder, and configs use that: ``project =
app`` read back as ``%(project)``, names declared with ``set-placeholder``, custom options
made with ``declare-option``, and ``end`` closing a logic block. Rules about unknown names
must tell these from typos.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from pytest_uwsgi_lint.reader import Entry, decode

SETTERS = frozenset({"set", "set-placeholder", "set-ph"})
PLACEHOLDER_SETTERS = frozenset({"set-placeholder", "set-ph"})
DECLARERS = frozenset({"declare-option", "declare-option2"})
PLUGIN_LOADERS = frozenset({"plugin", "plugins", "need-plugin", "need-plugins"})
#: Closes a logic block although no option table declares it (strict mode rejects it).
TERMINATOR = "end"
_REFERENCE = re.compile(r"%\(([^()]*)\)")
_NAMED_REPEATS = 3


def written_key(entry: Entry) -> str:
    """The key as written on the entry's line: ``set-ph`` for the ``name`` that
    ``set-ph = name=value`` exports."""
    head = entry.raw.split(b"=", 1)[0] if b"=" in entry.raw else entry.raw
    return decode(head).strip(" \t\r\n") or entry.key


def exported_by(entry: Entry) -> str:
    """The setter (``set``, ``set-placeholder``, ``set-ph``) that exported this entry, or
    ``""`` when its key was written as it stands."""
    if not entry.raw.lstrip(b" \t").startswith(b"set"):
        return ""  # the common case, decided without decoding the line
    written = written_key(entry)
    return written if written != entry.key and written in SETTERS else ""


def consequence(key: str, strict: bool) -> str:
    """What uWSGI does with a key that is no option where it runs."""
    if strict:
        return (f"with `strict` on, uWSGI refuses to start "
                f"(`[strict-mode] unknown config directive: {key}`)")
    return ("uWSGI ignores it silently (it only becomes a placeholder; with `strict` on it "
            "would refuse to start)")


def plugin_items(entries: Iterable[Entry]) -> frozenset[str]:
    """The plugins the config loads (``plugins = python3,http``), as written."""
    return frozenset(
        item.strip()
        for e in entries
        if e.key in PLUGIN_LOADERS
        for item in e.value.split(",")
        if item.strip()
    )


def first_uses(entries: Iterable[Entry]) -> list[tuple[Entry, list[int]]]:
    """Each key once per file, at its first use, with the other lines of that file that use
    it: a key that is wrong once is wrong on every line, and a file repeating one line a
    million times must not become a million findings."""
    seen: dict[tuple[str, str], tuple[Entry, list[int]]] = {}
    for entry in entries:
        first = seen.setdefault((entry.path, entry.key), (entry, []))
        lines = first[1]
        if entry.line != first[0].line and (not lines or lines[-1] != entry.line):
            lines.append(entry.line)
    return list(seen.values())


def also_on(lines: list[int]) -> str:
    """`` (also on lines 7, 9)`` for a few repeats, a count for many, nothing for none."""
    if not lines:
        return ""
    if len(lines) > _NAMED_REPEATS:
        return f" (also on {len(lines)} more lines)"
    return f" (also on line{'s' if len(lines) > 1 else ''} {', '.join(map(str, lines))})"


def _defined(entries: Iterable[Entry], setters: frozenset[str]) -> set[str]:
    """Names that ``key = name=value`` lines define, for ``key`` in ``setters``."""
    return {e.value.partition("=")[0] for e in entries if e.key in setters and "=" in e.value}


@dataclass(frozen=True)
class CustomKeys:
    """The non-option names of one config: placeholders it reads or declares, and custom
    options it declares."""

    referenced: frozenset[str]
    placeholders: frozenset[str]
    declared: frozenset[str]

    @classmethod
    def of(cls, entries: Iterable[Entry]) -> CustomKeys:
        entries = list(entries)
        referenced = {
            name
            for e in entries
            if b"%(" in e.raw or "%(" in e.value
            for text in (decode(e.raw), e.value)
            for name in _REFERENCE.findall(text)
        }
        placeholders = _defined(entries, SETTERS) | {
            e.key for e in entries if exported_by(e) in SETTERS
        }
        return cls(frozenset(referenced), frozenset(placeholders),
                   frozenset(_defined(entries, DECLARERS)))

    def is_placeholder(self, name: str) -> bool:
        """Read back as ``%(name)`` or declared with ``set``/``set-placeholder``."""
        return name in self.referenced or name in self.placeholders

    def accepted(self, name: str) -> bool:
        """A name uWSGI takes on purpose even though it is no option."""
        return self.is_placeholder(name) or name in self.declared or name == TERMINATOR


__all__ = [
    "DECLARERS",
    "PLACEHOLDER_SETTERS",
    "PLUGIN_LOADERS",
    "SETTERS",
    "TERMINATOR",
    "CustomKeys",
    "also_on",
    "consequence",
    "exported_by",
    "first_uses",
    "plugin_items",
    "written_key",
]
