"""The attached-daemon rules (UWM020-UWM026, UWM034 for daemons), each with the near misses it
must stay quiet on."""

from __future__ import annotations

import pytest
from rule_helpers import ini, lint, only

from pytest_uwsgi_lint.findings import Severity

# -- daemon-needs-root ------------------------------------------------------------------------


def test_needs_root_numeric_ids_are_certain() -> None:
    finding = only("daemon-needs-root", ini("uid = 1000", "gid = 1000",
                                            "attach-daemon2 = cmd=w,uid=33,gid=33"))
    assert (finding.code, finding.line, finding.severity) == ("UWM020", 4, Severity.ERROR)
    assert "setgid(33) and setuid(33) fails with EPERM" in finding.message
    assert "respawns it about every second" in finding.message
    assert "master-as-root = true" in (finding.fix or "")


def test_needs_root_ns_pid_always_fails() -> None:
    finding = only("daemon-needs-root", ini("uid = www-data",
                                            "attach-daemon2 = cmd=w,ns_pid=1"))
    assert finding.severity is Severity.ERROR
    assert "clone(CLONE_NEWPID)" in finding.message


def test_needs_root_named_instance_user_is_a_warning() -> None:
    finding = only("daemon-needs-root", ini("uid = www-data", "gid = www-data",
                                            "attach-daemon2 = cmd=w,uid=33"))
    assert finding.severity is Severity.WARNING
    assert "unless `www-data` already has these ids" in finding.message


def test_needs_root_immediate_uid_is_not_saved_by_master_as_root() -> None:
    finding = only("daemon-needs-root", ini("immediate-uid = 1000", "master-as-root = true",
                                            "attach-daemon2 = cmd=w,uid=33"))
    assert "drops root while the config is read" in finding.message


@pytest.mark.parametrize("text", [
    ini("uid = 1000", "master-as-root = true", "attach-daemon2 = cmd=w,uid=33,ns_pid=1"),
    ini("attach-daemon2 = cmd=w,uid=33,gid=33,ns_pid=1"),  # master stays root
    ini("gid = 1000", "attach-daemon2 = cmd=w,uid=33"),  # no uid: still root
    ini("uid = root", "attach-daemon2 = cmd=w,uid=33"),
    ini("uid = 1000", "gid = 1000", "attach-daemon2 = cmd=w,uid=1000,gid=1000"),
    ini("uid = 1000", "attach-daemon2 = cmd=w,uid=nobody"),  # atoi 0: no setuid at all
    ini("uid = 1000", "attach-daemon2 = cmd=w"),
    ini("uid = 1000", "attach-daemon = w --uid=33"),
    ini("uid = $(APP_UID)", "attach-daemon2 = cmd=w,uid=33"),
    ini("uid = 1000", "ini = /nonexistent/more.ini", "attach-daemon2 = cmd=w,uid=33"),
])
def test_needs_root_near_misses(text: str) -> None:
    assert lint("daemon-needs-root", text) == []


# -- daemon-id-not-numeric --------------------------------------------------------------------


def test_uid_by_name_runs_as_root_when_the_master_keeps_root() -> None:
    finding = only("daemon-id-not-numeric", ini("attach-daemon2 = cmd=w,uid=www-data"))
    assert finding.code == "UWM021" and finding.severity is Severity.ERROR
    assert "`uid=www-data`: uWSGI reads `www-data` with atoi as 0" in finding.message
    assert "the daemon runs as root" in finding.message


def test_gid_by_name_after_a_drop_runs_as_the_instance_user() -> None:
    finding = only("daemon-id-not-numeric", ini("uid = 1000", "attach-daemon2 = cmd=w,gid=www"))
    assert finding.severity is Severity.WARNING
    assert "runs as the instance's user" in finding.message


def test_stop_signal_by_name_sends_nothing_then_sigkill() -> None:
    finding = only("daemon-id-not-numeric", ini("attach-daemon2 = cmd=w,stopsignal=SIGINT"))
    assert "signal 0 sends nothing" in finding.message and "SIGKILL" in finding.message
    assert finding.fix == "write the number: `stopsignal=2` on Linux"


def test_reload_signal_alias_by_name() -> None:
    finding = only("daemon-id-not-numeric", ini("attach-daemon2 = cmd=w,reload_signal=HUP"))
    assert "sends the stop signal instead" in finding.message
    assert finding.fix == "write the number: `reloadsignal=1` on Linux"


def test_freq_with_a_unit_says_what_is_read() -> None:
    finding = only("daemon-id-not-numeric", ini("attach-daemon2 = cmd=w,freq=5s"))
    assert "reads `5s` with atoi as 5" in finding.message


@pytest.mark.parametrize("text", [
    ini("attach-daemon2 = cmd=w,uid=33,gid=33,stopsignal=2,reloadsignal=1,freq=3"),
    ini("attach-daemon2 = cmd=w,uid=$(APP_UID)"),
    ini("attach-daemon = w --uid=www-data"),
    ini("attach-daemon2 = cmd=w --stopsignal=SIGTERM"),
    ini("legion-attach-daemon2 = cmd=w,uid=www-data"),
])
def test_id_not_numeric_near_misses(text: str) -> None:
    assert lint("daemon-id-not-numeric", text) == []


# -- daemon-flag-value-ignored ----------------------------------------------------------------


@pytest.mark.parametrize(("item", "name", "effect"), [
    ("control=0", "control", "shuts the whole instance down"),
    ("daemonize=false", "daemonize", "writes its pidfile"),
    ("daemon=no", "daemonize", "writes its pidfile"),
    ("stdin=off", "stdin", "master's stdin"),
    ("ns_pid=False", "ns_pid", "new PID namespace"),
    ("notifypid=0", "notifypid", "signals the pidfile daemon"),
])
def test_off_values_turn_flags_on(item: str, name: str, effect: str) -> None:
    finding = only("daemon-flag-value-ignored", ini(f"attach-daemon2 = cmd=w,{item}"))
    assert (finding.code, finding.severity) == ("UWM022", Severity.ERROR)
    assert f"`{item}` turns {name} ON" in finding.message and effect in finding.message
    assert finding.fix == f"remove `{item}` to leave {name} off"


@pytest.mark.parametrize("text", [
    ini("attach-daemon2 = cmd=w,control=1,daemonize=true,stdin=yes,ns_pid=True,notifypid=on"),
    ini("attach-daemon2 = cmd=w,control=,daemonize"),
    ini("attach-daemon2 = cmd=w --control=0"),
    ini("attach-control-daemon = w"),
])
def test_flag_value_near_misses(text: str) -> None:
    assert lint("daemon-flag-value-ignored", text) == []


# -- daemon-unknown-key -----------------------------------------------------------------------


def test_legion_key_is_ignored() -> None:
    finding = only("daemon-unknown-key", ini("attach-daemon2 = cmd=w,legion=cluster"))
    assert finding.code == "UWM023"
    assert "runs on every node, not only on the lord of legion `cluster`" in finding.message
    assert finding.fix == "use `legion-attach-daemon = cluster <command>` (SSL builds)"


@pytest.mark.parametrize(("item", "suggestion"), [
    ("stop-signal=2", "stop_signal"),
    ("user=33", "uid"),
    ("pidfle=/run/x.pid", "pidfile"),
    ("CMD=x", "cmd"),
])
def test_unknown_key_suggests_the_key(item: str, suggestion: str) -> None:
    finding = only("daemon-unknown-key", ini(f"attach-daemon2 = cmd=w,{item}"))
    assert f"did you mean `{suggestion}`?" in finding.message


def test_key_with_a_blank_is_not_the_key() -> None:
    finding = only("daemon-unknown-key", ini("attach-daemon2 = cmd=w, uid=33"))
    assert "does not trim blanks" in finding.message and "not `uid`" in finding.message
    assert finding.fix == "write `uid=33`"


def test_bare_flag_is_dropped() -> None:
    finding = only("daemon-unknown-key", ini("attach-daemon2 = cmd=w,control"))
    assert "`control` has no `=`: uWSGI drops the item, so control stays off" in finding.message
    assert finding.fix == "write `control=1`"


def test_key_newer_than_the_target_version() -> None:
    finding = only("daemon-unknown-key", ini("attach-daemon2 = cmd=w,chdir=/srv"), "2.0.5")
    assert "only from 2.0.6 on" in finding.message


@pytest.mark.parametrize(("text", "version"), [
    (ini("attach-daemon2 = ns_pid=1,touch=/etc/a.pl,command=perl /etc/a.pl"), "2.0.30"),
    (ini("attach-daemon2 = cmd=w,chdir=/srv,notifypid=1,max_throttle=3"), "2.0.30"),
    (ini("attach-daemon2 = cmd=w,chdir=/srv"), "2.0.6"),
    (ini("attach-daemon2 = cmd=echo hello,world"), "2.0.30"),  # the comma rule's business
    (ini("attach-daemon2 = cmd=w,$(EXTRA)"), "2.0.30"),
    (ini("attach-daemon = w --legion=x"), "2.0.30"),
])
def test_unknown_key_near_misses(text: str, version: str) -> None:
    assert lint("daemon-unknown-key", text, version) == []


# -- daemon-missing-command -------------------------------------------------------------------


def test_attach_daemon2_without_command_stops_uwsgi() -> None:
    finding = only("daemon-missing-command",
                   ini("attach-daemon2 = pidfile=/run/x.pid,daemonize=1"))
    assert (finding.code, finding.severity) == ("UWM024", Severity.ERROR)
    assert finding.message == ("uWSGI exits at start-up with \"--attach-daemon2: you need to "
                               "specify a 'command' key\"")


def test_smart_daemon_without_space_stops_uwsgi() -> None:
    finding = only("daemon-missing-command", ini("smart-attach-daemon = /run/x.pid"))
    assert "invalid smart-attach-daemon syntax: /run/x.pid" in finding.message


def test_legion_daemon_without_legion_stops_uwsgi() -> None:
    finding = only("daemon-missing-command", ini("legion-attach-daemon = memcached"))
    assert "invalid legion daemon syntax: memcached" in finding.message


@pytest.mark.parametrize("line", ["attach-daemon =", "attach-daemon2 = cmd="])
def test_empty_command_is_a_warning(line: str) -> None:
    finding = only("daemon-missing-command", ini(line))
    assert finding.severity is Severity.WARNING
    assert "empty command" in finding.message


@pytest.mark.parametrize("text", [
    ini("attach-daemon = memcached"),
    ini("attach-daemon2 = exec=memcached"),
    ini("smart-attach-daemon = /run/x.pid memcached -d"),
    ini("legion-attach-daemon = cluster memcached"),
    ini("smart-attach-daemon = $(PIDFILE_AND_CMD)"),
    ini("legion-attach-daemon2 = pidfile=/x"),
])
def test_missing_command_near_misses(text: str) -> None:
    assert lint("daemon-missing-command", text) == []


# -- daemon-command-comma ---------------------------------------------------------------------


def test_comma_cuts_the_command() -> None:
    finding = only("daemon-command-comma",
                   ini("attach-daemon2 = cmd=celery worker --autoscale=6,1,uid=33"))
    assert (finding.code, finding.severity) == ("UWM025", Severity.ERROR)
    assert finding.message == ("the unescaped comma ends the command: uWSGI runs `celery "
                               "worker --autoscale=6` and drops `1`")
    assert finding.fix == "escape each comma of the command as `\\,`"


@pytest.mark.parametrize("text", [
    ini(r"attach-daemon2 = cmd=celery worker --autoscale=6\,1"),
    ini("attach-daemon2 = cmd=w,uid=33,control"),
    ini("attach-daemon2 = touch=/a,cmd=w"),
    ini("attach-daemon = celery worker --autoscale=6,1"),
])
def test_comma_near_misses(text: str) -> None:
    assert lint("daemon-command-comma", text) == []


# -- control-daemon-pidfile -------------------------------------------------------------------


def test_control_with_pidfile_is_ignored() -> None:
    finding = only("control-daemon-pidfile",
                   ini("attach-daemon2 = cmd=w,pidfile=/run/w.pid,daemonize=1,control=1"))
    assert (finding.code, finding.severity) == ("UWM026", Severity.WARNING)
    assert "`control` is ignored for a daemon with `pidfile=/run/w.pid`" in finding.message
    assert "respawned and the instance keeps running" in finding.message


@pytest.mark.parametrize("text", [
    ini("attach-daemon2 = cmd=w,control=1"),
    ini("attach-daemon2 = cmd=w,pidfile=/run/w.pid"),
    ini("attach-control-daemon = w"),
    ini("smart-attach-daemon = /run/w.pid w"),
])
def test_control_pidfile_near_misses(text: str) -> None:
    assert lint("control-daemon-pidfile", text) == []


# -- legion-not-defined (daemons) -------------------------------------------------------------


def test_legion_daemon_for_an_undefined_legion() -> None:
    finding = only("legion-not-defined", ini(
        "legion = cluster 10.0.0.1:4242 100 bf-cbc:secret",
        "legion-attach-daemon = memcached -p 11211",
    ))
    assert finding.code == "UWM034"
    assert "lord of legion `memcached`" in finding.message
    assert "(defined: cluster)" in finding.message and "never started" in finding.message


@pytest.mark.parametrize("text", [
    ini("legion = cluster 10.0.0.1:4242 100 bf-cbc:secret",
        "legion-smart-attach-daemon = cluster /run/m.pid memcached -d"),
    ini("legion-mcast = cluster 225.1.1.1:4242 100 bf-cbc:secret",
        "legion-attach-daemon = cluster memcached"),
    ini("ini = /nonexistent/legion.ini", "legion-attach-daemon = cluster memcached"),
    ini("legion = %(name) 10.0.0.1:4242 100 bf-cbc:secret",
        "legion-attach-daemon = cluster memcached"),
    ini("legion-attach-daemon2 = cmd=memcached"),
])
def test_legion_daemon_near_misses(text: str) -> None:
    assert lint("legion-not-defined", text) == []


def test_empty_items_cut_nothing() -> None:
    assert lint("daemon-command-comma", ini("attach-daemon2 = cmd=w,,uid=33,")) == []
    finding = only("daemon-command-comma", ini("attach-daemon2 = cmd=,,--flag"))
    assert "uWSGI runs an empty command and drops `--flag`" in finding.message


def test_item_without_a_key() -> None:
    finding = only("daemon-unknown-key", ini("attach-daemon2 = =1,cmd=w"))
    assert finding.message == "`=1` has no key before `=`: uWSGI ignores it"
    assert finding.fix is None
