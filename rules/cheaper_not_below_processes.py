'''cheaper-not-below-processes: uWSGI refuses to start when `cheaper` >= `processes`.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.applied import hit
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule
from pytest_uwsgi_lint.workers import fatal_cheaper, worker_count


@rule("UWA010", "cheaper-not-below-processes", Severity.ERROR, tags=("availability", "startup"),
      needs=("cheaper",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags `cheaper` set to a number of workers that is not below `processes`, including
    `cheaper` without any `processes` (which defaults to 1).

    ## Why is this bad?
    `cheaper` is the minimum number of workers the adaptive spawner keeps; `processes` is
    the maximum. uWSGI checks this before starting anything and exits with status 1,
    logging `invalid cheaper value: must be lower than processes` (`core/init.c`,
    `sanitize_args`, in 2.0.30).

    ## Example
    ```ini
    [uwsgi]
    master = true
    module = app:application
    cheaper = 2
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    module = app:application
    processes = 8
    cheaper = 2
    ```

    ## References
    - uWSGI 2.0.30 source: `core/init.c` (`sanitize_args`)
    - https://uwsgi-docs.readthedocs.io/en/latest/Cheaper.html
    """
    entry = fatal_cheaper(config)
    if entry is None:
        return
    _, named = worker_count(config)
    yield hit(
        entry,
        f"`{entry.key} = {entry.value}` with {named}: uWSGI exits at start-up with "
        "'invalid cheaper value: must be lower than processes'",
        config.last("processes"),
        fix="set `processes` to the most workers you want and `cheaper` below it",
    )
