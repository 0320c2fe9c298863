'''logto-with-daemonize: `logto` is ignored when `daemonize` names the log.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.applied import hit
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule


@rule("UWA030", "logto-with-daemonize", Severity.WARNING, tags=("logging",),
      needs=("logto",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags `logto` in a config that also sets `daemonize`.

    ## Why is this bad?
    `daemonize` takes the path of the log itself, and when it is set uWSGI never looks at
    `logto` (`uwsgi_setup_log`, `core/logging.c` in 2.0.30): the log goes to the
    `daemonize` file, and whoever reads the `logto` file finds nothing there.

    ## Example
    ```ini
    [uwsgi]
    master = true
    module = app:application
    daemonize = /var/log/uwsgi/daemon.log
    logto = /var/log/uwsgi/app.log
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    module = app:application
    daemonize = /var/log/uwsgi/app.log
    ```
    """
    daemonize = config.last("daemonize")
    logto = config.last("logto")
    if daemonize is None or logto is None:
        return
    yield hit(logto, f"`{logto.key} = {logto.value}` is ignored: `{daemonize.key} = "
              f"{daemonize.value}` (line {daemonize.line}) already names the log, and uWSGI "
              "writes it there", daemonize,
              fix=f"remove `{logto.key}`, or give its path to `{daemonize.key}`")
