'''daemonize-under-process-manager: uWSGI forks away from systemd or a container runtime.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.applied import hit
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule

OPTIONS = ("daemonize", "daemonize2")
#: What goes wrong when the first process exits, per deployment that supervises it.
OUTCOMES = {
    "systemd": "unless the unit is `Type=forking`, systemd sees the service's main process "
               "exit, stops the unit (or restarts it over and over) and kills the daemonized "
               "uWSGI with it",
    "container": "the container's main process exits, so the container stops right after "
                 "start-up",
}


@rule("UWA024", "daemonize-under-process-manager", Severity.WARNING, tags=("availability",),
      needs=OPTIONS)
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags `daemonize` or `daemonize2` when the configured deployment is `systemd` or
    `container`.

    ## Why is this bad?
    `daemonize` makes uWSGI fork into the background and lets its first process exit
    (`core/logging.c`, `core/init.c`). A supervisor that runs uWSGI in the foreground loses
    it: systemd (with any unit type but `Type=forking`) takes the exit of the main process
    as the end of the service and cleans up its processes, and a container runs only as
    long as its main process. uWSGI's docs say
    "DO NOT DAEMONIZE" under such supervisors; log with `logto` instead.

    Deployment context: under `plain` (init scripts, manual start) daemonizing is a
    legitimate choice and the rule is silent. Under `emperor-vassal` uWSGI 2.0 turns
    `daemonize` into `logto` by itself, so the rule is silent there too.

    ## Example
    ```ini deployment=systemd
    [uwsgi]
    master = true
    module = app:application
    daemonize = /var/log/uwsgi/app.log
    ```

    ## Use instead
    ```ini deployment=systemd
    [uwsgi]
    master = true
    module = app:application
    logto = /var/log/uwsgi/app.log
    ```

    ```ini
    [uwsgi]
    master = true
    module = app:application
    daemonize = /var/log/uwsgi/app.log
    ```

    ## References
    - uWSGI 2.0.30 source: `core/logging.c` (`uwsgi_setup_log`: `daemonize`, or `logto`
      under an Emperor), `core/init.c` (`uwsgi_daemonize2`)
    - https://uwsgi-docs.readthedocs.io/en/latest/Systemd.html
    - https://uwsgi-docs.readthedocs.io/en/latest/Emperor.html
    - https://github.com/unbit/uwsgi/issues/1208
    """
    outcome = OUTCOMES.get(config.deployment)
    if outcome is None:
        return
    for entry in filter(None, map(config.last, OPTIONS)):
        yield hit(
            entry,
            f"`{entry.key} = {entry.value}` sends uWSGI to the background under "
            f"{config.deployment}: {outcome}",
            fix=f"use `logto = {entry.value}` and let {config.deployment} supervise the "
            "foreground process",
        )
