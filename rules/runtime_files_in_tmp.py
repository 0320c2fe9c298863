'''runtime-files-in-tmp: sockets, pid files and FIFOs placed in /tmp or /var/tmp.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule
from pytest_uwsgi_lint.sockets import LISTENING, listeners

TEMPORARY = ("/tmp/", "/var/tmp/")
#: Other runtime files, with what each one is; ``py-tracebacker`` is a socket-name prefix.
_FILES = {
    "pidfile": "the pid file (written before privileges are dropped)",
    "safe-pidfile": "the pid file (written before privileges are dropped)",
    "pidfile2": "the pid file",
    "safe-pidfile2": "the pid file",
    "master-fifo": "the master FIFO",
    "py-tracebacker": "the tracebacker sockets",
}
_FIX = "put it under /run/<app>/ (systemd RuntimeDirectory=) or another directory the app owns"


@rule("UWS008", "runtime-files-in-tmp", Severity.INFO, tags=("security", "availability"),
      security_severity=4.4, needs=(*LISTENING, *_FILES))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags a UNIX socket (of any listener, stats included), a pid file (`pidfile`,
    `pidfile2`, `safe-pidfile`, `safe-pidfile2`), a `master-fifo` or the `py-tracebacker`
    socket prefix under `/tmp/` or `/var/tmp/`.

    ## Why is this bad?
    - Services started with systemd's `PrivateTmp=yes` (the nginx and httpd units of
      Fedora, RHEL and CentOS among them) get a `/tmp` of their own: the web server cannot
      see a socket uWSGI made in the real one, and answers 502 "No such file or directory".
      This broke most of the nginx+uWSGI setups of the TechEmpower benchmarks.
    - Temporary-file cleaners (systemd-tmpfiles, tmpreaper) may delete a socket or pid file
      while uWSGI runs: the socket is then unreachable and `--stop`/`--reload` lose the pid.
    - Every local user can create names there: while uWSGI is down another account can
      bind the socket path and receive the proxy's traffic, and `pidfile` is written by
      root before privileges are dropped, with `fopen()`, which follows a planted symlink
      (unless the kernel's `fs.protected_symlinks` is on).

    Use a directory owned by the app, such as `/run/<app>/` (systemd's
    `RuntimeDirectory=`). Abstract sockets (`@name`, or `abstract-socket`) are not files and
    are not flagged.

    ## Deployment
    - `plain`, `emperor-vassal`: info.
    - `systemd`: a warning, since `PrivateTmp=` is then the likely setup on both sides.
    - `container`: not flagged: the container's `/tmp` is its own, with no other local
      users, services or cleaners sharing it.

    ## Example
    ```ini
    [uwsgi]
    socket = /tmp/app.sock
    pidfile = /tmp/app.pid
    ```

    ## Use instead
    ```ini
    [uwsgi]
    socket = /run/app/app.sock
    pidfile = /run/app/app.pid
    ```

    ## References
    - https://uwsgi-docs.readthedocs.io/en/latest/Systemd.html
    - https://github.com/TechEmpower/FrameworkBenchmarks/pull/2332
    - https://github.com/unbit/uwsgi-docs/pull/511
    - https://github.com/unbit/uwsgi/blob/2.0.30/core/utils.c#L3599-L3604
    """
    if config.deployment == "container":
        return
    why = _why(config)
    severity = Severity.WARNING if config.deployment == "systemd" else None
    for listener in listeners(config):
        path = listener.address.text
        if listener.address.is_path and path.startswith(TEMPORARY):
            yield Hit.at(
                listener.entry,
                f"{listener.quoted()} puts the socket in {_folder(path)}, {why}",
                fix=_FIX,
                severity=severity,
            )
    abstract = config.flag("abstract-socket")
    for name, what in _FILES.items():
        if name == "py-tracebacker" and abstract:
            continue
        for entry in config.all(name):
            if entry.value.startswith(TEMPORARY):
                yield Hit.at(
                    entry,
                    f"`{entry.key} = {entry.value}` puts {what} in {_folder(entry.value)}, "
                    f"{why}",
                    fix=_FIX,
                    severity=severity,
                )


def _folder(path: str) -> str:
    return next(prefix.rstrip("/") for prefix in TEMPORARY if path.startswith(prefix))


def _why(config: Config) -> str:
    if config.deployment == "systemd":
        return ("which services with PrivateTmp= (such as nginx on Fedora/RHEL) do not "
                "share, so they cannot see it, and which systemd-tmpfiles cleans up")
    return ("where every local user can create names and tmp cleaners delete old files; "
            "services with a private /tmp (systemd PrivateTmp=) cannot see it")
