'''master-as-root-unneeded: the master keeps root although nothing here needs it.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.cron import CRON_OPTIONS
from pytest_uwsgi_lint.daemons import DAEMON_OPTIONS
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.master_process import may_miss_options
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule
from pytest_uwsgi_lint.values import uwsgi_true

#: Options whose work the master does after start-up and that may need root there: it
#: spawns daemons and crons, runs an Emperor, master hooks and touch commands, and reopens
#: or rotates log files.
ROOT_USERS = (
    *DAEMON_OPTIONS, *CRON_OPTIONS, "emperor", "hook-master-start", "touch-exec",
    "log-reopen", "touch-logreopen", "touch-logrotate", "log-maxsize", "legion",
)


@rule("UWS005", "master-as-root-unneeded", Severity.INFO, tags=("security",),
      security_severity=4.0, needs=("master-as-root",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags `master-as-root` in a config where nothing needs a root master: no attached
    daemon (`attach-daemon2` with `uid`, `gid` or `ns_pid` is what usually needs it), no
    cron, no Emperor, no master hook or touch command, no log reopening or rotation.

    ## Why is this bad?
    With `master-as-root` only the workers drop to `uid`; the master stays root for its
    whole life, parsing master-FIFO commands, signals and stats requests. Unless
    `lazy-apps` is on, the master also imports the app before forking, so the app's
    import-time code runs as root. Without a `uid` (or with `uid = root`) the option does
    nothing at all, since every process keeps root anyway.

    Nothing is reported when a file the config includes could not be read.

    ## Deployment
    The same in every deployment.

    ## Example
    ```ini
    [uwsgi]
    socket = /run/app/app.sock
    module = app:application
    uid = app
    gid = app
    master-as-root = true
    ```

    ## Use instead
    ```ini
    [uwsgi]
    socket = /run/app/app.sock
    module = app:application
    uid = app
    gid = app
    ```

    ```ini
    [uwsgi]
    uid = app
    gid = app
    master-as-root = true
    attach-daemon2 = cmd=/usr/bin/worker,uid=33,gid=33
    ```

    ## References
    - https://uwsgi-docs.readthedocs.io/en/latest/AttachingDaemons.html
    - https://github.com/unbit/uwsgi/blob/2.0.30/core/uwsgi.c#L3104-L3116
    - https://github.com/unbit/uwsgi/blob/2.0.30/core/uwsgi.c#L3366-L3368
    """
    entry = config.last("master-as-root")
    if entry is None or not uwsgi_true(entry.value) or may_miss_options(config):
        return
    if any(config.all(name) for name in ROOT_USERS):
        return
    written = f"`{entry.key} = {entry.value}`" if entry.value else f"`{entry.key}`"
    user = config.last("immediate-uid") or config.last("uid")
    if user is None or user.value == "root":
        reason = ("there is no `uid` to drop to" if user is None
                  else f"`{user.key} = {user.value}` keeps uid 0")
        yield Hit.at(
            entry,
            f"{written} does nothing here: {reason}, so every process stays root anyway",
            fix="remove it, and set `uid`/`gid` to the app's user so that the workers drop root",
        )
        return
    imports = ("" if config.flag("lazy-apps") or config.flag("lazy")
               else "; it also imports the app as root before forking the workers")
    yield Hit.at(
        entry,
        f"{written} keeps the master process root for its whole life, yet nothing here "
        f"needs it (no attached daemon, cron, Emperor, master hook or log reopening){imports}",
        fix="remove it",
    )
