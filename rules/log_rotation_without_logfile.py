'''log-rotation-without-logfile: rotation options with no log file to rotate.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.applied import hit, in_effect, may_miss_options, number
from pytest_uwsgi_lint.apps import in_file_order
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config, canonical_name
from pytest_uwsgi_lint.reader import Entry
from pytest_uwsgi_lint.registry import rule
from pytest_uwsgi_lint.values import has_expansion, uwsgi_true

#: Options that set the file uWSGI itself logs to (core/logging.c `logto`).
LOG_TARGETS = ("logto", "logto2", "daemonize", "daemonize2")
#: Options that act only on that file (core/master.c, core/logging.c
#: `uwsgi_check_logrotate`, `uwsgi_log_rotate`, `uwsgi_log_reopen`).
FILE_LOGGER = "file:"
#: Who keeps uWSGI's stderr, per deployment, when it logs to no file.
KEEPERS = {"systemd": "the journal", "container": "the container runtime"}
ROTATION = ("log-maxsize", "touch-logrotate", "touch-logreopen", "log-reopen",
            "log-backupname")


def _active(entry: Entry) -> bool:
    """A rotation option that asks for something: a size above 0, a flag that is on."""
    name = canonical_name(entry.key)
    if name == "log-maxsize":
        return number(entry) != 0
    if name == "log-reopen":
        return uwsgi_true(entry.value)
    return True


def _to_file(entry: Entry) -> bool:
    """Whether a log target is (or may be) a file: ``host:port`` is a UDP address."""
    return has_expansion(entry.value) or ":" not in entry.value


def _fix(config: Config, file_logger: bool) -> str:
    if file_logger:
        return "use `logger = file:logfile=PATH,maxsize=BYTES` instead"
    keeper = KEEPERS.get(config.deployment)
    if keeper is not None:
        return f"remove the rotation options: {keeper} already rotates what uWSGI writes to stderr"
    return "add `logto = /path/to/uwsgi.log`, or remove the rotation options"


@rule("UWA027", "log-rotation-without-logfile", Severity.WARNING, tags=("correctness",),
      needs=ROTATION)
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags `log-maxsize`, `touch-logrotate`, `touch-logreopen`, `log-reopen` or
    `log-backupname` when no `logto`, `logto2`, `daemonize` or `daemonize2` names a log
    file.

    ## Why is this bad?
    These options act only on the file uWSGI itself logs to: the master checks the size
    and the touch files only when there is one (`core/master.c`: `if (uwsgi.logfile)
    uwsgi_check_logrotate()`), and rotating or reopening needs its name
    (`core/logging.c`). Logging to stderr, to a UDP address (`host:port`) or through a
    `logger = file:...` plugin leaves them doing nothing; that logger rotates only with its
    own `maxsize=` key. The log then grows without bound while the config looks rotated.

    Deployment context: under `systemd` or `container` the fix is to drop the options, since
    the journal or the container runtime keeps and rotates stderr; elsewhere it is to log to
    a file with `logto`.

    ## Example
    ```ini
    [uwsgi]
    master = true
    module = app:application
    log-maxsize = 100000000
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    module = app:application
    logto = /var/log/uwsgi/app.log
    log-maxsize = 100000000
    ```

    ## References
    - uWSGI 2.0.30 source: `core/master.c` (master loop), `core/logging.c` (`logto`,
      `uwsgi_check_logrotate`), `plugins/logfile/logfile.c` (`maxsize` of `file:`)
    - https://uwsgi-docs.readthedocs.io/en/latest/MasterFIFO.html
    """
    if may_miss_options(config):
        return
    targets = [entry for name in LOG_TARGETS for entry in config.all(name)]
    if any(_to_file(entry) for entry in targets):
        return
    found = in_file_order(config, [e for name in ROTATION for e in config.all(name)])
    idle = [entry for entry in found if in_effect(config, entry) and _active(entry)]
    if not idle:
        return
    names = ", ".join(dict.fromkeys(f"`{e.key}`" for e in idle))
    verb = "acts" if len(idle) == 1 else "act"
    loggers = [e for e in config.all("logger") if e.value.startswith(FILE_LOGGER)]
    if targets:
        where = (f"`{targets[-1].key} = {targets[-1].value}` is a UDP address, which cannot "
                 "be rotated")
    elif loggers:
        where = (f"`{loggers[0].key} = {loggers[0].value}` is a logger plugin, which rotates "
                 "only with its own `maxsize=` key")
    else:
        where = "this config names none"
    yield hit(
        idle[0],
        f"{names} {verb} only on a log file named by `logto` or `daemonize`, and {where}: "
        "uWSGI never rotates or reopens anything",
        *idle[1:], *targets,
        fix=_fix(config, bool(loggers and not targets)),
    )
