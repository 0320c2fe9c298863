"""How uWSGI's integer option handlers turn text into a number (``core/uwsgi.c`` in 2.0.30).

``uwsgi_opt_set_int`` and ``_rawint`` use ``atoi``; ``_64bit``, ``_16bit`` and ``_megabytes``
use ``strtoul``, the 16-bit one capping at 65535. All of them read the leading digits and
drop the rest without a word, and ``set_int`` exits on a negative result.
"""

from __future__ import annotations

from dataclasses import dataclass

from pytest_uwsgi_lint.values import atoi, strtoul

SET_INT = "uwsgi_opt_set_int"
_UINT16_MAX = 65535
_INT_MAX = 2**31 - 1
_UINT64_MAX = 2**64 - 1


@dataclass(frozen=True)
class Reading:
    """The number a handler stores (megabytes stay in megabytes), and whether uWSGI exits
    over it (``invalid value for option "X": must be > 0``)."""

    number: int
    fatal: bool = False


def read(handler: str, text: str) -> Reading:
    """What the integer handler ``handler`` makes of ``text``."""
    if handler in (SET_INT, "uwsgi_opt_set_rawint"):
        number = atoi(text)
        return Reading(number, fatal=handler == SET_INT and number < 0)
    if handler == "uwsgi_opt_set_16bit":
        return Reading(min(strtoul(text), _UINT16_MAX))
    return Reading(strtoul(text))


def maximum(handler: str) -> int:
    """The largest value the handler's setting can hold."""
    if handler in (SET_INT, "uwsgi_opt_set_rawint"):
        return _INT_MAX
    return _UINT16_MAX if handler == "uwsgi_opt_set_16bit" else _UINT64_MAX


__all__ = ["SET_INT", "Reading", "maximum", "read"]
