'''vacuum-missing: pidfiles (and socket files) outlive the instance.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.applied import hit, may_miss_options
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.reader import Entry
from pytest_uwsgi_lint.registry import rule
from pytest_uwsgi_lint.sockets import listeners

#: Pidfiles uWSGI removes on exit with `vacuum` (core/uwsgi.c `vacuum`); the first two only
#: when no `uid` is set, since they are written before privileges are dropped.
PIDFILES_AS_ROOT = ("pidfile", "safe-pidfile")
PIDFILES = ("pidfile2", "safe-pidfile2")
#: Where stale files do not outlive anything: the container's filesystem goes with it.
SILENT_IN = ("container",)


def _socket_files(config: Config) -> list[Entry]:
    """Worker sockets bound on a UNIX path, which `vacuum` removes."""
    return [item.entry for item in listeners(config)
            if item.role == "socket" and item.address.is_path and item.address.exact]


def _pidfiles(config: Config) -> list[Entry]:
    """Pidfiles that `vacuum` removes."""
    names = PIDFILES if "uid" in config else (*PIDFILES_AS_ROOT, *PIDFILES)
    return [entry for entry in map(config.last, names) if entry is not None]


@rule("UWA029", "vacuum-missing", Severity.INFO, tags=("availability",),
      needs=(*PIDFILES_AS_ROOT, *PIDFILES))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags a config with a pidfile that uWSGI could remove on exit when `vacuum` is not on.

    ## Why is this bad?
    Without `vacuum`, uWSGI leaves its pidfiles (and UNIX socket files) behind when it stops
    (`core/uwsgi.c`, `vacuum`, in 2.0.30). A stale pidfile makes `uwsgi --stop` or
    `--reload` signal whatever process has that PID by then, and misleads scripts that test
    for it. Stale socket files alone are only untidy, since uWSGI unlinks an old socket
    before binding (`core/socket.c`), so they do not trigger the rule. `pidfile` and
    `safe-pidfile` are written before privileges are dropped, so with `uid` set uWSGI
    cannot remove them anyway and they are not counted.

    Deployment context: under `container` the rule is silent, because these files live and
    die with the container.

    ## Example
    ```ini
    [uwsgi]
    master = true
    module = app:application
    pidfile = /run/app/app.pid
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    module = app:application
    pidfile = /run/app/app.pid
    vacuum = true
    ```

    ```ini deployment=container
    [uwsgi]
    master = true
    module = app:application
    pidfile = /run/app/app.pid
    ```

    ## References
    - uWSGI 2.0.30 source: `core/uwsgi.c` (`vacuum`), `core/socket.c` (`bind_to_unix`
      unlinks before binding)
    - https://www.techatbloomberg.com/blog/configuring-uwsgi-production-deployment/
    """
    if config.deployment in SILENT_IN or config.flag("vacuum") or may_miss_options(config):
        return
    pidfiles = _pidfiles(config)
    if not pidfiles:
        return
    sockets = _socket_files(config)
    switch = config.last("vacuum")
    said = f"`{switch.key} = {switch.value}` leaves vacuum off: " if switch is not None else ""
    also = f" (and the socket file `{sockets[0].value}`)" if sockets else ""
    yield hit(
        switch or pidfiles[0],
        f"{said}uWSGI leaves the pidfile `{pidfiles[0].value}`{also} behind when it stops, "
        "so a later `--stop` or `--reload` can signal an unrelated process that reused the "
        "PID",
        pidfiles[0],
        fix="add `vacuum = true`",
    )
