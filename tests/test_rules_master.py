"""The master-process rules (UWM002-UWM010), each with the near misses it must stay quiet on."""

from __future__ import annotations

from pathlib import Path

import pytest
import uwsgi_oracle
from rule_helpers import ini, lint, only

from pytest_uwsgi_lint.engine import Settings, lint_source
from pytest_uwsgi_lint.findings import Severity

# -- master-not-enabled ----------------------------------------------------------------------


def test_master_not_enabled() -> None:
    finding = only("master-not-enabled", ini("module = app", "processes = 4"))
    assert finding.line == 1 and "never replaces a worker" in finding.message


@pytest.mark.parametrize("text", [
    ini("emperor = /etc/uwsgi/vassals"),
    ini("emperor = /etc/uwsgi/vassals", "emperor-tyrant = true"),
    ini("master = false", "module = app"),
    ini("stats = :9191"),
])
def test_master_not_enabled_quiet(text: str) -> None:
    assert lint("master-not-enabled", text) == []


def test_master_not_enabled_emperor_with_workers() -> None:
    assert len(lint("master-not-enabled", ini("emperor = /etc/vassals", "socket = :3031"))) == 1


# -- master-implicit -------------------------------------------------------------------------


def test_master_implicit_names_the_option_and_line() -> None:
    finding = only("master-implicit", ini("module = app", "stats = 127.0.0.1:9191"))
    assert (finding.line, finding.code, finding.severity) == (3, "UWM002", Severity.INFO)
    assert "`stats` (line 3)" in finding.message
    assert finding.fix == "add `master = true`"


def test_master_implicit_counts_the_other_implying_options() -> None:
    finding = only("master-implicit", ini("touch-reload = /x", "cron = 0 0 -1 -1 -1 true",
                                          "idle = 30"))
    assert "`touch-reload` (line 2)" in finding.message
    assert "2 more options also need it" in finding.message


@pytest.mark.parametrize("text", [
    ini("master = true", "stats = :9191"),
    ini("master = false", "stats = :9191"),
    ini("module = app", "processes = 4"),
    ini("harakiri = 30", "max-requests = 100"),
])
def test_master_implicit_quiet(text: str) -> None:
    assert lint("master-implicit", text) == []


# -- master-disabled-with-master-options -----------------------------------------------------


def test_master_off_names_inert_options_and_consequences() -> None:
    finding = only("master-disabled-with-master-options", ini(
        "cron = 0 3 -1 -1 -1 /bin/cleanup", "master = false",
        "attach-daemon = /bin/worker", "no-orphans = true",
    ))
    assert finding.line == 3 and finding.code == "UWM003"
    for text in ("`master = false` (line 3)", "`cron` (line 2)", "`attach-daemon` (line 4)",
                 "`no-orphans` (line 5)", "crons never run",
                 "attached daemons are never started"):
        assert text in finding.message


def test_master_off_lists_at_most_six() -> None:
    options = [f"master-fifo = /run/f{n}" for n in range(8)]
    finding = only("master-disabled-with-master-options", ini("master = 0", *options))
    assert "and 2 more" in finding.message
    assert "crons never run" not in finding.message


@pytest.mark.parametrize("text", [
    ini("master = false ; for now", "cron = 0 3 -1 -1 -1 x"),   # reads as true
    ini("master = false", "master = true", "stats = :9191"),     # last wins
    ini("master = false", "no-orphans = false", "log-master = off"),  # flags written off
    ini("master = false", "harakiri = 30", "max-requests = 10"),  # recycling-without-master
    ini("master = false", "catch-exceptions = true", "master-as-root = true"),
    ini("master = false", "emperor = /etc/vassals", "reload-mercy = 10"),
    ini("master = no", "module = app"),
    ini("stats = :9191"),
])
def test_master_off_quiet(text: str) -> None:
    assert lint("master-disabled-with-master-options", text) == []


def test_master_off_reload_mercy_without_emperor() -> None:
    finding = only("master-disabled-with-master-options", ini("master = off", "reload-mercy = 8"))
    assert "`reload-mercy` (line 3)" in finding.message


# -- check-interval-raised -------------------------------------------------------------------


def test_check_interval_raised() -> None:
    finding = only("check-interval-raised", ini("master = true", "check-interval = 5"))
    assert finding.line == 3 and finding.severity is Severity.WARNING
    assert "every 5 s instead of every 1 s" in finding.message


def test_check_interval_reads_like_atoi() -> None:
    finding = only("check-interval-raised", ini("check-interval = 3s"))
    assert "`check-interval = 3s`" in finding.message and "every 3 s" in finding.message


@pytest.mark.parametrize("value", ["1", "0", "abc", "$(CHECK_INTERVAL)", "-2"])
def test_check_interval_quiet(value: str) -> None:
    assert lint("check-interval-raised", ini(f"check-interval = {value}")) == []


def test_check_interval_last_wins() -> None:
    assert lint("check-interval-raised", ini("check-interval = 9", "check-interval = 1")) == []


# -- catch-exceptions-enabled ----------------------------------------------------------------


@pytest.mark.parametrize("line", ["catch-exceptions = true", "catch-exceptions",
                                  "catch-exceptions = 1"])
def test_catch_exceptions_enabled(line: str) -> None:
    finding = only("catch-exceptions-enabled", ini("master = true", line))
    assert "traceback" in finding.message and "2.0.27" not in finding.message


def test_catch_exceptions_segfault_note_before_2_0_27() -> None:
    finding = only("catch-exceptions-enabled", ini("catch-exceptions = true"), "2.0.26")
    assert "before 2.0.27" in finding.message


def test_catch_exceptions_off() -> None:
    assert lint("catch-exceptions-enabled", ini("catch-exceptions = false")) == []


# -- no-orphans-enabled ----------------------------------------------------------------------


def test_no_orphans_enabled() -> None:
    finding = only("no-orphans-enabled", ini("master = true", "no-orphans = true"))
    assert finding.line == 3 and finding.severity is Severity.INFO
    assert "SIGKILL every worker when the master exits" in finding.message


@pytest.mark.parametrize("text", [
    ini("master = true", "no-orphans = false"),
    ini("no-orphans = true"),                      # no master: the option does nothing
    ini("master = false", "no-orphans = true"),
])
def test_no_orphans_quiet(text: str) -> None:
    assert lint("no-orphans-enabled", text) == []


# -- master-fifo-unreachable -----------------------------------------------------------------


def test_master_fifo_beyond_ten() -> None:
    fifos = [f"master-fifo = /run/app/f{n}" for n in range(12)]
    findings = lint("master-fifo-unreachable", ini(*fifos))
    assert [f.line for f in findings] == [12, 13]
    assert "`master-fifo = /run/app/f10` is FIFO #11" in findings[0].message


def test_master_fifo_ten_is_fine() -> None:
    fifos = [f"master-fifo = /run/app/f{n}" for n in range(10)]
    assert lint("master-fifo-unreachable", ini(*fifos)) == []


# -- die-on-idle-without-idle ----------------------------------------------------------------


def test_die_on_idle_without_idle() -> None:
    finding = only("die-on-idle-without-idle", ini("master = true", "die-on-idle = true"))
    assert finding.line == 3 and "there is no `idle` option" in finding.message


@pytest.mark.parametrize("value", ["0", "none", "-5"])
def test_die_on_idle_with_idle_off(value: str) -> None:
    finding = only("die-on-idle-without-idle", ini(f"idle = {value}", "die-on-idle"))
    assert f"`idle = {value}` (line 2) reads as" in finding.message


@pytest.mark.parametrize("text", [
    ini("idle = 600", "die-on-idle = true"),
    ini("idle = $(IDLE)", "die-on-idle = true"),
    ini("die-on-idle = false"),
    ini("idle = 0"),
])
def test_die_on_idle_quiet(text: str) -> None:
    assert lint("die-on-idle-without-idle", text) == []


# -- sigterm-reloads -------------------------------------------------------------------------


def test_sigterm_reloads_with_master() -> None:
    finding = only("sigterm-reloads", ini("master = true", "module = app"))
    assert finding.line == 2 and finding.code == "UWM009"
    assert "reloads on SIGTERM instead of stopping" in finding.message
    assert "die-on-term = true" in (finding.fix or "")


def test_sigterm_reloads_points_at_die_on_term_false() -> None:
    finding = only("sigterm-reloads", ini("master = true", "die-on-term = false"))
    assert finding.line == 3 and "`die-on-term = false` leaves it so" in finding.message


def test_sigterm_reloads_with_exit_on_reload_off() -> None:
    """`exit-on-reload = off` is read as false by uWSGI: the reload goes on."""
    finding = only("sigterm-reloads", ini("master = true", "exit-on-reload = off"))
    assert finding.line == 2 and "reloads on SIGTERM instead of stopping" in finding.message


def test_sigterm_reloads_with_implied_master() -> None:
    assert only("sigterm-reloads", ini("stats = :9191")).line == 2


@pytest.mark.parametrize("hook", [
    "unix_signal:15 reap_them_all", "unix_signal:15 grace_them_all",
    "unix_signal:2 gracefully_kill_them_all", "unix_signal:15", "exec:kill_them_all",
])
def test_sigterm_hook_that_does_not_stop(hook: str) -> None:
    assert len(lint("sigterm-reloads", ini("master = true", f"hook-master-start = {hook}"))) == 1


@pytest.mark.parametrize("text", [
    ini("master = true", "die-on-term = true"),
    ini("master = true", "die-on-term"),
    ini("master = true", "die-on-term = false ; reads as true"),
    ini("master = true", "hook-master-start = unix_signal:15 gracefully_kill_them_all"),
    ini("master = true", "hook-master-start = !unix_signal:15 kill_them_all"),
    ini("master = true", "exit-on-reload = true"),    # the reload SIGTERM starts exits
    ini("master = true", "exit-on-reload"),
    ini("module = app"),                              # no master: SIGTERM ends the worker
    ini("master = false", "stats = :9191"),
    ini("emperor = /etc/uwsgi/vassals"),              # a bare Emperor stops on SIGTERM
])
def test_sigterm_quiet(text: str) -> None:
    assert lint("sigterm-reloads", text) == []


def test_sigterm_fix_without_hooks_before_2_0_1() -> None:
    assert only("sigterm-reloads", ini("master = true"), "1.9.21").fix == (
        "add `die-on-term = true`")
    assert "gracefully_kill_them_all" in (only("sigterm-reloads", ini("master")).fix or "")


@pytest.mark.parametrize(("version", "flagged"), [("2.0.7", 1), ("2.0.30", 1), ("2.1", 0),
                                                  ("2.1-dev", 0)])
def test_sigterm_depends_on_version(version: str, flagged: int) -> None:
    assert len(lint("sigterm-reloads", ini("master = true"), version)) == flagged


def test_absence_rules_wait_for_unread_includes() -> None:
    """A missing include may hold `die-on-term`, `idle`, `master` or a plugin line."""
    unread = "ini = /nonexistent/extra.ini"
    assert lint("sigterm-reloads", ini("master = true", unread)) == []
    assert lint("die-on-idle-without-idle", ini("die-on-idle = true", unread)) == []
    assert lint("master-implicit", ini("stats = :9191", unread)) == []
    assert lint("exception-handler-unknown", ini("exception-handler = log", unread)) == []
    assert lint("master-not-enabled", ini("module = app", unread)) == []
    assert len(lint("exception-handler-unknown", ini("exception-handler = x", unread))) == 1


def test_sigterm_skips_emperor_vassals(tmp_path: Path) -> None:
    settings = Settings(select=("sigterm-reloads",))
    for folder in ("vassals", "apps"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "app.ini").write_text(ini("master = true"))
    assert lint_source(str(tmp_path / "vassals" / "app.ini"), settings).findings == []
    assert len(lint_source(str(tmp_path / "apps" / "app.ini"), settings).findings) == 1


# -- exception-handler-unknown ---------------------------------------------------------------


def test_exception_handler_unknown_name() -> None:
    finding = only("exception-handler-unknown", ini("exception-handler = sentry:dsn"))
    assert finding.severity is Severity.ERROR
    assert "no exception handler named `sentry`" in finding.message
    assert "unable to find exception handler" in finding.message


def test_exception_handler_log_needs_its_plugin() -> None:
    finding = only("exception-handler-unknown", ini("exception-handler = log"))
    assert finding.severity is Severity.WARNING
    assert finding.fix == "add `plugin = exception_log`"


@pytest.mark.parametrize("text", [
    ini("plugin = exception_log", "exception-handler = log"),
    ini("plugins = python3,exception_log", "exception-handler = log:verbose"),
    ini("need-plugin = exception_log", "exception-handler = log"),
    ini("exception-handler = $(HANDLER)"),
])
def test_exception_handler_quiet(text: str) -> None:
    assert lint("exception-handler-unknown", text) == []


def test_exception_handler_every_entry() -> None:
    findings = lint("exception-handler-unknown", ini("exception-handler = a",
                                                     "exception-handler = b"))
    assert [f.line for f in findings] == [2, 3]


@pytest.mark.oracle
def test_oracle_unknown_exception_handler_stops_uwsgi(tmp_path: Path) -> None:
    reason = uwsgi_oracle.unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    config = tmp_path / "app.ini"
    config.write_text(ini("master = true", "socket = /tmp/oracle.sock",
                          "exception-handler = sentry"))
    assert lint("exception-handler-unknown", config.read_text())
    rc, _, stderr = uwsgi_oracle.run_uwsgi(["--ini", str(config)], expose=[tmp_path])
    assert rc == 1
    assert b"unable to find exception handler: sentry" in stderr
