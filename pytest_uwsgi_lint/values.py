"""uWSGI's own conversions of option text, so rules judge values as uWSGI will."""

from __future__ import annotations

import re

_FALSE_WORDS = frozenset({"false", "off", "no"})
_INT_MAX = 2**31 - 1
_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1
_ULONG_MAX = 2**64 - 1
_EXPANSIONS = ("$(", "@(", "%(")
_INLINE_COMMENT = re.compile(r"(?:^|[ \t])[;#]")


def uwsgi_true(text: str) -> bool:
    """``uwsgi_opt_true``: only ``false``/``off``/``no`` (any case) and exactly ``0`` are false."""
    return not (text.lower() in _FALSE_WORDS or text == "0")


def is_boolean_word(text: str) -> bool:
    """Whether the value says what it means: a recognised false word or a plain true word."""
    return not uwsgi_true(text) or text.lower() in ("true", "on", "yes", "1", "")


#: Blanks, sign and digits as ``strtol`` scans them in base 10 (C locale, ASCII digits only).
_NUMBER = re.compile(r"[ \t\n\v\f\r]*([+-]?)([0-9]*)")
#: Significant digits past which a number is beyond every C integer type (``ULONG_MAX`` has 20).
_MAX_DIGITS = 20


def _leading_number(text: str) -> tuple[int, str]:
    """Sign and digits after C whitespace, as ``strtol`` scans them (base 10).

    A magnitude of more than 20 significant digits is returned as ``10**20``, past every C
    integer, so it saturates like C's does: converting all of them would build a huge int for
    nothing, and Python refuses ``int()`` on more than 4,300 digits.
    """
    match = _NUMBER.match(text)
    assert match is not None  # every part of the pattern may be empty
    sign, digits = match.groups()
    significant = digits.lstrip("0")
    magnitude = 10**_MAX_DIGITS if len(significant) > _MAX_DIGITS else int(significant or "0")
    return (-magnitude if sign == "-" else magnitude), digits


def strtol(text: str) -> int:
    """glibc ``strtol`` (and ``strtoll``: both are 64-bit) in base 10: overflow saturates at
    ``LONG_MIN``/``LONG_MAX``."""
    return max(_LONG_MIN, min(_LONG_MAX, _leading_number(text)[0]))


def atoi(text: str) -> int:
    """glibc ``atoi``: ``strtol`` clamped to ``long``, then truncated to a 32-bit ``int``."""
    value = strtol(text) & 0xFFFFFFFF
    return value - 2**32 if value > _INT_MAX else value


def strtoul(text: str) -> int:
    """glibc ``strtoul`` in base 10: a minus sign negates modulo 2**64, overflow clamps."""
    value, digits = _leading_number(text)
    if abs(value) > _ULONG_MAX:
        return _ULONG_MAX
    return value % 2**64 if digits else 0


def written_integer(text: str) -> int | None:
    """The number at the start of ``text`` as written (blanks, sign and leading zeros
    allowed), to compare with what uWSGI reads; None without digits, or when it lies beyond
    64 bits (below ``LONG_MIN`` or above ``ULONG_MAX``), where no C conversion reads it."""
    value, digits = _leading_number(text)
    return value if digits and _LONG_MIN <= value <= _ULONG_MAX else None


def is_plain_integer(text: str) -> bool:
    """Digits only, so ``atoi`` reads exactly what was written."""
    return text.isascii() and text.isdigit()


def uwsgi_mode_t(text: str) -> int:
    """``uwsgi_mode_t`` as ``umask`` uses it: three characters taken as octal digits
    (characters 2-4 of a longer value), with no check that they are digits; a shorter value
    is an error that yields 0. Only the permission bits count."""
    if len(text) < 3:
        return 0
    digits = text[:3] if len(text) == 3 else text[1:4]
    mask = 0
    for char in digits:
        mask = (mask << 3) + (ord(char) - ord("0"))
    return mask & 0o777


def has_expansion(text: str) -> bool:
    """Whether ``$(...)``, ``@(...)`` or ``%(...)`` is left in the value: uWSGI expands it at
    start-up from what this run cannot see, so the final text is unknown here."""
    return any(marker in text for marker in _EXPANSIONS)


def inline_comment(text: str) -> int | None:
    """Where a would-be comment (``;`` or ``#`` first, or after a blank) starts in a value.

    uWSGI has no inline comments: that text stays part of the value.
    """
    if ";" not in text and "#" not in text:  # most values: no need for the pattern
        return None
    match = _INLINE_COMMENT.search(text)
    return None if match is None else match.end() - 1


__all__ = [
    "atoi",
    "has_expansion",
    "inline_comment",
    "is_boolean_word",
    "is_plain_integer",
    "strtol",
    "strtoul",
    "uwsgi_mode_t",
    "uwsgi_true",
    "written_integer",
]
