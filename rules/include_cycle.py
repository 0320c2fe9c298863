'''include-cycle: configs that include each other until uWSGI crashes.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.loader import MAX_DEPTH, MAX_LOADS
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule


@rule("UWE011", "include-cycle", Severity.ERROR, tags=("availability",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags an `ini`, `include` or `inherit` that loads a file (and section) already being
    loaded, include chains deeper than 32 levels, and include trees of more than 1,000
    files (each file including the next one twice), where the linter stops following them.

    ## Why is this bad?
    uWSGI does not detect cycles: it recurses until the stack overflows and the process
    dies with a segmentation fault, with no message naming the files. A tree that fans out
    is read file by file: twenty levels of double includes are a million reads, and the
    options of every copy, before uWSGI serves anything.

    ## Example
    ```ini
    [uwsgi]
    master = true
    include = %p
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    ```
    """
    for event in config.events("include-cycle"):
        yield Hit.at(
            event.entry,
            f"`{event.entry.key} = {event.entry.value}` loads {event.detail} again while it "
            "is being loaded: uWSGI recurses until it crashes",
        )
    for event in config.events("include-too-deep"):
        yield Hit.at(
            event.entry,
            f"includes nest deeper than {MAX_DEPTH} levels at {event.detail}; "
            "the linter stopped following them",
        )
    for event in config.events("include-too-many"):
        yield Hit.at(
            event.entry,
            f"`{event.entry.key} = {event.entry.value}` takes the config past {MAX_LOADS:,} "
            "files read (an include tree that fans out): uWSGI reads every one of them at "
            "start-up; the linter stopped following includes here",
        )
