'''world-writable-socket: every local user may connect to the instance's UNIX sockets.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule
from pytest_uwsgi_lint.sockets import (
    TRUSTING_PROTOCOLS,
    Listener,
    SocketMode,
    listeners,
    socket_mode,
)

_OTHERS_WRITE = 0o002


@rule("UWS003", "world-writable-socket", Severity.WARNING, tags=("security",),
      security_severity=7.8, needs=("chmod-socket", "umask", "daemonize"))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags settings that leave the UNIX sockets uWSGI creates writable by every local user:
    a `chmod-socket` (`chmod`) whose "others" digit allows writing (`666`, `777`, `662`),
    `chmod-socket = 1` (uWSGI's shortcut for 666) or `000` (read as "no mode given", so
    666 again), an `umask` that does not mask the others' write bit (`000`, or a value
    shorter than three characters, which uWSGI rejects and replaces with 0), and
    `daemonize` with neither `umask` nor `chmod-socket` (daemonizing sets the umask to 0,
    so sockets are created 777).

    ## Why is this bad?
    Connecting to a UNIX socket takes write permission on it. With the others' write bit
    set, any local account or compromised neighbouring service can talk to the app
    directly; over the uwsgi protocol it can send `UWSGI_FILE` and have uWSGI run code of
    its choice (the local form of `uwsgi-socket-public`), which makes it an error there.
    `660` or `664` with `chown-socket` set to the web server's group is enough for a
    proxy to connect.

    The finding is silent when every listener of the instance is TCP or abstract (the
    mode then applies to nothing). A world-writable `chmod-socket` in a file that defines
    no listener (a shared fragment, or sockets given on the command line) is still
    reported.

    ## Deployment
    - `emperor-vassal`: under an Emperor, `daemonize` only redirects the log and leaves
      the umask alone, so it is not flagged; the other cases are.
    - `plain`, `systemd`, `container`: all cases (a socket on a volume shared between
      containers is open to every container that mounts it).

    ## Example
    ```ini
    [uwsgi]
    socket = /run/app/app.sock
    chmod-socket = 666
    ```

    ```ini
    [uwsgi]
    socket = /run/app/app.sock
    chmod-socket = 1
    ```

    ```ini
    [uwsgi]
    socket = /run/app/app.sock
    daemonize = /var/log/app/uwsgi.log
    ```

    ## Use instead
    ```ini
    [uwsgi]
    socket = /run/app/app.sock
    chmod-socket = 660
    chown-socket = app:www-data
    ```

    ```ini
    [uwsgi]
    socket = /run/app/app.sock
    daemonize = /var/log/app/uwsgi.log
    umask = 027
    ```

    ## References
    - https://github.com/unbit/uwsgi/blob/2.0.30/core/socket.c#L241-L254
    - https://github.com/unbit/uwsgi/blob/2.0.30/core/uwsgi.c#L4581-L4606
    - https://github.com/unbit/uwsgi/blob/2.0.30/core/utils.c#L161-L163
    - https://uwsgi-docs.readthedocs.io/en/latest/ThingsToKnow.html
    - https://github.com/aio-libs/aiohttp/issues/4002
    """
    mode = socket_mode(config, vassal=config.deployment == "emperor-vassal")
    if mode is None or not mode.mode & _OTHERS_WRITE:
        return
    every = listeners(config)
    files = [item for item in every if item.address.is_path or item.address.family == "unknown"]
    if not files and (every or not mode.how.startswith("chmod")):
        return
    trusting = any(item.protocol in TRUSTING_PROTOCOLS for item in files)
    harm = ("can send uwsgi-protocol requests, UWSGI_FILE included, and have the app run "
            "code of its choice" if trusting else "can connect")
    yield Hit.at(
        mode.entry,
        f"{_cause(mode)}, so {_targets(files)} mode {mode.mode:03o} and any local user {harm}",
        fix="use `chmod-socket = 660` with `chown-socket = <app user>:<web server group>`"
        if mode.how.startswith("chmod")
        else "set `umask = 022` (or `027`), or `chmod-socket = 660` with `chown-socket`",
        severity=Severity.ERROR if trusting else None,
    )


def _cause(mode: SocketMode) -> str:
    written = f"`{mode.entry.key} = {mode.entry.value}`"
    if mode.how == "chmod-666":
        if mode.entry.value == "1":
            return f"{written} is uWSGI's shortcut for mode 666"
        return f"uWSGI reads {written} as \"no mode given\" and applies 666"
    if mode.how == "umask" and len(mode.entry.value) < 3:
        return f"uWSGI rejects {written} (\"invalid umask\") and sets the umask to 0"
    if mode.how == "daemonize":
        return f"{written} resets the umask to 0 and neither `umask` nor `chmod-socket` is set"
    if mode.how == "umask":
        return f"{written} masks no write bit for others"
    return f"{written} is applied to every UNIX socket uWSGI binds"


def _targets(files: list[Listener]) -> str:
    """Which sockets get the mode, with the verb agreeing."""
    if not files:
        return "every UNIX socket the instance binds (this file defines none) gets"
    names = ", ".join(
        f"`{item.address.text}`" + ("" if item.address.is_path else " (if it is a path)")
        for item in files[:3]
    )
    more = f" and {len(files) - 3} more" if len(files) > 3 else ""
    if len(files) == 1:
        return f"the UNIX socket {names} gets"
    return f"the UNIX sockets {names}{more} get"
