'''master-disabled-with-master-options: `master = false` leaves master-only options inert.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint import catalog
from pytest_uwsgi_lint.findings import Hit, Severity, shown
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.reader import Entry
from pytest_uwsgi_lint.registry import rule
from pytest_uwsgi_lint.values import uwsgi_true

# Options without uWSGI's "needs master" flag whose only effect is inside the master
# (2.0.30: core/master.c, core/master_utils.c, core/master_checks.c, core/daemons.c).
# `harakiri`, `max-requests` and the other recycling limits are left to
# recycling-without-master: without a master they do something worse than nothing.
MASTER_ONLY = ("procname-master", "no-orphans", "die-on-idle", "die-on-term",
               "exit-on-reload", "reload-mercy")
SHOWN = 6


def _switched_on(entry: Entry) -> bool:
    """A flag written as off asks for nothing, so it is not a lost feature."""
    option = catalog.lookup(entry.key)
    if option is None or option.kind not in ("flag", "inverse-flag"):
        return True
    return uwsgi_true(entry.value) == (option.kind == "flag")


def _inert(config: Config) -> list[Entry]:
    names = [n for n in MASTER_ONLY if not (n == "reload-mercy" and "emperor" in config)]
    found = [*config.master_process.implied_by, *(e for n in names for e in config.all(n))]
    return sorted((e for e in found if _switched_on(e)), key=lambda e: (e.path, e.line))


def _consequences(entries: list[Entry]) -> str:
    """The two effects measured on a real uWSGI, named when their options are present."""
    options = (catalog.lookup(e.key) for e in entries)
    names = {o.canonical for o in options if o is not None}
    said = []
    if any("cron" in n and n != "cron-harakiri" for n in names):
        said.append("crons never run")
    if any("attach" in n and "daemon" in n for n in names):
        said.append("attached daemons are never started")
    return "; ".join(said)


@rule("UWM003", "master-disabled-with-master-options", Severity.WARNING,
      tags=("master", "correctness"), needs=("master",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags `master` read as false while options that only work under the master are present:
    crons, attached daemons, `stats`, `master-fifo`, `touch-reload`, `cheaper`, `idle`,
    `no-orphans`, `die-on-term`...

    ## Why is this bad?
    Those options normally switch the master on by themselves, but an explicit
    `master = false` wins wherever it stands, because uWSGI applies `master` after reading
    every option (`core/config.c`, `core/uwsgi.c` in 2.0.30). uWSGI then prints only its
    generic "running without master" warning: crons are registered but never run, daemons
    are never spawned, and the rest silently does nothing. Remember that uWSGI has no inline
    comments: `master = false ; note` reads as true, so this rule is not about such a line.

    ## Example
    ```ini
    [uwsgi]
    master = false
    cron = 0 3 -1 -1 -1 /usr/local/bin/cleanup
    attach-daemon = /usr/local/bin/worker
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    cron = 0 3 -1 -1 -1 /usr/local/bin/cleanup
    attach-daemon = /usr/local/bin/worker
    ```
    """
    master = config.master_process
    switch = master.explicit
    if switch is None or master.enabled:
        return
    inert = _inert(config)
    if not inert:
        return
    listed = ", ".join(f"`{e.key}` (line {e.line})" for e in inert[:SHOWN])
    if len(inert) > SHOWN:
        listed += f" and {len(inert) - SHOWN} more"
    effect = _consequences(inert)
    yield Hit.at(
        switch,
        f"`{switch.key} = {shown(switch.value)}` (line {switch.line}) turns the master process "
        f"off, so these options that work only under it do nothing: {listed}"
        + (f"; {effect}" if effect else ""),
        fix="set `master = true`, or remove the options that need the master",
    )
