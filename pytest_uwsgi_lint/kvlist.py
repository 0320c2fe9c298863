"""uWSGI's ``key=value,key=value`` option syntax, and small helpers for judging its parts.

A port of ``uwsgi_kvlist_parse`` (core/utils.c in 2.0.30), used by ``cron2``, ``attach-daemon2``
and many plugin options, and of ``uwsgi_split_quoted`` (core/strings.c). The quirks are kept
because they decide what uWSGI runs: nothing is trimmed (`` uid=1`` has the key `` uid``), a
backslash escapes the next character (``\\,`` keeps a comma), an item without ``=`` is dropped,
a key nobody asked for is ignored, and the last of duplicate keys wins. The parser never fails.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pytest_uwsgi_lint.values import written_integer

_SIGNED = re.compile(r"[ \t\n\v\f\r]*[+-]?[0-9]+[ \t\n\v\f\r]*")


@dataclass(frozen=True)
class KvItem:
    """One comma-separated item: its text (escapes resolved), its key and its value.

    ``key`` is ``None`` when the item has no unescaped ``=``: uWSGI drops such an item.
    """

    text: str
    key: str | None
    value: str


@dataclass(frozen=True)
class KvList:
    """What uWSGI keeps of a key list, and what it silently drops."""

    items: tuple[KvItem, ...]
    found: Mapping[str, KvItem]
    unknown: tuple[KvItem, ...]
    bare: tuple[KvItem, ...]

    def index(self, item: KvItem) -> int:
        """The position of this very item (equal items may repeat)."""
        return next(i for i, candidate in enumerate(self.items) if candidate is item)


def split_items(text: str, separator: str = ",", kv_separator: str = "=") -> tuple[KvItem, ...]:
    """The items of ``text`` as ``uwsgi_kvlist_parse`` cuts them, before keys are matched."""
    pieces: list[str] = []
    current: list[str] = []
    escaped = False
    for char in text:
        if char == separator and not escaped:
            pieces.append("".join(current))
            current = []
        elif char == "\\" and not escaped:
            escaped = True
        else:
            current.append(char)
            escaped = False
    if current:  # a trailing empty item is not added; inner empty items are
        pieces.append("".join(current))
    return tuple(_split_key(piece, kv_separator) for piece in pieces)


def _split_key(piece: str, kv_separator: str) -> KvItem:
    """Key up to the first unescaped separator; a backslash and the character after it are
    left out of the key, while the value is the rest of the item as it stands."""
    key: list[str] = []
    escaped = False
    for index, char in enumerate(piece):
        if char == kv_separator and not escaped:
            return KvItem(piece, "".join(key), piece[index + 1 :])
        if char == "\\" and not escaped:
            escaped = True
        elif escaped:
            escaped = False
        else:
            key.append(char)
    return KvItem(piece, None, "")


def parse_kvlist(text: str, keys: Mapping[str, str]) -> KvList:
    """Match ``text``'s items against ``keys`` (accepted name -> the setting it fills, so
    aliases share one slot); the last item filling a slot wins."""
    items = split_items(text)
    found: dict[str, KvItem] = {}
    unknown: list[KvItem] = []
    bare: list[KvItem] = []
    for item in items:
        if item.key is None:
            if item.text:
                bare.append(item)
        elif item.key in keys:
            found[keys[item.key]] = item
        else:
            unknown.append(item)
    return KvList(items, found, tuple(unknown), tuple(bare))


def split_quoted(text: str, separators: str = ";") -> tuple[str, ...]:
    """``uwsgi_split_quoted``: split on any separator outside quotes; quotes and backslashes
    are removed, an empty item between two separators is kept, a trailing one is not."""
    result: list[str] = []
    item: list[str] | None = None
    quote = ""
    backslash = False
    for char in text:
        if item is None:
            item = []
        if backslash:
            item.append(char)
            backslash = False
        elif char == "\\":
            backslash = True
        elif quote:
            if char == quote:
                quote = ""
            else:
                item.append(char)
        elif char in "\"'":
            quote = char
        elif char in separators:
            result.append("".join(item))
            item = None
        else:
            item.append(char)
    if item is not None:
        result.append("".join(item))
    return tuple(result)


def reads_as_written(text: str) -> bool:
    """Whether ``atoi`` reads the number the text shows (a plain signed integer that fits)."""
    number = written_integer(text) if _SIGNED.fullmatch(text) else None
    return number is not None and -(2**31) <= number < 2**31


def closest(word: str, candidates: Iterable[str], synonyms: Mapping[str, str]) -> str | None:
    """The candidate the author most likely meant: a known synonym, the word without the
    surrounding blanks uWSGI keeps, or the nearest spelling."""
    options = list(candidates)
    stripped = word.strip()
    for guess in (word, stripped, stripped.lower(), stripped.replace("-", "_")):
        if guess in synonyms:
            return synonyms[guess]
        if guess in options and guess != word:
            return guess
    matches = difflib.get_close_matches(stripped.lower(), options, n=1, cutoff=0.75)
    return matches[0] if matches else None


__all__ = [
    "KvItem",
    "KvList",
    "closest",
    "parse_kvlist",
    "reads_as_written",
    "split_items",
    "split_quoted",
]
