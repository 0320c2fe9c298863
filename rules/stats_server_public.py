'''stats-server-public: the stats server listens beyond loopback.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule
from pytest_uwsgi_lint.sockets import listeners

_SERVERS = ("stats", "emperor-stats")


@rule("UWS002", "stats-server-public", Severity.WARNING, tags=("security",),
      security_severity=6.5, needs=_SERVERS)
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags `stats` (`stats-server`) or `emperor-stats` bound to every interface (`:9191`,
    `0.0.0.0:9191`), to a non-loopback address or to a host name.

    ## Why is this bad?
    The stats server has no authentication: whoever connects gets a JSON dump. For an
    instance it holds pids, memory, app paths and, for every busy core, the variables of
    the request being served, so `Cookie` and `Authorization` headers leak while requests
    run; for an Emperor, every vassal with its name, pid, uid and gid. The uWSGI
    quickstart says to bind it to a private address, or everyone can read it.

    It is an error when `stats-http` makes the dump readable with a browser or `curl` and
    `stats-no-cores` does not drop the per-request data.

    ## Deployment
    The same in every deployment: in a container, any neighbour on the container network
    (or anyone, once the port is published) can read it.

    ## Example
    ```ini
    [uwsgi]
    module = app:application
    stats = :9191
    ```

    ## Use instead
    ```ini
    [uwsgi]
    module = app:application
    stats = 127.0.0.1:9191
    ```

    ```ini
    [uwsgi]
    module = app:application
    stats = /run/app/stats.sock
    ```

    ## References
    - https://uwsgi-docs.readthedocs.io/en/latest/WSGIquickstart.html#security-and-availability
    - https://uwsgi-docs.readthedocs.io/en/latest/StatsServer.html
    - https://github.com/unbit/uwsgi/blob/2.0.30/core/master_utils.c#L1235
    - https://github.com/unbit/uwsgi/blob/2.0.30/core/master.c#L448-L459
    """
    for listener in listeners(config):
        if listener.option not in _SERVERS or not listener.address.exposed:
            continue
        if listener.option == "emperor-stats":
            leaks = "every vassal with its name, pid, uid and gid"
            browsable = False
        elif config.flag("stats-no-cores"):
            leaks = "pids, memory and app paths of every worker"
            browsable = False
        else:
            leaks = ("pids, memory, app paths and, for each busy core, the variables of the "
                     "request in progress (Cookie and Authorization headers included)")
            browsable = config.flag("stats-http")
        plain_http = ", over plain HTTP (`stats-http`)" if browsable else ""
        yield Hit.at(
            listener.entry,
            f"{listener.quoted()} opens the stats server on {listener.address.where()}"
            f"{plain_http}: it has no authentication, and anyone who connects reads {leaks}",
            fix="bind it to 127.0.0.1 or a UNIX socket (and consider `stats-no-cores`)",
            severity=Severity.ERROR if browsable else None,
        )
