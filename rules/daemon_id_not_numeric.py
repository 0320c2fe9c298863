'''daemon-id-not-numeric: an attach-daemon2 id or signal written as a name.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.daemons import NUMERIC_KEYS
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.kvlist import reads_as_written
from pytest_uwsgi_lint.master_process import privilege_drop
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule
from pytest_uwsgi_lint.values import atoi, has_expansion

#: Linux signal numbers, which is what uWSGI's ``kill()`` receives.
_LINUX_SIGNALS = {"HUP": 1, "INT": 2, "QUIT": 3, "KILL": 9, "USR1": 10, "USR2": 12, "TERM": 15,
                  "CONT": 18, "STOP": 19, "WINCH": 28}


@rule("UWM021", "daemon-id-not-numeric", Severity.WARNING, tags=("correctness",),
      needs=("attach-daemon2",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags `attach-daemon2` keys that uWSGI reads with `atoi` (`uid`, `gid`, `stopsignal`,
    `reloadsignal`, `freq`, `max_throttle`) when the value is not a plain number, such as
    `uid=www-data` or `stopsignal=SIGTERM`.

    ## Why is this bad?
    `atoi` turns a name into 0. A uid or gid of 0 means "do not change", so the daemon runs
    with the master's identity, root unless the master drops privileges. A stop signal of 0
    sends nothing: uWSGI waits `reload-mercy` (3 seconds by default) and then kills the daemon
    with SIGKILL. A reload signal of 0 makes uWSGI send the stop signal on reload instead.

    ## Example
    ```ini
    [uwsgi]
    attach-daemon2 = cmd=/usr/bin/worker,uid=www-data,stopsignal=SIGINT
    ```

    ## Use instead
    ```ini
    [uwsgi]
    attach-daemon2 = cmd=/usr/bin/worker,uid=33,stopsignal=2
    ```
    """
    keeps_root = privilege_drop(config) is None
    for daemon in config.master_process.daemons:
        if not daemon.keyval:
            continue
        for name in NUMERIC_KEYS:
            item = daemon.keys.get(name)
            if item is None or reads_as_written(item.value) or has_expansion(item.value):
                continue
            read = atoi(item.value)
            severity = Severity.ERROR if name in ("uid", "gid") and keeps_root else None
            yield Hit.at(
                daemon.entry,
                f"`{item.text}`: uWSGI reads `{item.value}` with atoi as {read}"
                f"{_consequence(name, read, keeps_root)}",
                fix=_fix(name, item.value),
                severity=severity,
            )


def _consequence(name: str, read: int, keeps_root: bool) -> str:
    if read != 0:
        return ""
    if name in ("uid", "gid"):
        who = "root" if keeps_root else "the instance's user"
        return f", and {name} 0 means 'do not change': the daemon runs as {who}"
    if name == "stopsignal":
        return (", and signal 0 sends nothing: on stop uWSGI waits reload-mercy (3 s by "
                "default) and then kills the daemon with SIGKILL")
    if name == "reloadsignal":
        return ", which means none: on reload uWSGI sends the stop signal instead"
    return ""


def _fix(name: str, value: str) -> str:
    if name in ("stopsignal", "reloadsignal"):
        signal = value.strip().upper().removeprefix("SIG")
        if signal in _LINUX_SIGNALS:
            return f"write the number: `{name}={_LINUX_SIGNALS[signal]}` on Linux"
        return f"write the signal number: `{name}=15` for SIGTERM on Linux"
    if name in ("uid", "gid"):
        return f"write the numeric {name} (`id -u <user>` / `getent group <group>` shows it)"
    return f"write `{name}` as a plain integer"
