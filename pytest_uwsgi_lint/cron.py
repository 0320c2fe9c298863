"""Cron tasks as uWSGI 2.0.30 registers them (core/cron.c), next to what the author wrote.

Two syntaxes exist. ``cron``/``unique-cron`` (and the legion variants, which first take a legion
name) read exactly five signed integers with ``sscanf("%d %d %d %d %d %n")``: ``*`` stops
uWSGI at start-up, while ``9-17`` is silently read as two numbers and shifts every later field.
``cron2`` takes an optional ``key=value`` list in front of the command; its values go through
``atoi``, so ``*/2`` becomes 0. Each task keeps both readings, so a rule can say "you wrote
``*/2``, uWSGI reads 0".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice

from pytest_uwsgi_lint.kvlist import KvItem, KvList, parse_kvlist, reads_as_written
from pytest_uwsgi_lint.memo import remember
from pytest_uwsgi_lint.reader import Entry
from pytest_uwsgi_lint.values import atoi, has_expansion, is_plain_integer, written_integer

TIME_FIELDS = ("minute", "hour", "day", "month", "week")
CRON2_KEYS = {name: name for name in (*TIME_FIELDS, "unique", "harakiri", "legion")}
LEGACY_OPTIONS = ("cron", "unique-cron")
LEGION_OPTIONS = ("legion-cron", "cron-legion", "unique-legion-cron", "unique-cron-legion")
CRON_OPTIONS = (*LEGACY_OPTIONS, *LEGION_OPTIONS, "cron2")
INVALID_SYNTAX = "invalid cron syntax"
_UNIQUE_OPTIONS = frozenset({"unique-cron", "unique-legion-cron", "unique-cron-legion"})
_C_SPACE = " \t\n\v\f\r"
_SCANF_INT = re.compile(r"[ \t\n\v\f\r]*([+-]?[0-9]+)")
_TOKEN = re.compile(r"[^ \t\n\v\f\r]+")
#: Five words that are plain integers, and the blanks after them: the usual schedule, where
#: each word is the integer ``sscanf`` reads in its place.
_PLAIN_FIVE = re.compile(
    r"[ \t\n\v\f\r]*"
    + r"[ \t\n\v\f\r]+".join([r"([+-]?[0-9]+)"] * 5)
    + r"(?![^ \t\n\v\f\r])[ \t\n\v\f\r]*"
)
#: The most digits a number may have to surely fit a C ``int`` (2147483647 has ten): such a
#: number written alone is read as written, with no further checks.
_SHORT = 9


@dataclass(frozen=True)
class CronField:
    """One setting of a task: uWSGI's name for it, the text written, the number read, and
    whether that number is the one the author wrote (in its place, for ``cron``)."""

    __slots__ = ("as_written", "name", "value", "written")

    name: str
    written: str
    value: int
    as_written: bool


class _Known:
    """What one config's cron lines were read as so far. A config repeats the same few
    schedules and key lists: each is read and judged once. The tables are bounded by
    :func:`remember`, as a generated config may differ on every line."""

    def __init__(self) -> None:
        #: The five time fields of a classic schedule, by integers scanned and words written.
        self.schedules: dict[tuple[tuple[str, ...], tuple[str, ...]], tuple[CronField, ...]] = {}
        #: A ``cron2`` key list and the fields it sets, by its text.
        self.keylists: dict[str, tuple[KvList, tuple[CronField, ...]]] = {}


@dataclass(frozen=True)
class CronTask:
    """One cron line. Time fields are uWSGI's values (-1 every, -N every N); ``weekday`` is
    uWSGI's ``week`` under uwsgiconf's name. ``fatal`` is the message uWSGI exits with at
    start-up; ``keylist`` is the ``cron2`` key list in front of the command, whose
    ``ignored()`` items uWSGI silently drops, and ``keys_in_command`` the keys it reads from
    inside a command. ``misread`` holds the ``fields`` uWSGI reads as another number than the
    one written (in its place, for ``cron``): several rules ask, and most tasks have none."""

    command: str
    weekday: int
    month: int
    day: int
    hour: int
    minute: int
    legion: str | None
    unique: bool
    harakiri: int | None
    entry: Entry
    written_command: str = ""
    fields: tuple[CronField, ...] = ()
    fatal: str | None = None
    keylist: KvList | None = None
    keys_in_command: tuple[KvItem, ...] = ()
    symbolic: bool = False
    misread: tuple[CronField, ...] = ()

    @property
    def form(self) -> str:
        """The option as written (``cron``, ``unique-cron-legion``, ``cron2``...)."""
        return self.entry.key

    @property
    def legacy(self) -> bool:
        """Whether the five-integer syntax was used (every form but ``cron2``)."""
        return self.form != "cron2"

    def field(self, name: str) -> CronField | None:
        """The setting named ``name`` (``minute``... ``week``, ``unique``, ``harakiri``)."""
        return next((f for f in self.fields if f.name == name), None)


def parse_crons(entries: Iterable[Entry]) -> tuple[CronTask, ...]:
    """The tasks uWSGI registers for one config's ``cron*`` entries, in order; a schedule or
    key list written the same way on many lines is read and judged once."""
    known = _Known()
    return tuple(_parse(entry, known) for entry in entries)


def parse_cron(entry: Entry) -> CronTask:
    """The task uWSGI registers for one ``cron*`` entry (or why it refuses to start)."""
    return _parse(entry, _Known())


def _parse(entry: Entry, known: _Known) -> CronTask:
    if entry.key == "cron2":
        return _parse_cron2(entry, known)
    unique = entry.key in _UNIQUE_OPTIONS
    if entry.key in LEGION_OPTIONS:
        legion, space, rest = entry.value.partition(" ")
        if not space:
            message = f"invalid {entry.key} syntax, must be prefixed with a legion name"
            return _task(entry, unique=unique, fatal=message,
                         is_symbolic=has_expansion(entry.value))
        return _parse_five(entry, rest, legion, unique, known)
    return _parse_five(entry, entry.value, None, unique, known)


def _time_fields(
    known: _Known, numbers: tuple[str, ...], words: tuple[str, ...]
) -> tuple[CronField, ...]:
    """The five time fields of a classic schedule: each of the five integers scanned, next to
    the word written in its place (none past the last word)."""
    key = (numbers, words)
    found = known.schedules.get(key)
    if found is None:
        written = words + ("",) * (5 - len(words))
        found = remember(known.schedules, key, tuple(map(_field, TIME_FIELDS, written, numbers)))
    return found


def _misread(fields: tuple[CronField, ...]) -> tuple[CronField, ...]:
    """The fields a task keeps apart for the rules that explain them (none, usually)."""
    return tuple(f for f in fields if not f.as_written)


def _field(name: str, written: str, read: str) -> CronField:
    """The field ``name`` written as ``written``, of which ``atoi`` reads ``read`` (the same
    text, or for ``cron`` the integer scanned in its place)."""
    digits = read[1:] if read.startswith(("+", "-")) else read
    if written == read and len(digits) <= _SHORT and is_plain_integer(digits):
        return CronField(name, written, int(read), True)
    value = atoi(read)
    exact = reads_as_written(written) and written_integer(written) == value
    return CronField(name, written, value, exact)


def _task(
    entry: Entry,
    *,
    command: str = "",
    legion: str | None = None,
    unique: bool = False,
    fatal: str | None = None,
    written_command: str = "",
    is_symbolic: bool = False,
) -> CronTask:
    """A task with uWSGI's defaults (every minute of every day) for the time fields."""
    return CronTask(
        command=command, weekday=-1, month=-1, day=-1, hour=-1, minute=-1, legion=legion,
        unique=unique, harakiri=None, entry=entry, written_command=written_command,
        fatal=fatal, symbolic=is_symbolic,
    )


def scan_five(text: str) -> tuple[list[str], int]:
    """``sscanf(text, "%d %d %d %d %d %n")``: the integers read, as written, and where the
    scan stopped (after the fifth, past the blanks that follow it). The space directives match
    zero blanks too, so ``9-17`` is read as 9 and -17."""
    found: list[str] = []
    position = 0
    while len(found) < 5:
        match = _SCANF_INT.match(text, position)
        if match is None:
            return found, position
        found.append(match.group(1))
        position = match.end()
    while position < len(text) and text[position] in _C_SPACE:
        position += 1
    return found, position


def _schedule(text: str) -> tuple[tuple[str, ...], int, tuple[str, ...], int]:
    """What uWSGI reads of a classic schedule (the integers :func:`scan_five` finds and where
    it stops) and what the author wrote (the first five words and where the last one ends)."""
    plain = _PLAIN_FIVE.match(text)
    if plain is not None:  # one match instead of two scans for the usual line
        integers = plain.groups()
        return integers, plain.end(), integers, plain.end(5)
    numbers, offset = scan_five(text)
    words = list(islice(_TOKEN.finditer(text), 5))  # the command may hold millions of words
    return tuple(numbers), offset, tuple(w.group() for w in words), words[-1].end() if words else 0


def _parse_five(
    entry: Entry, text: str, legion: str | None, unique: bool, known: _Known
) -> CronTask:
    numbers, offset, words, words_end = _schedule(text)
    written_command = text[words_end:].lstrip(_C_SPACE) if len(words) == 5 else ""
    is_symbolic = has_expansion(text[:words_end]) or has_expansion(legion or "")
    if len(numbers) < 5:
        return _task(entry, legion=legion, unique=unique, fatal=INVALID_SYNTAX,
                     written_command=written_command, is_symbolic=is_symbolic)
    fields = _time_fields(known, numbers, words)
    minute, hour, day, month, week = (f.value for f in fields)
    return CronTask(
        command=text[offset:], weekday=week, month=month, day=day, hour=hour, minute=minute,
        legion=legion, unique=unique, harakiri=None, entry=entry,
        written_command=written_command, fields=fields, symbolic=is_symbolic,
        misread=_misread(fields),
    )


def _parse_cron2(entry: Entry, known: _Known) -> CronTask:
    value = entry.value
    head, space, rest = value.partition(" ")
    if not space:
        fatal = f"unable to parse cron definition: {value}" if "=" in value else None
        return _task(entry, command=value, written_command=value, fatal=fatal,
                     is_symbolic=has_expansion(value))
    keys_first = "=" in head
    keylist, fields = _keylist(known, head if keys_first else value)
    command = rest if keys_first else value
    found = keylist.found
    numbers = {f.name: f.value for f in fields}
    harakiri = numbers.get("harakiri")
    return CronTask(
        command=command,
        weekday=numbers.get("week", -1),
        month=numbers.get("month", -1),
        day=numbers.get("day", -1),
        hour=numbers.get("hour", -1),
        minute=numbers.get("minute", -1),
        legion=found["legion"].value if "legion" in found else None,
        unique=bool(numbers.get("unique", 0)),
        harakiri=harakiri,
        entry=entry,
        written_command=command,
        fields=fields,
        misread=_misread(fields),
        keylist=keylist if keys_first else None,
        keys_in_command=() if keys_first else tuple(found.values()),
        symbolic=has_expansion(head if keys_first else value),
    )


def _keylist(known: _Known, text: str) -> tuple[KvList, tuple[CronField, ...]]:
    """The ``cron2`` key list ``text`` and the fields it sets (``legion`` is no number)."""
    found = known.keylists.get(text)
    if found is None:
        keylist = parse_kvlist(text, CRON2_KEYS)
        items = keylist.found
        fields = tuple(
            _field(name, items[name].value, items[name].value)
            for name in CRON2_KEYS
            if name in items and name != "legion"
        )
        found = remember(known.keylists, text, (keylist, fields))
    return found


__all__ = [
    "CRON2_KEYS",
    "CRON_OPTIONS",
    "INVALID_SYNTAX",
    "TIME_FIELDS",
    "CronField",
    "CronTask",
    "parse_cron",
    "parse_crons",
    "scan_five",
]
