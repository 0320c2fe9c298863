'''boolean-as-path: a log or pid file option given a switch word becomes a file of that name.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.applied import hit
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule

#: Options that take the path of a file uWSGI writes (``uwsgi_opt_set_str`` in 2.0.30), and
#: what it writes there.
WRITES = {
    "daemonize": "goes to the background and writes its log",
    "daemonize2": "goes to the background and writes its log",
    "logto": "writes its log",
    "logto2": "writes its log",
    "pidfile": "writes its pid",
    "pidfile2": "writes its pid",
    "safe-pidfile": "writes its pid",
    "safe-pidfile2": "writes its pid",
}
#: The words of a switch: uWSGI's true and false words, as people write them to these options.
SWITCH_WORDS = frozenset({"true", "false", "yes", "no", "on", "off", "1", "0"})


@rule("UWC018", "boolean-as-path", Severity.WARNING, tags=("correctness",), needs=tuple(WRITES))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags `daemonize`, `daemonize2`, `logto`, `logto2` or a pid file option (`pidfile`,
    `safe-pidfile`...) whose value is a switch word: `true`, `false`, `yes`, `no`, `on`,
    `off`, `1` or `0`.

    ## Why is this bad?
    These options are no switches: their value is the path of the file uWSGI writes
    (`uwsgi_opt_set_str`, `core/uwsgi.c` in 2.0.30). `daemonize = true` sends uWSGI to the
    background and writes its log to a file named `true` in its working directory;
    `daemonize = false` does the same into a file named `false`, and `pidfile = yes` writes
    the pid to `yes`. The log is then not where anyone looks for it, and a service manager
    that expected uWSGI in the foreground loses it. (Under an Emperor, uWSGI 2.0 turns
    `daemonize` into `logto`: the vassal stays in the foreground, the log file is `true`.)

    ## Example
    ```ini
    [uwsgi]
    master = true
    module = app:application
    daemonize = true
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    module = app:application
    daemonize = /var/log/uwsgi/app.log
    ```
    """
    vassal = config.deployment == "emperor-vassal"  # uWSGI 2.0 turns daemonize into logto
    for name, does in WRITES.items():
        if vassal and name.startswith("daemonize"):
            does = WRITES["logto"]
        entry = config.last(name)  # each of them is scalar: the last one applies
        if entry is None or entry.value.lower() not in SWITCH_WORDS:
            continue
        fix = ("remove the line to stay in the foreground, or name the log file"
               if name.startswith("daemonize") else "name the file")
        yield hit(entry, f"`{entry.key} = {entry.value}` is no switch: uWSGI {does} to a "
                  f"file named `{entry.value}` in its working directory", fix=fix)
