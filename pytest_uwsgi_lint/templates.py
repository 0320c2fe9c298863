"""Placeholders of a template engine, left in a config that was not rendered.

Many repositories keep a uWSGI config as a template (``{name}`` for ``str.format``,
``{{ name }}`` for Jinja, Go or Mustache, ``${NAME}`` for envsubst and shells, ``__NAME__`` or
``@NAME@`` for sed, ``<name>``, ``%NAME%``, ``<%= name %>``). uWSGI reads such a file as it
stands: the placeholder is a key that is no option, or a number read as 0. Rules say so
instead of guessing what the placeholder was meant to be, which would make a wrong fix
(``{virtualenv}`` renamed to ``virtualenv`` with an empty value).
"""

from __future__ import annotations

import re

_MARKER = re.compile(
    r"""
    \{\{.*?\}\}                                 # {{ name }}, {{ name | default(4) }}
    | \{%.*?%\}                                 # {% if ... %}
    | <%.*?%>                                   # <%= name %>
    | \{[A-Za-z_][\w.]*(?:\[\w*\])?(?:![rsa])?(?::[^{}]*)?\}  # {name}, {cfg.workers:d}
    | \$\{[^{}]*\}                              # ${NAME}, ${NAME:-4}
    | \$[A-Za-z_]\w*                            # $NAME
    | __[A-Za-z][A-Za-z0-9_]*?__                # __NAME__
    | @[A-Za-z_]\w*@                            # @NAME@
    | %[A-Za-z_]\w*%                            # %NAME%
    | <[A-Za-z_][\w.-]*>                        # <name>
    """,
    re.VERBOSE,
)


def template_marker(text: str) -> str | None:
    """The first template placeholder in ``text``, or None when there is none."""
    if not any(char in text for char in "{$_@%<"):  # most keys and values: nothing to match
        return None
    found = _MARKER.search(text)
    return None if found is None else found.group()


__all__ = ["template_marker"]
