"""Security and socket rules: what each flags, what it leaves alone, how the deployment
changes the answer, and (oracle tests) that the start-up failures they predict are the ones
the real uWSGI 2.0.30 produces."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import uwsgi_oracle

from pytest_uwsgi_lint.engine import Settings, lint_text
from pytest_uwsgi_lint.findings import Finding, Severity
from pytest_uwsgi_lint.registry import find_rule

APP = "wsgi-file = /nonexistent/app.py\n"
SECURITY_RULES = ("uwsgi-socket-public", "stats-server-public", "world-writable-socket",
                  "workers-run-as-root", "master-as-root-unneeded", "tls-v1-enabled",
                  "runtime-files-in-tmp")


def found(rule: str, text: str, deployment: str = "plain", version: str = "2.0.30"
          ) -> list[Finding]:
    settings = Settings(select=(rule,), deployment=deployment, uwsgi_version=version)
    return [f for f in lint_text("[uwsgi]\n" + text, settings) if f.name == rule]


def one(rule: str, text: str, deployment: str = "plain", version: str = "2.0.30") -> Finding:
    hits = found(rule, text, deployment, version)
    assert len(hits) == 1, hits
    return hits[0]


@pytest.mark.parametrize(
    "name", [*SECURITY_RULES, "chmod-socket-invalid", "unix-socket-path-too-long",
             "no-listener", "listen-exceeds-somaxconn"])
def test_rules_document_evidence_and_deployment(name: str) -> None:
    rule = find_rule(name)
    assert rule is not None
    assert "https://" in rule.sections()["References"]
    assert rule.sections()["Deployment"]
    if name in SECURITY_RULES:
        assert "security" in rule.tags
        assert rule.security_severity is not None and 0 < rule.security_severity <= 10
    else:
        assert rule.security_severity is None


# -- uwsgi-socket-public -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "severity", "where"),
    [
        ("socket = :3031", Severity.ERROR, "every network interface (port 3031)"),
        ("socket = 0.0.0.0:3031", Severity.ERROR, "every network interface"),
        ("uwsgi-socket = [::]:3031", Severity.ERROR, "every IPv6 network interface"),
        ("socket = [localhost]:3031", Severity.ERROR, "every IPv6 network interface"),
        ("socket = 0:3031", Severity.ERROR, "every network interface"),
        ("socket = :$(PORT)", Severity.ERROR, "every network interface (port $(PORT))"),
        ("fastcgi-socket = :9000", Severity.ERROR, "fastcgi protocol"),
        ("scgi-socket = :9000", Severity.ERROR, "scgi protocol"),
        ("puwsgi-socket = :9000", Severity.ERROR, "puwsgi protocol"),
        ("fastrouter = :3017", Severity.ERROR, "forwarded to the backends"),
        ("socket = 10.1.2.3:3031", Severity.WARNING, "the non-loopback address 10.1.2.3"),
        ("socket = backend.internal:3031", Severity.WARNING, "`backend.internal` resolves"),
    ],
)
def test_uwsgi_socket_public_flags(line: str, severity: Severity, where: str) -> None:
    hit = one("uwsgi-socket-public", line + "\n")
    assert hit.severity is severity
    assert where in hit.message
    assert f"`{line}`" in hit.message


@pytest.mark.parametrize(
    "line",
    [
        "socket = 127.0.0.1:3031", "socket = 127.1:3031", "socket = localhost:3031",
        "socket = [::1]:3031", "socket = /run/app/app.sock", "socket = @app",
        "socket = app.sock", "http-socket = :8080", "http-socket = 0.0.0.0:8080",
        "https-socket = :8443,/c.pem,/k.pem", "http = :80", "raw-socket = :9000",
        "socket = $(SOCKET)", "socket = %(host):3031", "socket = =0",
        "stats = :9191",
    ],
)
def test_uwsgi_socket_public_near_misses(line: str) -> None:
    assert found("uwsgi-socket-public", line + "\n") == []


def test_uwsgi_socket_public_follows_shared_sockets_and_the_protocol_option() -> None:
    hit = one("uwsgi-socket-public", "shared-socket = :3031\nsocket = =0\n")
    assert "`socket = =0` (shared socket `:3031`)" in hit.message
    assert found("uwsgi-socket-public", "shared-socket = 127.0.0.1:3031\nsocket = =0\n") == []
    assert found("uwsgi-socket-public", "shared-socket = :80\nhttp = =0\n") == []
    assert found("uwsgi-socket-public", "protocol = http\nsocket = :8080\n") == []
    assert one("uwsgi-socket-public", "protocol = uwsgi\nsocket = :8080\n")
    # a protocol that only applies in an undecided block leaves the socket's protocol unknown
    undecided = "if-env = HTTP\nprotocol = http\nendif =\nsocket = :8080\n"
    assert found("uwsgi-socket-public", undecided) == []


def test_uwsgi_socket_public_conditional_socket_says_when() -> None:
    hit = one("uwsgi-socket-public", "if-env = PUBLIC\nsocket = :3031\nendif =\n")
    assert "(only when `if-env = PUBLIC` holds)" in hit.message


def test_uwsgi_socket_public_in_a_container() -> None:
    wide = one("uwsgi-socket-public", "socket = :3031\n", deployment="container")
    assert wide.severity is Severity.WARNING
    assert wide.fix is not None and "unpublished" in wide.fix
    remote = one("uwsgi-socket-public", "socket = 10.0.0.2:3031\n", deployment="container")
    assert remote.severity is Severity.WARNING
    for deployment in ("systemd", "emperor-vassal"):
        assert one("uwsgi-socket-public", "socket = :3031\n", deployment).severity is (
            Severity.ERROR)


def test_uwsgi_socket_public_message_follows_the_version() -> None:
    released = one("uwsgi-socket-public", "socket = :3031\n")
    assert "UWSGI_FILE" in released.message and "remote code execution" in released.message
    dev = one("uwsgi-socket-public", "socket = :3031\n", version="2.1-dev")
    assert "UWSGI_FILE" not in dev.message and "trusts" in dev.message
    dynamic = one("uwsgi-socket-public", "socket = :3031\ndynamic-apps = true\n",
                  version="2.1-dev")
    assert "UWSGI_FILE" in dynamic.message


# -- stats-server-public -----------------------------------------------------------------


def test_stats_server_public() -> None:
    hit = one("stats-server-public", "stats = :9191\n")
    assert hit.severity is Severity.WARNING and "Authorization" in hit.message
    browsable = one("stats-server-public", "stats-server = 0.0.0.0:9191\nstats-http = true\n")
    assert browsable.severity is Severity.ERROR and "plain HTTP" in browsable.message
    trimmed = one("stats-server-public", "stats = :9191\nstats-http = true\nstats-no-cores\n")
    assert trimmed.severity is Severity.WARNING and "Authorization" not in trimmed.message
    emperor = one("stats-server-public", "emperor = /etc/vassals\nemperor-stats = :9191\n")
    assert "vassal" in emperor.message
    assert one("stats-server-public", "stats = 10.0.0.3:9191\n").severity is Severity.WARNING


@pytest.mark.parametrize(
    "line",
    ["stats = 127.0.0.1:9191", "stats = /run/app/stats.sock", "stats = @stats",
     "stats = localhost:9191", "http-stats = :9192", "stats = $(STATS)"],
)
def test_stats_server_public_near_misses(line: str) -> None:
    assert found("stats-server-public", line + "\n") == []


def test_stats_server_public_is_the_same_in_a_container() -> None:
    assert one("stats-server-public", "stats = :9191\n", "container").severity is (
        Severity.WARNING)


# -- world-writable-socket ---------------------------------------------------------------

SOCK = "socket = /run/app/app.sock\n"


@pytest.mark.parametrize(
    ("lines", "needle"),
    [
        ("chmod-socket = 666\n", "`chmod-socket = 666` is applied"),
        ("chmod-socket = 777\n", "mode 777"),
        ("chmod-socket = 662\n", "mode 662"),
        ("chmod = 1\n", "shortcut for mode 666"),
        ("chmod-socket = 000\n", "\"no mode given\" and applies 666"),
        ("umask = 000\n", "masks no write bit for others"),
        ("umask = 22\n", "\"invalid umask\""),
        ("daemonize = /var/log/app.log\n", "resets the umask to 0"),
    ],
)
def test_world_writable_socket_flags(lines: str, needle: str) -> None:
    hit = one("world-writable-socket", SOCK + lines)
    assert needle in hit.message
    assert "`/run/app/app.sock`" in hit.message
    assert hit.severity is Severity.ERROR  # a uwsgi-protocol socket


@pytest.mark.parametrize(
    "lines",
    [
        SOCK + "chmod-socket = 660\n",
        SOCK + "chmod-socket = 664\n",
        SOCK + "chmod-socket = 660\nchmod-socket = 1\n",
        SOCK + "chmod-socket = 0660\n",  # uWSGI exits instead: chmod-socket-invalid
        SOCK + "umask = 022\n",
        SOCK + "daemonize = /var/log/app.log\numask = 027\n",
        SOCK + "daemonize = /var/log/app.log\nchmod-socket = 660\n",
        "socket = 127.0.0.1:3031\nchmod-socket = 666\n",
        "socket = @app\nchmod-socket = 666\n",
        "abstract-socket = true\nsocket = /run/app.sock\nchmod-socket = 666\n",
        "daemonize = /var/log/app.log\n",  # no UNIX socket for the umask to reach
        SOCK + "chmod-socket = $(MODE)\n",
    ],
)
def test_world_writable_socket_near_misses(lines: str) -> None:
    assert found("world-writable-socket", lines) == []


def test_world_writable_socket_severity_follows_the_protocol() -> None:
    http = one("world-writable-socket", "http-socket = /run/h.sock\nchmod-socket = 666\n")
    assert http.severity is Severity.WARNING and "can connect" in http.message
    stats = one("world-writable-socket",
                "socket = 127.0.0.1:1\nstats = /run/s.sock\nchmod-socket = 1\n")
    assert "`/run/s.sock`" in stats.message
    fragment = one("world-writable-socket", "chmod-socket = 666\n")
    assert fragment.severity is Severity.WARNING and "this file defines none" in fragment.message
    unknown = one("world-writable-socket", "socket = $(SOCK)\nchmod-socket = 666\n")
    assert "(if it is a path)" in unknown.message


def test_world_writable_socket_daemonize_under_an_emperor() -> None:
    text = SOCK + "daemonize = /var/log/app.log\n"
    assert found("world-writable-socket", text, "emperor-vassal") == []
    for deployment in ("plain", "systemd", "container"):
        assert one("world-writable-socket", text, deployment)
    assert one("world-writable-socket", SOCK + "chmod-socket = 666\n", "emperor-vassal")


# -- workers-run-as-root -----------------------------------------------------------------


def test_workers_run_as_root_without_uid_by_deployment() -> None:
    text = SOCK + "module = app:application\n"
    plain = one("workers-run-as-root", text)
    assert plain.severity is Severity.WARNING
    assert "`module = app:application`" in plain.message and plain.line == 3
    assert "User=" in one("workers-run-as-root", text, "systemd").message
    container = one("workers-run-as-root", text, "container")
    assert container.severity is Severity.INFO and "USER" in container.message
    assert found("workers-run-as-root", text, "emperor-vassal") == []


@pytest.mark.parametrize(
    ("lines", "needle", "severity"),
    [
        ("uid = root\ngid = app\n", "`uid = root` resolves to id 0", Severity.ERROR),
        ("uid = 00\ngid = app\n", "\"user 00 not found.\"", Severity.ERROR),
        ("uid = 0\ngid = app\n", "\"user 0 not found.\"", Severity.ERROR),
        ("uid = app\n", "keep group root (gid 0)", Severity.WARNING),
        ("uid = app\ngid = root\n", "`gid = root` resolves to id 0", Severity.WARNING),
        ("uid = app\ngid = 0\n", "\"group 0 not found.\"", Severity.ERROR),
    ],
)
def test_workers_run_as_root_explicit(lines: str, needle: str, severity: Severity) -> None:
    for deployment in ("plain", "container", "emperor-vassal"):
        hit = one("workers-run-as-root", SOCK + APP + lines, deployment)
        assert needle in hit.message and hit.severity is severity
    assert one("workers-run-as-root", lines)  # a fragment's explicit root is reported too


@pytest.mark.parametrize(
    "lines",
    [
        APP + "uid = app\ngid = app\n",
        APP + "uid = 1000\ngid = 1000\n",
        APP + "immediate-uid = app\n",
        APP + "uid = $(APP_USER)\n",
        APP + "if-env = PROD\nuid = app\ngid = app\nendif =\n",
        APP + "include = /nonexistent/dir/users.ini\n",
        "emperor = /etc/uwsgi/vassals\n",
        "master = true\nprocesses = 4\n",  # no app: a shared fragment
    ],
)
def test_workers_run_as_root_near_misses(lines: str) -> None:
    assert found("workers-run-as-root", SOCK + lines) == []


# -- master-as-root-unneeded -------------------------------------------------------------

DROPS = SOCK + "module = app:application\nuid = app\ngid = app\n"


def test_master_as_root_unneeded() -> None:
    hit = one("master-as-root-unneeded", DROPS + "master-as-root = true\n")
    assert hit.severity is Severity.INFO and "imports the app as root" in hit.message
    lazy = one("master-as-root-unneeded", DROPS + "lazy-apps = true\nmaster-as-root\n")
    assert "imports the app" not in lazy.message and "`master-as-root`" in lazy.message
    useless = one("master-as-root-unneeded", SOCK + "master-as-root = true\n")
    assert "does nothing here: there is no `uid`" in useless.message
    as_root = one("master-as-root-unneeded", SOCK + "uid = root\nmaster-as-root = true\n")
    assert "`uid = root` keeps uid 0" in as_root.message


@pytest.mark.parametrize(
    "lines",
    [
        "master-as-root = false\n",
        "master-as-root = true\nattach-daemon2 = cmd=/usr/bin/worker,uid=33\n",
        "master-as-root = true\nattach-daemon = /usr/bin/worker\n",
        "master-as-root = true\ncron = 0 -1 -1 -1 -1 /usr/bin/backup\n",
        "master-as-root = true\ntouch-logreopen = /run/app/reopen\n",
        "master-as-root = true\ninclude = /nonexistent/dir/daemons.ini\n",
    ],
)
def test_master_as_root_unneeded_near_misses(lines: str) -> None:
    assert found("master-as-root-unneeded", DROPS + lines) == []


# -- tls-v1-enabled ----------------------------------------------------------------------

TLS = "https-socket = :8443,/etc/app/cert.pem,/etc/app/key.pem\n"


def test_tls_v1_enabled() -> None:
    hit = one("tls-v1-enabled", TLS + "ssl-enable-tlsv1 = true\n")
    assert "disabling TLS 1.0" in hit.message and "`https-socket = " in hit.message
    sslv3 = one("tls-v1-enabled", TLS + "ssl-enable3\n")
    assert "SSLv3" in sslv3.message
    alone = one("tls-v1-enabled", "ssl-enable-tlsv1 = 1\n")
    assert "every TLS listener of the instance" in alone.message


@pytest.mark.parametrize(
    "lines",
    ["ssl-enable-tlsv1 = false\n", "ssl-enable-tlsv1 = true\nssl-enable-tlsv1 = off\n",
     "ssl-option = 268435456\n", ""],
)
def test_tls_v1_enabled_near_misses(lines: str) -> None:
    assert found("tls-v1-enabled", TLS + lines) == []


# -- runtime-files-in-tmp ----------------------------------------------------------------


def test_runtime_files_in_tmp_by_deployment() -> None:
    text = "socket = /tmp/app.sock\npidfile = /var/tmp/app.pid\nmaster-fifo = /tmp/fifo\n"
    plain = found("runtime-files-in-tmp", text)
    assert [(f.line, f.severity) for f in plain] == [(2, Severity.INFO), (3, Severity.INFO),
                                                     (4, Severity.INFO)]
    assert "puts the socket in /tmp" in plain[0].message
    assert "written before privileges are dropped" in plain[1].message
    systemd = found("runtime-files-in-tmp", text, "systemd")
    assert {f.severity for f in systemd} == {Severity.WARNING}
    assert "PrivateTmp=" in systemd[0].message
    assert found("runtime-files-in-tmp", text, "container") == []
    assert len(found("runtime-files-in-tmp", text, "emperor-vassal")) == 3


@pytest.mark.parametrize(
    "lines",
    ["socket = /run/app/app.sock\n", "socket = @tmp-app\n", "socket = /tmpfs/app.sock\n",
     "abstract-socket = true\nsocket = /tmp/app.sock\npy-tracebacker = /tmp/tb\n",
     "socket = 127.0.0.1:3031\n", "pidfile2 = /run/app.pid\n"],
)
def test_runtime_files_in_tmp_near_misses(lines: str) -> None:
    assert found("runtime-files-in-tmp", lines) == []


# -- chmod-socket-invalid ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "fix"),
    [
        ("chmod-socket = 0660", "write `chmod-socket = 660`"),
        ("chmod = 0770", "write `chmod = 770`"),
        ("chmod-socket", "three octal digits"),
        ("chmod-socket = true", "three octal digits"),
        ("chmod-socket = 660 ; group", "three octal digits"),
        ("chmod-socket = 888", "three octal digits"),
    ],
)
def test_chmod_socket_invalid(line: str, fix: str) -> None:
    hit = one("chmod-socket-invalid", SOCK + line + "\n")
    assert hit.severity is Severity.ERROR and "invalid chmod value" in hit.message
    assert hit.fix is not None and fix in hit.fix


@pytest.mark.parametrize("value", ["1", "660", "000", "777", "$(MODE)"])
def test_chmod_socket_valid_values(value: str) -> None:
    assert found("chmod-socket-invalid", SOCK + f"chmod-socket = {value}\n") == []


# -- unix-socket-path-too-long -----------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "flagged"),
    [
        ("socket = /" + "a" * 101, False),  # 102 bytes: the longest uWSGI binds
        ("socket = /" + "a" * 102, True),
        ("stats = /" + "s" * 102, True),
        ("http-socket = @" + "h" * 102, True),
        ("shared-socket = /" + "x" * 102, True),
        ("socket = 127.0.0.1:" + "1" * 120, False),
        ("socket = /run/%(x)" + "a" * 120, False),  # unknown final text
        ("socket = /run/é" + "a" * 96, True),  # counted in bytes: 103
    ],
)
def test_unix_socket_path_too_long(line: str, flagged: bool) -> None:
    hits = found("unix-socket-path-too-long", line + "\n")
    assert bool(hits) is flagged
    if hits:
        assert "\"invalid socket name\"" in hits[0].message


# -- no-listener -------------------------------------------------------------------------


def test_no_listener_by_deployment() -> None:
    text = "master = true\nmodule = app:application\n"
    plain = one("no-listener", text)
    assert plain.severity is Severity.INFO and plain.line == 3
    assert "the command line or another `--ini`" in plain.message
    assert "LISTEN_FDS" in one("no-listener", text, "systemd").message
    assert one("no-listener", text, "container")
    assert found("no-listener", text, "emperor-vassal") == []
    assert one("no-listener", text + "stats = 127.0.0.1:9191\n")  # stats does not count


@pytest.mark.parametrize(
    "lines",
    [
        "socket = /run/app.sock\n", "http = :8080\n", "shared-socket = :80\n",
        "https = :443,/c,/k\n", "zerg = /run/zerg.sock\n", "emperor = /etc/vassals\n",
        "attach-daemon = /usr/bin/worker\n", "cron = -1 -1 -1 -1 -1 /usr/bin/job\n",
        "spooler = /var/spool/app\n", "no-server = true\n", "chmod-socket = 660\n",
        "protocol = http\n", "if-env = PORT\nhttp-socket = :%(_)\nendif =\n",
        "include = /nonexistent/dir/sockets.ini\n",
    ],
)
def test_no_listener_near_misses(lines: str) -> None:
    assert found("no-listener", "module = app:application\n" + lines) == []
    assert found("no-listener", "master = true\n") == []  # no app: a fragment


# -- listen-exceeds-somaxconn ------------------------------------------------------------


def test_listen_exceeds_somaxconn() -> None:
    assert found("listen-exceeds-somaxconn", "listen = 128\n") == []
    assert found("listen-exceeds-somaxconn", "listen = $(BACKLOG)\n") == []
    old = one("listen-exceeds-somaxconn", "listen = 1024\n")
    assert old.severity is Severity.WARNING and "before 5.4" in old.message
    assert old.fix is not None and "/etc/sysctl.d/" in old.fix
    huge = one("listen-exceeds-somaxconn", "listen = 65535\n")
    assert "above even the 4096" in huge.message


def test_listen_exceeds_somaxconn_in_a_container() -> None:
    hit = one("listen-exceeds-somaxconn", "listen = 1024\n", "container")
    assert "network namespace" in hit.message
    assert hit.fix is not None and "--sysctl net.core.somaxconn=1024" in hit.fix


# -- the real uWSGI agrees ---------------------------------------------------------------


def run(tmp_path: Path, text: str) -> tuple[int, str]:
    """Start uWSGI on ``text`` in the sandbox; ``need-app`` with a missing file makes a
    healthy start end right after binding (exit 22), before any worker runs."""
    data = ("[uwsgi]\nneed-app = true\n" + APP + text).encode()
    uwsgi_oracle.check_safe(data)
    path = tmp_path / "app.ini"
    path.write_bytes(data)
    rc, _, err = uwsgi_oracle.run_uwsgi(["--ini", str(path)], cwd=tmp_path)
    return rc, err.decode("utf-8", "replace")


@pytest.mark.parametrize("value", ["0660", "", "true", "660 ; x", "660", "1", "000", "777"])
def test_chmod_socket_verdicts_match_uwsgi(oracle: str, tmp_path: Path, value: str) -> None:
    line = f"chmod-socket = {value}\n" if value else "chmod-socket\n"
    text = "socket = /tmp/app.sock\n" + line
    rc, log = run(tmp_path, text)
    refused = f"invalid chmod value: {value}" in log
    assert refused is (rc == 1)
    assert refused is bool(found("chmod-socket-invalid", text))
    lazy = "chmod() socket to 666 for lazy and brave users" in log
    world = found("world-writable-socket", text)
    assert lazy is (value in ("1", "000"))
    assert bool(world) is (value in ("1", "000", "777"))


@pytest.mark.parametrize("size", [102, 103])
def test_socket_name_limit_matches_uwsgi(oracle: str, tmp_path: Path, size: int) -> None:
    text = "socket = /tmp/" + "a" * (size - len("/tmp/")) + "\n"
    rc, log = run(tmp_path, text)
    refused = "invalid socket name" in log
    assert refused is (size > 102) and (rc == 1) is refused
    assert bool(found("unix-socket-path-too-long", text)) is refused


@pytest.mark.parametrize("backlog", [100, 128, 1000000])
def test_listen_limit_matches_uwsgi(oracle: str, tmp_path: Path, backlog: int) -> None:
    text = f"socket = /tmp/app.sock\nlisten = {backlog}\n"
    rc, log = run(tmp_path, text)
    refused = "Listen queue size is greater than the system max net.core.somaxconn" in log
    assert refused is (backlog > 128 * 1000) and (rc == 1) is refused
    assert bool(found("listen-exceeds-somaxconn", text)) is (backlog > 128)


def test_uid_zero_stops_uwsgi(oracle: str, tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("uWSGI only looks users up when it starts as root")
    text = "socket = /tmp/app.sock\nuid = 0\ngid = root\n"
    rc, log = run(tmp_path, text)
    assert rc == 1 and "user 0 not found." in log
    assert "user 0 not found." in one("workers-run-as-root", text).message


@pytest.mark.parametrize(
    ("text", "starts"),
    [("", False), ("stats = /tmp/stats.sock\n", False), ("socket = /tmp/app.sock\n", True),
     ("http-socket = 127.0.0.1:8000\n", True)],
)
def test_no_listener_matches_uwsgi(oracle: str, tmp_path: Path, text: str,
                                   starts: bool) -> None:
    rc, log = run(tmp_path, text)
    missing = "The -s/--socket option is missing and stdin is not a socket." in log
    assert missing is not starts and rc == (22 if starts else 1)
    assert bool(found("no-listener", APP + text)) is not starts
