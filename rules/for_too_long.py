'''for-too-long: a `for`/`for-times` loop past the linter's expansion bounds.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.loader import MAX_FOR_ITEMS
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule


@rule("UWE020", "for-too-long", Severity.WARNING)
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags a `for-times` or `for` loop with more than 10,000 iterations (the linter expands
    only the first 10,000), and loops that add more than 100,000 options, or 10 MiB of
    values, in all (past that, the linter checks each remaining line of a loop body once).

    ## Why is this bad?
    Each option in the block is exported once per iteration: uWSGI builds that many
    sockets, workers or mounts, which is almost always a typo in the count, and the rest of
    the config was checked against a truncated expansion.

    ## Example
    ```ini
    [uwsgi]
    master = true
    for-times = 100000
    socket = /run/app%(_).sock
    endfor =
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    for-times = 4
    socket = /run/app%(_).sock
    endfor =
    ```
    """
    for event in config.events("for-too-long"):
        yield Hit.at(
            event.entry,
            f"`{event.entry.key}` repeats the block {int(event.detail):,} times; only the "
            f"first {MAX_FOR_ITEMS:,} were checked",
        )
    for event in config.events("loop-expansion-capped"):
        yield Hit.at(
            event.entry,
            f"with this `{event.entry.key}`, the loops of this config add more than "
            f"{event.detail}: uWSGI builds every one of them; from here on the linter "
            "checked each line of a loop body once",
        )
