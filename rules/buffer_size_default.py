'''buffer-size-default: 4096 bytes of request headers, and uWSGI drops bigger requests.'''

from __future__ import annotations

from collections.abc import Iterable

from packaging.version import Version

from pytest_uwsgi_lint.applied import hit, may_miss_options, written_number
from pytest_uwsgi_lint.apps import app_entries, describe_app, first_certain, is_emperor
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule

DEFAULT_BYTES = 4096
#: 2.0 stores the size in 16 bits and clamps bigger values (core/uwsgi.c
#: `uwsgi_opt_set_16bit`); the 2.1 branch made it 64-bit.
CLAMP_BYTES = 65535
CLAMPED_BEFORE = Version("2.1.dev0")


@rule("UWA008", "buffer-size-default", Severity.INFO, tags=("availability",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags an application served with the default `buffer-size` of 4096 bytes (info), a
    `buffer-size` below that default (warning), and, before uWSGI 2.1, a `buffer-size` above
    65535, which uWSGI clamps (info).

    ## Why is this bad?
    `buffer-size` bounds the request headers plus the variables the proxy adds. A bigger
    request is dropped: uWSGI logs `invalid request block size: 6871 (max 4096)...skip`
    (uwsgi protocol) or `invalid HTTP request size` and the proxy answers 502. Single
    sign-on cookies, JWTs and long query strings exceed 4096 bytes easily (GeoNode/geonode
    #4344, sighupio/gatekeeper-policy-manager#61). A smaller value makes it worse. uWSGI 2.0
    keeps the size in 16 bits: anything above 65535 is silently used as 65535.

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
      (`uwsgi_opt_set_16bit`), `proto/uwsgi.c` and `proto/http.c` (the "invalid request"
      messages)
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
                f"{DEFAULT_BYTES} bytes: uWSGI drops any request whose headers and variables "
                "exceed it ('invalid request block size'), which the proxy reports as 502",
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
