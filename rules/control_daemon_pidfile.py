'''control-daemon-pidfile: `control` on a daemon that uWSGI watches through a pidfile.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule


@rule("UWM026", "control-daemon-pidfile", Severity.WARNING, tags=("availability",),
      needs=("attach-daemon2",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags an `attach-daemon2` line that sets both `control` and `pidfile`.

    ## Why is this bad?
    A control daemon is supposed to take the instance down with it. uWSGI only applies that
    to daemons it follows by process id; a daemon with a `pidfile` is followed through the
    file instead, and when it dies uWSGI simply starts it again. The instance never stops
    because of it.

    ## Example
    ```ini
    [uwsgi]
    attach-daemon2 = cmd=/usr/bin/worker,pidfile=/run/worker.pid,daemonize=1,control=1
    ```

    ## Use instead
    ```ini
    [uwsgi]
    attach-daemon2 = cmd=/usr/bin/worker,control=1
    ```
    """
    for daemon in config.master_process.daemons:
        if daemon.keyval and daemon.control and daemon.pidfile is not None:
            yield Hit.at(
                daemon.entry,
                f"`control` is ignored for a daemon with `pidfile={daemon.pidfile}`: uWSGI "
                "checks control only for daemons without a pidfile, so when this one dies "
                "it is respawned and the instance keeps running",
                fix="drop `pidfile` (and `daemonize`) to make it a control daemon, or drop "
                "`control`",
            )
