'''inline-comment: a `; note` or `# note` after a value is part of the value.'''

from __future__ import annotations

from collections.abc import Iterable
from fnmatch import fnmatchcase
from typing import NamedTuple

from pytest_uwsgi_lint import catalog
from pytest_uwsgi_lint.applied import in_effect
from pytest_uwsgi_lint.edits import comment_above
from pytest_uwsgi_lint.findings import Edit, Hit, Severity, shown
from pytest_uwsgi_lint.integers import (
    integer_handler,
    maximum,
    plainly_written,
    read,
    saturated,
)
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.reader import Entry, decode
from pytest_uwsgi_lint.registry import rule
from pytest_uwsgi_lint.values import (
    has_expansion,
    inline_comment,
    is_plain_integer,
    uwsgi_mode_t,
    uwsgi_true,
    written_integer,
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
#: Handlers that take a value of digits alone for an id and anything else for a name to look
#: up (``is_a_number`` in ``core/uwsgi.c``), with what they look up.
_ID_OR_NAME = {
    "uwsgi_opt_set_uid": "user", "uwsgi_opt_set_gid": "group",
    "uwsgi_opt_uid": "user", "uwsgi_opt_gid": "group",
    "uwsgi_opt_set_immediate_uid": "user", "uwsgi_opt_set_immediate_gid": "group",
}
#: Of those, the ones whose lookup happens only when uWSGI starts as root (``uwsgi_as_root``).
_LOOKED_UP_AS_ROOT = frozenset({"uwsgi_opt_set_uid", "uwsgi_opt_set_gid"})
#: Handlers that take exactly three octal digits and exit on anything longer.
_MODES = frozenset({"uwsgi_opt_chmod_socket", "uwsgi_opt_logfile_chmod"})
_UMASK = "uwsgi_opt_set_umask"


class _Outcome(NamedTuple):
    """What uWSGI makes of the whole value and how bad that is; what the fix should write
    (after "write"), and the value its edit writes (None: no value the linter can vouch
    for, so no edit)."""

    text: str
    severity: Severity
    write: str
    value: str | None


def _free_text(option: catalog.Option) -> bool:
    return any(fnmatchcase(name, pattern)
               for name in (option.name, *option.aliases) for pattern in FREE_TEXT)


def _outcome(entry: Entry, option: catalog.Option, before: str) -> _Outcome:
    """What uWSGI makes of the whole value, through the conversion its handler applies."""
    value = entry.value
    if has_expansion(value):
        return _kept(entry.key, before, "uWSGI keeps the comment in the value", Severity.WARNING)
    if option.kind in ("flag", "inverse-flag"):
        if uwsgi_true(before) != uwsgi_true(value):
            return _kept(entry.key, before,
                         f"uWSGI reads `{shown(value)}` as TRUE (only exactly false, off, no or "
                         f"0 is false), so `{entry.key}` is on", Severity.ERROR)
        accident = ", right only by accident" if before else ""
        return _kept(entry.key, before, f"uWSGI reads it as true{accident}", Severity.WARNING)
    handler = integer_handler(option.kind, option.handler)
    if handler is not None:
        return _number(entry.key, option, handler, value, before)
    if option.kind == "special" and is_plain_integer(before):
        return _special(entry.key, option.handler, value, before)
    return _kept(entry.key, before, f"uWSGI uses `{shown(value)}` verbatim, comment included",
                 Severity.ERROR)


def _kept(key: str, before: str, text: str, severity: Severity) -> _Outcome:
    """An outcome whose fix keeps the text before the comment."""
    return _Outcome(text, severity, f"`{key} = {shown(before)}`", before)


def _number(key: str, option: catalog.Option, handler: str, value: str,
            before: str) -> _Outcome:
    """An integer read up to the blank. A plainly written number is judged here, range
    included; value-not-integer leaves it to this rule and judges any other text."""
    reading = read(handler, value)
    unit = " MB" if option.kind == "megabytes" else ""
    if not plainly_written(before):
        instead = (f"a whole number in place of `{shown(before)}` (value-not-integer says which)"
                   if before else f"the number `{key}` should have")
        return _Outcome(f"uWSGI reads {reading.number}{unit}", Severity.ERROR, instead, before)
    if reading.fatal:
        return _Outcome(f"uWSGI reads {reading.number} and stops at start-up, as `{key}` takes "
                        "no negative number", Severity.ERROR,
                        f"a number from 0 to {maximum(handler)}", None)
    stops = "uWSGI's integer parsing stops at the blank"
    if written_integer(before) == reading.number:
        return _kept(key, before, f"{stops} and reads {reading.number}, right only by accident",
                     Severity.WARNING)
    text = f"{stops}, and `{key}` cannot hold {shown(before)}: uWSGI stores {reading.number}{unit}"
    if saturated(handler, before, reading):
        return _Outcome(text, Severity.WARNING,
                        f"`{key} = {reading.number}`, the most it can hold", str(reading.number))
    return _Outcome(text, Severity.WARNING, f"a number from 0 to {maximum(handler)}", None)


def _special(key: str, handler: str, value: str, before: str) -> _Outcome:
    """A number given to an option with its own handler: what that handler does with the
    whole text, where the linter knows it."""
    kind = _ID_OR_NAME.get(handler)
    if kind is not None:
        when = (f" when started as root (otherwise it does not switch {kind})"
                if handler in _LOOKED_UP_AS_ROOT else "")
        return _kept(key, before,
                     f"only digits alone make a {kind} id, so uWSGI looks up a {kind} named "
                     f"`{shown(value)}`, finds none and stops at start-up{when}", Severity.ERROR)
    if handler in _MODES:
        return _kept(key, before,
                     f"`{key}` takes exactly three octal digits, so uWSGI stops at start-up "
                     f"(`invalid chmod value: {shown(value)}`)", Severity.ERROR)
    if handler == _UMASK:
        mask, meant = uwsgi_mode_t(value), uwsgi_mode_t(before)
        text = (f"uWSGI reads characters 2 to 4 of a longer value as the octal digits of the "
                f"umask, here `{value[1:4]}`: umask {mask:03o}")
        if len(before) >= 3 and mask == meant:
            return _kept(key, before, f"{text}, right only by accident", Severity.WARNING)
        return _kept(key, before, text, Severity.ERROR)
    return _kept(key, before, f"uWSGI hands the whole text to `{key}`, which works only if that "
                 "option reads just the leading number", Severity.WARNING)


@rule("UWC001", "inline-comment", Severity.WARNING, tags=("syntax", "correctness"))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags a value containing a blank followed by `;` or `#`, the way comments are written
    after a value in other ini dialects. Options whose values are commands, code, formats,
    patterns or environment assignments (`exec-*`, `hook-*`, `cron`, `attach-daemon`,
    `route*`, `log-format`, `env`...) are left alone, since `;` and `#` are data there, and
    so are placeholders until an option uses them.

    The message says what uWSGI makes of the whole value through the option's own
    handler: the number an integer option (or `gevent`, `asyncio`, `max-vars`...) stores,
    16-bit clamp included, the name `uid` and `gid` look up, the digits `chmod-socket` and
    `umask` take. A number written plainly before the comment is judged here, range included
    (`buffer-size = 65536 # big` stores 65535, and the fix writes 65535), so
    value-not-integer does not report it again; any other text before the comment (`1m`,
    `true`) is value-not-integer's to judge.

    ## Why is this bad?
    uWSGI has no inline comments: only a line whose first non-blank character is `;` or `#`
    is a comment (`core/ini.c` in 2.0.30; the maintainers confirm it in unbit/uwsgi#2573).
    Everything after the `=` is the value:

    - a flag written `false ; note` reads as true, because only exactly `false`, `off`,
      `no` or `0` is false;
    - a socket, path or module name gets the comment glued on (`/run/app.sock ; main`);
    - a number such as `harakiri = 60 ; seconds` works only because the integer parser
      stops at the blank;
    - a user or group id (`uid = 1000 # www`) is no longer all digits, so uWSGI looks it up
      as a name and stops at start-up; `chmod-socket = 660 ; group` stops it too.

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
    target = config.target
    for entry in config.entries:
        start = inline_comment(entry.value)
        if start is None:
            continue
        place = (entry.path, entry.line, entry.key)
        if place in seen or not in_effect(config, entry):
            continue
        seen.add(place)
        option = target.option(entry.key)
        if option is None or (integer_handler(option.kind, option.handler) is None
                              and _free_text(option)):
            continue  # a placeholder is data until used; its users are judged with its text
        before = entry.value[:start].rstrip(" \t")
        outcome = _outcome(entry, option, before)
        comment = entry.value[start:]
        written = comment in decode(entry.raw)
        yield Hit.at(
            entry,
            f"`{entry.key} = {shown(entry.value)}`: uWSGI has no inline comments, so "
            f"`{shown(comment)}` is part of the value"
            f"{'' if written else ' (it comes from a placeholder or variable)'}; {outcome.text}",
            fix=f"move `{shown(comment)}` to its own line and write {outcome.write}"
            if written else "move the comment out of the placeholder's or variable's value",
            severity=outcome.severity,
            edits=_moved(entry, comment, before, outcome.value) if written else (),
        )


def _moved(entry: Entry, comment: str, before: str, value: str | None) -> tuple[Edit, ...]:
    """The edit that moves the comment above and writes ``value``, when there is one."""
    if value is None:
        return ()
    edit = comment_above(entry, comment, (before, value) if value != before else ("", ""))
    return () if edit is None else (edit,)
