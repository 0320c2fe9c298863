'''cheaper-initial-out-of-range: uWSGI replaces a `cheaper-initial` outside [cheaper, processes].'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.applied import hit, setting
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule
from pytest_uwsgi_lint.workers import fatal_cheaper, worker_count


@rule("UWA011", "cheaper-initial-out-of-range", Severity.WARNING, tags=("availability", "startup"),
      needs=("cheaper-initial",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags `cheaper-initial` (how many workers cheaper mode starts with) below `cheaper` or
    above `processes`.

    ## Why is this bad?
    uWSGI does not use the value: it logs `warning: invalid cheaper-initial value` and
    starts with `cheaper` workers (when the value is too low) or `processes` workers (when
    it is too high) instead (`core/init.c`, `sanitize_args`, in 2.0.30). The instance then
    starts with a capacity the config does not say. The check applies only in cheaper mode
    (`cheaper` above 0).

    ## Example
    ```ini
    [uwsgi]
    master = true
    module = app:application
    processes = 4
    cheaper = 2
    cheaper-initial = 8
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    module = app:application
    processes = 8
    cheaper = 2
    cheaper-initial = 4
    ```

    ## References
    - uWSGI 2.0.30 source: `core/init.c` (`sanitize_args`)
    - https://uwsgi-docs.readthedocs.io/en/latest/Cheaper.html
    """
    entry, initial = setting(config, "cheaper-initial")
    cheaper_entry, cheaper = setting(config, "cheaper")
    processes, named = worker_count(config)
    if (entry is None or cheaper_entry is None or not initial or not cheaper
            or processes is None or fatal_cheaper(config) is not None):
        return
    if initial < cheaper:
        used, reason = cheaper, f"below `{cheaper_entry.key} = {cheaper_entry.value}`"
    elif initial > processes:
        used, reason = processes, f"above {named}"
    else:
        return
    yield hit(
        entry,
        f"`{entry.key} = {entry.value}` is {reason}: uWSGI logs 'invalid cheaper-initial "
        f"value' and starts {used} workers instead",
        cheaper_entry, config.last("processes"),
        fix="set `cheaper-initial` between `cheaper` and `processes`",
    )
