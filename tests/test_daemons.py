"""Daemon parsing as uWSGI 2.0.30 does it (core/daemons.c).

Expected values are uWSGI's: measured with the real binary where the reference records it
(``control=0`` is on, names read as 0, commas cut the command), otherwise read from the source
(legion forms exist only in SSL builds).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_uwsgi_lint.daemons import AttachedDaemon, parse_daemon
from pytest_uwsgi_lint.loader import load
from pytest_uwsgi_lint.master_process import may_miss_options, privilege_drop
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.reader import Entry, read_ini


def daemon(key: str, value: str) -> AttachedDaemon:
    (found,) = read_ini(f"[uwsgi]\n{key} = {value}\n".encode()).entries
    return parse_daemon(found)


def config(text: str) -> Config:
    loaded = load(text.encode(), "t.ini")
    return Config(loaded.entries, loaded.files[0], loaded=loaded)


# -- the legacy options -----------------------------------------------------------------------


def test_attach_daemon_defaults() -> None:
    d = daemon("attach-daemon", "memcached -p 11211")
    assert d.command == "memcached -p 11211"
    assert (d.control, d.daemonize, d.pidfile, d.for_legion, d.legion) == (False, False, None,
                                                                          False, None)
    assert (d.broken_counter, d.signal_stop, d.signal_reload, d.uid, d.gid) == (10, 15, 0, 0, 0)
    assert d.fatal is None and not d.keyval and d.keys == {}


def test_attach_control_daemon_is_a_control_daemon() -> None:
    assert daemon("attach-control-daemon", "memcached").control


def test_smart_attach_daemon_takes_pidfile_and_frequency() -> None:
    d = daemon("smart-attach-daemon", "/run/memcached.pid,5 /usr/bin/memcached -d")
    assert (d.pidfile, d.broken_counter, d.command) == ("/run/memcached.pid", 5,
                                                        "/usr/bin/memcached -d")
    assert not d.daemonize


def test_smart_attach_daemon2_daemonizes_for_the_command() -> None:
    d = daemon("smart-attach-daemon2", "/run/memcached.pid /usr/bin/memcached")
    assert d.daemonize and d.pidfile == "/run/memcached.pid" and d.broken_counter == 10


@pytest.mark.parametrize("key", ["smart-attach-daemon", "smart-attach-daemon2"])
def test_smart_attach_daemon_without_space_stops_uwsgi(key: str) -> None:
    d = daemon(key, "/run/memcached.pid")
    assert d.fatal == "invalid smart-attach-daemon syntax: /run/memcached.pid"


def test_empty_attach_daemon_has_an_empty_command() -> None:
    d = daemon("attach-daemon", "")
    assert d.command == "" and d.fatal is None


@pytest.mark.parametrize(("key", "pidfile", "daemonize"), [
    ("legion-attach-daemon", None, False),
    ("legion-smart-attach-daemon", "/run/x.pid", False),
    ("legion-smart-attach-daemon2", "/run/x.pid", True),
])
def test_legion_daemons_take_the_legion_name_first(
    key: str, pidfile: str | None, daemonize: bool
) -> None:
    value = "cluster /run/x.pid memcached" if pidfile else "cluster memcached"
    d = daemon(key, value)
    assert (d.legion, d.for_legion, d.command) == ("cluster", True, "memcached")
    assert (d.pidfile, d.daemonize) == (pidfile, daemonize)


def test_legion_daemon_without_legion_name_stops_uwsgi() -> None:
    assert daemon("legion-attach-daemon", "memcached").fatal == (
        "invalid legion daemon syntax: memcached")


def test_legion_split_needs_a_value_as_long_as_the_prefix() -> None:
    # core/daemons.c compares "legion-" using the value's length: "lg cmd" (6 bytes) is
    # taken as a plain command.
    d = daemon("legion-attach-daemon", "lg cmd")
    assert (d.legion, d.command, d.fatal) == (None, "lg cmd", None)


# -- attach-daemon2 ---------------------------------------------------------------------------


def test_attach_daemon2_every_key() -> None:
    d = daemon(
        "attach-daemon2",
        "cmd=cmd,freq=3,pidfile=/run/x.pid,control=1,daemonize=1,touch=/a;/b,stopsignal=15,"
        "reloadsignal=1,stdin=1,uid=1000,gid=www,ns_pid=True,chdir=/srv,max_throttle=7,"
        "notifypid=1",
    )
    assert d.command == "cmd" and d.broken_counter == 3 and d.pidfile == "/run/x.pid"
    assert d.control and d.daemonize and d.honour_stdin and d.new_pid_ns and d.notify_pid
    assert d.touch_reload == ("/a", "/b")
    assert (d.signal_stop, d.signal_reload, d.uid, d.gid) == (15, 1, 1000, 0)
    assert (d.change_dir, d.max_throttle) == ("/srv", 7)
    assert d.keyval and d.kvlist is not None and list(d.kvlist.ignored()) == []
    assert not d.command_tail


@pytest.mark.parametrize(("value", "attribute", "expected"), [
    ("command=x", "command", "x"), ("cmd=x", "command", "x"), ("exec=x", "command", "x"),
    ("cmd=y,daemon=1", "daemonize", True), ("cmd=y,stop_signal=2", "signal_stop", 2),
    ("cmd=y,reload_signal=2", "signal_reload", 2),
])
def test_attach_daemon2_aliases(value: str, attribute: str, expected: object) -> None:
    assert getattr(daemon("attach-daemon2", value), attribute) == expected


@pytest.mark.parametrize("value", ["0", "false", "False", "no", "off", ""])
def test_attach_daemon2_flags_are_on_when_present(value: str) -> None:
    # measured: "cmd=sleep 1,control=0" shut the instance down when the daemon exited
    d = daemon("attach-daemon2",
               f"cmd=sleep 1,control={value},daemonize={value},stdin={value},ns_pid={value}")
    assert d.control and d.daemonize and d.honour_stdin and d.new_pid_ns


def test_attach_daemon2_flag_without_equals_is_dropped() -> None:
    d = daemon("attach-daemon2", "cmd=sleep 1,control")
    assert not d.control
    assert d.kvlist is not None and [(i.text, i.key) for i in d.kvlist.ignored()] == [
        ("control", None)]


def test_attach_daemon2_names_read_as_zero() -> None:
    # measured: uid=nobody,gid=nogroup ran as uid 0 gid 0; stopsignal=SIGTERM sent nothing
    d = daemon("attach-daemon2", "cmd=x,uid=nobody,gid=nogroup,stopsignal=SIGTERM")
    assert (d.uid, d.gid, d.signal_stop) == (0, 0, 0)


def test_attach_daemon2_ignores_legion() -> None:
    d = daemon("attach-daemon2", "cmd=x,legion=cluster")
    assert (d.legion, d.for_legion) == (None, False)
    assert d.kvlist is not None and [i.key for i in d.kvlist.ignored()] == ["legion"]


def test_attach_daemon2_without_command_stops_uwsgi() -> None:
    d = daemon("attach-daemon2", "pidfile=/run/x.pid")
    assert d.fatal == "--attach-daemon2: you need to specify a 'command' key"
    assert not d.keyval


def test_attach_daemon2_unescaped_comma_cuts_the_command() -> None:
    # measured: "cmd=/bin/echo hello,world" logged: spawning "/bin/echo hello"
    d = daemon("attach-daemon2", "cmd=/bin/echo hello,world,uid=33")
    assert d.command == "/bin/echo hello" and d.uid == 33
    assert d.command_tail == range(1, 2) and d.dropped == "world"


def test_attach_daemon2_escaped_comma_stays_in_the_command() -> None:
    d = daemon("attach-daemon2", r"cmd=celery worker --autoscale=6\,1")
    assert d.command == "celery worker --autoscale=6,1" and not d.command_tail


def test_attach_daemon2_bare_key_name_is_not_part_of_the_command() -> None:
    assert not daemon("attach-daemon2", "cmd=x,control").command_tail
    assert not daemon("attach-daemon2", "cmd=x,contrl=1").command_tail


def test_attach_daemon2_keys_are_not_trimmed() -> None:
    d = daemon("attach-daemon2", "cmd=x, uid=33")
    assert d.uid == 0
    assert d.kvlist is not None and [i.key for i in d.kvlist.ignored()] == [" uid"]


def test_legion_attach_daemon2_is_no_uwsgi_option() -> None:
    d = daemon("legion-attach-daemon2", "cmd=x")
    assert d.for_legion and not d.option_exists and not d.keyval and d.command == "x"


@given(st.text())
def test_daemon_parsing_never_raises(value: str) -> None:
    for key in ("attach-daemon", "smart-attach-daemon", "legion-smart-attach-daemon2",
                "attach-daemon2"):
        d = parse_daemon(Entry(key, value, "t.ini", 2, 2, 1, value.encode("utf-8", "replace")))
        assert isinstance(d.command, str)


# -- the master-process view ----------------------------------------------------------------


def test_master_process_lists_every_daemon_form_in_order() -> None:
    view = config(
        "[uwsgi]\n"
        "attach-daemon2 = cmd=a\n"
        "attach-daemon = b\n"
        "smart-attach-daemon = /run/c.pid c\n"
        "legion-attach-daemon2 = cmd=d\n"
        "attach-control-daemon = e\n"
    ).master_process
    assert [(d.form, d.command) for d in view.daemons] == [
        ("attach-daemon2", "a"), ("attach-daemon", "b"), ("smart-attach-daemon", "c"),
        ("legion-attach-daemon2", "d"), ("attach-control-daemon", "e"),
    ]


@pytest.mark.parametrize(("text", "expected"), [
    ("uid = 1000\ngid = 1000", (1000, 1000, False)),
    ("uid = www-data\ngid = www-data", (None, None, False)),
    ("uid = 1000", (1000, None, False)),
    ("immediate-uid = 1000\nmaster-as-root = true", (1000, None, True)),
])
def test_privilege_drop(text: str, expected: tuple[int | None, int | None, bool]) -> None:
    drop = privilege_drop(config(f"[uwsgi]\n{text}\n"))
    assert drop is not None
    assert (drop.uid, drop.gid, drop.immediate) == expected


@pytest.mark.parametrize("text", [
    "gid = 1000",
    "uid = root",
    "uid = 0",
    "uid = 1000\nmaster-as-root = true",
    "uid = $(APP_USER)",
    "module = app",
])
def test_no_privilege_drop(text: str) -> None:
    assert privilege_drop(config(f"[uwsgi]\n{text}\n")) is None


def test_unread_include_may_hide_options() -> None:
    assert may_miss_options(config("[uwsgi]\nini = /nonexistent/local.ini\n"))
    assert not may_miss_options(config("[uwsgi]\nmodule = app\n"))
