'''value-not-integer: an integer option whose text uWSGI reads as another number.'''

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Optional

from pytest_uwsgi_lint import catalog
from pytest_uwsgi_lint.findings import Hit, Severity, shown
from pytest_uwsgi_lint.integers import Reading, maximum, plainly_written, read
from pytest_uwsgi_lint.memo import remember
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule
from pytest_uwsgi_lint.target import Target
from pytest_uwsgi_lint.templates import template_marker
from pytest_uwsgi_lint.values import has_expansion, inline_comment, written_integer

_WITH_UNIT = re.compile(r"^([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]+)$")
_SIZES = {"k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10, "m": 1 << 20, "mb": 1 << 20,
          "mib": 1 << 20, "g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30, "t": 1 << 40,
          "tb": 1 << 40, "tib": 1 << 40}
_TIMES = {"s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1, "m": 60, "min": 60,
          "mins": 60, "minute": 60, "minutes": 60, "h": 3600, "hour": 3600, "hours": 3600,
          "d": 86400, "day": 86400, "days": 86400}
#: Name parts of options that count seconds or bytes, for suggesting the plain number.
_SECONDS = ("harakiri", "timeout", "lifetime", "mercy", "interval", "idle")
_BYTES = ("size", "buffer")


def _plain(option: catalog.Option, amount: float, unit: str) -> int | None:
    """The plain number ``amount unit`` stands for in the option's own unit, when the unit
    is clear from the option: megabytes, bytes, or seconds."""
    size = _SIZES.get(unit.lower())
    if option.kind == "megabytes" and size is not None:
        value = amount * size / (1 << 20)
    elif size is not None and any(p in option.name for p in _BYTES):
        value = amount * size
    elif unit.lower() in _TIMES and any(p in option.name for p in _SECONDS):
        value = amount * _TIMES[unit.lower()]
    else:
        return None
    if not math.isfinite(value):  # a float of more than 308 digits is infinite
        return None
    return int(value) if value == int(value) and value >= 1 else None


def _integer(option: catalog.Option, target: Target) -> bool:
    return option.kind in ("int", "uint", "megabytes")


def _fix(entry_key: str, option: catalog.Option, text: str) -> str:
    if plainly_written(text):
        return f"write a number from 0 to {maximum(option.handler)}"
    found = _WITH_UNIT.match(text)
    if found is not None:
        plain = _plain(option, float(found.group(1)), found.group(2))
        if plain is not None and read(option.handler, str(plain)) == Reading(plain):
            return f"write `{entry_key} = {plain}`"
    if option.kind == "megabytes":
        return "write a plain number of megabytes"
    return "write a plain whole number in the option's own unit"


def _describe(key: str, option: catalog.Option, text: str, reading: Reading) -> str:
    unit = " MB" if option.kind == "megabytes" else ""
    quoted = f"`{shown(text)}`" if text else "an empty value"
    if reading.fatal:
        return (f"uWSGI reads {quoted} for `{key}` as {reading.number} and exits at start-up "
                f"(`invalid value for option \"{key}\": must be > 0`)")
    if plainly_written(text):
        return f"`{key}` cannot hold {shown(text)}: uWSGI stores {reading.number}{unit}"
    return f"`{key}` takes a whole number: uWSGI reads {quoted} as {reading.number}{unit}"


@rule("UWC005", "value-not-integer", Severity.ERROR, tags=("correctness",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags an integer option (`harakiri`, `max-requests`, `processes`, `buffer-size`,
    `reload-on-rss`...) whose text uWSGI does not read as the number written: a unit
    (`1m`, `2G`, `30s`), a word (`true`), a fraction (`10.5`), an empty value, a negative
    number for an option that must be positive, or a value beyond the option's range.

    ## Why is this bad?
    uWSGI converts these values with C's `atoi`/`strtoul`, which read the leading digits and
    drop the rest without a word: `harakiri = 1m` is one second, `reload-on-rss = 2G` is
    2 MB (workers are recycled after almost every request), `buffer-size = 32k` is 32 bytes,
    `true` is 0. A negative `processes` or `harakiri` makes uWSGI exit at start-up. A
    placeholder of a template that was not rendered (`__WORKERS__`, `${WORKERS:-4}`) is read
    the same way, and the message says it looks like one. A plain number followed by an
    inline comment (`buffer-size = 65536 # big`) is left to `inline-comment`, which says what
    uWSGI reads from it, range included, in its own finding. `listen` takes effect while the
    file is read, before any `%(...)`, `$(...)` or `@(...)` is expanded: `listen =
    @(/proc/sys/net/core/somaxconn)` is a queue of 0 (values of other options that hold such
    references are judged by what they expand to, once this run can know it).

    ## Example
    ```ini
    [uwsgi]
    master = true
    harakiri = 1m
    reload-on-rss = 2G
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    harakiri = 60
    reload-on-rss = 2048
    ```
    """
    target = config.target
    integers = target.names_with(_integer)
    for entry in config.entries:
        option = target.option(entry.key) if entry.key in integers else None
        if option is None:
            continue
        expanded = has_expansion(entry.value)
        if expanded and not option.immediate:
            continue  # expanded at start-up, from what this run cannot see
        question = (entry.key, option.handler, option.kind, entry.value)
        found = (_VERDICTS[question] if question in _VERDICTS
                 else remember(_VERDICTS, question, _verdict(entry.key, option, entry.value), 4096))
        if found is not None:
            message, fix, severity = found
            if expanded:
                message += (f" (`{entry.key}` takes effect while the file is read, before "
                            "`%(...)`, `$(...)` and `@(...)` are expanded, so uWSGI reads the "
                            "reference as written)")
            yield Hit.at(entry, message, fix=fix, severity=severity)


# The same settings recur in every file of a project (`processes = 4`): what uWSGI reads from
# a value depends only on the option's name, handler and kind, so each is judged once.
_Verdict = Optional[tuple[str, str, Optional[Severity]]]
_VERDICTS: dict[tuple[str, str, str, str], _Verdict] = {}


def _verdict(key: str, option: catalog.Option, value: str) -> _Verdict:
    """The message, fix and severity for ``key = value``, or None when uWSGI reads the
    number that is written."""
    cut = inline_comment(value)
    text = value if cut is None else value[:cut].rstrip()
    if cut is not None and plainly_written(text):
        return None  # inline-comment judges a plain number with a comment, range included
    reading = read(option.handler, text)
    plain = plainly_written(text)
    if plain and written_integer(text) == reading.number and not reading.fatal:
        return None
    marker = None if plain or reading.fatal else template_marker(text)
    if marker is not None:
        return (_unrendered(key, option, text, marker, reading),
                "render the template, and lint the rendered file", None)
    out_of_range = plain and not reading.fatal
    return (_describe(key, option, text, reading), _fix(key, option, text),
            Severity.WARNING if out_of_range else None)


def _unrendered(key: str, option: catalog.Option, text: str, marker: str,
                reading: Reading) -> str:
    """A template placeholder where the number belongs: what uWSGI reads if the file is
    used as it stands, without guessing the number it stands for."""
    unit = " MB" if option.kind == "megabytes" else ""
    part = "" if marker == text else f" (`{shown(marker)}`)"
    return (f"`{key}` takes a whole number, and `{shown(text)}` looks like a placeholder of a "
            f"template that was not rendered{part}: as it stands, uWSGI reads it as "
            f"{reading.number}{unit}")
