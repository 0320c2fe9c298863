'''no-orphans-enabled: every worker dies the moment the master does.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.findings import Hit, Severity, shown
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule


@rule("UWM006", "no-orphans-enabled", Severity.INFO, tags=("master", "availability"),
      needs=("no-orphans",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Points out `no-orphans` turned on while the master runs.

    ## Why is this bad?
    With `no-orphans` each worker asks the Linux kernel to SIGKILL it as soon as its parent,
    the master, exits (`prctl(PR_SET_PDEATHSIG)`, `core/uwsgi.c` in 2.0.30). If the master
    crashes, is OOM-killed or is killed by mistake, every worker dies at once with its
    requests in flight, and the service is down until something restarts uWSGI. Without it,
    the orphaned workers keep answering on the listening socket they inherited. uWSGI's help
    says the option can be dangerous for availability; it is a trade-off to choose knowingly.

    ## Example
    ```ini
    [uwsgi]
    master = true
    no-orphans = true
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    ```
    """
    master = config.master_process
    entry = config.last("no-orphans")
    if entry is None or not master.enabled or not master.no_orphans:
        return
    yield Hit.at(
        entry,
        f"`{entry.key} = {shown(entry.value)}`: uWSGI has the kernel SIGKILL every worker when the "
        "master exits, so a crashed or killed master takes all in-flight requests and the "
        "whole service down with it",
        fix="remove `no-orphans` unless losing every worker with the master is intended",
    )
