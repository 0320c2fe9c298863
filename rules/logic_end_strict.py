'''logic-end-strict: `end` closes a block but is not an option, so `strict` rejects it.'''

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule


@rule("UWE018", "logic-end-strict", Severity.ERROR, tags=("availability",), needs=("strict",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags a block closed with a bare `end` in a config that turns on `strict`.

    ## Why is this bad?
    `end` is accepted as a block terminator, but it is not a registered option, so strict
    mode stops uWSGI with `unknown config directive: end`. `endif` and `endfor` are
    options and work in both modes.

    ## Example
    ```ini
    [uwsgi]
    strict = true
    master = true
    if-env = DEBUG
    py-autoreload = 1
    end =
    ```

    ## Use instead
    ```ini
    [uwsgi]
    strict = true
    master = true
    if-env = DEBUG
    py-autoreload = 1
    endif =
    ```
    """
    strict = config.last("strict")
    if strict is None or not config.flag("strict"):
        return
    for entry in config.entries:
        if entry.key == "end":
            hit = Hit.at(
                entry,
                "`end` is not an option: with `strict` on, uWSGI exits with "
                "'unknown config directive: end'",
                fix="write `endif =` or `endfor =`",
            )
            yield replace(hit, condition=entry.condition or strict.condition)
