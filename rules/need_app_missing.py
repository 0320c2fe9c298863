'''need-app-missing: an app that fails to load leaves uWSGI running and answering 500.'''

from __future__ import annotations

from collections.abc import Iterable

from packaging.version import Version

from pytest_uwsgi_lint.applied import hit, may_miss_options
from pytest_uwsgi_lint.apps import (
    PYTHON_LOADERS,
    REGISTERING_LOADERS,
    first_certain,
    is_emperor,
    registering_loaders,
)
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule

#: From the 2.1 development branch on, `need-app` is on by default (core/init.c).
DEFAULT_ON_FROM = Version("2.1.dev0")


@rule("UWA004", "need-app-missing", Severity.WARNING, tags=("availability",),
      needs=(*PYTHON_LOADERS, *REGISTERING_LOADERS))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags a config that loads an application (`module`, `wsgi-file`, `mount`, `psgi`,
    `rack`...) without `need-app = true`, for uWSGI before 2.1.

    ## Why is this bad?
    When the app fails to import, uWSGI 2.0 logs `*** no app loaded. going in full dynamic
    mode ***` and keeps running (`core/uwsgi.c`, `uwsgi_init_all_apps`). Health checks that
    only open the socket pass, supervisors report success, and every request gets HTTP 500:
    "This just bit us on a production deploy" (unbit/uwsgi#1172). With `need-app = true`
    uWSGI exits with status 22 instead, so the failed deploy is seen at once. PHP, CGI and
    Lua configs are left alone: their plugins register no app, so `need-app` would stop
    them. uWSGI 2.1 turns `need-app` on by default.

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
    need-app = true
    ```

    On uWSGI 2.1 `need-app` is already the default:
    ```ini uwsgi-version=2.1
    [uwsgi]
    master = true
    module = app:application
    ```

    ## References
    - uWSGI 2.0.30 source: `core/uwsgi.c` (`uwsgi_init_all_apps`: "no app loaded"),
      `core/init.c` on the 2.1 branch (`need_app = 1`)
    - https://github.com/unbit/uwsgi/issues/1172
    - https://github.com/radiasoft/sirepo/issues/527
    - https://www.techatbloomberg.com/blog/configuring-uwsgi-production-deployment/
    """
    if config.version >= DEFAULT_ON_FROM or is_emperor(config) or may_miss_options(config):
        return
    if config.flag("need-app"):
        return
    loaders = registering_loaders(config)
    if not loaders:
        return
    switch = config.last("need-app")
    loader = first_certain(loaders)
    said = (f"`{switch.key} = {switch.value}` leaves it off: " if switch is not None else "")
    yield hit(
        switch or loader,
        f"{said}if `{loader.key} = {loader.value}` fails to load, uWSGI {config.version} "
        "logs 'no app loaded. going in full dynamic mode' and keeps running, answering "
        "every request with HTTP 500 while health checks still pass",
        loader,
        fix="add `need-app = true` so uWSGI exits (status 22) when the app cannot be loaded",
    )
