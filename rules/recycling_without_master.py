'''recycling-without-master: workers are recycled or killed, and nobody respawns them.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.applied import hit, may_miss_options, number
from pytest_uwsgi_lint.apps import in_file_order, is_emperor
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config, canonical_name
from pytest_uwsgi_lint.reader import Entry
from pytest_uwsgi_lint.registry import rule

# What each option does to a worker when no master watches it (2.0.30: core/utils.c
# `uwsgi_close_request` and `set_harakiri`); `max-worker-lifetime` is checked only by the
# master (core/master_checks.c), so alone it is inert rather than fatal.
FATAL = {
    "max-requests": "makes each worker exit after {n} requests",
    "reload-on-rss": "makes a worker past {n} MB of resident memory exit",
    "reload-on-as": "makes a worker past {n} MB of address space exit",
    "harakiri": "kills a worker whose request runs over {n} s with a bare alarm()",
}
INERT = "max-worker-lifetime"


def _limits(config: Config, names: Iterable[str]) -> list[tuple[Entry, int]]:
    """The limits uWSGI applies (the last occurrence of each), when above 0."""
    applied = [entry for entry in map(config.last, names) if entry is not None]
    valued = ((entry, number(entry)) for entry in in_file_order(config, applied))
    return [(entry, value) for entry, value in valued if value]


def _said(entry: Entry, value: int) -> str:
    return f"`{entry.key} = {entry.value}` " + FATAL[canonical_name(entry.key)].format(n=value)


@rule("UWA002", "recycling-without-master", Severity.ERROR, tags=("availability",),
      needs=(*FATAL, INERT))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags `max-requests`, `reload-on-rss`, `reload-on-as`, `harakiri` or
    `max-worker-lifetime` in an instance whose master process is off: `master` is absent
    and no option implies it, or `master` reads as false.

    ## Why is this bad?
    Only the master respawns workers. Without it, a worker that reaches `max-requests` or
    its memory limit simply exits (`core/utils.c` in 2.0.30), and harakiri falls back to a
    plain `alarm()` that kills the worker for good: once every worker is gone the instance
    stops answering. With 2 workers and `max-requests = 2`, uWSGI 2.0.30 stopped serving
    after the 4th request; one slow request under `harakiri` took a single-worker instance
    down. A real service stopped after 64 workers times 100000 requests
    (parmentelat/nbhosting#49). `max-worker-lifetime` is checked only by the master, so
    without one it does nothing. With `master = false`, the other options that need the
    master (crons, daemons, `stats`...) are named by `master-disabled-with-master-options`;
    this rule names only the limits, so no option is reported twice.

    ## Example
    ```ini
    [uwsgi]
    module = app:application
    processes = 4
    max-requests = 1000
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    module = app:application
    processes = 4
    max-requests = 1000
    ```

    ## References
    - uWSGI 2.0.30 source: `core/utils.c` (`uwsgi_close_request` calls
      `goodbye_cruel_world`; `set_harakiri` uses `alarm()` without a master),
      `core/master_checks.c` (lifetime checks)
    - https://uwsgi-docs.readthedocs.io/en/latest/FAQ.html (What is Harakiri mode?)
    - https://github.com/parmentelat/nbhosting/issues/49
    """
    master = config.master_process
    if master.enabled or is_emperor(config) or may_miss_options(config):
        return
    fatal = _limits(config, FATAL)
    inert = _limits(config, (INERT,))
    if not fatal and not inert:
        return
    switch = master.explicit
    state = (f"`{switch.key} = {switch.value}` (line {switch.line}) turns the master off"
             if switch is not None else "no option turns the master process on")
    lifetime = (f"`{inert[0][0].key} = {inert[0][0].value}` does nothing, since only the "
                "master enforces it" if inert else "")
    others = [switch, *(entry for entry, _ in [*fatal, *inert][1:])]
    fix = "set `master = true`" if switch is not None else "add `master = true`"
    if not fatal:
        yield hit(inert[0][0], f"{state}: {lifetime}", *others, fix=fix,
                  severity=Severity.WARNING)
        return
    effects = "; ".join(_said(entry, value) for entry, value in fatal)
    yield hit(
        fatal[0][0],
        f"{state}, so dead workers are never respawned: {effects}; uWSGI stops serving once "
        "every worker is gone" + (f" ({lifetime})" if lifetime else ""),
        *others,
        fix=fix,
    )
