'''check-interval-raised: the master wakes up less often than once a second.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.findings import Hit, Severity, shown
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule
from pytest_uwsgi_lint.values import atoi, has_expansion

DEFAULT_SECONDS = 1


@rule("UWM004", "check-interval-raised", Severity.WARNING, tags=("master", "availability"),
      needs=("check-interval",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags `check-interval` set above its default of one second.

    ## Why is this bad?
    `check-interval` is how long the master sleeps between its periodic checks when nothing
    else wakes it (`core/master.c` in 2.0.30). Those checks kill requests that overran
    `harakiri`, enforce the other worker deadlines and limits, run the `cheaper` algorithm and
    the `idle` timer, and the fork-bomb guard counts respawns within that window. Raising it
    makes all of them slower and coarser: a 30 s harakiri can take 30 s plus the interval.
    uWSGI's option reference allows raising it but calls that discouraged.

    ## Example
    ```ini
    [uwsgi]
    master = true
    check-interval = 10
    harakiri = 30
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    harakiri = 30
    ```
    """
    entry = config.last("check-interval")
    if entry is None or has_expansion(entry.value):
        return
    seconds = atoi(entry.value)
    if seconds > DEFAULT_SECONDS:
        yield Hit.at(
            entry,
            f"`check-interval = {shown(entry.value)}`: uWSGI's master now runs its periodic checks "
            f"(harakiri, worker limits, cheaper, idle) about every {seconds} s instead of every "
            f"{DEFAULT_SECONDS} s, so they react up to {seconds - DEFAULT_SECONDS} s late",
            fix="remove `check-interval` (the default is 1 s)",
        )
