"""Which files in a directory are uWSGI configs.

Files named explicitly are always linted. In directories, only ``*.ini`` files that look like
uWSGI configs are taken, so ``pytest.ini``, ``tox.ini`` and ``alembic.ini`` are left alone. The
test is deliberately looser than uWSGI's own header match (any case, a BOM, spaces, trailing
text), because a header uWSGI fails to match is exactly what the linter must report.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Sequence

from pytest_uwsgi_lint.sources import UnreadableSource, read_chunks

# A header never spans lines, so lines can be searched as they are read.
_UWSGI_HEADER = re.compile(rb"(?im)^(?:\xef\xbb\xbf)?[ \t\r]*\[[ \t]*uwsgi\b")
_SKIPPED_DIRS = frozenset({"__pycache__", "node_modules", "site-packages"})
CHUNK = 1 << 16


def looks_like_uwsgi(path: str, chunk: int = CHUNK) -> bool:
    """Whether the file at ``path`` has something that looks like a ``[uwsgi]`` header.

    The file is read ``chunk`` bytes at a time and only until a header shows, usually in
    the first read; the lines read so far are searched, the unfinished last one waits.
    """
    unfinished: list[bytes] = []
    try:
        for data in read_chunks(path, chunk):
            lines, newline, rest = data.rpartition(b"\n")
            if newline:
                if _UWSGI_HEADER.search(b"".join((*unfinished, lines, newline))):
                    return True
                unfinished.clear()
            unfinished.append(rest)
    except UnreadableSource:
        return True  # report why it cannot be read rather than skip it silently
    return _UWSGI_HEADER.search(b"".join(unfinished)) is not None


def walk(directory: str) -> Iterator[str]:
    """``*.ini`` files below ``directory``, sorted, skipping hidden and tool directories and
    not following links to directories. A directory that cannot be listed is yielded itself,
    so that linting it says why rather than skipping its configs in silence. The walk keeps
    its own stack: a tree deeper than Python's recursion limit is walked whole."""
    pending = [directory]
    while pending:
        current = pending.pop()
        try:
            with os.scandir(current) as found:
                entries = sorted(found, key=lambda entry: entry.name)
        except OSError:
            yield current
            continue
        below = []
        for entry in entries:
            if _is_directory(entry):
                if not (entry.name.startswith(".") or entry.name in _SKIPPED_DIRS
                        or entry.is_symlink()):
                    below.append(entry.path)
            elif entry.name.endswith(".ini"):
                yield entry.path
        pending.extend(reversed(below))


def _is_directory(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:  # as os.walk: what cannot be examined is taken for a file
        return False


def expand_paths(
    paths: Sequence[str], excluded: Callable[[str], bool] = lambda path: False
) -> Iterator[str]:
    """Each named file as given; each directory's uWSGI configs that are not ``excluded``."""
    for path in paths:
        if path != "-" and os.path.isdir(path):
            yield from (p for p in walk(path) if not excluded(p) and looks_like_uwsgi(p))
        else:
            yield path


__all__ = ["expand_paths", "looks_like_uwsgi", "walk"]
