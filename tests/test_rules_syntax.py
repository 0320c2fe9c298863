"""The syntax-trap rules: inline comments, flag values, the `%` pass and the section header.

Where a rule claims what uWSGI reads, an oracle test asks the real uWSGI 2.0.30 the same.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import uwsgi_oracle

from pytest_uwsgi_lint.engine import Settings, lint_bytes, lint_source, lint_text
from pytest_uwsgi_lint.findings import Finding, Severity
from pytest_uwsgi_lint.values import uwsgi_true

CONTROL = ("[uwsgi]",)


def lint(rule: str, text: str | bytes, path: str = "/srv/app/app.ini") -> list[Finding]:
    data = text.encode() if isinstance(text, str) else text
    return lint_bytes(data, path, settings=Settings(select=(rule,))).findings


def only(rule: str, text: str | bytes) -> Finding:
    findings = lint(rule, text)
    assert len(findings) == 1, findings
    return findings[0]


def ini(*lines: str) -> str:
    return "\n".join(("[uwsgi]", *lines)) + "\n"


def need_oracle() -> None:
    reason = uwsgi_oracle.unavailable_reason()
    if reason is not None:
        pytest.skip(reason)


# -- inline-comment --------------------------------------------------------------------------


@pytest.mark.parametrize("line", ["master = false ; off for now", "lazy-apps = no # later",
                                  "vacuum = 0 ; keep sockets"])
def test_inline_comment_flips_a_flag(line: str) -> None:
    finding = only("inline-comment", ini(line))
    key, _, value = line.partition(" = ")
    assert finding.severity is Severity.ERROR and finding.code == "UWC001"
    assert f"uWSGI reads `{value}` as TRUE" in finding.message
    assert finding.fix is not None and finding.fix.endswith(f"write `{key} = {value.split()[0]}`")


def test_inline_comment_on_a_true_flag_is_a_warning() -> None:
    finding = only("inline-comment", ini("vacuum = true ; remove sockets"))
    assert finding.severity is Severity.WARNING
    assert "reads it as true, right only by accident" in finding.message


def test_inline_comment_on_a_number_works_by_accident() -> None:
    finding = only("inline-comment", ini("harakiri = 60 ; seconds"))
    assert finding.severity is Severity.WARNING
    assert "reads 60, right only by accident" in finding.message


def test_inline_comment_instead_of_a_number() -> None:
    finding = only("inline-comment", ini("processes = ; 4 later"))
    assert finding.severity is Severity.ERROR and "uWSGI reads 0" in finding.message


def test_inline_comment_on_a_clamped_number_says_what_uwsgi_stores() -> None:
    """``buffer-size`` is 16-bit in 2.0.30: 65536 is clamped to 65535, and writing 65536
    back would only trade this finding for value-not-integer's."""
    text = ini("buffer-size = 65536  # large payloads")
    finding = only("inline-comment", text)
    assert finding.severity is Severity.WARNING
    assert finding.message.endswith("`buffer-size` cannot hold 65536: uWSGI stores 65535")
    assert "right only by accident" not in finding.message
    assert finding.fix == ("move `# large payloads` to its own line and write "
                           "`buffer-size = 65535`, the most it can hold")
    [edit] = finding.edits
    assert edit.lines == (b"# large payloads", b"buffer-size = 65535")
    both = Settings(select=("inline-comment", "value-not-integer"))
    assert [f.name for f in lint_text(text, both)] == ["inline-comment"]  # reported once
    later = lint_text(text, Settings(select=("inline-comment",), uwsgi_version="2.1"))
    assert "reads 65536, right only by accident" in later[0].message  # 64-bit there


@pytest.mark.parametrize(("line", "outcome", "fix"), [
    ("processes = -1 # x", "reads -1 and stops at start-up", "a number from 0 to 2147483647"),
    ("max-requests = 99999999999999999999999 # x", "stores 18446744073709551615",
     "`max-requests = 18446744073709551615`, the most it can hold"),
    ("reload-on-rss = 99999999999999999999999 # x", "stores 18446744073709551615 MB",
     "a number from 0 to 18446744073709551615"),
])
def test_inline_comment_on_a_number_out_of_range(line: str, outcome: str, fix: str) -> None:
    finding = only("inline-comment", ini(line))
    assert outcome in finding.message
    assert finding.fix == f"move `# x` to its own line and write {fix}"
    assert lint_text(ini(line), Settings(select=("value-not-integer",))) == []


def test_inline_comment_after_a_unit_is_no_accident() -> None:
    finding = only("inline-comment", ini("harakiri = 1m ; one minute"))
    assert finding.severity is Severity.ERROR
    assert finding.message.endswith("uWSGI reads 1")
    assert finding.fix == ("move `; one minute` to its own line and write a whole number in "
                           "place of `1m` (value-not-integer says which)")


@pytest.mark.parametrize(("line", "severity", "outcome"), [
    ("gevent = 400 # greenlets", Severity.WARNING,
     "uWSGI's integer parsing stops at the blank and reads 400, right only by accident"),
    ("max-vars = 100 # x", Severity.WARNING, "reads 100, right only by accident"),
    ("alarm-freq = 3 # x", Severity.WARNING, "reads 3, right only by accident"),
    ("uid = 1000 # www", Severity.ERROR,
     "only digits alone make a user id, so uWSGI looks up a user named `1000 # www`, finds "
     "none and stops at start-up when started as root"),
    ("http-gid = 33 # x", Severity.ERROR, "looks up a group named `33 # x`, finds none and "
     "stops at start-up"),
    ("chmod-socket = 660 ; group", Severity.ERROR,
     "`chmod-socket` takes exactly three octal digits, so uWSGI stops at start-up (`invalid "
     "chmod value: 660 ; group`)"),
    ("umask = 022 # x", Severity.ERROR, "here `22 `: umask 200"),
    ("umask = 0022 # x", Severity.WARNING, "here `022`: umask 022, right only by accident"),
])
def test_inline_comment_on_options_with_their_own_handler(line: str, severity: Severity,
                                                          outcome: str) -> None:
    finding = only("inline-comment", ini("master = true", line))
    assert finding.severity is severity
    assert outcome in finding.message
    assert "works only if that option reads just the leading number" not in finding.message


def test_inline_comment_in_a_path() -> None:
    finding = only("inline-comment", ini("socket = /run/app.sock # main socket"))
    assert finding.severity is Severity.ERROR
    assert "uses `/run/app.sock # main socket` verbatim" in finding.message
    assert finding.fix == "move `# main socket` to its own line and write `socket = /run/app.sock`"


def test_inline_comment_in_an_address_handled_specially() -> None:
    assert only("inline-comment", ini("http = :8080 ; public")).severity is Severity.ERROR
    assert "verbatim" in only("inline-comment", ini("py-tracebacker = 5 ; x")).message
    vague = only("inline-comment", ini("signal = 15 ; x"))
    assert vague.severity is Severity.WARNING
    assert "works only if that option reads just the leading number" in vague.message


def test_inline_comment_reaches_options_through_placeholders() -> None:
    assert lint("inline-comment", ini("project = shop ; the name")) == []
    finding = only("inline-comment", ini("project = shop ; x", "chdir = /srv/%(project)"))
    assert finding.line == 3 and "(it comes from a placeholder or variable)" in finding.message
    assert finding.fix == "move the comment out of the placeholder's or variable's value"


def test_inline_comment_left_for_runtime_expansion() -> None:
    finding = only("inline-comment", ini("max-requests = $(MAX_REQUESTS) ; per worker"))
    assert finding.severity is Severity.WARNING and "keeps the comment" in finding.message


def test_inline_comment_reaches_set_options() -> None:
    """``set = k=v`` exports a real option, so its value is judged as that option's."""
    finding = only("inline-comment", ini("set = master=false ; off"))
    assert "`master` is on" in finding.message


@pytest.mark.parametrize("line", [
    "env = PATH=/usr/bin;/bin",
    "env = PROMPT=a ; b",
    "exec-asap = mkdir -p /run/app ; chmod 750 /run/app",
    "hook-pre-app = exec:cd /srv ; ./prepare",
    "cron = 0 3 -1 -1 -1 backup ; notify",
    "attach-daemon = sh -c 'sleep 1 ; worker'",
    "route = ^/old #legacy redirect:/new",
    "route-uri = ^/a addheader:X-Note: a ; b",
    "log-format = %(addr) # %(uri)",
    "add-header = Cache-Control: no-cache ; private",
    "static-map = /static=/srv/static #1",
    "alarm = mail cmd:mail -s x root ; true",
    "set-placeholder = motd=hello ; world",
    "socket = /run/app.sock;main",
    "http = example.invalid/#fragment",
    "master = true;",
    "processes = 4",
])
def test_inline_comment_near_misses(line: str) -> None:
    assert lint("inline-comment", ini(line)) == []


def test_inline_comment_only_where_it_takes_effect() -> None:
    """A scalar set again later is overridden (duplicate-scalar-option says so)."""
    assert lint("inline-comment", ini("vacuum = false ; x", "vacuum = true")) == []
    assert only("inline-comment", ini("vacuum = true", "vacuum = false ; x")).line == 3


def test_inline_comment_once_per_line_in_a_for_loop() -> None:
    text = ini("for = a b c", "socket = /run/%(_).sock ; x", "endfor")
    assert len(lint("inline-comment", text)) == 1


# -- boolean-value-surprise ------------------------------------------------------------------


@pytest.mark.parametrize(("value", "hint"), [
    ('"false"', "false"), ("'no'", "false"), ("disabled", "false"), ("n", "false"),
    ("00", "false"), ("2", "true"), ("enabled", "true"), ("y", "true"),
])
def test_boolean_surprise(value: str, hint: str) -> None:
    finding = only("boolean-value-surprise", ini(f"vacuum = {value}"))
    assert finding.code == "UWC003"
    assert f"uWSGI reads `{value}` as TRUE" in finding.message
    assert finding.fix is not None and finding.fix.startswith(f"write `{hint}`")


def test_boolean_surprise_only_where_it_takes_effect() -> None:
    assert lint("boolean-value-surprise", ini("vacuum = disabled", "vacuum = off")) == []


def test_boolean_surprise_inverse_flag() -> None:
    finding = only("boolean-value-surprise", ini("disable-logging = disabled"))
    assert "`disable-logging` is on" in finding.message


@pytest.mark.parametrize("line", [
    "vacuum = true", "vacuum = FALSE", "vacuum = Off", "vacuum = yes", "vacuum = 1",
    "vacuum =", "vacuum", "vacuum = 0", "vacuum = $(VACUUM)", "vacuum = %(flag)",
    "vacuum = false ; later",        # inline-comment's finding, not this rule's
    "processes = disabled",          # not a flag
    "unknown-key = disabled",
])
def test_boolean_surprise_quiet(line: str) -> None:
    assert lint("boolean-value-surprise", ini(line)) == []


def _uwsgi_reads_true(directory: Path, value: str) -> bool:
    """uWSGI prints its configuration exactly when it reads ``show-config`` as true."""
    config = directory / "flag.ini"
    config.write_text(ini(f"show-config = {value}"))
    _, _, stderr = uwsgi_oracle.run_uwsgi(
        ["--ini", str(config), "--logto", "/dev/stderr", "--chdir", "/nonexistent"],
        expose=[directory],
    )
    return b";uWSGI instance configuration" in stderr


FLAG_VALUES = ["true", "1", "", "yes", "On", "false", "FALSE", "off", "no", "0",
               "false ; note", "false # note", "no;", '"false"', "'no'", "disabled", "n", "00",
               "2", "-0"]


@pytest.mark.oracle
@pytest.mark.parametrize("value", FLAG_VALUES)
def test_oracle_flag_values(value: str, tmp_path: Path) -> None:
    need_oracle()
    reads_true = _uwsgi_reads_true(tmp_path, value)
    assert reads_true == uwsgi_true(value)
    settings = Settings(select=("inline-comment", "boolean-value-surprise"))
    findings = lint_text(ini(f"show-config = {value}"), settings)
    plainly_true = value.lower() in ("true", "1", "", "yes", "on")
    assert len(findings) == (1 if reads_true and not plainly_true else 0), findings


# -- percent-swallowed -----------------------------------------------------------------------


def test_percent_in_a_date_command() -> None:
    finding = only("percent-swallowed", ini("cron = 0 3 -1 -1 -1 backup-$(date +%Y%m%d).tgz"))
    assert (finding.line, finding.column, finding.end_column) == (2, 36, 42)
    for text in ("`%Y` is deleted", "`%m` is deleted",
                 "`%d` becomes the config file's directory",
                 "uWSGI reads `0 3 -1 -1 -1 backup-$(date +/srv/app/).tgz`"):
        assert text in finding.message
    assert finding.fix == ("write `%%` for a literal `%`: "
                           "`cron = 0 3 -1 -1 -1 backup-$(date +%%Y%%m%%d).tgz`")


@pytest.mark.parametrize(("line", "effect"), [
    ("attach-daemon = stamp --at $(date +%s)", "`%s` becomes the config file's name"),
    ("env = SALE=50% off", "`%` plus a space is deleted"),
    ("route = ^/a%20b redirect:/b", "`%2` becomes a component"),
    ("log-date = %d/%b", "`%d` becomes the config file's directory"),
    ("logto = /var/log/%n-%Y.log", "`%Y` is deleted"),
    ("procname = 100%", "`%` at the end of the file"),
])
def test_percent_eaten(line: str, effect: str) -> None:
    text = ini(line).rstrip("\n") if line.endswith("%") else ini(line)
    assert effect in only("percent-swallowed", text).message


def test_percent_at_end_of_line_swallows_the_next_option() -> None:
    finding = only("percent-swallowed", ini("master = true", "log-format = 100%",
                                            "processes = 4"))
    assert finding.severity is Severity.ERROR and (finding.line, finding.column) == (3, 17)
    assert "line 4 (`processes = 4`) becomes part of this value" in finding.message
    assert "uWSGI reads `log-format = 100processes = 4`" in finding.message


def test_percent_at_end_of_a_comment_swallows_the_next_option() -> None:
    finding = only("percent-swallowed", ini("; load is 100%", "processes = 4"))
    assert finding.severity is Severity.ERROR and finding.line == 2
    assert "line 3 (`processes = 4`) becomes part of this comment" in finding.message


def test_percent_at_end_of_line_before_a_blank_line() -> None:
    finding = only("percent-swallowed", ini("log-format = 100%", "", "processes = 4"))
    assert finding.severity is Severity.WARNING and "the `%` itself vanishes" in finding.message


def test_percent_line_ends_in_a_row_make_one_finding() -> None:
    finding = only("percent-swallowed", ini("log-format = a%", "b%", "c", "processes = 4"))
    assert finding.line == 2 and "lines 3-4 (from `b%`) become part of this value" in (
        finding.message)
    assert "uWSGI reads `log-format = abc`" in finding.message


def test_percent_many_effects_are_summarised() -> None:
    letters = "".join(f"%{c}" for c in "ABFHKLMQRWYZ")
    message = only("percent-swallowed", ini(f"procname = x{letters}")).message
    assert "`%A` is deleted" in message and "and 7 more" in message


def test_percent_at_end_of_the_last_line() -> None:
    finding = only("percent-swallowed", ini("master = true", "procname = 100%"))
    assert finding.severity is Severity.WARNING and finding.line == 3
    assert "uWSGI reads `procname = 100`" in finding.message


def test_percent_at_end_of_another_section_swallows_our_header() -> None:
    text = "[app]\nnote = 100%\n[uwsgi]\nmaster = true\n"
    finding = only("percent-swallowed", text)
    assert "line 3 (`[uwsgi]`) becomes part of this value" in finding.message


@pytest.mark.parametrize("line", [
    "socket = %d/app.sock", "chdir = %d", "socket = %dapp.sock", "socket = %d%n.sock",
    "logto = /var/log/uwsgi/%n.log", "processes = %(%k + 1)", "log-date = %%Y-%%m-%%d",
    "procname = [%n]", "logger = file:%v/logs/app.log", "workers = ${W:-%k}",
    "attach-daemon = celery worker -n default@%%h", "pidfile = /run/%n.pid",
    "touch-reload = %p", "ini = %d../base.ini", "note = 100%%", "threads = %k",
])
def test_percent_deliberate(line: str) -> None:
    assert lint("percent-swallowed", ini(line)) == []


def test_percent_in_comments_and_other_sections_is_harmless() -> None:
    assert lint("percent-swallowed", ini("; 50% of cores", "master = true")) == []
    assert lint("percent-swallowed", "[app]\nx = 50% off\n[uwsgi]\nmaster = true\n") == []


def test_percent_in_an_included_file(tmp_path: Path) -> None:
    (tmp_path / "app.ini").write_text(ini("master = true", "ini = extra.ini"))
    (tmp_path / "extra.ini").write_text(ini("env = SALE=50% off"))
    settings = Settings(select=("percent-swallowed",))
    findings = lint_source(str(tmp_path / "app.ini"), settings).findings
    assert [(f.path, f.line) for f in findings] == [(str(tmp_path / "extra.ini"), 2)]
    assert f"[included from {tmp_path / 'app.ini'}:3]" in findings[0].message


@pytest.mark.oracle
@pytest.mark.parametrize(("text", "key"), [
    (ini("log-format = 100%", "processes = 4"), b"oracle-renamed-log-format"),
    (ini("env = SALE=50% off"), b"env"),
    (ini("procname = backup-%Y%m%d"), b"procname"),
])
def test_oracle_percent_values(text: str, key: bytes) -> None:
    need_oracle()
    shown = uwsgi_oracle.show_config(text.encode())
    printed = dict(shown.entries)[key].decode()
    findings = lint_bytes(shown.data, shown.path,
                          settings=Settings(select=("percent-swallowed",))).findings
    assert len(findings) == 1
    assert f"{printed}`" in findings[0].message


# -- section-not-found -----------------------------------------------------------------------

BAD_HEADERS = [
    (b"[uWSGI]\nmaster = true\n", "section names are case-sensitive: `uWSGI` is not `uwsgi`"),
    (b"[UWSGI]\nmaster = true\n", "case-sensitive"),
    (b"\xef\xbb\xbf[uwsgi]\nmaster = true\n", "a UTF-8 BOM comes before it"),
    (b"[uwsgi] ; main\nmaster = true\n", "opening section `uwsgi] ; mai`"),
    (b"[uwsgi]]\nmaster = true\n", "opening section `uwsgi]`"),
    (b"[uwsgi\nmaster = true\n", "no closing `]`"),
    (b"[ uwsgi ]\nmaster = true\n", "blanks inside the brackets"),
    (b"[uwsgi]\rmaster = true\rprocesses = 2\r", "CR only"),
    (b"master = true\nprocesses = 2\n", "come before any header"),
    (b"[app]\nmaster = true\n", "the file has `[app]` but no `[uwsgi]`"),
    ("[uwsgi]\nmaster = true\n".encode("utf-16"), "encoded in UTF-16"),
]
EMPTY_FILES = [
    (b"[uwsgi]\n; master = true\n", "has no option lines under it"),
    (b"", "no option lines at all"),
    (b"; nothing\n\n", "no option lines at all"),
]
GOOD_HEADERS = [
    b"[uwsgi]\nmaster = true\n",
    b"  [uwsgi]  \nmaster = true\n",
    b"[uwsgi]\r\nmaster = true\r\n",
    b"[uwsgix\nmaster = true\n",
    b"\xef\xbb\xbf; config\n[uwsgi]\nmaster = true\n",
    b"\xef\xbb\xbf[uwsgi]\n[uwsgi]\nmaster = true\n",
]


@pytest.mark.parametrize(("data", "reason"), BAD_HEADERS)
def test_section_not_found_says_why(data: bytes, reason: str) -> None:
    finding = only("section-not-found", data)
    assert finding.code == "UWE002" and finding.severity is Severity.ERROR
    assert "ignores the whole file" in finding.message and reason in finding.message


@pytest.mark.parametrize(("data", "reason"), EMPTY_FILES)
def test_section_not_found_in_files_without_options_is_a_warning(data: bytes,
                                                                  reason: str) -> None:
    finding = only("section-not-found", data)
    assert finding.severity is Severity.WARNING and reason in finding.message


@pytest.mark.parametrize("data", GOOD_HEADERS)
def test_section_found(data: bytes) -> None:
    assert lint("section-not-found", data) == []


def test_section_not_found_points_at_the_header() -> None:
    finding = only("section-not-found", b"; app\n\n  [uWSGI]\nmaster = true\n")
    assert (finding.line, finding.column) == (3, 3)
    assert finding.fix == "write the header as `[uwsgi]`, with any comment on its own line"


def test_section_asked_by_name(tmp_path: Path) -> None:
    config = tmp_path / "app.ini"
    config.write_text("[uwsgi]\nmaster = true\n[dev]\nprocesses = 1\n")
    settings = Settings(select=("section-not-found",))
    assert lint_source(f"{config}:dev", settings).findings == []
    missing = lint_source(f"{config}:prod", settings).findings
    assert len(missing) == 1 and "no `[prod]`" in missing[0].message


@pytest.mark.oracle
@pytest.mark.parametrize("data", [d for d, _ in BAD_HEADERS + EMPTY_FILES] + GOOD_HEADERS)
def test_oracle_sections(data: bytes) -> None:
    need_oracle()
    shown = uwsgi_oracle.show_config(data)
    missing = b"Can't find section" in shown.stderr
    assert missing == (shown.entries == [])
    assert missing == bool(lint("section-not-found", data))


# -- boolean-as-path ---------------------------------------------------------------------------


@pytest.mark.parametrize(("line", "written"), [
    ("daemonize = true", "goes to the background and writes its log to a file named `true`"),
    ("daemonize2 = Off", "goes to the background and writes its log to a file named `Off`"),
    ("logto = 1", "writes its log to a file named `1`"),
    ("safe-pidfile = yes", "writes its pid to a file named `yes`"),
])
def test_a_switch_word_for_a_file_option_is_a_file_name(line: str, written: str) -> None:
    found = only("boolean-as-path", ini("master = true", line))
    assert found.line == 3
    assert found.message == f"`{line}` is no switch: uWSGI {written} in its working directory"


@pytest.mark.parametrize("lines", [
    ("daemonize = /var/log/uwsgi/app.log",),
    ("pidfile = /run/uwsgi/true",),
    ("logto = true", "logto = /var/log/app.log"),  # the last one applies
    ("logto = %(log)",),
])
def test_file_options_naming_files_are_left_alone(lines: tuple[str, ...]) -> None:
    assert lint("boolean-as-path", ini("master = true", *lines)) == []


def test_a_vassal_logs_to_the_file_without_going_to_the_background() -> None:
    text = ini("master = true", "daemonize = true").encode()
    settings = Settings(select=("boolean-as-path",), deployment="emperor-vassal")
    [found] = lint_bytes(text, "/srv/app/app.ini", settings=settings).findings
    assert "uWSGI writes its log to a file named `true`" in found.message
