'''daemon-needs-root: an attached daemon asks for root powers the master has given up.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.daemons import AttachedDaemon
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.master_process import PrivilegeDrop, may_miss_options, privilege_drop
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule


@rule("UWM020", "daemon-needs-root", Severity.ERROR, tags=("availability",),
      needs=("attach-daemon2",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags an `attach-daemon2` line with `uid`, `gid` or `ns_pid` in an instance whose master
    drops privileges (`uid` without `master-as-root`, or `immediate-uid`).

    ## Why is this bad?
    uWSGI spawns daemons from the master after it has switched to the instance's user. The
    daemon's `setuid()`, `setgid()` or new PID namespace then fails with "Operation not
    permitted", the child exits, and the master starts it again about every second, forever:
    the daemon never runs and the log fills up.

    ## Example
    ```ini
    [uwsgi]
    uid = 1000
    gid = 1000
    attach-daemon2 = cmd=/usr/bin/worker,uid=33,gid=33
    ```

    ## Use instead
    ```ini
    [uwsgi]
    uid = 1000
    gid = 1000
    master-as-root = true
    attach-daemon2 = cmd=/usr/bin/worker,uid=33,gid=33
    ```
    """
    drop = privilege_drop(config)
    if drop is None or may_miss_options(config):
        return
    for daemon in config.master_process.daemons:
        if not daemon.keyval or daemon.symbolic:
            continue
        failures, certain = _failures(daemon, drop)
        if not failures:
            continue
        how = (
            f"`{drop.entry.key} = {drop.entry.value}` drops root while the config is read"
            if drop.immediate
            else f"the master switches to `uid = {drop.entry.value}` and `master-as-root` is off"
        )
        doubt = "" if certain else f" (unless `{drop.entry.value}` already has these ids)"
        yield Hit.at(
            daemon.entry,
            f"{how}, so this daemon's {' and '.join(failures)} fails with EPERM{doubt}; "
            "the daemon exits and uWSGI respawns it about every second, forever",
            fix="remove uid/gid/ns_pid from the daemon"
            if drop.immediate
            else "add `master-as-root = true` (workers still drop to `uid`), or remove "
            "uid/gid/ns_pid from the daemon",
            severity=None if certain else Severity.WARNING,
        )


def _failures(daemon: AttachedDaemon, drop: PrivilegeDrop) -> tuple[list[str], bool]:
    """The privileged calls that fail, and whether each failure is certain (an id written as
    a name cannot be compared here)."""
    failures: list[str] = []
    certain = True
    if daemon.new_pid_ns:
        failures.append("clone(CLONE_NEWPID) for `ns_pid`")
    for call, wanted, current, known in (
        ("setgid", daemon.gid, drop.gid, drop.gid is not None or drop.gid_entry is None),
        ("setuid", daemon.uid, drop.uid, drop.uid is not None),
    ):
        if wanted == 0 or wanted == current:
            continue
        failures.append(f"{call}({wanted})")
        certain = certain and known
    return failures, certain or daemon.new_pid_ns
