"""uWSGI's three expansion passes over option values: ``$(ENV)``, ``@(file)``, ``%(name)``.

A port of ``uwsgi_apply_config_pass`` and ``uwsgi_manage_placeholder`` (``core/utils.c`` and
``core/config.c`` in 2.0.30), quirks included: a lookup that fails leaves the text as written,
after a substitution the scan restarts at the value's *second* byte (so a placeholder the
substitution put at the very start is not expanded again), ``%(a b)`` concatenates and
``%(a + 1)`` does 64-bit arithmetic with ``/0`` giving 0. Self-references would loop forever in
uWSGI; here a bound stops them and reports it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from pytest_uwsgi_lint.sources import MAX_BYTES
from pytest_uwsgi_lint.values import strtol

MAX_SUBSTITUTIONS = 1000
MAX_VALUE_BYTES = 1 << 20
#: What the expansions of one config may cost in all: steps (a character examined, or a
#: value built: a value is scanned again from its start after each substitution, as uWSGI
#: does, and each substitution builds the whole value anew), and bytes of expanded values
#: and of files read by ``@()``. A thousand references to a 1 MB value, reads of a 1 MB
#: file, or a value that refers to itself after a 1 MB prefix, took minutes and gigabytes
#: without them.
MAX_EXPANSION_STEPS = 5_000_000
#: Copying a value costs one step per this many bytes: a step of the scan takes about a
#: thousand times as long as copying one byte (measured on CPython 3.11), so the bound on
#: steps also bounds the time spent building values, within the same order of magnitude.
COPIED_BYTES_PER_STEP = 256
MAX_EXPANDED_SIZE = MAX_BYTES

Lookup = Callable[[str], "str | None"]


class ExpansionLoop(Exception):
    """The value kept re-expanding past the bound (uWSGI would spin forever), or, when
    ``too_large``, grew past the size bound (a huge value, or references that double)."""

    def __init__(self, key: str, too_large: bool = False) -> None:
        super().__init__(key)
        self.key = key
        self.too_large = too_large


class WorkExhausted(Exception):
    """The config's expansions used up their :class:`Work`; nothing more is expanded."""


@dataclass
class Work:
    """What is left of one config's expansion bounds."""

    steps: int = MAX_EXPANSION_STEPS
    size: int = MAX_EXPANDED_SIZE

    def spend(self, steps: int) -> None:
        """Take ``steps``; raise :class:`WorkExhausted` when fewer than none are left."""
        self.steps -= steps
        if self.steps < 0:
            raise WorkExhausted

    def copied(self, text: str) -> None:
        """Take what building ``text`` cost."""
        self.spend(1 + len(text) // COPIED_BYTES_PER_STEP)

    def exhausted(self) -> str:
        """The bound used up, as messages name it; empty while both have room."""
        if self.steps <= 0:
            return f"{MAX_EXPANSION_STEPS:,} steps of expansion"
        if self.size <= 0:
            return f"{MAX_EXPANDED_SIZE // 1024**2} MiB of values and `@()` reads"
        return ""


@cache
def _special(symbol: str) -> re.Pattern[str]:
    """What the scan reacts to inside a reference; every other character only lengthens it."""
    return re.compile(f"[{re.escape(symbol)}()]")


def apply_pass(
    value: str, symbol: str, hook: Lookup, work: Work | None = None
) -> tuple[str, list[str]]:
    """Expand every ``<symbol>(key)`` in ``value`` through ``hook``; also return the keys
    ``hook`` could not resolve (``None``), which uWSGI leaves as written. The scan jumps over
    text that cannot change its state; each character it stops at costs one of ``work``'s
    steps, and each substitution what building the new value costs (raises
    :class:`WorkExhausted` when none are left)."""
    unresolved: list[str] = []
    special = _special(symbol)
    has_symbol = 0
    depth = 0
    key_start = 0
    substitutions = 0
    j = 0
    while True:
        if has_symbol == 0:  # outside a reference only the symbol matters
            j = value.find(symbol, j)
            if j < 0:
                break
        elif has_symbol > 1:  # inside one, only the symbol and parentheses do
            found = special.search(value, j)
            if found is None:
                break
            has_symbol += found.start() - j
            j = found.start()
        elif j >= len(value):
            break
        if work is not None:
            work.spend(1)
        char = value[j]
        if char == symbol:
            has_symbol = 1
        elif char == "(" and has_symbol == 1:
            has_symbol = 2
            depth = 0
            key_start = j + 1
        elif has_symbol > 1:
            if char == "(":
                has_symbol += 1
                depth += 1
            elif char == ")":
                if depth > 0:
                    has_symbol += 1
                    depth -= 1
                    j += 1
                    continue
                if has_symbol <= 2:
                    has_symbol = 0
                    j += 1
                    continue
                key = value[key_start : key_start + has_symbol - 2]
                replacement = hook(key)
                if replacement is None:
                    unresolved.append(key)
                    has_symbol = 0
                    j += 1
                    continue
                value = value[: key_start - 2] + replacement + value[key_start + has_symbol - 1 :]
                if work is not None:
                    work.copied(value)
                substitutions += 1
                if len(value) > MAX_VALUE_BYTES:
                    raise ExpansionLoop(key, too_large=True)
                if substitutions > MAX_SUBSTITUTIONS:
                    raise ExpansionLoop(key)
                has_symbol = 0
                j = 1  # uWSGI sets j = 0 and the loop's j++ runs before the next test
                continue
            else:
                has_symbol += 1
        else:
            has_symbol = 0
        j += 1
    return value, unresolved


def _wrap64(number: int) -> int:
    number &= 2**64 - 1
    return number - 2**64 if number >= 2**63 else number


def manage_placeholder(key: str, lookup: Lookup, work: Work | None = None) -> str | None:
    """``uwsgi_manage_placeholder``: a plain name, or a space-separated pipeline of names,
    numbers and ``+ - * / ++ --``; each concatenation costs ``work`` what it builds."""
    if " " not in key:
        return lookup(key)
    current: str | None = None
    state = ""
    for token in (t for t in key.split(" ") if t):
        if token in ("+", "-", "*", "/"):
            state = token
            continue
        if token in ("++", "--"):
            if current is not None:
                current = str(_wrap64(strtol(current) + (1 if token == "++" else -1)))
            state = ""
            continue
        value = token if token.isdigit() and token.isascii() else (lookup(token) or "")
        if not state:
            current = (current or "") + value
            if work is not None:
                work.copied(current)
            if len(current) > MAX_VALUE_BYTES:  # `%(a a a ...)` repeats a value at will
                raise ExpansionLoop(key, too_large=True)
        else:
            left = strtol(current) if current is not None else 0
            right = strtol(value)
            if state == "+":
                result = left + right
            elif state == "-":
                result = left - right
            elif state == "*":
                result = left * right
            elif right == 0:
                result = 0
            else:  # C division truncates toward zero
                quotient = abs(left) // abs(right)
                result = quotient if (left < 0) == (right < 0) else -quotient
            current = str(_wrap64(result))
        state = ""
    return current


__all__ = [
    "COPIED_BYTES_PER_STEP",
    "MAX_EXPANDED_SIZE",
    "MAX_EXPANSION_STEPS",
    "MAX_SUBSTITUTIONS",
    "MAX_VALUE_BYTES",
    "ExpansionLoop",
    "Work",
    "WorkExhausted",
    "apply_pass",
    "manage_placeholder",
]
