'''quoted-value: uWSGI keeps quotes around a value as part of it.'''

from __future__ import annotations

from collections.abc import Iterable
from fnmatch import fnmatchcase

from pytest_uwsgi_lint.applied import in_effect
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule
from pytest_uwsgi_lint.values import has_expansion

QUOTES = ("'", '"')
#: Flags and numbers with quotes are misread, and `boolean-value-surprise` and
#: `value-not-integer` say how; these kinds keep the quotes as text.
TEXT_KINDS = frozenset({"string", "list", "special"})
#: Values handed to a shell or to Python, or formats, where quotes can be meant.
CODE = ("eval", "*-eval", "*-eval-*", "exec-*", "*-exec", "*-exec-*", "hook-*", "*cron*",
        "*attach-daemon*", "log-format", "logformat", "route", "route-*", "*-route",
        "*-route-*", "pyargv", "print", "log-encoder", "*-encoder")


def _quoted(value: str) -> bool:
    return len(value) >= 2 and value[0] in QUOTES and value[-1] == value[0]


@rule("UWC017", "quoted-value", Severity.WARNING, tags=("syntax", "correctness"))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags a text value wrapped in quotes (`"..."` or `'...'`). Options whose values are
    shell commands, Python code, routes or log formats are left alone.

    ## Why is this bad?
    uWSGI's ini reader does not unquote: everything after the `=` is the value, quotes
    included (`core/ini.c` in 2.0.30). `env = "DJANGO_SETTINGS_MODULE=app.settings"`
    defines a variable whose name starts with a quote (django/django#6970 removed such
    quotes from Django's docs), `socket = "/run/app.sock"` creates a file whose name has
    quotes in it, and `module = "app.wsgi"` fails to import.

    ## Example
    ```ini
    [uwsgi]
    master = true
    module = app.wsgi:application
    env = "DJANGO_SETTINGS_MODULE=app.settings"
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    module = app.wsgi:application
    env = DJANGO_SETTINGS_MODULE=app.settings
    ```

    ## References
    - uWSGI 2.0.30 source: `core/ini.c` (`uwsgi_ini_config`: no unquoting)
    - https://github.com/django/django/pull/6970
    """
    for entry, option in config.known():
        if (option.kind not in TEXT_KINDS or not _quoted(entry.value)
                or has_expansion(entry.value) or not in_effect(config, entry)
                or any(fnmatchcase(name, pattern)
                       for name in (option.name, *option.aliases) for pattern in CODE)):
            continue
        yield Hit.at(
            entry,
            f"`{entry.key} = {entry.value}`: uWSGI does not strip quotes, so the value is "
            f"{entry.value} with the quote characters in it",
            fix=f"write `{entry.key} = {entry.value[1:-1]}`",
        )
