'''logic-block-unclosed: an `if-*`/`for` block that never ends.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule


@rule("UWE016", "logic-block-unclosed", Severity.ERROR, tags=("availability",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags an `if-*` or `for*` block with no `endif`, `endfor` (or `end-if`, `end-for`,
    `end`) after it.

    ## Why is this bad?
    uWSGI's logic block is not limited to the file: it stays open and swallows every later
    option, including those of other files and of the command line, which then apply only
    when the condition holds (or are repeated for every loop item).

    ## Example
    ```ini
    [uwsgi]
    master = true
    if-env = DEBUG
    py-autoreload = 1
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    if-env = DEBUG
    py-autoreload = 1
    endif =
    ```
    """
    for event in config.events("logic-block-unclosed"):
        yield Hit.at(
            event.entry,
            f"`{event.entry.key} = {event.entry.value}` is never closed: it swallows every "
            "later option, including those of other files and of the command line",
            fix=f"add `{'endfor' if event.entry.key.startswith('for') else 'endif'} =` "
            "after the block",
        )
