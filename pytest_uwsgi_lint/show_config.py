"""The options of one config as uWSGI's ``--show-config`` prints them.

``show_config()`` in core/uwsgi.c (2.0.30) writes a blank line, a ``;uWSGI instance
configuration`` comment and a ``[uwsgi]`` header, then ``key = value`` for every exported
option in order (an empty value still gets its ``" = "``), then ``;end of configuration`` and a
blank line. Printing the reader's entries in that shape lets users compare what the linter read
with what their uWSGI reads, byte for byte. :func:`render_spec` shows the loaded
configuration: includes followed, logic blocks applied, placeholders expanded, inherited
options last, exactly where uWSGI puts them. ``$(VAR)`` uses only the variables the user
declared (``--env``); sources the linter never reads (``exec://``...) add nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint import engine
from pytest_uwsgi_lint.reader import Entry, IniFile, encode
from pytest_uwsgi_lint.sources import read_source

HEADER = b"\n;uWSGI instance configuration\n[uwsgi]\n"
FOOTER = b";end of configuration\n\n"


def render_entries(entries: Iterable[Entry]) -> bytes:
    """The ``--show-config`` block for ``entries``, bytes as uWSGI would print them."""
    rows = [encode(entry.key) + b" = " + encode(entry.value) + b"\n" for entry in entries]
    return HEADER + b"".join(rows) + FOOTER


def render(ini: IniFile) -> bytes:
    """The block for one file's own entries, as read (nothing followed or expanded)."""
    return render_entries(ini.entries)


def render_spec(spec: str, settings: engine.Settings) -> bytes:
    """Load ``file.ini[:section]`` (``-`` is stdin) as uWSGI would and render the result.

    Raises :class:`pytest_uwsgi_lint.sources.UnreadableSource` when the file cannot be read.
    """
    path, section = engine.split_spec(spec)
    return render_entries(engine.load_spec(read_source(path), path, section, settings).entries)


__all__ = ["FOOTER", "HEADER", "render", "render_entries", "render_spec"]
