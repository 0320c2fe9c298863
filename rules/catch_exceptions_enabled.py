'''catch-exceptions-enabled: application tracebacks are sent to HTTP clients.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint import catalog
from pytest_uwsgi_lint.findings import Hit, Severity, shown
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule
from pytest_uwsgi_lint.values import uwsgi_true

SEGFAULT_FIXED_IN = "2.0.27"


@rule("UWM005", "catch-exceptions-enabled", Severity.WARNING, tags=("master", "security"),
      security_severity=5.3, needs=("catch-exceptions",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags `catch-exceptions` turned on.

    ## Why is this bad?
    With `catch-exceptions` the Python and Rack plugins answer an unhandled exception with
    the full traceback as the HTTP response. That is handy on a developer's machine and a leak
    in production: file paths, source lines, settings and sometimes secrets go to whoever
    triggered the error. uWSGI's own help calls it a testing option. Before 2.0.27 it could
    also crash workers on Python 3.5 and later (Changelog-2.0.27).

    ## Example
    ```ini
    [uwsgi]
    master = true
    module = app:application
    catch-exceptions = true
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    module = app:application
    ```
    """
    entry = config.last("catch-exceptions")
    if entry is None or not uwsgi_true(entry.value):
        return
    message = (
        f"`{entry.key} = {shown(entry.value)}`: uWSGI sends the traceback of every unhandled "
        "exception to the client as the HTTP response; this is for testing only"
    )
    if config.version < catalog.parse_version(SEGFAULT_FIXED_IN):
        message += f"; before {SEGFAULT_FIXED_IN} it can also crash workers on Python 3.5+"
    yield Hit.at(entry, message, fix=f"remove `{entry.key}`")
