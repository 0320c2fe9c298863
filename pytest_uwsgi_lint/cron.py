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
from dataclasses import dataclass

from pytest_uwsgi_lint.kvlist import KvItem, KvList, parse_kvlist, reads_as_written
from pytest_uwsgi_lint.reader import Entry
from pytest_uwsgi_lint.values import atoi, has_expansion, written_integer

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


@dataclass(frozen=True)
class CronField:
    """One setting of a task: uWSGI's name for it, the text written, the number read."""

    name: str
    written: str
    value: int

    @property
    def as_written(self) -> bool:
        """Whether uWSGI reads the number the author wrote (in its place, for ``cron``)."""
        return reads_as_written(self.written) and written_integer(self.written) == self.value


@dataclass(frozen=True)
class CronTask:
    """One cron line. Time fields are uWSGI's values (-1 every, -N every N); ``weekday`` is
    uWSGI's ``week`` under uwsgiconf's name. ``fatal`` is the message uWSGI exits with at
    start-up; ``keylist`` is the ``cron2`` key list in front of the command, whose
    ``ignored()`` items uWSGI silently drops, and ``keys_in_command`` the keys it reads from
    inside a command."""

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


def parse_cron(entry: Entry) -> CronTask:
    """The task uWSGI registers for one ``cron*`` entry (or why it refuses to start)."""
    if entry.key == "cron2":
        return _parse_cron2(entry)
    unique = entry.key in _UNIQUE_OPTIONS
    if entry.key in LEGION_OPTIONS:
        legion, space, rest = entry.value.partition(" ")
        if not space:
            message = f"invalid {entry.key} syntax, must be prefixed with a legion name"
            return _task(entry, unique=unique, fatal=message,
                         is_symbolic=has_expansion(entry.value))
        return _parse_five(entry, rest, legion, unique)
    return _parse_five(entry, entry.value, None, unique)


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


def _parse_five(entry: Entry, text: str, legion: str | None, unique: bool) -> CronTask:
    numbers, offset = scan_five(text)
    tokens = list(_TOKEN.finditer(text))
    intended = tokens[:5]
    written_command = text[intended[-1].end() :].lstrip(_C_SPACE) if len(intended) == 5 else ""
    prefix_end = intended[-1].end() if intended else 0
    is_symbolic = has_expansion(text[:prefix_end]) or has_expansion(legion or "")
    if len(numbers) < 5:
        return _task(entry, legion=legion, unique=unique, fatal=INVALID_SYNTAX,
                     written_command=written_command, is_symbolic=is_symbolic)
    values = [atoi(digits) for digits in numbers]
    fields = tuple(
        CronField(name, intended[i].group() if i < len(intended) else "", values[i])
        for i, name in enumerate(TIME_FIELDS)
    )
    minute, hour, day, month, week = values
    return CronTask(
        command=text[offset:], weekday=week, month=month, day=day, hour=hour, minute=minute,
        legion=legion, unique=unique, harakiri=None, entry=entry,
        written_command=written_command, fields=fields, symbolic=is_symbolic,
    )


def _parse_cron2(entry: Entry) -> CronTask:
    value = entry.value
    head, space, rest = value.partition(" ")
    if not space:
        fatal = f"unable to parse cron definition: {value}" if "=" in value else None
        return _task(entry, command=value, written_command=value, fatal=fatal,
                     is_symbolic=has_expansion(value))
    keys_first = "=" in head
    keylist = parse_kvlist(head if keys_first else value, CRON2_KEYS)
    command = rest if keys_first else value
    found = keylist.found
    fields = tuple(
        CronField(name, found[name].value, atoi(found[name].value))
        for name in CRON2_KEYS
        if name in found and name != "legion"
    )
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
        keylist=keylist if keys_first else None,
        keys_in_command=() if keys_first else tuple(found.values()),
        symbolic=has_expansion(head if keys_first else value),
    )


__all__ = [
    "CRON2_KEYS",
    "CRON_OPTIONS",
    "INVALID_SYNTAX",
    "TIME_FIELDS",
    "CronField",
    "CronTask",
    "parse_cron",
    "scan_five",
]
