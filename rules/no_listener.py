'''no-listener: an instance that loads an app but has nothing to serve it on.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint import catalog
from pytest_uwsgi_lint.apps import app_entries
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.master_process import may_miss_options
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule

#: Handlers whose option gives uWSGI something to run without a socket of its own: the
#: checks before "The -s/--socket option is missing" (core/uwsgi.c in 2.0.30) let it start
#: with sockets, gateways (routers), daemons, crons, spoolers, an Emperor, a legion, a UDP
#: server, command mode or ``no-server``; some options exit before that point.
STARTING_HANDLERS = frozenset({
    "uwsgi_opt_add_socket", "uwsgi_opt_add_socket_no_defer", "uwsgi_opt_add_ssl_socket",
    "uwsgi_opt_add_lazy_socket", "uwsgi_opt_add_shared_socket",
    "uwsgi_opt_corerouter", "uwsgi_opt_undeferred_corerouter", "uwsgi_opt_corerouter_zerg",
    "uwsgi_opt_corerouter_ss", "uwsgi_opt_https", "uwsgi_opt_https2",
    "uwsgi_opt_http_to_https", "uwsgi_opt_sslrouter", "uwsgi_opt_sslrouter2",
    "uwsgi_opt_forkpty_urouter",
    "uwsgi_opt_add_daemon", "uwsgi_opt_add_daemon2",
    "uwsgi_opt_add_cron", "uwsgi_opt_add_cron2", "uwsgi_opt_add_unique_cron",
    "uwsgi_opt_add_cron_curl", "uwsgi_opt_add_legion_cron", "uwsgi_opt_add_unique_legion_cron",
    "uwsgi_opt_add_legion_cron_curl", "uwsgi_opt_add_spooler", "uwsgi_opt_legion",
    "uwsgi_opt_pyrun", "uwsgi_opt_pyshell", "uwsgi_opt_pidfile_signal", "uwsgi_opt_signal",
    "uwsgi_opt_exit", "uwsgi_help",
})
#: Options that do the same through a generic handler.
STARTING_OPTIONS = frozenset({
    "emperor", "zerg", "zerg-pool", "tuntap-router", "udp", "no-server", "command-mode",
    "loop", "emperor-proxy-socket", "setns-socket",
})


#: Socket settings that only matter for a socket defined elsewhere (the command line,
#: another ``--ini``): their presence says this file is not the whole instance.
SOCKET_SETTINGS = ("protocol", "chmod-socket", "chown-socket", "abstract-socket")
#: Where else a listener may come from, by deployment.
_ELSEWHERE = {
    "systemd": "the command line, another `--ini` or a systemd socket unit (LISTEN_FDS)",
}


@rule("UWC012", "no-listener", Severity.INFO, tags=("correctness",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags a config that loads application code (`module`, `wsgi-file`, `mount`, `psgi`,
    a PHP or CGI setting...) but defines no socket, router or anything else uWSGI can start
    without one (`socket`, `http-socket`, `http`, `shared-socket`, `zerg`, `emperor`,
    daemons, crons, spoolers, `no-server`...).

    ## Why is this bad?
    Unless a listener comes from somewhere else, uWSGI stops at start-up with "The
    -s/--socket option is missing and stdin is not a socket." and exit status 1. A `stats`
    server alone does not count.

    Many real configs get their socket from the command line (`uwsgi --http-socket :8000
    app.ini`) or from a second `--ini`, which the linter cannot see: that is why this is
    only info. It stays silent when the file sets socket options without a socket
    (`protocol`, `chmod-socket`, `chown-socket`, `abstract-socket`: the socket is clearly
    defined elsewhere), when a listener sits in an undecided logic block, when an include
    or config source could not be read, and for files without an app (taken for shared
    fragments).

    ## Deployment
    - `plain`, `container`: info; the listener may come from the command line or another
      `--ini`.
    - `systemd`: info, naming socket activation too (uWSGI takes the sockets of a socket
      unit from `LISTEN_FDS`).
    - `emperor-vassal`: not flagged: the Emperor passes the socket on file descriptor 0 to
      on-demand vassals, and `vassal-set`/`vassals-include` can add one.

    ## Example
    ```ini
    [uwsgi]
    master = true
    module = app:application
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    module = app:application
    socket = /run/app/app.sock
    ```

    ## References
    - https://github.com/unbit/uwsgi/blob/2.0.30/core/uwsgi.c#L2911-L2930
    - https://github.com/unbit/uwsgi/blob/2.0.30/core/setup_utils.c#L13-L25
    - https://github.com/unbit/uwsgi/issues/538
    - https://uwsgi-docs.readthedocs.io/en/latest/OnDemandVassals.html
    - https://uwsgi-docs.readthedocs.io/en/latest/Systemd.html
    """
    if config.deployment == "emperor-vassal":
        return
    apps = app_entries(config)
    if not apps or may_miss_options(config) or any(config.all(n) for n in SOCKET_SETTINGS):
        return
    if any(_starts(entry.key) for entry in config.entries):
        return
    elsewhere = _ELSEWHERE.get(config.deployment, "the command line or another `--ini`")
    first = apps[0]
    yield Hit.at(
        first,
        f"`{first.key} = {first.value}` loads an app, but this config defines no listener "
        f"(socket, http-socket, router...): unless {elsewhere} provides one, uWSGI exits at "
        "start-up with \"The -s/--socket option is missing and stdin is not a socket.\"",
        fix="add a listener, e.g. `socket = /run/<app>/uwsgi.sock` behind a web server or "
        "`http-socket = 127.0.0.1:8000`",
    )


def _starts(key: str) -> bool:
    """Whether an option lets uWSGI start (or stop on purpose) without a socket of its own."""
    option = catalog.lookup(key)
    if option is None:
        return False
    return (
        option.handler in STARTING_HANDLERS
        or option.canonical in STARTING_OPTIONS
        or "UWSGI_OPT_NO_SERVER" in option.flags
    )
