'''sigterm-reloads: before 2.1, SIGTERM brutally reloads uWSGI instead of stopping it.'''

from __future__ import annotations

import os
from collections.abc import Iterable

from pytest_uwsgi_lint import catalog
from pytest_uwsgi_lint.applied import may_miss_options
from pytest_uwsgi_lint.edits import insert_after, replace_entry
from pytest_uwsgi_lint.findings import Edit, Hit, Severity, shown
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.reader import Entry
from pytest_uwsgi_lint.registry import rule
from pytest_uwsgi_lint.values import atoi, is_plain_integer

FIXED_IN = "2.1"
TERM = 15
STOPPING = frozenset({"kill_them_all", "gracefully_kill_them_all"})


def _remaps_sigterm(value: str) -> bool:
    """``hook-master-start = unix_signal:15 <func>`` with a function that stops uWSGI.

    uWSGI splits the hook at the first ``:``, the argument at the first space, reads the
    signal with ``atoi`` and looks the rest up as a symbol (``core/hooks.c`` in 2.0.30).
    """
    action, colon, argument = value.partition(":")
    if not colon or action.lstrip("!") != "unix_signal":
        return False
    number, space, function = argument.partition(" ")
    return bool(space) and is_plain_integer(number.strip()) and atoi(number) == TERM and (
        function in STOPPING)


def _fix(config: Config) -> str:
    """``hook-master-start`` exists from 2.0.1 on; older targets only have ``die-on-term``."""
    fix = "add `die-on-term = true`"
    hook = catalog.lookup("hook-master-start")
    if hook is not None and config.version >= catalog.parse_version(hook.first_release):
        fix += " (or `hook-master-start = unix_signal:15 gracefully_kill_them_all` for a "
        fix += "graceful stop)"
    return fix


def _is_vassal(config: Config) -> bool:
    """A file in a ``vassals`` directory is run by an Emperor, which stops it through its
    pipe, not with SIGTERM."""
    return "vassals" in os.path.dirname(os.path.abspath(config.path)).split(os.sep)


@rule("UWM009", "sigterm-reloads", Severity.WARNING, tags=("master", "availability"))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags a master-managed instance for uWSGI before 2.1 that does not make SIGTERM stop it:
    no `die-on-term = true`, no `exit-on-reload = true`, and no `hook-master-start` that
    maps signal 15 to a stop.

    ## Why is this bad?
    In every released uWSGI (2.0.x), the master treats SIGTERM as "brutally reload" and
    SIGQUIT as "stop" (`core/master.c` in 2.0.30). SIGTERM is exactly what `docker stop`,
    Kubernetes and `systemctl stop` send, so the instance reloads itself, keeps running, and
    is killed with SIGKILL when the grace period ends: slow deploys, requests cut off, no
    clean shutdown. The unreleased 2.1 line (uWSGI's master branch) makes SIGTERM stop the
    instance and deprecates `die-on-term`.
    With `exit-on-reload = true` the reload SIGTERM starts ends the instance: once the
    workers are gone, `uwsgi_reload` logs "GAME OVER (insert coin)" and exits
    (`core/master_utils.c`), so such configs are left alone.
    Files in a `vassals` directory are left alone too: the Emperor stops vassals through its
    pipe, not with SIGTERM.

    ## Example
    ```ini
    [uwsgi]
    master = true
    module = app:application
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    module = app:application
    die-on-term = true
    ```

    For a graceful stop that lets running requests finish:
    ```ini
    [uwsgi]
    master = true
    module = app:application
    hook-master-start = unix_signal:15 gracefully_kill_them_all
    ```

    On the 2.1 development line SIGTERM already stops the instance:
    ```ini uwsgi-version=2.1
    [uwsgi]
    master = true
    module = app:application
    ```
    """
    if config.version >= catalog.parse_version(FIXED_IN):
        return
    master = config.master_process
    if not master.enabled or config.flag("die-on-term") or config.flag("exit-on-reload") or (
            _is_vassal(config) or may_miss_options(config)):
        return
    if any(_remaps_sigterm(e.value) for e in config.all("hook-master-start")):
        return
    where = config.last("die-on-term") or master.explicit or (
        master.implied_by[0] if master.implied_by else None)
    if where is None:
        return
    said = ""
    if where.key == "die-on-term":
        said = f"`{where.key} = {shown(where.value)}` leaves it so: "
    yield Hit.at(
        where,
        f"{said}uWSGI {config.version} reloads on SIGTERM instead of stopping; "
        "`docker stop`, Kubernetes and `systemctl stop` send SIGTERM, so the instance "
        "brutally reloads, keeps running and is SIGKILLed when the grace period ends",
        fix=_fix(config),
        edits=_edits(config, where),
    )


def _edits(config: Config, where: Entry) -> tuple[Edit, ...]:
    """Turn a false ``die-on-term`` true, or add one right under the top file's header (never
    inside a logic block, where it would apply only sometimes)."""
    if where.key == "die-on-term" and not where.condition:
        edit = replace_entry(where, "die-on-term = true")
        return () if edit is None else (edit,)
    header = config.source.header()
    if header is None:
        return ()
    return (insert_after(config.source.path, header.end_line, "die-on-term = true"),)
