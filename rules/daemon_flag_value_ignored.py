'''daemon-flag-value-ignored: an attach-daemon2 flag set to "off" is on.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.daemons import PRESENCE_FLAGS
from pytest_uwsgi_lint.edits import replace_in_entry
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule
from pytest_uwsgi_lint.values import uwsgi_true

_EFFECT = {
    "control": "when the daemon dies, uWSGI shuts the whole instance down",
    "daemonize": "uWSGI forks the daemon into the background and writes its pidfile",
    "stdin": "the daemon keeps the master's stdin instead of /dev/null",
    "ns_pid": "the daemon starts in a new PID namespace (which needs root)",
    "notifypid": "uWSGI signals the pidfile daemon when the instance reloads or stops",
}


@rule("UWM022", "daemon-flag-value-ignored", Severity.ERROR, tags=("correctness",),
      needs=("attach-daemon2",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags `attach-daemon2` flags (`control`, `daemonize`/`daemon`, `stdin`, `ns_pid`,
    `notifypid`) whose value says "off": `0`, `false`, `no` or `off`.

    ## Why is this bad?
    For these keys uWSGI only checks whether the key is present; the value is never read. So
    `control=0` turns control on: when the daemon exits, the instance shuts down. uwsgiconf's
    `attach_process(control=False, new_pid_ns=False)` writes exactly such lines.

    ## Example
    ```ini
    [uwsgi]
    attach-daemon2 = cmd=/usr/bin/worker,control=0,ns_pid=False
    ```

    ## Use instead
    ```ini
    [uwsgi]
    attach-daemon2 = cmd=/usr/bin/worker
    ```
    """
    for daemon in config.master_process.daemons:
        if not daemon.keyval:
            continue
        for name in PRESENCE_FLAGS:
            item = daemon.keys.get(name)
            if item is None or uwsgi_true(item.value.strip()):
                continue
            edit = replace_in_entry(daemon.entry, f",{item.text}", "") or replace_in_entry(
                daemon.entry, f"{item.text},", ""
            )
            yield Hit.at(
                daemon.entry,
                f"`{item.text}` turns {name} ON: attach-daemon2 enables it whenever the key is "
                f"present, whatever the value, so {_EFFECT[name]}",
                fix=f"remove `{item.text}` to leave {name} off",
                edits=() if edit is None else (edit,),
            )
