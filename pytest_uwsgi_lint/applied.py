"""Settings as uWSGI applies them, and hits that name every condition they rely on.

Rules that compare options judge the world in which every undecided logic block holds: the
last occurrence of an option wins there, as in uWSGI. A hit that relies on a conditional
entry says so (``Hit.condition``), so no problem is reported as certain when it depends on
an ``if-*`` block the linter could not decide.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from pytest_uwsgi_lint import catalog
from pytest_uwsgi_lint.findings import Hit
from pytest_uwsgi_lint.model import Config, per_config
from pytest_uwsgi_lint.reader import Entry
from pytest_uwsgi_lint.values import atoi, has_expansion, is_plain_integer, strtoul, written_integer

#: Loader events after which options of the instance may be missing from the model.
UNREAD = ("include-not-found", "config-source-not-read", "include-too-deep", "include-cycle",
          "include-too-many", "config-too-large")
#: `%` magic whose value comes from the host uWSGI runs on (CPU count, host name, time, user,
#: working directory), not from the config: this machine's value proves nothing.
HOST_MAGIC = frozenset(b"khtTuUgGv")
_UINT16_MAX = 65535


def number(entry: Entry) -> int | None:
    """The integer the option's handler stores (``atoi``, ``strtoul``, the 16-bit clamp;
    megabyte options stay in megabytes), or None when an expansion leaves it unknown. An
    immediate option (``listen``) is set while the file is read, before any expansion, so
    its text is what the handler reads."""
    option = catalog.lookup(entry.key)
    if has_expansion(entry.value) and (option is None or not option.immediate):
        return None
    if option is not None and option.kind in ("uint", "megabytes"):
        value = strtoul(entry.value)
        return min(value, _UINT16_MAX) if option.handler == "uwsgi_opt_set_16bit" else value
    return atoi(entry.value)


def written_number(entry: Entry) -> int | None:
    """The number when the value is exactly a plain integer; other text (units, comments,
    expansions, numbers beyond 64 bits) is left to the rules about values, so it is not
    judged twice."""
    return written_integer(entry.value) if is_plain_integer(entry.value) else None


def host_dependent(config: Config, entry: Entry) -> bool:
    """Whether the entry's text went through host magic such as ``%k`` (the CPU count)."""
    return any(
        event.char[0] in HOST_MAGIC and entry.line <= event.line <= entry.end_line
        for source in config.files if source.path == entry.path
        for event in source.magic if event.char
    )


@per_config
def setting(config: Config, name: str) -> tuple[Entry | None, int | None]:
    """The entry uWSGI applies for a numeric option and its number; None when an expansion
    or host magic (``processes = %(%k + 1)``) leaves the number unknown here."""
    entry = config.last(name)
    if entry is None or host_dependent(config, entry):
        return entry, None
    return entry, number(entry)


def in_effect(config: Config, entry: Entry) -> bool:
    """Whether uWSGI applies the entry: every entry of a list option, only the last one of
    a scalar (a later line overrides it)."""
    option = catalog.lookup(entry.key)
    return option is None or not option.scalar or config.last(entry.key) is entry


@per_config
def may_miss_options(config: Config) -> bool:
    """Whether a file or source the config pulls in was not read: an option whose absence a
    rule relies on may be set there."""
    return any(config.events(kind) for kind in UNREAD)


def conditions(entries: Iterable[Entry | None]) -> str:
    """The undecided logic conditions the given entries depend on, joined with ``and``."""
    found: list[str] = []
    for entry in entries:
        if entry is not None and entry.condition and entry.condition not in found:
            found.append(entry.condition)
    return "` and `".join(found)


def hit(entry: Entry, message: str, *others: Entry | None, **extra: Any) -> Hit:
    """``Hit.at(entry)`` that also carries the conditions of the other entries it relies on."""
    found = Hit.at(entry, message, **extra)
    return replace(found, condition=conditions((entry, *others)))


def header_hit(config: Config, message: str, **extra: Any) -> Hit | None:
    """A hit on the ``[uwsgi]`` header line, for something the config lacks altogether."""
    header = config.source.header()
    if header is None or not config.entries:
        return None
    return Hit(message, line=header.line, column=header.column, **extra)


__all__ = [
    "conditions",
    "header_hit",
    "hit",
    "host_dependent",
    "in_effect",
    "may_miss_options",
    "number",
    "setting",
    "written_number",
]
