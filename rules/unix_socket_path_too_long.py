'''unix-socket-path-too-long: a UNIX socket name uWSGI refuses to bind.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule
from pytest_uwsgi_lint.sockets import LISTENING, listeners

#: ``bind_to_unix`` keeps one byte of the 104-byte BSD ``sun_path`` for the abstract prefix.
MAX_NAME = 102


@rule("UWC011", "unix-socket-path-too-long", Severity.ERROR, tags=("correctness",), needs=LISTENING)
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags a UNIX or abstract socket name longer than 102 bytes in any listening option:
    worker sockets of every protocol, `shared-socket`, routers (`http`, `fastrouter`...)
    and stats servers.

    ## Why is this bad?
    uWSGI checks the name before binding and, above 102 bytes, logs `invalid socket name`
    and exits at start-up. The limit is its own, below Linux's 107-byte `sun_path`, so a
    path that works with other servers can still fail here. Deep deployment directories
    and names built from `%d` or placeholders reach it more easily than one expects; the
    length counts the name exactly as written (a relative path is not made absolute).

    ## Deployment
    The same in every deployment.

    ## Example
    ```ini
    [uwsgi]
    set-placeholder = release=/srv/deployments/customer-portal/releases/2024-05-01T12-00-00Z
    socket = %(release)/run/sockets/uwsgi-customer-portal-api.sock
    ```

    ## Use instead
    ```ini
    [uwsgi]
    socket = /run/customer-portal/uwsgi.sock
    ```

    ## References
    - https://github.com/unbit/uwsgi/blob/2.0.30/core/socket.c#L169-L173
    """
    for listener in listeners(config):
        address = listener.address
        if not address.is_unix or not address.exact:
            continue
        size = len(address.text.encode("utf-8", "surrogateescape"))
        if size > MAX_NAME:
            yield Hit.at(
                listener.entry,
                f"{listener.quoted()} names a {size}-byte UNIX socket; uWSGI allows at most "
                f"{MAX_NAME} bytes and exits at start-up with \"invalid socket name\"",
                fix=f"use a path of at most {MAX_NAME} bytes, e.g. under /run/<app>/",
            )
