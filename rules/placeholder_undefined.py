'''placeholder-undefined: a `%(name)` that nothing defines stays as written.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule


@rule("UWE015", "placeholder-undefined", Severity.WARNING)
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags `%(name)` references to a name no option or placeholder defines anywhere in the
    loaded configuration.

    ## Why is this bad?
    uWSGI leaves an unresolved `%(name)` in the value literally, so the socket, path or
    module becomes the text `%(name)` and fails later in a confusing way. Placeholders in
    options loaded by `inherit` and in immediate options (`include`, `set`, logic) are
    never expanded at all.

    ## Example
    ```ini
    [uwsgi]
    master = true
    socket = /run/%(project).sock
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    project = shop
    socket = /run/%(project).sock
    ```
    """
    for event in config.events("placeholder-undefined"):
        yield Hit.at(
            event.entry,
            f"`%({event.detail})` is not defined anywhere, so uWSGI keeps it literally: "
            f"`{event.entry.key}` is `{event.entry.value}`",
        )
