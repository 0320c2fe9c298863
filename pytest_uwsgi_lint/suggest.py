"""What an unknown option name was probably meant to be.

uWSGI compares names exactly, so ``max_requests``, ``Master`` and ``harikari`` are silently
taken as placeholders. The likely intent is found the way people get names wrong: ``_`` for
``-`` (the environment-variable spelling), capitals, or a slip of one or two letters.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from itertools import permutations

#: Keys this short get at most one edit: ``sp`` is two edits from a dozen options.
_SHORT = 4
#: Names with more words are not tried in every order (``master-log`` is ``log-master``).
_MAX_WORDS = 4
_BLANK = re.compile(r"[ \t]+")


def normalise(name: str) -> str:
    """The spelling uWSGI gives ``UWSGI_*`` environment variables: lower case, ``-`` for ``_``."""
    return name.strip().lower().replace("_", "-")


def distance(a: str, b: str, limit: int) -> int:
    """Edit distance with adjacent transpositions (``harikari``/``harakiri`` is 2), or
    ``limit + 1`` as soon as it is certain to exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        current = [i]
        for j, other in enumerate(b, 1):
            cost = min(
                previous[j] + 1,
                current[j - 1] + 1,
                previous[j - 1] + (char != other),
            )
            if i > 1 and j > 1 and char == b[j - 2] and a[i - 2] == other:
                cost = min(cost, before[j - 2] + 1)
            current.append(cost)
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return previous[-1]


def suggestions(
    name: str,
    exists: Callable[[str], bool],
    candidates: Iterable[str],
    limit: int = 3,
) -> list[str]:
    """Names that ``exists`` accepts and ``name`` was probably meant to be, best first.

    A plain respelling (``max_requests`` -> ``max-requests``) is returned alone, then the
    same words in another order (``master-log`` -> ``log-master``); otherwise the options
    within two edits of the respelt name (one edit for short names), closest first.
    """
    respelt = normalise(name)
    if respelt != name and exists(respelt):
        return [respelt]
    words = respelt.split("-")  # a separator line like `------` is a key of many words
    orders = permutations(words) if len(words) <= _MAX_WORDS else ()
    reordered = sorted({"-".join(p) for p in orders} - {respelt})
    found = [n for n in reordered if exists(n)]
    if found:
        return found[:limit]
    allowed = 1 if len(respelt) <= _SHORT else 2
    letters = set(respelt)
    # Each letter of the name that a candidate lacks costs an edit: a set difference rules
    # out most candidates before the edit distance is worked out letter by letter.
    scored = sorted(
        (d, candidate)
        for candidate in set(candidates)
        if abs(len(candidate) - len(respelt)) <= allowed
        and len(letters.difference(candidate)) <= allowed
        and (d := distance(respelt, candidate, allowed)) <= allowed
    )
    return [candidate for _, candidate in scored[:limit]]


def split_key(key: str, exists: Callable[[str], bool]) -> tuple[str, str] | None:
    """``(option, rest)`` when a blank stands where ``=`` was meant: uWSGI reads
    ``static-map /static=/srv`` as the key ``static-map /static``."""
    parts = _BLANK.split(key.strip(), maxsplit=1)
    if len(parts) == 2 and exists(parts[0]):
        return parts[0], parts[1]
    return None


def shortcut(key: str, shortcuts: Mapping[str, Iterable[str]]) -> list[str]:
    """The options a one-letter command-line shortcut (``M``, ``p``) stands for."""
    return sorted(shortcuts.get(key, ())) if len(key) == 1 else []


__all__ = ["distance", "normalise", "shortcut", "split_key", "suggestions"]
