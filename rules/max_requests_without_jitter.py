'''max-requests-without-jitter: every worker reaches `max-requests` at about the same time.'''

from __future__ import annotations

from collections.abc import Iterable

from packaging.version import Version

from pytest_uwsgi_lint.applied import hit, setting
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule
from pytest_uwsgi_lint.workers import worker_count

#: `max-requests-delta` exists from this release (Changelog-2.0.29).
DELTA_FROM = Version("2.0.29")


@rule("UWA009", "max-requests-without-jitter", Severity.INFO, tags=("availability",),
      needs=("max-requests",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags `max-requests` with more than one worker, the master on and no
    `max-requests-delta`, for uWSGI 2.0.29 and later (older releases have no such option).

    ## Why is this bad?
    Workers behind one socket share the load evenly, so they all reach `max-requests` at
    about the same moment and are recycled together: for a while no worker, or too few,
    accept requests (unbit/uwsgi#2033, "they are all respawned at once"). With
    `max-requests-delta = N`, worker *i* is recycled after `max-requests + (i - 1) * N`
    requests instead (`core/utils.c`, `uwsgi_close_request`), which staggers the restarts.
    Without the master a worker that reaches `max-requests` is never respawned at all:
    recycling-without-master reports that instead.

    ## Example
    ```ini
    [uwsgi]
    master = true
    module = app:application
    processes = 8
    max-requests = 5000
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    module = app:application
    processes = 8
    max-requests = 5000
    max-requests-delta = 100
    ```

    ## References
    - uWSGI 2.0.30 source: `core/utils.c` (`uwsgi_close_request`)
    - https://uwsgi-docs.readthedocs.io/en/latest/Changelog-2.0.29.html
    - https://github.com/unbit/uwsgi/issues/2033
    """
    if config.version < DELTA_FROM or not config.master_process.enabled:
        return
    entry, limit = setting(config, "max-requests")
    delta_entry, delta = setting(config, "max-requests-delta")
    processes, named = worker_count(config)
    if entry is None or not limit or (delta_entry is not None and delta != 0):
        return
    if processes is None or processes < 2:
        return
    yield hit(
        entry,
        f"`{entry.key} = {entry.value}` with {named}: evenly loaded workers all reach "
        f"{limit} requests at about the same time and uWSGI recycles them together, leaving "
        "too few workers to accept requests meanwhile",
        config.last("processes"), delta_entry,
        fix="add `max-requests-delta = <n>` so worker i is recycled after "
        "max-requests + (i - 1) x n requests",
    )
