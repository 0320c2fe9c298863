"""The options of one config as uWSGI's ``--show-config`` prints them.

``show_config()`` in core/uwsgi.c (2.0.30) writes a blank line, a ``;uWSGI instance
configuration`` comment and a ``[uwsgi]`` header, then ``key = value`` for every exported
option in order (an empty value still gets its ``" = "``), then ``;end of configuration`` and a
blank line. Printing the reader's entries in that shape lets users compare what the linter read
with what their uWSGI reads, byte for byte. Includes and ``%()``/``$()``/``@()`` placeholders
are printed as written.
"""

from __future__ import annotations

from pytest_uwsgi_lint import engine
from pytest_uwsgi_lint.reader import IniFile, encode, read_ini
from pytest_uwsgi_lint.sources import read_source

HEADER = b"\n;uWSGI instance configuration\n[uwsgi]\n"
FOOTER = b";end of configuration\n\n"


def render(ini: IniFile) -> bytes:
    """The ``--show-config`` block for the entries of ``ini``, bytes as uWSGI would print them."""
    rows = [encode(entry.key) + b" = " + encode(entry.value) + b"\n" for entry in ini.entries]
    return HEADER + b"".join(rows) + FOOTER


def render_spec(spec: str, uwsgi_version: str) -> bytes:
    """Read ``file.ini[:section]`` (``-`` is stdin) and render it.

    Raises :class:`pytest_uwsgi_lint.sources.UnreadableSource` when the file cannot be read.
    """
    path, section = engine.split_spec(spec)
    data = read_source(path)
    table = engine.magic_table(path, section, uwsgi_version)
    return render(read_ini(data, path, section, table))


__all__ = ["FOOTER", "HEADER", "render", "render_spec"]
