"""The option-name and value-kind rules: unknown-option, option-not-in-version,
option-needs-build, deprecated-option, value-not-integer, duplicate-scalar-option and
strict-with-placeholder, against versions and against a probed build."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_uwsgi_lint import binary, catalog
from pytest_uwsgi_lint.binary import Build
from pytest_uwsgi_lint.engine import Settings, lint_source, lint_text
from pytest_uwsgi_lint.findings import Finding, Severity


def ini(*lines: str) -> str:
    return "\n".join(("[uwsgi]", "master = true", *lines)) + "\n"


def lint(rule: str, text: str, version: str = "2.0.30", binary: str | None = None) -> list[Finding]:
    settings = Settings(select=(rule,), uwsgi_version=version, uwsgi_binary=binary)
    return lint_text(text, settings)


def only(rule: str, text: str, version: str = "2.0.30") -> Finding:
    found = lint(rule, text, version)
    assert len(found) == 1, found
    return found[0]


# -- unknown-option --------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "meant"), [
    ("harikari", "harakiri"), ("max_requests", "max-requests"), ("Master", "master"),
    ("No_Orphans", "no-orphans"), ("vaccum", "vacuum"), ("proesses", "processes"),
    ("master-log", "log-master"), ("chmod-sock", "chmod-socket"),
    ("py-callos-afterfork", "py-call-osafterfork"),
])
def test_unknown_option_suggests_the_option(key: str, meant: str) -> None:
    finding = only("unknown-option", ini(f"{key} = 1"))
    assert finding.severity is Severity.WARNING
    assert finding.message.startswith(f"`{key}` is not an option of uWSGI 2.0.30: uWSGI "
                                      "ignores it silently")
    assert "with `strict` on it would refuse to start" in finding.message
    assert f"did you mean `{meant}`?" in finding.message
    assert finding.fix == f"rename it to `{meant}`"
    assert (finding.line, finding.column) == (3, 1)


def test_a_repeated_unknown_key_is_reported_once() -> None:
    finding = only("unknown-option", ini("harikari = 30", "processes = 2", "harikari = 60"))
    assert finding.line == 3
    assert finding.message.startswith("`harikari` (also on line 5) is not an option")
    many = only("unknown-option", ini(*["x = 1"] * 5))
    assert many.message.startswith("`x` (also on 4 more lines) is not an option")
    loop = only("option-not-in-version", ini("for = a b", "cheaper-idle = %(_)", "endfor ="))
    assert loop.message.startswith("`cheaper-idle` is not an option")


def test_unknown_option_is_an_error_under_strict() -> None:
    finding = only("unknown-option", ini("strict = true", "harikari = 30"))
    assert finding.severity is Severity.ERROR
    assert ("with `strict` on, uWSGI refuses to start (`[strict-mode] unknown config "
            "directive: harikari`)") in finding.message


def test_unknown_option_without_a_likely_name() -> None:
    finding = only("unknown-option", ini("RuntimeDirectory = uwsgi"))
    assert "did you mean" not in finding.message
    assert finding.fix == "remove it, or fix its name"


def test_shortcut_letters_are_command_line_only() -> None:
    finding = only("unknown-option", ini("b = 65535"))
    assert "`b` is the command-line shortcut of `buffer-size`" in finding.message
    assert finding.fix == "write `buffer-size = 65535`"
    several = only("unknown-option", ini("p = 4"))
    assert "shortcut of `processes` or `workers`" in several.message


def test_a_blank_where_the_equals_sign_belongs() -> None:
    finding = only("unknown-option", ini("static-map /static=/srv/static"))
    assert finding.message.startswith("`static-map /static` is not an option")
    assert finding.fix == "write `static-map = /static=/srv/static`"


@pytest.mark.parametrize("lines", [
    ("project = shop", "chdir = /srv/%(project)"),
    ("chdir = /srv/%(project)", "project = shop"),
    ("set-placeholder = project=shop", "project = other"),
    ("set-ph = project=shop",),
    ("declare-option = myfifo=master-fifo=$1", "myfifo = /run/fifo"),
    ("if-env = HOME", "processes = 2", "end ="),
    ("endif =", "end-for ="),
])
def test_names_uwsgi_takes_on_purpose(lines: tuple[str, ...]) -> None:
    assert lint("unknown-option", ini(*lines)) == []


@pytest.mark.parametrize(("line", "marker"), [
    ("{virtualenv}", ""), ("{virtualenv} = /srv/venv", ""), ("{{ extra_option }} = 1", ""),
    ("${UWSGI_EXTRA} = 1", ""), ("__EXTRA_OPTIONS__", ""), ("<option> = 4", ""),
    ("%WORKERS% = 4", " (`%WORKERS%`)"),  # uWSGI's % pass leaves the key `ORKERS`
    ("harakiri{{ suffix }} = 30", " (`{{ suffix }}`)"),
])
def test_a_template_placeholder_gets_no_rename(line: str, marker: str) -> None:
    """Renaming `{virtualenv}` to `virtualenv` would set the virtualenv to nothing."""
    finding = only("unknown-option", ini(line))
    assert f"it looks like a placeholder of a template that was not rendered{marker};" in (
        finding.message)
    assert "did you mean" not in finding.message
    assert finding.fix == "render the template, and lint the rendered file"
    assert finding.edits == ()


@pytest.mark.parametrize(("loads", "name"), [
    ("plugin = dgram_router", "dgram_router"),
    ("plugins = python3,/usr/lib/uwsgi/dgram_router_plugin.so",
     "/usr/lib/uwsgi/dgram_router_plugin.so"),
])
def test_an_unknown_key_may_come_from_a_plugin_uwsgi_does_not_bundle(loads: str,
                                                                     name: str) -> None:
    finding = only("unknown-option", ini(loads, "dgram-router-to = 10.0.0.2:3022"))
    assert finding.severity is Severity.INFO
    assert finding.message.startswith(
        f"`dgram-router-to` is not an option of uWSGI 2.0.30, but may come from the `{name}` "
        "plugin the config loads, which uWSGI does not bundle")
    assert finding.fix == (f"check that `{name}` declares `dgram-router-to`; if not, remove it, "
                           "or fix its name")
    strict = only("unknown-option", ini("strict = true", loads, "dgram-router-to = x"))
    assert strict.severity is Severity.INFO and "uWSGI refuses to start" in strict.message


def test_bundled_plugins_do_not_excuse_unknown_keys() -> None:
    for loads in ("plugins = python3,gevent_python3", "plugin = router_basicauth",
                  "plugin = rack_ruby25"):
        finding = only("unknown-option", ini(loads, "harikari = 30"))
        assert finding.severity is Severity.WARNING and "may come from" not in finding.message
    respelt = only("unknown-option", ini("plugin = dgram_router", "max_requests = 100"))
    assert respelt.severity is Severity.WARNING and respelt.edits


def test_only_the_plugin_a_key_is_named_after_is_named() -> None:
    text = ini("plugins = acme,dgram_router", "dgram-router-bind = :3026", "acme-x = 1",
               "other = 1")
    named = {f.line: f.message.split(" plugin")[0].rpartition("from the ")[2]
             for f in lint("unknown-option", text)}
    assert named == {4: "`dgram_router`", 5: "`acme`", 6: "`acme` or `dgram_router`"}


def test_a_later_release_is_another_rule() -> None:
    text = ini("die-on-no-workers = true", "max-requests-delta = 10")
    assert lint("unknown-option", text, "2.0.28") == []
    assert [f.line for f in lint("option-not-in-version", text, "2.0.28")] == [3, 4]


def test_unknown_option_in_an_included_file(tmp_path: Path) -> None:
    (tmp_path / "base.ini").write_text("[uwsgi]\nharikari = 30\n")
    (tmp_path / "main.ini").write_text(ini("include = base.ini"))
    report = lint_source(str(tmp_path / "main.ini"), Settings(select=("unknown-option",)))
    [finding] = report.findings
    assert (Path(finding.path).name, finding.line) == ("base.ini", 2)


# -- probed build ----------------------------------------------------------------------------


def _fake_build(monkeypatch: pytest.MonkeyPatch, version: str, drop: set[str]) -> str:
    """Lint as if ``--uwsgi-binary`` named a build with the 2.0.30 tables minus ``drop``."""
    names = frozenset(n for n, o in catalog.options().items()
                      if o.present_in("2.0.30") and n not in drop and not o.plugin.startswith(
                          ("php", "lua")))
    build = Build("/opt/uwsgi/bin/uwsgi", version, names)
    monkeypatch.setattr(binary, "probe", lambda path: build)
    return build.path


def test_build_without_a_plugin(monkeypatch: pytest.MonkeyPatch) -> None:
    binary = _fake_build(monkeypatch, "2.0.30", set())
    [finding] = lint("unknown-option", ini("php-docroot = /srv"), binary=binary)
    assert finding.message.startswith(
        "`php-docroot` comes from the `php` plugin, which the uWSGI 2.0.30 at "
        "/opt/uwsgi/bin/uwsgi does not have: uWSGI ignores it silently")
    assert finding.fix == "load it with `plugins = php`"
    loaded = ini("plugins = /usr/lib/uwsgi/php7_plugin.so", "php-docroot = /srv")
    assert lint("unknown-option", loaded, binary=binary) == []


def test_build_without_ssl(monkeypatch: pytest.MonkeyPatch) -> None:
    ssl = {n for n, o in catalog.options().items() if "UWSGI_SSL" in o.build_macros}
    binary = _fake_build(monkeypatch, "2.0.30", ssl)
    [finding] = lint("unknown-option", ini("legion-cron = l 0 0 -1 -1 -1 true"), binary=binary)
    assert finding.message.startswith(
        "`legion-cron` needs `#ifdef UWSGI_SSL` at build time, and the uWSGI 2.0.30 at "
        "/opt/uwsgi/bin/uwsgi was built without it: uWSGI ignores it silently")
    assert lint("option-needs-build", ini("legion-cron = x"), binary=binary) == []


def test_build_version_decides_the_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    binary = _fake_build(monkeypatch, "2.0.28-debian", {"max-requests-delta"})
    [finding] = lint("option-not-in-version", ini("max-requests-delta = 5"), binary=binary)
    assert finding.message.startswith("`max-requests-delta` is not an option of the uWSGI "
                                      "2.0.28-debian at /opt/uwsgi/bin/uwsgi: it was added in "
                                      "2.0.29")
    assert lint("unknown-option", ini("max-requests-delta = 5"), binary=binary) == []


# -- option-not-in-version -------------------------------------------------------------------


@pytest.mark.parametrize(("line", "version", "when"), [
    ("die-on-no-workers = true", "2.0.30",
     "it exists only on the unreleased 2.1 development branch"),
    ("max-requests-delta = 10", "2.0.28", "it was added in 2.0.29"),
    ("shutdown-sockets = true", "2.1",
     "the 2.1 development branch removed it (it exists in 2.0.17 to 2.0.30)"),
    ("cluster = 225.1.1.1:1717", "2.0.30", "it exists in 0.9.7 to 1.4.10 only; later "
     "releases dropped it"),
    ("mule-msg-size = 65536", "1.9.5",
     "it exists in 1.4.10, 1.9.11 to 2.0.30 and on the 2.1 development branch"),
])
def test_option_not_in_version(line: str, version: str, when: str) -> None:
    finding = only("option-not-in-version", ini(line), version)
    key = line.split(" ")[0]
    table = catalog.table_for(catalog.parse_version(version))
    assert finding.message.startswith(f"`{key}` is not an option of uWSGI {table}: {when}; "
                                      "uWSGI ignores it silently")
    assert finding.severity is Severity.WARNING


def test_option_not_in_version_offers_an_alias() -> None:
    finding = only("option-not-in-version", ini("alarm-metric = x"), "2.0")
    assert finding.fix is not None and finding.fix.startswith("use `metric-")


def test_option_not_in_version_under_strict() -> None:
    finding = only("option-not-in-version", ini("strict = true", "die-on-no-workers = true"))
    assert finding.severity is Severity.ERROR
    assert "`[strict-mode] unknown config directive: die-on-no-workers`" in finding.message


def test_strict_itself_is_versioned() -> None:
    assert only("option-not-in-version", ini("strict = true"), "1.9.14").line == 3
    assert lint("option-not-in-version", ini("strict = true"), "1.9.15") == []


# -- option-needs-build ----------------------------------------------------------------------


@pytest.mark.parametrize(("line", "feature"), [
    ("legion-cron = l -1 -1 -1 -1 -1 true", "SSL"),
    ("ssl-verify-depth = 3", "SSL"),
    ("route = ^/old redirect:/new", "the routing subsystem"),
    ("log-route = file1 ^x", "PCRE"),
    ("cap = setgid,setuid", "Linux capabilities"),
    ("jail = /srv", "FreeBSD"),
])
def test_option_needs_build(line: str, feature: str) -> None:
    finding = only("option-needs-build", ini(line))
    assert finding.severity is Severity.INFO
    assert f"exists only in uWSGI builds with {feature}" in finding.message


def test_common_and_linux_only_options_need_no_note() -> None:
    assert lint("option-needs-build", ini("processes = 4", "cgroup = /sys/fs/cgroup/x")) == []


# -- deprecated-option -----------------------------------------------------------------------


def test_die_on_term_is_deprecated_on_2_1_only() -> None:
    finding = only("deprecated-option", ini("die-on-term = true"), "2.1")
    assert finding.severity is Severity.INFO
    assert "SIGTERM already shuts uWSGI 2.1 down" in finding.message
    assert lint("deprecated-option", ini("die-on-term = true")) == []


def test_subscription_slot_is_deprecated_in_2_0() -> None:
    finding = only("deprecated-option", ini("fastrouter-subscription-slot = 10"))
    assert finding.message.startswith("`fastrouter-subscription-slot` is deprecated in uWSGI "
                                      "2.0.30: uWSGI logs a warning and ignores the value")


# -- value-not-integer -----------------------------------------------------------------------


@pytest.mark.parametrize(("line", "version", "reads", "fix"), [
    ("harakiri = 1m", "2.0.30", "uWSGI reads `1m` as 1", "write `harakiri = 60`"),
    ("harakiri = 30s", "2.0.30", "uWSGI reads `30s` as 30", "write `harakiri = 30`"),
    ("reload-on-rss = 2G", "2.0.30", "uWSGI reads `2G` as 2 MB",
     "write `reload-on-rss = 2048`"),
    ("buffer-size = 32k", "2.0.30", "uWSGI reads `32k` as 32", "write `buffer-size = 32768`"),
    ("buffer-size = 1m", "2.0.30", "uWSGI reads `1m` as 1",
     "write a plain whole number in the option's own unit"),
    ("buffer-size = 1m", "2.1", "uWSGI reads `1m` as 1", "write `buffer-size = 1048576`"),
    ("post-buffering = true", "2.0.30", "uWSGI reads `true` as 0",
     "write a plain whole number in the option's own unit"),
    ("listen = 10.5", "2.0.30", "uWSGI reads `10.5` as 10",
     "write a plain whole number in the option's own unit"),
    ("max-requests =", "2.0.30", "uWSGI reads an empty value as 0",
     "write a plain whole number in the option's own unit"),
    ("memory-report = true", "2.1", "uWSGI reads `true` as 0",
     "write a plain whole number in the option's own unit"),
    ("harakiri = 1m ; one minute", "2.0.30", "uWSGI reads `1m` as 1", "write `harakiri = 60`"),
])
def test_value_not_integer(line: str, version: str, reads: str, fix: str) -> None:
    finding = only("value-not-integer", ini(line), version)
    key = line.split(" ")[0]
    assert finding.message == f"`{key}` takes a whole number: {reads}"
    assert finding.severity is Severity.ERROR
    assert finding.fix == fix


def test_negative_value_makes_uwsgi_exit() -> None:
    finding = only("value-not-integer", ini("processes = -2"))
    assert finding.message == ("uWSGI reads `-2` for `processes` as -2 and exits at start-up "
                               "(`invalid value for option \"processes\": must be > 0`)")
    assert finding.severity is Severity.ERROR
    overflow = only("value-not-integer", ini("harakiri = 3000000000"))
    assert "as -1294967296 and exits at start-up" in overflow.message


@pytest.mark.parametrize(("line", "message"), [
    ("processes = __NUM_PYTHON_PROCESSES__", "`__NUM_PYTHON_PROCESSES__` looks like a "
     "placeholder of a template that was not rendered: as it stands, uWSGI reads it as 0"),
    ("workers = ${UWSGI_WORKERS:-4}", "`${UWSGI_WORKERS:-4}` looks like a placeholder of a "
     "template that was not rendered: as it stands, uWSGI reads it as 0"),
    ("threads = {{ uwsgi_threads }}", "`{{ uwsgi_threads }}` looks like a placeholder of a "
     "template that was not rendered: as it stands, uWSGI reads it as 0"),
    ("listen = 1{zeros}", "`1{zeros}` looks like a placeholder of a template that was not "
     "rendered (`{zeros}`): as it stands, uWSGI reads it as 1"),
])
def test_a_template_placeholder_where_a_number_belongs(line: str, message: str) -> None:
    finding = only("value-not-integer", ini(line))
    key = line.partition(" = ")[0]
    assert finding.message == f"`{key}` takes a whole number, and {message}"
    assert finding.severity is Severity.ERROR
    assert finding.fix == "render the template, and lint the rendered file"


@pytest.mark.parametrize(("line", "version", "message", "fix"), [
    ("buffer-size = 65536", "2.0.30", "`buffer-size` cannot hold 65536: uWSGI stores 65535",
     "write a number from 0 to 65535"),
    ("max-requests = -1", "2.0.30",
     "`max-requests` cannot hold -1: uWSGI stores 18446744073709551615",
     "write a number from 0 to 18446744073709551615"),
])
def test_out_of_range_is_a_warning(line: str, version: str, message: str, fix: str) -> None:
    finding = only("value-not-integer", ini(line), version)
    assert (finding.message, finding.fix, finding.severity) == (message, fix, Severity.WARNING)


@pytest.mark.parametrize(("line", "version"), [
    ("harakiri = 60", "2.0.30"), ("processes = 0", "2.0.30"), ("processes = +4", "2.0.30"),
    ("harakiri = 60 ; seconds", "2.0.30"), ("processes = %(cores)", "2.0.30"),
    ("processes = $(WORKERS)", "2.0.30"), ("prio = -5", "2.0.30"),
    ("buffer-size = 65536", "2.1"), ("memory-report = true", "2.0.30"),
    ("max-requests = 007", "2.0.30"),
])
def test_values_read_as_written(line: str, version: str) -> None:
    assert lint("value-not-integer", ini(line), version) == []


# -- duplicate-scalar-option -----------------------------------------------------------------


def test_duplicate_through_an_alias() -> None:
    finding = only("duplicate-scalar-option", ini("processes = 4", "harakiri = 30", "workers = 8"))
    assert finding.line == 3
    assert finding.message == ("`processes = 4` has no effect: line 5 sets `workers = 8` later, "
                               "and uWSGI keeps only the last value")
    assert finding.severity is Severity.INFO


@pytest.mark.parametrize("lines", [
    ("master = 1",),  # the same setting spelt differently
    ("harakiri = 30", "harakiri = 030"),
    ("env = A=1", "env = B=2"),  # lists accumulate
    ("if-env = PRODUCTION", "processes = 8", "endif =", "processes = 2"),
    ("for = a b", "chdir = /srv/%(_)", "endfor ="),
    ("processes = -1", "processes = 4"),  # uWSGI exits on the first: value-not-integer
])
def test_no_duplicate(lines: tuple[str, ...]) -> None:
    assert lint("duplicate-scalar-option", ini(*lines)) == []


def test_duplicate_across_an_include(tmp_path: Path) -> None:
    (tmp_path / "base.ini").write_text("[uwsgi]\nprocesses = 4\n")
    (tmp_path / "main.ini").write_text(ini("include = base.ini", "processes = 8"))
    report = lint_source(str(tmp_path / "main.ini"),
                         Settings(select=("duplicate-scalar-option",)))
    [finding] = report.findings
    assert Path(finding.path).name == "base.ini"
    assert f"{tmp_path / 'main.ini'}:4 sets `processes = 8` later" in finding.message


def test_duplicate_of_an_immediate_option() -> None:
    finding = only("duplicate-scalar-option", ini("strict = true", "processes = 2",
                                                  "strict = false"))
    assert finding.message == ("`strict = true` applies only until line 5, which sets "
                               "`strict = false`; uWSGI keeps the last value")


# -- strict-with-placeholder -----------------------------------------------------------------


def test_placeholder_under_strict() -> None:
    finding = only("strict-with-placeholder",
                   ini("strict = true", "project = shop", "chdir = /srv/%(project)"))
    assert finding.line == 4
    assert finding.severity is Severity.ERROR
    assert ("`project` is a placeholder written as a plain key, and `project` is not an option "
            "of uWSGI 2.0.30 (`[strict-mode] unknown config directive: project`)"
            ) in finding.message
    assert finding.fix == "declare it with `set-placeholder = project=shop`"
    assert lint("unknown-option", ini("strict = true", "project = shop",
                                      "chdir = /srv/%(project)")) == []


def test_set_exports_a_real_option() -> None:
    finding = only("strict-with-placeholder", ini("strict = true", "set = project=shop"))
    assert "`set = project=...` exports it as an option" in finding.message


@pytest.mark.parametrize("lines", [
    ("strict = true", "set-placeholder = project=shop", "chdir = /srv/%(project)"),
    ("strict = true", "set = processes=4", "chdir = /srv/%(processes)"),
    ("project = shop", "chdir = /srv/%(project)"),
    ("strict = false", "project = shop", "chdir = /srv/%(project)"),
    ("strict = true", "declare-option = myfifo=master-fifo=$1", "myfifo = /run/fifo"),
])
def test_no_strict_placeholder_problem(lines: tuple[str, ...]) -> None:
    assert lint("strict-with-placeholder", ini(*lines)) == []


# -- the model only knows the target's options ----------------------------------------------


def test_an_option_the_target_lacks_does_not_switch_the_master_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """uWSGI ignores a key it does not know entirely: a 2.1-only `cheaper-idle` on 2.0.30, or
    `legion-cron` on a build without SSL, does not turn the master on as it would where it
    exists."""
    def master_off(text: str, version: str = "2.0.30", binary: str | None = None) -> bool:
        return bool(lint("master-not-enabled", text, version, binary))

    idle = "[uwsgi]\nmodule = app\ncheaper-idle = 60\n"
    assert master_off(idle) and not master_off(idle, "2.1")
    legion = "[uwsgi]\nmodule = app\nlegion-cron = l -1 -1 -1 -1 -1 true\n"
    assert not master_off(legion)
    ssl = {n for n, o in catalog.options().items() if "UWSGI_SSL" in o.build_macros}
    assert master_off(legion, binary=_fake_build(monkeypatch, "2.0.30", ssl))


@pytest.mark.parametrize("value", ["%(backlog - 1)", "@(/proc/sys/net/core/somaxconn)",
                                   "$(BACKLOG)"])
def test_an_immediate_option_reads_its_references_as_written(value: str) -> None:
    """`listen` is set while the file is read, before any expansion (corpus configs write
    `listen = @(/proc/sys/net/core/somaxconn)`, a queue of 0)."""
    finding = only("value-not-integer", ini("backlog = 128", f"listen = {value}"))
    assert finding.message.startswith(f"`listen` takes a whole number: uWSGI reads `{value}` "
                                      "as 0 (`listen` takes effect while the file is read")
    assert lint("value-not-integer", ini("backlog = 128", "harakiri = %(backlog)")) == []
