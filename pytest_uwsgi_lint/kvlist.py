"""uWSGI's ``key=value,key=value`` option syntax, and small helpers for judging its parts.

A port of ``uwsgi_kvlist_parse`` (core/utils.c in 2.0.30), used by ``cron2``, ``attach-daemon2``
and many plugin options, and of ``uwsgi_split_quoted`` (core/strings.c). The quirks are kept
because they decide what uWSGI runs: nothing is trimmed (`` uid=1`` has the key `` uid``), a
backslash escapes the next character (``\\,`` keeps a comma), an item without ``=`` is dropped,
a key nobody asked for is ignored, and the last of duplicate keys wins. The parser never fails.

A value may hold millions of items, so a parsed list keeps only the items uWSGI keeps (one per
key) and walks the text again for the others, a slice at a time, building an item only for
what the caller takes.
"""

from __future__ import annotations

import difflib
import io
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import chain, islice
from typing import Optional

from pytest_uwsgi_lint.memo import remember
from pytest_uwsgi_lint.values import written_integer

_SIGNED = re.compile(r"[ \t\n\v\f\r]*[+-]?[0-9]+[ \t\n\v\f\r]*")
#: Characters split at once: a value of millions of items is never one list of them.
_SLICE = 1 << 16
#: A backslash and the character it escapes (none at the very end).
_ESCAPE = re.compile(r"\\(.?)", re.S)
#: A backslash and the character it escapes, both left out of a key.
_ESCAPED_PAIR = re.compile(r"\\.", re.S)
#: Distinct unknown keys per config that get a near-name search; the rest are reported without
#: one. Each search compares the key with every key name, and a value can hold millions.
MAX_GUESSED = 1_000
#: Distinct texts :meth:`KvList.ignored` remembers to leave repeated items out.
_SEEN = 4_096
#: How alike a word and a key name must be to suggest it (difflib's ratio).
_CUTOFF = 0.75
#: Longer words are not kept for the run, which would otherwise hold up to 65,536 of them
#: whatever their size; answering them again is cheap, as they are too long to be near a name.
_REMEMBERED_LENGTH = 100

#: The key name an author most likely meant by a word, or None.
Guess = Callable[[str], Optional[str]]
#: One item as a walk yields it: its position, its text (escapes resolved), its key (None
#: without an unescaped ``=``) and the offset of that ``=`` in the text (-1 without one).
RawItem = tuple[int, str, Optional[str], int]


@dataclass(frozen=True)
class KvItem:
    """One comma-separated item: its text (escapes resolved), its key, its value, and its
    position among the items of the list.

    ``key`` is ``None`` when the item has no unescaped ``=``: uWSGI drops such an item.
    """

    text: str
    key: str | None
    value: str
    index: int


@dataclass(frozen=True)
class KvList:
    """What uWSGI keeps of a key list (``found``: the last item of each setting), and the
    text to walk again for what it silently drops."""

    text: str
    keys: Mapping[str, str]
    found: Mapping[str, KvItem]

    def entries(self, start: int = 0) -> Iterator[RawItem]:
        """Each item from position ``start`` on, without building items (see :data:`RawItem`)."""
        return _walk(self.text, start)

    def joined(self, positions: range) -> str:
        """The texts of the non-empty items at ``positions``, joined by commas (a batch at a
        time: one list of millions of items would cost far more than their text)."""
        texts = filter(None, islice(_pieces(self.text), positions.start, positions.stop))
        out = io.StringIO()
        while batch := ",".join(islice(texts, _SLICE)):
            out.write(f",{batch}" if out.tell() else batch)
        return out.getvalue()

    def ignored(self, skip: range = range(0)) -> Iterator[KvItem]:
        """The items uWSGI drops, in order: unknown keys, and items without ``=`` that are not
        empty; the items at the positions in ``skip`` (a contiguous range) are passed over.
        A text met again is left out (a list of millions of items repeats a few), as far as
        a memory of :data:`_SEEN` distinct texts, emptied when full, reaches."""
        if self.text.count(",") + 1 == len(self.found):
            return  # as many items as settings filled: each item filled its own
        keys = self.keys
        seen: dict[str, None] = {}
        for raw in chain(_walk(self.text, 0, skip.start), _walk(self.text, skip.stop)):
            _, text, key, _ = raw
            if text not in seen and (text if key is None else key not in keys):
                remember(seen, text, None, _SEEN)
                yield _item(raw)


def split_items(text: str, separator: str = ",") -> Iterator[KvItem]:
    """The items of ``text`` as ``uwsgi_kvlist_parse`` cuts them, before keys are matched."""
    return (_item(raw) for raw in _walk(text, separator=separator))


def _item(raw: RawItem) -> KvItem:
    index, text, key, cut = raw
    return KvItem(text, key, text[cut + 1 :] if key is not None else "", index)


def _walk(
    text: str, start: int = 0, stop: int | None = None, separator: str = ","
) -> Iterator[RawItem]:
    """The items at positions ``start`` to ``stop``. The key runs up to the first ``=`` that
    is not escaped, escape pairs left out; the value is the rest of the item as it stands."""
    for index, piece in enumerate(islice(_pieces(text, separator), start, stop), start):
        if "\\" in piece:
            cut = _masked(piece, "=").find("=")
            key = _pairwise(_ESCAPED_PAIR, "", piece[:cut]) if cut >= 0 else None
        else:
            cut = piece.find("=")
            key = piece[:cut] if cut >= 0 else None
        yield index, piece, key, cut


def _pieces(text: str, separator: str = ",") -> Iterator[str]:
    """The items' texts: cut at each separator no backslash escapes, escapes resolved. An empty
    item is kept, except at the end: uWSGI adds the last item only when it has text."""
    escaped = "\\" in text
    masked = _masked(text, separator) if escaped else text
    last = masked.rfind(separator)
    written = len(text) - last - 1  # the length of the last item as written
    if written == 0 or (written == 1 and text.endswith("\\")):
        if last < 0:
            return iter(())
        text, masked = text[:last], masked[:last]
    return _unescaped(text, masked, separator) if escaped else _slices(text, separator)


def _unescaped(text: str, masked: str, separator: str) -> Iterator[str]:
    """The items of ``text`` where ``masked`` (the same text, escape pairs blanked out) has a
    separator, escapes resolved."""
    start = 0
    for part in _slices(masked, separator):
        end = start + len(part)
        piece = text[start:end]
        yield _pairwise(_ESCAPE, _escaped_character, piece) if "\\" in piece else piece
        start = end + 1


def _escaped_character(match: re.Match[str]) -> str:
    return match.group(1)


def _masked(text: str, separator: str) -> str:
    """``text`` with each escaped ``separator`` blanked out, offsets unchanged: ``\\\\`` pairs
    go first, so any backslash left escapes the character after it."""
    return text.replace("\\\\", "..").replace(f"\\{separator}", "..")


def _pairwise(pattern: re.Pattern[str], repl: str | Callable[[re.Match[str]], str],
              text: str) -> str:
    """``pattern.sub(repl, text)`` for a pattern of escape pairs, a slice at a time (never
    cutting a pair): ``re.sub`` holds an object per match until it joins them."""
    done: list[str] = []
    start = 0
    while len(text) - start > _SLICE:
        end = start + _SLICE
        head = text[start:end]
        end += (len(head) - len(head.rstrip("\\"))) % 2  # an odd run ends in half a pair
        done.append(pattern.sub(repl, text[start:end]))
        start = end
    done.append(pattern.sub(repl, text[start:]))
    return "".join(done)


def _slices(text: str, separator: str) -> Iterator[str]:
    """``text.split(separator)``, about :data:`_SLICE` characters at a time."""
    return chain.from_iterable(part.split(separator) for part in _parts(text, separator))


def _parts(text: str, separator: str) -> Iterator[str]:
    """``text`` in parts of about :data:`_SLICE` characters, each cut at a separator (which
    belongs to no part)."""
    start = 0
    while (cut := text.find(separator, start + _SLICE)) >= 0:
        yield text[start:cut]
        start = cut + 1
    yield text[start:]


def parse_kvlist(text: str, keys: Mapping[str, str]) -> KvList:
    """Match ``text``'s items against ``keys`` (accepted name -> the setting it fills, so
    aliases share one slot); the last item filling a slot wins."""
    last: dict[str, RawItem] = {}
    for raw in _walk(text):
        key = raw[2]
        if key is not None and key in keys:
            last[keys[key]] = raw
    return KvList(text, keys, {slot: _item(raw) for slot, raw in last.items()})


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
    near = stripped.lower()
    # difflib's own first test, made before it indexes every character of a long word
    sized = [o for o in options if 2 * min(len(near), len(o)) >= _CUTOFF * (len(near) + len(o))]
    matches = difflib.get_close_matches(near, sized, n=1, cutoff=_CUTOFF) if sized else []
    return matches[0] if matches else None


def remembered(candidates: Iterable[str], synonyms: Mapping[str, str]) -> Guess:
    """:func:`closest` among fixed ``candidates``, each answer kept for the run: a run meets
    the same few typos again and again."""
    options = tuple(candidates)
    answers: dict[str, str | None] = {}

    def search(word: str) -> str | None:
        if word in answers:
            return answers[word]
        found = closest(word, options, synonyms)
        return remember(answers, word, found) if len(word) <= _REMEMBERED_LENGTH else found

    return search


def first_guesses(search: Guess, bound: int = MAX_GUESSED) -> Guess:
    """``search`` for the first ``bound`` distinct words of one config, None for any other:
    the answer for a word then depends only on the config, not on what the run met before."""
    answers: dict[str, str | None] = {}

    def guess(word: str) -> str | None:
        if word not in answers:
            if len(answers) >= bound:
                return None
            answers[word] = search(word)
        return answers[word]

    return guess


__all__ = [
    "MAX_GUESSED",
    "Guess",
    "KvItem",
    "KvList",
    "RawItem",
    "closest",
    "first_guesses",
    "parse_kvlist",
    "reads_as_written",
    "remembered",
    "split_items",
    "split_quoted",
]
