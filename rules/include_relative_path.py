'''include-relative-path: a relative config path, resolved from wherever uWSGI starts.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule


@rule("UWE013", "include-relative-path", Severity.INFO, tags=("availability",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags an `ini`, `include` or `inherit` path that is relative and was found only next to
    the including file, not in the directory the linter runs in.

    ## Why is this bad?
    uWSGI opens relative paths from its current working directory at start-up, not from
    the including file's folder. The config works when started from its own folder and
    fails from anywhere else (systemd, the Emperor, a container entry point).

    ## Example
    ```ini
    [uwsgi]
    include = local-settings.ini
    ```

    ```ini file=local-settings.ini
    [uwsgi]
    master = true
    ```

    ## Use instead
    ```ini
    [uwsgi]
    include = %dlocal-settings.ini
    ```

    ```ini file=local-settings.ini
    [uwsgi]
    master = true
    ```
    """
    for event in config.events("include-relative-path"):
        yield Hit.at(
            event.entry,
            f"`{event.detail}` is relative to the directory uWSGI is started in, not to this "
            "file; it was found only beside this file",
            fix=f"write `%d{event.detail}` (`%d` is this file's directory)",
        )
