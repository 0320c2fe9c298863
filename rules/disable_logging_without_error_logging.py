'''disable-logging-without-error-logging: failed requests leave no line in the log.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.applied import hit
from pytest_uwsgi_lint.apps import app_entries, is_emperor
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule
from pytest_uwsgi_lint.values import uwsgi_true

ERRORS = "log-5xx"


@rule("UWA028", "disable-logging-without-error-logging", Severity.INFO,
      tags=("availability", "observability"), needs=("disable-logging",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags `disable-logging` turned on while `log-5xx` is not.

    ## Why is this bad?
    `disable-logging` stops request logging altogether; uWSGI logs a request anyway only
    when one of the conditional options matches it (`log-5xx`, `log-4xx`, `log-slow`,
    `log-big`...: `core/logging.c`, `log_request`, in 2.0.30). Without `log-5xx`, a request
    that failed with a server error leaves no line in uWSGI's log, which is exactly the one
    you look for during an incident. Bloomberg's production baseline turns logging off and
    `log-4xx`/`log-5xx` back on. Emperor configs, which serve no requests, are left alone.

    ## Example
    ```ini
    [uwsgi]
    master = true
    module = app:application
    disable-logging = true
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    module = app:application
    disable-logging = true
    log-4xx = true
    log-5xx = true
    ```

    ## References
    - uWSGI 2.0.30 source: `core/logging.c` (`log_request`)
    - https://www.techatbloomberg.com/blog/configuring-uwsgi-production-deployment/
    """
    switch = config.last("disable-logging")
    if switch is None or not uwsgi_true(switch.value) or config.flag(ERRORS):
        return
    if is_emperor(config) and not app_entries(config):
        return  # an Emperor serves no requests
    kept = config.last(ERRORS)
    yield hit(
        switch,
        f"`{switch.key} = {switch.value}` without `{ERRORS}`: uWSGI logs no request at all, "
        "so a request that fails with a 5xx leaves no line in its log",
        kept,
        fix=f"add `{ERRORS} = true` (and `log-4xx = true` if client errors matter)",
    )
