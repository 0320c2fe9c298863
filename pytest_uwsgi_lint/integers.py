"""How uWSGI's integer option handlers turn text into a number (``core/uwsgi.c`` in 2.0.30).

``uwsgi_opt_set_int`` and ``_rawint`` use ``atoi``; ``_64bit``, ``_16bit`` and ``_megabytes``
use ``strtoul``, the 16-bit one capping at 65535. All of them read the leading digits and
drop the rest without a word, and ``set_int`` exits on a negative result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pytest_uwsgi_lint.values import atoi, strtoul, written_integer

SET_INT = "uwsgi_opt_set_int"
_RAWINT = "uwsgi_opt_set_rawint"
_MEGABYTES = "uwsgi_opt_set_megabytes"
_KINDS = frozenset({"int", "uint", "megabytes"})
#: Handlers of options the tables declare with their own function that convert the whole
#: value as an integer handler does: the loop-engine shortcuts call ``uwsgi_opt_set_int`` on
#: it before choosing the engine (``plugins/gevent/gevent.c``, ``asyncio``, ``tornado``,
#: ``coroae``, ``gccgo``), ``max-vars`` and ``exit`` call ``atoi``, and ``safe-fd`` calls
#: ``atoi`` and exits on a negative result, as ``set_int`` does (``core/uwsgi.c``).
_DELEGATES = {
    "uwsgi_opt_setup_gevent": SET_INT,
    "uwsgi_opt_setup_asyncio": SET_INT,
    "uwsgi_opt_setup_tornado": SET_INT,
    "uwsgi_opt_setup_coroae": SET_INT,
    "uwsgi_opt_setup_goroutines": SET_INT,
    "uwsgi_opt_safe_fd": SET_INT,
    "uwsgi_opt_max_vars": _RAWINT,
    "uwsgi_opt_exit": _RAWINT,
}
_PLAIN = re.compile(r"[+-]?[0-9]+")
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
    if handler in (SET_INT, _RAWINT):
        number = atoi(text)
        return Reading(number, fatal=handler == SET_INT and number < 0)
    if handler == "uwsgi_opt_set_16bit":
        return Reading(min(strtoul(text), _UINT16_MAX))
    return Reading(strtoul(text))


def maximum(handler: str) -> int:
    """The largest value the handler's setting can hold."""
    if handler in (SET_INT, _RAWINT):
        return _INT_MAX
    return _UINT16_MAX if handler == "uwsgi_opt_set_16bit" else _UINT64_MAX


def integer_handler(kind: str, handler: str) -> str | None:
    """The integer handler whose conversion an option's value goes through: its own for an
    integer option, the one its handler calls on the whole value (``gevent``), else None."""
    return handler if kind in _KINDS else _DELEGATES.get(handler)


def plainly_written(text: str) -> bool:
    """Digits with an optional sign: a number whose reading can be compared with it."""
    return _PLAIN.fullmatch(text) is not None


def saturated(handler: str, text: str, reading: Reading) -> bool:
    """Whether the plainly written ``text`` is above the handler's range and uWSGI stores its
    largest value instead (the 16-bit clamp of ``buffer-size = 65536``, ``strtoul``'s
    overflow): that value is what uWSGI uses now, and the closest to what was meant. A
    megabyte option multiplies it by 1 MiB, which wraps, so it never saturates."""
    if handler == _MEGABYTES:
        return False
    top = maximum(handler)
    written = written_integer(text)
    above = (written is None or written > top) and not text.startswith("-")
    return above and reading.number == top and not reading.fatal


__all__ = [
    "SET_INT",
    "Reading",
    "integer_handler",
    "maximum",
    "plainly_written",
    "read",
    "saturated",
]
