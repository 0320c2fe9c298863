'''master-not-enabled: the instance runs without its master process.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.applied import may_miss_options
from pytest_uwsgi_lint.apps import is_emperor
from pytest_uwsgi_lint.edits import insert_after
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule
from pytest_uwsgi_lint.sockets import listeners

SERVING = ("socket", "shared", "router")


def _bare_emperor(config: Config) -> bool:
    """An Emperor with no socket and no router runs as the main process itself, without
    workers (``uwsgi_emperor_start``, core/emperor.c in 2.0.30): there is nothing to respawn."""
    return is_emperor(config) and not any(
        found.role in SERVING for found in listeners(config))


@rule("UWM001", "master-not-enabled", Severity.WARNING, tags=("availability",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags a config that neither sets `master` nor uses any option that switches the master
    process on. A bare Emperor (no socket, no router) is left alone: it has no workers.

    ## Why is this bad?
    Without the master, nobody respawns a worker: one that crashes, or exits after
    `max-requests`, `reload-on-rss` or a `harakiri` kill, is simply gone, and with the last
    one the server. Graceful reloads, the stats server, crons and attached daemons all need
    it too. uWSGI only prints a warning at start-up. The uWSGI docs recommend always
    enabling it.

    ## Example
    ```ini
    [uwsgi]
    module = app:application
    processes = 4
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    module = app:application
    processes = 4
    ```
    """
    master = config.master_process
    if master.enabled or master.explicit is not None or may_miss_options(config):
        return
    if _bare_emperor(config):
        return
    header = config.source.header()
    if config.entries and header is not None:
        yield Hit(
            "the master process is not enabled: uWSGI never replaces a worker that crashes "
            "or exits after max-requests, reload-on-rss or a harakiri kill, and cannot "
            "reload gracefully",
            line=header.line,
            column=header.column,
            fix="add `master = true`",
            edits=(insert_after(config.source.path, header.end_line, "master = true"),),
        )
