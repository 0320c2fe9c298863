'''inline-comment: a `; note` or `# note` after a value is part of the value.'''

from __future__ import annotations

from collections.abc import Iterable
from fnmatch import fnmatchcase

from pytest_uwsgi_lint import catalog
from pytest_uwsgi_lint.applied import in_effect
from pytest_uwsgi_lint.edits import comment_above
from pytest_uwsgi_lint.findings import Edit, Hit, Severity, shown
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.reader import Entry, decode
from pytest_uwsgi_lint.registry import rule
from pytest_uwsgi_lint.values import (
    atoi,
    has_expansion,
    inline_comment,
    is_plain_integer,
    uwsgi_true,
)

# Options whose values are commands, code, formats, patterns or key=value data, where a
# blank followed by `;` or `#` is ordinary text (a shell `;`, a regex, a log format...).
FREE_TEXT = (
    "exec-*", "*-exec", "*-exec-*", "worker-exec*", "hook-*", "*-hook", "*cron*",
    "*attach-daemon*", "eval", "*-eval", "*-eval-*", "pyargv",
    "route", "route-*", "*-route", "*-route-*", "log-format", "logformat", "log-date",
    "logdate", "*encoder", "logger", "req-logger", "log-filter", "log-drain", "sni-regexp",
    "alarm", "alarm-*", "*-alarm", "*-alarm-*", "add-header", "del-header", "rem-header",
    "pull-header", "collect-header", "response-header-collect", "static-map*",
    "static-expires*", "env", "declare-option*", "set", "set-ph", "set-placeholder",
)
NUMERIC = frozenset({"int", "uint", "megabytes"})


def _free_text(option: catalog.Option) -> bool:
    return any(fnmatchcase(name, pattern)
               for name in (option.name, *option.aliases) for pattern in FREE_TEXT)


def _outcome(entry: Entry, option: catalog.Option, before: str) -> tuple[str, Severity]:
    """What uWSGI makes of the whole value, and how bad that is."""
    value = entry.value
    if has_expansion(value):
        return "uWSGI keeps the comment in the value", Severity.WARNING
    if option.kind in ("flag", "inverse-flag"):
        if uwsgi_true(before) != uwsgi_true(value):
            return (f"uWSGI reads `{shown(value)}` as TRUE (only exactly false, off, no or 0 is "
                    f"false), so `{entry.key}` is on", Severity.ERROR)
        accident = ", right only by accident" if before else ""
        return f"uWSGI reads it as true{accident}", Severity.WARNING
    if option.kind in NUMERIC:
        number = atoi(value)
        if before and atoi(before) == number:
            return (f"uWSGI's integer parsing stops at the blank and reads {number}, right "
                    "only by accident", Severity.WARNING)
        return f"uWSGI reads {number}", Severity.ERROR
    if option.kind == "special" and is_plain_integer(before):
        return (f"uWSGI hands the whole text to `{entry.key}`, which works only if that option "
                "reads just the leading number", Severity.WARNING)
    return f"uWSGI uses `{shown(value)}` verbatim, comment included", Severity.ERROR


@rule("UWC001", "inline-comment", Severity.WARNING, tags=("syntax", "correctness"))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags a value containing a blank followed by `;` or `#`, the way comments are written
    after a value in other ini dialects. Options whose values are commands, code, formats,
    patterns or environment assignments (`exec-*`, `hook-*`, `cron`, `attach-daemon`,
    `route*`, `log-format`, `env`...) are left alone, since `;` and `#` are data there, and
    so are placeholders until an option uses them.

    ## Why is this bad?
    uWSGI has no inline comments: only a line whose first non-blank character is `;` or `#`
    is a comment (`core/ini.c` in 2.0.30; the maintainers confirm it in unbit/uwsgi#2573).
    Everything after the `=` is the value:

    - a flag written `false ; note` reads as true, because only exactly `false`, `off`,
      `no` or `0` is false;
    - a socket, path or module name gets the comment glued on (`/run/app.sock ; main`);
    - a number such as `harakiri = 60 ; seconds` works only because the integer parser
      stops at the blank.

    ## Example
    ```ini
    [uwsgi]
    master = true
    lazy-apps = false ; enable once the app is fork-safe
    socket = /run/app.sock # main socket
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    ; enable once the app is fork-safe
    lazy-apps = false
    ; main socket
    socket = /run/app.sock
    exec-asap = mkdir -p /run/app ; chmod 750 /run/app
    ```
    """
    seen: set[tuple[str, int, str]] = set()
    for entry in config.entries:
        start = inline_comment(entry.value)
        if start is None:
            continue
        place = (entry.path, entry.line, entry.key)
        if place in seen or not in_effect(config, entry):
            continue
        seen.add(place)
        option = catalog.lookup(entry.key)
        if option is None or _free_text(option):
            continue  # a placeholder is data until used; its users are judged with its text
        before = entry.value[:start].rstrip(" \t")
        outcome, severity = _outcome(entry, option, before)
        comment = entry.value[start:]
        written = comment in decode(entry.raw)
        yield Hit.at(
            entry,
            f"`{entry.key} = {shown(entry.value)}`: uWSGI has no inline comments, so "
            f"`{shown(comment)}` is part of the value"
            f"{'' if written else ' (it comes from a placeholder or variable)'}; {outcome}",
            fix=f"move `{shown(comment)}` to its own line and write "
            f"`{entry.key} = {shown(before)}`"
            if written else "move the comment out of the placeholder's or variable's value",
            severity=severity,
            edits=_moved(entry, comment) if written else (),
        )


def _moved(entry: Entry, comment: str) -> tuple[Edit, ...]:
    edit = comment_above(entry, comment)
    return () if edit is None else (edit,)
