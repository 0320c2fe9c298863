'''daemon-command-comma: an unescaped comma cuts an attach-daemon2 command.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule


@rule("UWM025", "daemon-command-comma", Severity.ERROR, tags=("correctness",),
      needs=("attach-daemon2",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags an `attach-daemon2` command that contains an unescaped `,`.

    ## Why is this bad?
    `attach-daemon2` is a comma-separated key list, so the command ends at the first comma
    not written as `\\,`. uWSGI runs the truncated command and drops the rest as items
    without a key: `cmd=celery worker --autoscale=6,1` runs `celery worker --autoscale=6`.

    ## Example
    ```ini
    [uwsgi]
    attach-daemon2 = cmd=celery -A app worker --autoscale=6,1
    ```

    ## Use instead
    ```ini
    [uwsgi]
    attach-daemon2 = cmd=celery -A app worker --autoscale=6\\,1
    ```
    """
    for daemon in config.master_process.daemons:
        if not daemon.keyval or daemon.symbolic or not daemon.command_tail:
            continue
        runs = f"`{daemon.command}`" if daemon.command else "an empty command"
        yield Hit.at(
            daemon.entry,
            f"the unescaped comma ends the command: uWSGI runs {runs} and drops "
            f"`{daemon.dropped}`",
            fix="escape each comma of the command as `\\,`",
        )
