'''listen-exceeds-somaxconn: a listen queue that Linux's default somaxconn refuses.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule
from pytest_uwsgi_lint.values import atoi, has_expansion

#: ``net.core.somaxconn`` by default: 128 before Linux 5.4, 4096 from 5.4 on.
OLD_DEFAULT = 128
NEW_DEFAULT = 4096


@rule("UWA015", "listen-exceeds-somaxconn", Severity.WARNING, tags=("availability",),
      needs=("listen",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags a `listen` (socket backlog) above 128, the default `net.core.somaxconn` of Linux
    before 5.4, with a stronger message above 4096, the default since 5.4.

    ## Why is this bad?
    On Linux, uWSGI compares `listen` with `/proc/sys/net/core/somaxconn` whenever it
    creates a listening socket (TCP or UNIX) and, when it is larger, logs "Listen queue
    size is greater than the system max net.core.somaxconn" and exits at start-up: the
    maintainers made this a hard failure on purpose. A value that works on one host fails
    on another whose kernel predates 5.4 or whose sysctl was never raised.

    ## Deployment
    - `container`: `net.core.somaxconn` belongs to the container's network namespace and
      starts at the kernel default whatever the host was set to, so the fix is the
      container's own sysctl (`docker run --sysctl`, a pod's `securityContext.sysctls`).
    - `plain`, `systemd`, `emperor-vassal`: the host's sysctl must be raised (in
      `/etc/sysctl.d/`).

    ## Example
    ```ini
    [uwsgi]
    socket = /run/app/app.sock
    listen = 1024
    ```

    ## Use instead
    ```ini
    [uwsgi]
    socket = /run/app/app.sock
    listen = 128
    ```

    ## References
    - https://github.com/unbit/uwsgi/blob/2.0.30/core/socket.c#L118-L124
    - https://github.com/unbit/uwsgi/pull/18
    - https://uwsgi-docs.readthedocs.io/en/latest/articles/TheArtOfGracefulReloading.html
    - https://github.com/alerta/docker-alerta/issues/341
    - https://github.com/TechEmpower/FrameworkBenchmarks/issues/1668
    """
    entry = config.last("listen")
    if entry is None or has_expansion(entry.value):
        return
    backlog = atoi(entry.value)
    if backlog <= OLD_DEFAULT:
        return
    if backlog > NEW_DEFAULT:
        limit = (f"above even the {NEW_DEFAULT} that Linux uses by default since 5.4 "
                 f"({OLD_DEFAULT} before)")
    else:
        limit = (f"above the {OLD_DEFAULT} that Linux uses by default before 5.4 "
                 f"({NEW_DEFAULT} since)")
    where = ("the container's (its network namespace does not inherit the host's value)"
             if config.deployment == "container" else "the host's")
    yield Hit.at(
        entry,
        f"`{entry.key} = {entry.value}` asks for a backlog of {backlog}, {limit}: unless "
        f"{where} net.core.somaxconn is at least {backlog}, uWSGI exits at start-up with "
        "\"Listen queue size is greater than the system max net.core.somaxconn\"",
        fix=_fix(config, backlog),
    )


def _fix(config: Config, backlog: int) -> str:
    if config.deployment == "container":
        return (f"start the container with `--sysctl net.core.somaxconn={backlog}` (or the "
                f"pod's securityContext.sysctls), or lower `listen`")
    return f"set `net.core.somaxconn = {backlog}` in /etc/sysctl.d/, or lower `listen`"
