'''include-section-unsupported: `include = file.ini:section`, which uWSGI cannot load.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule


@rule("UWE012", "include-section-unsupported", Severity.ERROR, tags=("availability",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags `include` or `inherit` with a `:section` suffix.

    ## Why is this bad?
    `include` chooses a parser by the file's extension, and `base.ini:prod` ends in
    `:prod`, not `.ini`, so uWSGI finds no loader and exits with `unable to load
    configuration`. Only `ini =` understands the `file.ini:section` form.

    ## Example
    ```ini
    [uwsgi]
    include = %dbase.ini:prod
    ```

    ## Use instead
    ```ini
    [uwsgi]
    ini = %dbase.ini:prod
    ```

    ```ini file=base.ini
    [prod]
    master = true
    ```
    """
    for event in config.events("include-section-unsupported"):
        path, _, section = event.detail.rpartition(":")
        yield Hit.at(
            event.entry,
            f"`{event.entry.key} = {event.entry.value}`: {event.entry.key} cannot select a "
            "section, so uWSGI exits with 'unable to load configuration'",
            fix=f"use `ini = {path}:{section}`",
        )
