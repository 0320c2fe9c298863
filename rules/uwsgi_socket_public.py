'''uwsgi-socket-public: a socket that trusts its clients' variables listens beyond loopback.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint import catalog
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule
from pytest_uwsgi_lint.sockets import (
    ANY,
    ROUTERS,
    TRUSTING_PROTOCOLS,
    WORKER_SOCKETS,
    Listener,
    listeners,
)

_DYNAMIC_APPS_GATED = catalog.parse_version(catalog.DEVELOPMENT)


@rule("UWS001", "uwsgi-socket-public", Severity.ERROR, tags=("security",),
      security_severity=9.8, needs=(*WORKER_SOCKETS, *ROUTERS))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags a `socket`, `uwsgi-socket`, `puwsgi-socket`, `ssl-socket`, `fastcgi-socket` or
    `scgi-socket` (or a `fastrouter`) bound to every interface (`:3031`, `0.0.0.0:3031`,
    `[::]:3031`), to a non-loopback address, or to a host name, directly or through a
    `shared-socket` it uses as `=N`.

    ## Why is this bad?
    These protocols carry request variables that the client writes itself, and uWSGI trusts
    them. In 2.0.x any client that can connect can send `UWSGI_FILE`, `UWSGI_SCRIPT` or
    `UWSGI_MODULE` with a `SCRIPT_NAME` nobody mounted, and the Python plugin loads and runs
    the file or module it names: remote code execution, with public exploit scripts. The
    uWSGI docs warn that `--socket :1234` listens on every interface, and the maintainers'
    answer to such reports is that the uwsgi protocol must stay private or behind a proxy.
    FastCGI and SCGI parameters reach the same variable table. (2.1-dev only loads such
    apps with `dynamic-apps`, but still trusts the other variables.)

    `http-socket` and `https-socket` are not flagged: the HTTP parser only turns headers
    into `HTTP_*` variables, so a client cannot set these.

    An all-interfaces bind is an error; a specific non-loopback address or a host name is a
    warning (it may be a private network you control). A socket inside an undecided logic
    block is reported with its condition.

    ## Deployment
    - `plain`, `systemd`, `emperor-vassal`: as above.
    - `container`: an all-interfaces bind is how a proxy in another container reaches the
      socket, so it is a warning, not an error: the port must stay unpublished and on a
      network only the proxy shares.

    ## Example
    ```ini
    [uwsgi]
    socket = :3031
    module = app:application
    ```

    ```ini
    [uwsgi]
    shared-socket = 0.0.0.0:3031
    uwsgi-socket = =0
    module = app:application
    ```

    ## Use instead
    ```ini
    [uwsgi]
    socket = 127.0.0.1:3031
    module = app:application
    ```

    ```ini
    [uwsgi]
    socket = /run/app/app.sock
    http-socket = :8080
    module = app:application
    ```

    ## References
    - https://uwsgi-docs.readthedocs.io/en/latest/ThingsToKnow.html
    - https://github.com/unbit/uwsgi/blob/2.0.30/core/protocol.c#L294-L299
    - https://github.com/unbit/uwsgi/blob/2.0.30/plugins/python/wsgi_handlers.c#L345-L354
    - https://github.com/unbit/uwsgi/blob/2.0.30/core/socket.c#L637-L638
    - https://github.com/unbit/uwsgi/issues/2491
    """
    for listener in listeners(config):
        if listener.role not in ("socket", "router"):
            continue
        if listener.protocol not in TRUSTING_PROTOCOLS:
            continue
        address = listener.bound
        if not address.exposed:
            continue
        wide = address.scope == ANY
        severity = None if wide and config.deployment != "container" else Severity.WARNING
        yield Hit.at(
            listener.entry,
            f"{listener.quoted()} serves the {listener.protocol} protocol on "
            f"{address.where()}: {_consequence(config, listener)}",
            fix=_fix(config, wide),
            severity=severity,
        )


def _consequence(config: Config, listener: Listener) -> str:
    """What an outside client can do, for this version and listener."""
    who = "any client that reaches it"
    if listener.role == "router":
        who += " has its variables forwarded to the backends, and"
    if config.version < _DYNAMIC_APPS_GATED or config.flag("dynamic-apps"):
        return (f"{who} can send UWSGI_FILE/UWSGI_SCRIPT/UWSGI_MODULE and make uWSGI load "
                "and run code of its choice (remote code execution)")
    return (f"{who} sets SCRIPT_NAME, REMOTE_ADDR and the UWSGI_* variables that uWSGI "
            "trusts from its proxy")


def _fix(config: Config, wide: bool) -> str:
    if config.deployment == "container" and wide:
        return ("keep this port unpublished and on a network only the proxy shares, or use "
                "`http-socket` for clients that connect directly")
    return ("bind it to 127.0.0.1 or a UNIX socket behind the web server, or use "
            "`http-socket` for clients that connect directly")
