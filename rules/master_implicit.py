'''master-implicit: the master runs only because some option quietly switched it on.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.applied import may_miss_options
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule


@rule("UWM002", "master-implicit", Severity.INFO, tags=("master", "clarity"))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Points out a config whose master process is on only because an option that needs it is
    present (`stats`, `cron`, `attach-daemon`, `touch-reload`, `cheaper`...), with no
    `master` line of its own.

    ## Why is this bad?
    uWSGI switches the master on silently when it reads one of the 163 options that need it.
    The config then depends on that side effect: delete the `stats` line and the master, with
    worker respawning, harakiri and graceful reloads, quietly goes away. Saying
    `master = true` makes the intent visible and keeps it when the other option is removed.

    ## Example
    ```ini
    [uwsgi]
    module = app:application
    stats = 127.0.0.1:9191
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    module = app:application
    stats = 127.0.0.1:9191
    ```
    """
    master = config.master_process
    if not master.implicit or not master.implied_by or may_miss_options(config):
        return
    cause = master.implied_by[0]
    others = len(master.implied_by) - 1
    also = ""
    if others:
        also = " (1 more option also needs it)" if others == 1 else (
            f" ({others} more options also need it)")
    yield Hit.at(
        cause,
        f"the master process is on only because `{cause.key}` (line {cause.line}) needs "
        f"it{also}: uWSGI switches it on silently, with no `master` line saying so",
        fix="add `master = true`",
    )
