"""Answers a run remembers: questions that depend only on themselves.

A run lints thousands of files that ask the same few questions (an option's record, a typo's
near names, what uWSGI reads from ``processes = 4``). The answers are kept in plain dicts,
bounded so that a file of a million made-up keys cannot grow the memory of the whole run.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

BOUND = 1 << 16


def remember(table: dict[K, V], key: K, value: V, bound: int = BOUND) -> V:
    """Keep ``value`` under ``key`` and return it; a table that is full starts afresh."""
    if len(table) >= bound:
        table.clear()
    table[key] = value
    return value


__all__ = ["BOUND", "remember"]
