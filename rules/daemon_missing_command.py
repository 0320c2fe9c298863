'''daemon-missing-command: an attached daemon without a command to run.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.daemons import LEGACY_OPTIONS
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule

_FIX = {
    "legion": "start the value with the legion name and a space: `<legion> <command>`",
    "smart": "start the value with the pidfile and a space: `/run/app.pid <command>`",
    "keyval": "add `cmd=<command>` to the key list",
}


@rule("UWM024", "daemon-missing-command", Severity.ERROR, tags=("availability",),
      needs=(*LEGACY_OPTIONS, "attach-daemon2"))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags a daemon line uWSGI cannot take a command from: `attach-daemon2` without
    `command`/`cmd`/`exec`, a `smart-attach-daemon*` value without a space after the pidfile,
    a `legion-*attach-daemon*` value without a legion name, or an empty command.

    ## Why is this bad?
    The first three stop uWSGI at start-up ("you need to specify a 'command' key", "invalid
    smart-attach-daemon syntax", "invalid legion daemon syntax"). An empty command starts a
    shell that exits at once, and uWSGI keeps respawning it.

    ## Example
    ```ini
    [uwsgi]
    attach-daemon2 = pidfile=/run/worker.pid,daemonize=1
    ```

    ## Use instead
    ```ini
    [uwsgi]
    attach-daemon2 = cmd=/usr/bin/worker,pidfile=/run/worker.pid,daemonize=1
    ```
    """
    for daemon in config.master_process.daemons:
        if not daemon.option_exists or daemon.symbolic:
            continue
        if daemon.fatal is not None:
            kind = "keyval" if daemon.kvlist is not None else (
                "smart" if daemon.fatal.startswith("invalid smart") else "legion")
            yield Hit.at(
                daemon.entry,
                f"uWSGI exits at start-up with \"{daemon.fatal}\"",
                fix=_FIX[kind],
            )
        elif not daemon.command.strip():
            yield Hit.at(
                daemon.entry,
                f"`{daemon.form}` has an empty command: uWSGI runs `/bin/sh -c` with nothing, "
                "which exits at once, and respawns it over and over",
                fix="give the daemon a command or remove the line",
                severity=Severity.WARNING,
            )
