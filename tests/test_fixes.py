"""``--fix``: safe, byte-preserving, verified, idempotent edits."""

from __future__ import annotations

import dataclasses
import itertools
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_uwsgi_lint import cli, engine
from pytest_uwsgi_lint.engine import FileReport, Settings, lint_bytes
from pytest_uwsgi_lint.findings import Edit, Finding, Severity
from pytest_uwsgi_lint.fixes import (
    MAX_LINTED_LINES,
    MAX_LINTS,
    FixOutcome,
    UnwritableFile,
    apply_edits,
    fix_file,
    line_end,
    unified_diff,
    write_atomically,
)
from pytest_uwsgi_lint.reader import read_ini

PATH = "/nonexistent/app.ini"


def _fix(data: bytes, *rules: str) -> FixOutcome:
    chosen = Settings(select=rules or ("ALL",))
    return fix_file(PATH, data, lambda b: lint_bytes(b, PATH, settings=chosen).findings)


def _pairs(data: bytes) -> list[tuple[str, str]]:
    return [(e.key, e.value) for e in read_ini(data).entries]


def test_line_end_follows_the_file() -> None:
    assert line_end(b"a\r\nb\r\nc\n") == b"\r\n"
    assert line_end(b"a\nb\r\n") == b"\n"
    assert line_end(b"") == b"\n"


def test_apply_edits_keeps_every_other_byte() -> None:
    data = b"\xef\xbb\xbf; caf\xe9\r\n[uwsgi]\r\nx = 1\r\ny = \xff\r\n"
    edited = apply_edits(data, [Edit("f", 3, 3, (b"x = 2",)), Edit("f", 2, 1, (b"; new",))])
    assert edited == b"\xef\xbb\xbf; caf\xe9\r\n; new\r\n[uwsgi]\r\nx = 2\r\ny = \xff\r\n"
    deleted = apply_edits(data, [Edit("f", 4, 4, ())])
    assert deleted == b"\xef\xbb\xbf; caf\xe9\r\n[uwsgi]\r\nx = 1\r\n"


def test_master_not_enabled_fix_adds_master() -> None:
    outcome = _fix(b"[uwsgi]\r\nmodule = app\r\n", "master-not-enabled")
    assert outcome.fixed == b"[uwsgi]\r\nmaster = true\r\nmodule = app\r\n"
    assert [f.name for f in outcome.applied] == ["master-not-enabled"]


def test_daemon_flag_fix_drops_the_key() -> None:
    data = b"[uwsgi]\nmaster = true\nattach-daemon2 = cmd=/usr/bin/w,control=0,ns_pid=False\n"
    outcome = _fix(data, "daemon-flag-value-ignored")
    assert _pairs(outcome.fixed)[-1] == ("attach-daemon2", "cmd=/usr/bin/w")
    assert _fix(outcome.fixed, "daemon-flag-value-ignored").fixed == outcome.fixed


def test_inline_comment_fix_moves_the_comment_above() -> None:
    data = b"[uwsgi]\nmaster = true\n  lazy-apps = false ; caf\xe9 later\nx = 1\n"
    outcome = _fix(data, "inline-comment")
    assert outcome.fixed == (
        b"[uwsgi]\nmaster = true\n  ; caf\xe9 later\n  lazy-apps = false\nx = 1\n"
    )
    assert _pairs(outcome.fixed)[1] == ("lazy-apps", "false")


def test_inline_comment_fix_writes_what_a_clamped_number_stores() -> None:
    data = b"[uwsgi]\nmaster = true\nbuffer-size = 65536  # large payloads\n"
    outcome = _fix(data, "inline-comment", "value-not-integer")
    assert outcome.fixed == b"[uwsgi]\nmaster = true\n# large payloads\nbuffer-size = 65535\n"
    assert [f.name for f in outcome.applied] == ["inline-comment"]


def test_unknown_option_fix_only_for_a_certain_respelling() -> None:
    data = b"[uwsgi]\nmaster = true\n no_orphans = true\nMaster = true\nharikari = 30\n"
    fixed = _fix(data, "unknown-option").fixed
    assert fixed == b"[uwsgi]\nmaster = true\n no-orphans = true\nmaster = true\nharikari = 30\n"


def test_sigterm_fix_adds_or_turns_on_die_on_term() -> None:
    added = _fix(b"[uwsgi]\nmaster = true\nmodule = app\n", "sigterm-reloads").fixed
    assert added == b"[uwsgi]\ndie-on-term = true\nmaster = true\nmodule = app\n"
    turned = _fix(b"[uwsgi]\nmaster = true\ndie-on-term = off\n", "sigterm-reloads").fixed
    assert turned == b"[uwsgi]\nmaster = true\ndie-on-term = true\n"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\xef\xbb\xbf[uwsgi]\r\nmaster = true\r\n", b"[uwsgi]\r\nmaster = true\r\n"),
        (b"; x\n  [uWSGI]\nmaster = true\n", b"; x\n  [uwsgi]\nmaster = true\n"),
    ],
)
def test_section_fix_for_bom_and_case(data: bytes, expected: bytes) -> None:
    assert _fix(data, "section-not-found").fixed == expected


def test_section_fix_refuses_what_it_cannot_be_sure_of() -> None:
    data = b"[uwsgi] ; main\nmaster = true\n"
    outcome = _fix(data, "section-not-found")
    assert outcome.fixed == data


def test_a_fix_that_would_add_a_finding_is_refused() -> None:
    data = b"[uwsgi]\nmodule = app\n"
    chosen = Settings(select=("master-not-enabled",))

    def lint_that_dislikes_master(b: bytes) -> list[Finding]:
        found = lint_bytes(b, PATH, settings=chosen).findings
        if b"master = true" in b:  # pretend the added line were a problem of its own
            return [*found, Finding(PATH, 2, 1, 2, 14, "UWC001", "inline-comment",
                                    Severity.WARNING, "imagined")]
        return found

    outcome = fix_file(PATH, data, lint_that_dislikes_master)
    assert outcome.fixed == data
    assert outcome.refused and "would add a finding" in outcome.refused[0][1]


class _CountingLint:
    """Lints as ``_fix`` does and counts the calls: each one lints the whole file."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, data: bytes) -> list[Finding]:
        self.calls += 1
        return lint_bytes(data, PATH, settings=Settings(select=("ALL",))).findings


def _misspelt(name: str, value: str, count: int) -> list[bytes]:
    """``count`` lines setting ``name`` spelt with other letter cases: unknown options whose
    fix renames them to ``name``."""
    spellings = ("".join(s) for s in itertools.product(*((c, c.upper()) for c in name)))
    return [f"{s} = {value}".encode() for s in itertools.islice(spellings, 1, count + 1)]


def _config(*lines: bytes) -> bytes:
    return b"\n".join([b"[uwsgi]", b"master = true", b"die-on-term = true", *lines]) + b"\n"


BAD = b"Harakiri = abc"  # renamed, it adds a value-not-integer finding on its line


def test_many_fixes_that_fail_to_verify_take_a_bounded_number_of_lints() -> None:
    """One lint per refused fix made a big file with many of them take many minutes."""
    data = _config(*_misspelt("harakiri", "abc", 100))
    lint = _CountingLint()
    outcome = fix_file(PATH, data, lint)
    assert lint.calls <= MAX_LINTS
    assert outcome.fixed == data
    assert not outcome.applied
    assert sorted(f.line for f, _ in outcome.refused) == list(range(4, 104))


@pytest.mark.parametrize("where", [0, 12, 30])
def test_one_bad_fix_among_many_good_ones_keeps_all_the_good_ones(where: int) -> None:
    good = _misspelt("processes", "4", 30)
    lint = _CountingLint()
    outcome = fix_file(PATH, _config(*good[:where], BAD, *good[where:]), lint)
    assert outcome.fixed == _config(*[b"processes = 4"] * where, BAD,
                                    *[b"processes = 4"] * (30 - where))
    assert len(outcome.applied) == 30
    [(refused, reason)] = outcome.refused
    assert (refused.line, refused.name) == (4 + where, "unknown-option")
    assert reason.startswith("the fix would add a finding (value-not-integer: `harakiri`")
    # the failure names the bad fix, so the good ones are tried apart from it at once
    assert lint.calls <= 4


@settings(max_examples=25, deadline=None)
@given(st.lists(st.booleans(), max_size=20).filter(lambda flags: flags.count(False) <= 8))
def test_good_fixes_apply_and_bad_ones_are_refused_in_any_order(flags: list[bool]) -> None:
    good = iter(_misspelt("processes", "4", 20))
    bad = iter(_misspelt("harakiri", "abc", 8))
    lines = [next(good) if flag else next(bad) for flag in flags]
    outcome = fix_file(PATH, _config(*lines), _CountingLint())
    assert outcome.fixed == _config(*[b"processes = 4" if flag else line
                                      for line, flag in zip(lines, flags)])
    assert len(outcome.refused) == flags.count(False)
    assert all("(value-not-integer: `harakiri`" in reason for _, reason in outcome.refused)


def test_fixes_left_unchecked_when_the_lints_are_used_up_are_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    data = _config(*_misspelt("harakiri", "abc", 100))
    Path("app.ini").write_bytes(data)
    calls: list[bytes] = []

    def counted(data: bytes, path: str, section: str, chosen: Settings) -> FileReport:
        calls.append(data)
        return lint_bytes(data, path, section, chosen)

    monkeypatch.setattr(cli, "lint_bytes", counted)
    cli.main(["--diff", "app.ini"])
    out, err = capsys.readouterr()
    assert out == ""
    assert len(calls) <= MAX_LINTS
    lines = err.splitlines()
    assert len(lines) == 100
    unchecked = [line for line in lines if "not checked" in line]
    assert unchecked
    assert unchecked[0].endswith(
        f"unknown-option not fixed: not checked: checking fixes may take at most {MAX_LINTS} "
        f"lints of this file ({MAX_LINTS} at most, and 200,000 lines in all) and they are "
        f"used up ({len(unchecked)} fixes left unapplied)"
    )
    assert Path("app.ini").read_bytes() == data


def test_a_long_file_gets_fewer_lints_for_its_fixes() -> None:
    """Checking fixes costs a small multiple of one lint of the file, however long it is."""
    filler = [f"env = X{n}=1".encode() for n in range(40_000)]
    data = _config(*_misspelt("harakiri", "abc", 50), *filler)
    calls: list[bytes] = []

    def counted(candidate: bytes) -> list[Finding]:
        calls.append(candidate)
        return lint_bytes(candidate, "app.ini").findings

    outcome = fix_file("app.ini", data, counted)
    assert len(calls) == MAX_LINTED_LINES // (data.count(b"\n") + 1) == 4
    assert outcome.fixed == data
    assert any("at most 4 lints of this file" in reason for _, reason in outcome.refused)


def test_a_refused_fix_is_reported_once_when_a_fix_above_it_adds_a_line() -> None:
    data = b"[uwsgi]\nmodule = app\nHarakiri = abc\n"
    outcome = _fix(data, "master-not-enabled", "unknown-option", "value-not-integer")
    assert outcome.fixed == b"[uwsgi]\nmaster = true\nmodule = app\nHarakiri = abc\n"
    assert [(f.name, f.line) for f, _ in outcome.refused] == [("unknown-option", 3)]


def test_diff_shows_the_change() -> None:
    outcome = _fix(b"[uwsgi]\nmodule = app\n", "master-not-enabled")
    assert "+master = true" in unified_diff(outcome)


def test_diff_quotes_a_file_name_that_would_break_its_header() -> None:
    outcome = _fix(b"[uwsgi]\nmodule = app\n", "master-not-enabled")
    odd = dataclasses.replace(outcome, path='new\nline "x".ini')
    headers = unified_diff(odd).splitlines()[:2]
    assert headers == ['--- "a/new\\nline \\"x\\".ini"', '+++ "b/new\\nline \\"x\\".ini"']


def test_atomic_write_keeps_the_mode(tmp_path: Path) -> None:
    target = tmp_path / "app.ini"
    target.write_bytes(b"old")
    target.chmod(0o640)
    write_atomically(str(target), b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["app.ini"]


INLINE = b"[uwsgi]\nmaster = true\nharakiri = 30 ; seconds\n"
INLINE_FIXED = b"[uwsgi]\nmaster = true\n; seconds\nharakiri = 30\n"
FIX_INLINE = ["--select", "inline-comment", "--fix"]


@pytest.fixture
def debian(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The Debian layout: ``apps-enabled/app.ini -> ../apps-available/app.ini``."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "apps-available").mkdir()
    (tmp_path / "apps-enabled").mkdir()
    real = tmp_path / "apps-available" / "app.ini"
    real.write_bytes(INLINE)
    real.chmod(0o640)
    (tmp_path / "apps-enabled" / "app.ini").symlink_to("../apps-available/app.ini")
    return real


def _names(tmp_path: Path) -> list[str]:
    return sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))


def test_fix_writes_the_file_a_symbolic_link_points_to(
    debian: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main([*FIX_INLINE, "apps-enabled/app.ini"]) == cli.EXIT_CLEAN
    assert capsys.readouterr().err == "Fixed 1 problem in 1 file.\n"
    assert os.readlink("apps-enabled/app.ini") == "../apps-available/app.ini"
    assert debian.read_bytes() == INLINE_FIXED
    assert stat.S_IMODE(debian.stat().st_mode) == 0o640
    assert _names(tmp_path) == [
        "apps-available", "apps-available/app.ini", "apps-enabled", "apps-enabled/app.ini"
    ]


def test_fix_refuses_a_file_with_hard_links(
    debian: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Replacing the file would split the links; writing it in place would not be atomic."""
    os.link(debian, "hard.ini")
    assert cli.main([*FIX_INLINE, "apps-enabled/app.ini"]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("uwsgi-lint: cannot write apps-enabled/app.ini: it has 2 hard links;")
    assert "Fixed" not in err
    assert debian.read_bytes() == INLINE
    assert os.stat("hard.ini").st_ino == debian.stat().st_ino
    assert len(_names(tmp_path)) == 5


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another user")
def test_fix_keeps_the_owner(debian: Path) -> None:
    os.chown(debian, 65534, 65534)
    write_atomically("apps-enabled/app.ini", INLINE_FIXED)
    assert (debian.stat().st_uid, debian.stat().st_gid) == (65534, 65534)
    assert debian.read_bytes() == INLINE_FIXED


@pytest.mark.parametrize(("make", "reason"), [
    (lambda p: p.symlink_to("nowhere.ini"), "it is a broken symbolic link"),
    (lambda p: p.symlink_to(p.name), "it is a symbolic link that loops"),
    (lambda p: os.mkfifo(p), "it is not a regular file"),
], ids=["dangling", "loop", "fifo"])
def test_atomic_write_refuses_what_it_cannot_replace(
    tmp_path: Path, make: Callable[[Path], None], reason: str
) -> None:
    target = tmp_path / "app.ini"
    make(target)
    with pytest.raises(UnwritableFile, match=f"^{reason}$"):
        write_atomically(str(target), b"new")
    assert _names(tmp_path) == ["app.ini"]


def _fix_as_user(*capabilities: str) -> subprocess.CompletedProcess[str]:
    """``--fix`` the linked file in a child process that lacks ``capabilities`` when run as
    root (a plain user lacks them anyway)."""
    command = [sys.executable, "-m", "pytest_uwsgi_lint", *FIX_INLINE, "apps-enabled/app.ini"]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root and setpriv (util-linux) is missing to drop privileges")
        dropped = ",".join(f"-{name}" for name in capabilities)
        command = [setpriv, f"--bounding-set={dropped}", *command]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_fix_into_a_folder_the_user_cannot_write_is_a_usage_error(debian: Path) -> None:
    debian.parent.chmod(0o555)
    done = _fix_as_user("dac_override")
    debian.parent.chmod(0o755)
    assert done.returncode == cli.EXIT_USAGE, done.stderr
    assert done.stderr == (
        f"uwsgi-lint: cannot write apps-enabled/app.ini: cannot put a new copy in "
        f"{os.path.realpath(debian.parent)}: permission denied\n"
    )
    assert debian.read_bytes() == INLINE


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another user")
def test_fix_refuses_to_change_the_owner(debian: Path, tmp_path: Path) -> None:
    """A config readable by uWSGI's group only must not end up in the fixer's group."""
    os.chown(debian, 65534, 65534)
    done = _fix_as_user("chown")
    assert done.returncode == cli.EXIT_USAGE, done.stderr
    assert done.stderr == (
        "uwsgi-lint: cannot write apps-enabled/app.ini: its owner and group (uid 65534, "
        "gid 65534) cannot be kept\n"
    )
    assert debian.read_bytes() == INLINE
    assert len(_names(tmp_path)) == 4


_NOISE = st.sampled_from([b"; comment", b"# note", b"processes = 4", b"x = caf\xe9",
                          b"socket = /run/app.sock", b"", b"  indented = 1", b"\xff\xfe"])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(_NOISE, max_size=8),
    st.lists(_NOISE, max_size=8),
    st.sampled_from([b"\n", b"\r\n"]),
    st.booleans(),
)
def test_fixes_change_only_the_lines_they_mean_to(
    before: list[bytes], after: list[bytes], eol: bytes, bom: bool
) -> None:
    flag = b"attach-daemon2 = cmd=/usr/bin/w,daemonize=false"
    lines = [b"[uwsgi]", *before, flag, *after]
    data = (b"\xef\xbb\xbf; top" + eol if bom else b"") + eol.join(lines) + eol
    outcome = _fix(data, "master-not-enabled", "daemon-flag-value-ignored")
    fixed_lines = outcome.fixed.split(b"\n")
    original_lines = data.split(b"\n")
    changed = [line for line in fixed_lines if line not in original_lines]
    removed = [line for line in original_lines if line not in fixed_lines]
    assert removed == [flag + eol.rstrip(b"\n")]
    assert changed == [b"attach-daemon2 = cmd=/usr/bin/w" + eol.rstrip(b"\n")]
    assert _fix(outcome.fixed, "master-not-enabled", "daemon-flag-value-ignored").fixed == (
        outcome.fixed
    )


@pytest.mark.oracle
def test_fixed_files_read_in_uwsgi_as_intended(oracle: str) -> None:
    import uwsgi_oracle

    both = ("master-not-enabled", "daemon-flag-value-ignored")
    plain = _fix(b"\xef\xbb\xbf; x\r\n[uwsgi]\r\nmodule = app\r\n", *both).fixed
    assert uwsgi_oracle.show_config(plain).entries == [(b"master", b"true"), (b"module", b"app")]
    daemon = _fix(b"[uwsgi]\nattach-daemon2 = cmd=/usr/bin/w,control=0,stdin=no\n", *both).fixed
    assert uwsgi_oracle.show_config(daemon).entries == [(b"attach-daemon2", b"cmd=/usr/bin/w")]
    others = ("inline-comment", "section-not-found", "sigterm-reloads")
    messy = b"\xef\xbb\xbf[uWSGI]\r\nmaster = true\r\nlazy-apps = false ; later\r\n"
    assert uwsgi_oracle.show_config(_fix(messy, *others).fixed).entries == [
        (b"die-on-term", b"true"), (b"master", b"true"), (b"lazy-apps", b"false")
    ]


def test_an_edit_made_while_the_file_was_linted_is_not_thrown_away(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The fixed copy is written from the bytes that were linted: a line someone added in
    between would be lost without a word, and the run would say the file was fixed."""
    config = tmp_path / "app.ini"
    config.write_text("[uwsgi]\nmodule = app\n")
    linted = engine.lint_source
    edits = ["processes = 4\n"]

    def lint_then_edit(spec: str, settings: Settings) -> FileReport:
        report = linted(spec, settings)
        with open(config, "a") as handle:
            handle.write("".join(edits))  # once, after the first lint
        edits.clear()
        return report

    monkeypatch.setattr(cli, "lint_source", lint_then_edit)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["--fix", "--select", "master-not-enabled", "app.ini"]) == cli.EXIT_USAGE
    assert config.read_text() == "[uwsgi]\nmodule = app\nprocesses = 4\n"
    assert "changed while it was being linted; nothing was written" in capsys.readouterr().err


def test_a_diff_applies_to_files_without_a_final_newline_or_in_latin_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """`patch` and `git apply` refused the diff: the last line ran into the next one, and a
    Latin-1 byte came out as the text `\\udce9`."""
    (tmp_path / "a.ini").write_bytes(b"[uwsgi]\nmaster = true\nprocname = caf\xe9\n"
                                     b"processes = 4 ; four")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["--diff", "--select", "inline-comment", "a.ini"]) == cli.EXIT_FINDINGS
    diff = capsysbinary.readouterr().out
    assert b" procname = caf\xe9\n" in diff
    assert diff.endswith(b"-processes = 4 ; four\n\\ No newline at end of file\n+; four\n"
                         b"+processes = 4\n\\ No newline at end of file\n")
    git = shutil.which("git")
    if git is not None:
        (tmp_path / "fix.diff").write_bytes(diff)
        subprocess.run([git, "apply", "fix.diff"], cwd=tmp_path, check=True)
        assert (tmp_path / "a.ini").read_bytes().endswith(b"; four\nprocesses = 4")


def test_a_crlf_file_without_a_final_line_end_gets_no_lone_cr() -> None:
    data = b"[uwsgi]\r\nmaster = true\r\nprocesses = 4 ; four"
    edit = Edit("a.ini", 3, 3, (b"; four", b"processes = 4"))
    assert apply_edits(data, [edit]) == b"[uwsgi]\r\nmaster = true\r\n; four\r\nprocesses = 4"
    assert apply_edits(data + b"\r\n", [edit]).endswith(b"; four\r\nprocesses = 4\r\n")
