'''die-on-idle-without-idle: `die-on-idle` has no idle timeout to act on.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.applied import may_miss_options
from pytest_uwsgi_lint.findings import Hit, Severity, shown
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule
from pytest_uwsgi_lint.values import atoi, has_expansion, uwsgi_true


@rule("UWM008", "die-on-idle-without-idle", Severity.WARNING, tags=("master", "correctness"),
      needs=("die-on-idle",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags `die-on-idle` turned on while `idle` is missing or 0.

    ## Why is this bad?
    `die-on-idle` only changes what happens when the `idle` timer fires: instead of cheaping
    the workers, the instance shuts down (or, under the Emperor, asks it to). The timer runs
    only when `idle` is a positive number of seconds (`core/master_checks.c` in 2.0.30), so
    without it `die-on-idle` does nothing and the instance never exits on idleness.

    ## Example
    ```ini
    [uwsgi]
    master = true
    die-on-idle = true
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    idle = 600
    die-on-idle = true
    ```
    """
    entry = config.last("die-on-idle")
    if entry is None or not uwsgi_true(entry.value):
        return
    idle = config.last("idle")
    if idle is None and may_miss_options(config):
        return  # `idle` may be set in what was not read
    if idle is None:
        reason = "there is no `idle` option"
    elif has_expansion(idle.value) or atoi(idle.value) > 0:
        return
    else:
        reason = f"`idle = {shown(idle.value)}` (line {idle.line}) reads as {atoi(idle.value)}"
    yield Hit.at(
        entry,
        f"`{entry.key} = {shown(entry.value)}` does nothing: {reason}, so uWSGI never runs "
        "the idle timer that `die-on-idle` acts on",
        fix="add `idle = <seconds>` or remove `die-on-idle`",
    )
