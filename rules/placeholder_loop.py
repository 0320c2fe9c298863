'''placeholder-loop: a placeholder that expands into itself forever.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.placeholders import MAX_SUBSTITUTIONS, MAX_VALUE_BYTES
from pytest_uwsgi_lint.registry import rule


@rule("UWE019", "placeholder-loop", Severity.ERROR, tags=("availability",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags a value whose `%(...)`, `$(...)` or `@(...)` references keep expanding, such as an
    option that refers to itself, and, as a warning, one that expands past 1 MiB (a huge
    file read with `@(...)`, or placeholders that each refer to the previous one twice).

    ## Why is this bad?
    uWSGI rescans a value after each substitution and resolves a name to its first
    occurrence, so `pythonpath = /srv/%(pythonpath)` grows without end: uWSGI hangs at
    start-up, using more and more memory.

    ## Example
    ```ini
    [uwsgi]
    master = true
    pythonpath = /srv/app/%(pythonpath)
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    base = /srv/app
    pythonpath = %(base)/lib
    ```
    """
    for event in config.events("placeholder-loop"):
        yield Hit.at(
            event.entry,
            f"`{event.detail}` keeps expanding (stopped after {MAX_SUBSTITUTIONS} "
            "substitutions): uWSGI would never finish starting",
        )
    for event in config.events("expansion-too-large"):
        yield Hit.at(
            event.entry,
            f"`{event.detail}` makes the value of `{event.entry.key}` longer than "
            f"{MAX_VALUE_BYTES // 1024**2} MiB; the linter stopped expanding it there, while "
            "uWSGI builds the whole value in memory at start-up",
            severity=Severity.WARNING,
        )
