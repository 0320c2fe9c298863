'''logic-block-nested: an `if-*`/`for` inside another, which uWSGI refuses.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule


@rule("UWE017", "logic-block-nested", Severity.ERROR, tags=("availability",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags a logic opener (`if-*`, `for*`) met while another block is still open.

    ## Why is this bad?
    uWSGI supports one block at a time: it exits at start-up with `recursive logic in
    options is not supported`. (When the outer condition is false the inner opener is
    dropped silently instead, so the config breaks only on some machines.)

    ## Example
    ```ini
    [uwsgi]
    master = true
    for = 1 2
    if-opt = master
    socket = /run/app%(_).sock
    endif =
    endfor =
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    for = 1 2
    socket = /run/app%(_).sock
    endfor =
    ```
    """
    for event in config.events("logic-block-nested"):
        yield Hit.at(
            event.entry,
            f"`{event.entry.key}` opens a block inside the `{event.detail}` block: uWSGI "
            "exits with 'recursive logic in options is not supported'",
        )
