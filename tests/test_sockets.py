"""The listening-address model: how each option's value is typed, as uWSGI 2.0.30 binds it.

The scopes of TCP hosts follow core/socket.c (``socket_to_in_addr``, ``socket_to_in_addr6``)
and were measured on the binary in a private network namespace: ``0`` binds 0.0.0.0,
``127.1`` and ``localhost`` bind 127.0.0.1, ``[0::0]`` and ``[localhost]`` bind ``::``.
"""

from __future__ import annotations

import pytest

from pytest_uwsgi_lint.loader import load
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.sockets import (
    ANY,
    LOCAL,
    LOOPBACK,
    NAMED,
    REMOTE,
    UNKNOWN,
    chmod_value_valid,
    default_protocol,
    listeners,
    parse_address,
    socket_mode,
)


def config(text: str, path: str = "app.ini") -> Config:
    loaded = load(text.encode(), path)
    return Config(loaded.entries, loaded.files[0], None, loaded)


@pytest.mark.parametrize(
    ("text", "family", "scope", "host", "port"),
    [
        (":3031", "tcp", ANY, "", "3031"),
        ("0.0.0.0:3031", "tcp", ANY, "0.0.0.0", "3031"),
        ("0:3031", "tcp", ANY, "0", "3031"),
        ("127.0.0.1:3031", "tcp", LOOPBACK, "127.0.0.1", "3031"),
        ("127.1:3031", "tcp", LOOPBACK, "127.1", "3031"),
        ("localhost:3031", "tcp", LOOPBACK, "localhost", "3031"),
        ("10.0.0.7:3031", "tcp", REMOTE, "10.0.0.7", "3031"),
        ("192.168.*:3031", "tcp", REMOTE, "192.168.*", "3031"),
        ("127.*:3031", "tcp", LOOPBACK, "127.*", "3031"),
        ("*:3031", "tcp", UNKNOWN, "*", "3031"),
        ("app.internal:3031", "tcp", NAMED, "app.internal", "3031"),
        ("[::]:3031", "tcp6", ANY, "[::]", "3031"),
        ("[0::0]:3031", "tcp6", ANY, "[0::0]", "3031"),
        ("[::1]:3031", "tcp6", LOOPBACK, "[::1]", "3031"),
        ("[::ffff:127.0.0.1]:3031", "tcp6", LOOPBACK, "[::ffff:127.0.0.1]", "3031"),
        ("[2001:db8::1]:3031", "tcp6", REMOTE, "[2001:db8::1]", "3031"),
        ("[localhost]:3031", "tcp6", ANY, "[localhost]", "3031"),
        ("/run/app:1/x", "tcp", UNKNOWN, "/run/app", "1/x"),
        ("  :3031", "tcp", ANY, "", "3031"),
        ("/run/app/app.sock", "unix", LOCAL, "", ""),
        ("app.sock", "unix", LOCAL, "", ""),
        ("@app", "abstract", LOCAL, "", ""),
        ("\\0app", "abstract", LOCAL, "", ""),
        ("=0", "shared", UNKNOWN, "", "0"),
        ("fd://3", "fd", UNKNOWN, "", ""),
    ],
)
def test_addresses_are_typed_as_uwsgi_binds_them(
    text: str, family: str, scope: str, host: str, port: str
) -> None:
    address = parse_address(text)
    assert (address.family, address.scope, address.host, address.port) == (
        family, scope, host, port)
    assert address.exact


@pytest.mark.parametrize(
    ("text", "family", "scope"),
    [
        (":$(PORT)", "tcp", ANY),  # the written colon makes it TCP, the host is empty
        ("localhost:$(PORT)", "tcp", LOOPBACK),
        ("0.0.0.0:%(port)", "tcp", ANY),
        ("%(host):%(port)", "tcp", UNKNOWN),
        ("$(HOST)x:80", "tcp", UNKNOWN),
        ("/run/%(name).sock", "unix", LOCAL),
        ("%(home)/run/app.sock", "unix", LOCAL),
        ("$(SOCKET)", "unknown", UNKNOWN),
        ("x$(a:b)", "unknown", UNKNOWN),  # the colon is inside the expansion
    ],
)
def test_unexpanded_values_keep_what_the_written_text_decides(
    text: str, family: str, scope: str
) -> None:
    address = parse_address(text)
    assert (address.family, address.scope, address.exact) == (family, scope, False)


def test_abstract_socket_flag_makes_every_path_abstract() -> None:
    assert parse_address("/tmp/a.sock", abstract_mode=True).family == "abstract"
    found = listeners(config("[uwsgi]\nabstract-socket = true\nsocket = /tmp/a.sock\n"))
    assert [item.address.family for item in found] == ["abstract"]
    assert not found[0].address.is_path


def test_exposure_and_descriptions() -> None:
    assert parse_address(":80").where() == "every network interface (port 80)"
    assert parse_address("[::]:80").where() == "every IPv6 network interface (port 80)"
    assert parse_address("db:80").where() == "whatever `db` resolves to at start-up (port 80)"
    assert parse_address("10.0.0.1:80").where() == "the non-loopback address 10.0.0.1 (port 80)"
    assert "matching `192.*`" in parse_address("192.*:80").where()
    assert [parse_address(t).exposed for t in (":1", "10.0.0.1:1", "db:1", "127.0.0.1:1",
                                                "/a", "=0")] == [True, True, True, False,
                                                                 False, False]


def test_listeners_in_order_with_roles_and_protocols() -> None:
    found = listeners(config(
        "[uwsgi]\n"
        "socket = /run/a.sock\n"
        "http-socket = :8080\n"
        "https-socket = :8443,/c.pem,/k.pem,HIGH\n"
        "ssl-socket = 127.0.0.1:9000,/c.pem,/k.pem\n"
        "fastcgi-socket = :9001\n"
        "http = :80\n"
        "https2 = addr=:443,cert=/c.pem,key=/k.pem\n"
        "fastrouter = 127.0.0.1:3017\n"
        "stats-server = /run/stats.sock\n"
        "emperor-stats = :9999\n"
        "http-stats = 127.0.0.1:9002\n"
    ))
    assert [(i.option, i.role, i.protocol, i.address.text) for i in found] == [
        ("socket", "socket", "uwsgi", "/run/a.sock"),
        ("http-socket", "socket", "http", ":8080"),
        ("https-socket", "socket", "https", ":8443"),
        ("ssl-socket", "socket", "suwsgi", "127.0.0.1:9000"),
        ("fastcgi-socket", "socket", "fastcgi", ":9001"),
        ("http", "router", "http", ":80"),
        ("https2", "router", "https", ":443"),
        ("fastrouter", "router", "uwsgi", "127.0.0.1:3017"),
        ("stats", "stats", "stats", "/run/stats.sock"),
        ("emperor-stats", "stats", "stats", ":9999"),
        ("http-ss", "stats", "stats", "127.0.0.1:9002"),
    ]


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ("", "uwsgi"),
        ("protocol = http\n", "http"),
        ("socket-protocol = fastcgi\n", "fastcgi"),
        ("protocol = $(PROTO)\n", ""),
        ("if-env = HTTP\nprotocol = http\nendif =\n", ""),
    ],
)
def test_default_protocol(lines: str, expected: str) -> None:
    cfg = config(f"[uwsgi]\n{lines}socket = :3031\n")
    assert default_protocol(cfg) == expected
    assert listeners(cfg)[-1].protocol == expected


def test_shared_socket_references_resolve_by_position() -> None:
    found = listeners(config(
        "[uwsgi]\n"
        "shared-socket = 127.0.0.1:3031\n"
        "undeferred-shared-socket = :80\n"
        "uwsgi-socket = =1\n"
        "http = =0\n"
        "socket = =7\n"
    ))
    uwsgi, router, dangling = found[2:]
    assert uwsgi.shared is not None and uwsgi.bound.text == ":80"
    assert uwsgi.quoted() == "`uwsgi-socket = =1` (shared socket `:80`)"
    assert router.shared is not None and router.bound.scope == LOOPBACK
    assert dangling.shared is None and dangling.bound.family == "shared"


@pytest.mark.parametrize(
    ("text", "valid"),
    [("1", True), ("660", True), ("777", True), ("000", True), ("0660", False),
     ("", False), ("true", False), ("u+rw", False), ("668", False), ("66", False),
     ("660 ", False)],
)
def test_chmod_values_uwsgi_accepts(text: str, valid: bool) -> None:
    assert chmod_value_valid(text) is valid


@pytest.mark.parametrize(
    ("lines", "mode", "how", "line"),
    [
        ("chmod-socket = 660\n", 0o660, "chmod", 2),
        ("chmod-socket = 1\n", 0o666, "chmod-666", 2),
        ("chmod-socket = 000\n", 0o666, "chmod-666", 2),
        ("chmod-socket = 660\nchmod = 1\n", 0o660, "chmod", 2),
        ("chmod-socket = 1\nchmod-socket = 660\n", 0o660, "chmod", 3),
        ("chmod-socket = 666\nchmod-socket = 660\n", 0o660 | (0o6 << 9), "chmod", 3),
        # measured: 661 then 000 leaves the socket with mode 1000 (sticky bit only)
        ("chmod-socket = 661\nchmod-socket = 000\n", 0o1000, "chmod", 3),
        ("umask = 022\n", 0o755, "umask", 2),
        ("umask = 000\n", 0o777, "umask", 2),
        ("umask = 0027\n", 0o750, "umask", 2),
        ("umask = 22\n", 0o777, "umask", 2),  # too short: "invalid umask", then umask(0)
        ("daemonize = /var/log/app.log\n", 0o777, "daemonize", 2),
        ("daemonize = /var/log/app.log\numask = 027\n", 0o750, "umask", 3),
        ("daemonize = /var/log/app.log\nchmod-socket = 660\n", 0o660, "chmod", 3),
    ],
)
def test_socket_mode(lines: str, mode: int, how: str, line: int) -> None:
    found = socket_mode(config(f"[uwsgi]\n{lines}"))
    assert found is not None
    assert (found.mode, found.how, found.entry.line) == (mode, how, line)


@pytest.mark.parametrize(
    "lines",
    ["", "chmod-socket = 0660\n", "chmod-socket = 660\nchmod-socket = bad\n",
     "chmod-socket = $(MODE)\n", "umask = $(UMASK)\n"],
)
def test_socket_mode_unknown_or_fatal(lines: str) -> None:
    assert socket_mode(config(f"[uwsgi]\n{lines}")) is None


def test_daemonize_keeps_the_umask_under_an_emperor() -> None:
    cfg = config("[uwsgi]\ndaemonize = /var/log/app.log\n")
    assert socket_mode(cfg, vassal=True) is None
