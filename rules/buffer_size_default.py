'''buffer-size-default: 4096 bytes of request headers, and uWSGI drops bigger requests.'''

from __future__ import annotations

from collections.abc import Iterable

from packaging.version import Version

from pytest_uwsgi_lint.applied import hit, may_miss_options, written_number
from pytest_uwsgi_lint.apps import app_entries, describe_app, first_certain, is_emperor
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule
from pytest_uwsgi_lint.sockets import Listener, listeners

DEFAULT_BYTES = 4096
#: 2.0 stores the size in 16 bits and clamps bigger values (core/uwsgi.c
#: `uwsgi_opt_set_16bit`); the 2.1 branch made it 64-bit.
CLAMP_BYTES = 65535
CLAMPED_BEFORE = Version("2.1.dev0")

_BLOCK = f"invalid request block size: <size> (max {DEFAULT_BYTES})...skip"
_HTTP = f"invalid HTTP request size (max {DEFAULT_BYTES})...skip"
_SCGI = f"invalid SCGI request size (max {DEFAULT_BYTES})...skip"
_FASTCGI = "unable to add <variable> to uwsgi packet, consider increasing buffer size"
#: What uWSGI 2.0.30 logs when a request does not fit, by the protocol of its socket
#: (proto/uwsgi.c, proto/puwsgi.c, proto/http.c, proto/scgi.c; FastCGI's variables go
#: through proto/base.c). After logging it closes the connection without a response.
DROP_LOGS = {
    "uwsgi": _BLOCK, "puwsgi": _BLOCK, "suwsgi": _BLOCK, "http": _HTTP, "http11": _HTTP,
    "https": f"invalid HTTPS request size (max {DEFAULT_BYTES})...skip",
    "scgi": _SCGI, "scgi-nph": _SCGI, "fastcgi": _FASTCGI, "fastcgi-nph": _FASTCGI,
}
#: Protocols clients speak directly: nobody may be in front to turn the close into a 502.
CLIENT_PROTOCOLS = frozenset({"http", "http11", "https"})
#: Routers that take HTTP from clients and pass requests on as uwsgi packets.
HTTP_ROUTERS = frozenset({"http", "https", "https2"})
_NGINX_502 = "a web server in front such as nginx answers 502 Bad Gateway"


def _on_socket(listener: Listener, router: Listener | None) -> str:
    """What happens on one worker socket to a request too big for the default."""
    if listener.protocol in CLIENT_PROTOCOLS:
        then = "closes the client's connection without a response"
    elif router is not None and DROP_LOGS[listener.protocol] == _BLOCK:
        then = (f"closes the connection without a response: {_NGINX_502}, and "
                f"{router.quoted()}, when it forwards there, closes the client's connection")
    else:
        then = f"closes the connection without a response, for which {_NGINX_502}"
    return f"on {listener.quoted()} uWSGI logs '{DROP_LOGS[listener.protocol]}' and {then}"


def _dropped(config: Config) -> str:
    """How uWSGI drops a request bigger than the default, worded for the config's listeners:
    one clause per message its worker sockets log, else what its HTTP router does."""
    found = listeners(config)
    router = next((item for item in found if item.option in HTTP_ROUTERS), None)
    sockets = [item for item in found if item.role == "socket"]
    if router is not None and not sockets:  # the router's own uwsgi socket (http_init)
        return (f"the worker logs '{_BLOCK}' and hangs up, and {router.quoted()} closes the "
                "client's connection without a response")
    first: dict[str, Listener] = {}
    for item in sockets:
        if item.protocol in DROP_LOGS:
            first.setdefault(DROP_LOGS[item.protocol], item)
    if not first:
        return "uWSGI closes the connection without a response"
    return "; ".join(_on_socket(item, router) for item in first.values())


@rule("UWA008", "buffer-size-default", Severity.INFO, tags=("availability",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags an application served with the default `buffer-size` of 4096 bytes (info), a
    `buffer-size` below that default (warning), and, before uWSGI 2.1, a `buffer-size` above
    65535, which uWSGI clamps (info).

    ## Why is this bad?
    `buffer-size` bounds the request headers plus the variables the proxy adds. A bigger
    request is dropped and its connection closed without a response. What uWSGI logs
    depends on the socket's protocol, and the message says it for the config's listeners:
    on a uwsgi `socket` it is `invalid request block size: 6871 (max 4096)...skip`, which
    nginx in front reports as 502 Bad Gateway; on an `http-socket` it is `invalid HTTP
    request size (max 4096)...skip` (`proto/http.c`) and the client only sees its
    connection closed; behind uWSGI's own `http` router the worker logs the former and the
    router closes the client's connection. Single sign-on cookies, JWTs and long query
    strings exceed 4096 bytes easily (GeoNode/geonode#4344,
    sighupio/gatekeeper-policy-manager#61). A smaller value makes it worse. uWSGI 2.0 keeps
    the size in 16 bits: anything above 65535 is silently used as 65535.

    ## Example
    ```ini
    [uwsgi]
    master = true
    module = app:application
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    module = app:application
    buffer-size = 32768
    ```

    ## References
    - uWSGI 2.0.30 source: `core/init.c` (`buffer_size = 4096`), `core/uwsgi.c`
      (`uwsgi_opt_set_16bit`), `proto/uwsgi.c`, `proto/http.c`, `proto/scgi.c` and
      `proto/base.c` (the messages logged), `plugins/corerouter/corerouter.c` (the router
      closes the session when the worker hangs up)
    - https://uwsgi-docs.readthedocs.io/en/latest/ThingsToKnow.html (buffer-size)
    - https://github.com/GeoNode/geonode/pull/4344
    - https://github.com/sighupio/gatekeeper-policy-manager/pull/61
    """
    if is_emperor(config):
        return
    entry = config.last("buffer-size")
    if entry is None:
        apps = app_entries(config)
        if apps and not may_miss_options(config):
            app = first_certain(apps)
            yield hit(
                app,
                f"{describe_app(app)} is served with the default buffer-size of "
                f"{DEFAULT_BYTES} bytes, so a request whose headers and variables exceed it "
                f"is dropped: {_dropped(config)}",
                fix="add `buffer-size = 32768` (or the largest request header size you expect)",
            )
        return
    size = written_number(entry)
    if size is None:
        return
    if size < DEFAULT_BYTES:
        yield hit(
            entry,
            f"`{entry.key} = {entry.value}`: uWSGI drops any request whose headers and "
            f"variables exceed {size} bytes, less than the {DEFAULT_BYTES}-byte default",
            fix=f"raise `buffer-size` to at least {DEFAULT_BYTES}",
            severity=Severity.WARNING,
        )
    elif size > CLAMP_BYTES and config.version < CLAMPED_BEFORE:
        yield hit(
            entry,
            f"`{entry.key} = {entry.value}`: uWSGI {config.version} keeps buffer-size in 16 "
            f"bits and uses {CLAMP_BYTES} instead",
            fix=f"write `buffer-size = {CLAMP_BYTES}`, the most uWSGI 2.0 can use",
        )
