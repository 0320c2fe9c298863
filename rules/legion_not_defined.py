'''legion-not-defined: a legion cron or daemon names a legion the config never defines.'''

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain

from pytest_uwsgi_lint import daemons
from pytest_uwsgi_lint.cron import CRON_OPTIONS
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.master_process import may_miss_options
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.reader import Entry
from pytest_uwsgi_lint.registry import rule
from pytest_uwsgi_lint.values import has_expansion

#: Options that create a legion; its name is the value's first word.
DEFINING = ("legion", "legion-mcast")


@rule("UWM034", "legion-not-defined", Severity.WARNING, tags=("availability",),
      needs=(*CRON_OPTIONS, *daemons.LEGACY_OPTIONS))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags legion crons (`legion-cron`, `unique-legion-cron`, `cron2` with `legion=`) and
    legion daemons (`legion-attach-daemon`, `legion-smart-attach-daemon*`) whose legion is
    not created by any `legion` (or `legion-mcast`) option of the config.

    ## Why is this bad?
    uWSGI runs these only on the node that is the lord of the named legion. A legion that was
    never defined has no lord, so the cron never runs and the daemon is never started, and
    nothing is logged. A legacy legion daemon written without its legion name is read the
    same way: the command's first word is taken as the legion.

    ## Example
    ```ini
    [uwsgi]
    legion = cluster 192.168.0.10:4242 100 bf-cbc:secret
    legion-cron = clustr -1 3 -1 -1 -1 /usr/bin/backup
    ```

    ## Use instead
    ```ini
    [uwsgi]
    legion = cluster 192.168.0.10:4242 100 bf-cbc:secret
    legion-cron = cluster -1 3 -1 -1 -1 /usr/bin/backup
    ```
    """
    if may_miss_options(config):
        return
    defined = {entry.value.partition(" ")[0] for name in DEFINING for entry in config.all(name)}
    if any(has_expansion(name) for name in defined):
        return
    master = config.master_process
    named: Iterable[tuple[Entry, str, str]] = chain(  # lazy: the engine stops at its bound
        (
            (task.entry, task.legion, "the cron never runs")
            for task in master.cron_tasks
            if task.legion is not None and task.fatal is None and not task.symbolic
        ),
        (
            (daemon.entry, daemon.legion, "the daemon is never started")
            for daemon in master.daemons
            if daemon.legion is not None and daemon.fatal is None and not daemon.symbolic
        ),
    )
    # sorted once for all hits: a generated config may define thousands of legions
    known = f" (defined: {', '.join(sorted(defined))})" if defined else ""
    for entry, legion, effect in named:
        if legion in defined:
            continue
        yield Hit.at(
            entry,
            f"`{entry.key}` runs only on the lord of legion `{legion}`, which no `legion` option "
            f"defines{known}, so {effect}",
            fix=f"define it with `legion = {legion} <addr> <valor> <algo:secret>` or fix the "
            "legion name",
        )
