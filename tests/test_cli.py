"""The ``uwsgi-lint`` command: exit codes, selection, output shapes, and bad input that must
end in a finding or a usage error, never in a traceback or a hang."""

from __future__ import annotations

import gc
import io
import json
import os
import shutil
import subprocess
import sys
import weakref
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Callable

import pytest

from pytest_uwsgi_lint import __version__, cli, registry
from pytest_uwsgi_lint.engine import FileReport, Settings, lint_source
from pytest_uwsgi_lint.findings import Edit, Finding, Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import Check, all_rules, rule
from pytest_uwsgi_lint.sources import MAX_BYTES

CLEAN = b"[uwsgi]\nmaster = true\nmodule = app:application\n"
NO_MASTER = b"[uwsgi]\nmodule = app:application\nprocesses = 4\n"
AddRule = Callable[[str, Severity, "Check"], None]
# Other rules come and go; tests of the command's mechanics look at this one only.
ONE_RULE = ("--select", "master-not-enabled")
JSON_KEYS = {
    "path", "line", "column", "end_line", "end_column", "code", "name", "severity", "message",
    "fix",
}


def lint(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def lint_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, object]]:
    code, out, _ = lint(capsys, "--format", "json", *argv)
    document: dict[str, object] = json.loads(out)
    return code, document


def names(document: dict[str, object]) -> list[str]:
    findings = document["findings"]
    assert isinstance(findings, list)
    return [f["name"] for f in findings]


@pytest.fixture(autouse=True)
def not_under_github_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    """The default output format is ``github`` under GitHub Actions; these tests expect text."""
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "clean.ini").write_bytes(CLEAN)
    (tmp_path / "no_master.ini").write_bytes(NO_MASTER)
    return tmp_path


TEST_RULE_DOC = """
## What it does
Exists only for the tests of the command line.

## Why is this bad?
It is not.

## Example
```ini
[uwsgi]
```

## Use instead
```ini
```
"""


@pytest.fixture
def extra_rule() -> Iterator[AddRule]:
    """Registers rules for one test only."""
    all_rules()
    saved = dict(registry._REGISTRY)

    def add(name: str, severity: Severity, check: Check) -> None:
        check.__doc__ = TEST_RULE_DOC
        rule(f"UWP99{len(registry._REGISTRY) - len(saved)}", name, severity)(check)
        all_rules.cache_clear()

    yield add
    registry._REGISTRY.clear()
    registry._REGISTRY.update(saved)
    all_rules.cache_clear()


def crash(config: Config) -> Iterable[Hit]:
    raise RuntimeError("deliberate crash")


def info_on_header(config: Config) -> Iterable[Hit]:
    header = config.source.header()
    if header is not None:
        yield Hit("an info finding", header.line, header.column)


# exit codes ----------------------------------------------------------------------------------


def test_clean_file_exits_0(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = lint(capsys, *ONE_RULE, "clean.ini")
    assert code == cli.EXIT_CLEAN
    assert out == "No problems found in 1 file.\n"


def test_findings_exit_1_with_one_line_each_and_a_summary(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = lint(capsys, *ONE_RULE, "no_master.ini", "clean.ini")
    assert code == cli.EXIT_FINDINGS
    lines = out.splitlines()
    assert lines[0].startswith("no_master.ini:1:1: UWM001 [warning] the master process")
    assert lines[0].endswith("(master-not-enabled)")
    assert lines[1] == "    fix: add `master = true`"
    assert lines[-1] == "Found 1 problem (1 warning) in 1 file."


def test_missing_named_path_exits_2_and_still_reports(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = lint(capsys, *ONE_RULE, "missing.ini", "no_master.ini")
    assert code == cli.EXIT_USAGE
    assert "missing.ini:1:1: UWE001 [error] missing.ini does not exist (file-unreadable)" in out
    assert "(master-not-enabled)" in out
    assert out.splitlines()[-1] == "Found 2 problems (1 error, 1 warning) in 2 files."


def test_unreadable_file_found_in_a_directory_is_a_finding_not_a_usage_error(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    os.symlink("nowhere.ini", workdir / "dangling.ini")
    code, out, _ = lint(capsys, ".")
    assert code == cli.EXIT_FINDINGS
    assert "dangling.ini is a broken symbolic link (file-unreadable)" in out


def test_crashing_rule_exits_3_and_still_lints_everything(
    workdir: Path, capsys: pytest.CaptureFixture[str], extra_rule: AddRule
) -> None:
    extra_rule("test-always-crashes", Severity.WARNING, crash)
    code, out, err = lint(capsys, "no_master.ini", "clean.ini")
    assert code == cli.EXIT_INTERNAL
    crashes = [line for line in out.splitlines() if "(internal-error)" in line]
    assert [c.split(":")[0] for c in crashes] == ["clean.ini", "no_master.ini"]
    assert "rule test-always-crashes crashed (RuntimeError: deliberate crash)" in crashes[0]
    assert "(master-not-enabled)" in out
    assert "this is a bug in uwsgi-lint" in err


def test_unexpected_exception_is_an_internal_error_without_traceback(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(cli, "lint_source", explode)
    code, out, err = lint(capsys, "clean.ini")
    assert (code, out) == (cli.EXIT_INTERNAL, "")
    assert err == (
        "uwsgi-lint: internal error (RuntimeError: boom); this is a bug in uwsgi-lint, "
        "please report it\n"
    )


def test_keyboard_interrupt_exits_quietly(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "lint_source", interrupt)
    assert lint(capsys, "clean.ini") == (130, "", "")


def test_exit_zero_keeps_findings_but_not_usage_errors(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = lint(capsys, "--exit-zero", "no_master.ini")
    assert "(master-not-enabled)" in out
    assert code == cli.EXIT_CLEAN
    assert "(master-not-enabled)" in out
    assert lint(capsys, "--exit-zero", "missing.ini")[0] == cli.EXIT_USAGE


def test_fail_on_sets_the_threshold(
    workdir: Path, capsys: pytest.CaptureFixture[str], extra_rule: AddRule
) -> None:
    extra_rule("test-info-on-header", Severity.INFO, info_on_header)
    info_only = ("--select", "test-info-on-header", "clean.ini")
    code, out, _ = lint(capsys, *info_only)
    assert code == cli.EXIT_CLEAN
    assert out.splitlines()[-1] == "Found 1 problem (1 info) in 1 file."
    assert lint(capsys, "--fail-on", "info", *info_only)[0] == cli.EXIT_FINDINGS
    assert lint(capsys, *ONE_RULE, "--fail-on", "error", "no_master.ini")[0] == cli.EXIT_CLEAN
    assert lint(capsys, *ONE_RULE, "--fail-on", "warning", "no_master.ini")[0] == 1


# usage errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--select", "UWM001,no-such-rule"], "--select: no rule matches no-such-rule"),
        (["--ignore", "UWX"], "--ignore: no rule matches UWX"),
        (["--extend-select", "UWM,UWQ9"], "--extend-select: no rule matches UWQ9"),
        (["--uwsgi-version", "two"], "not a uWSGI version: 'two'"),
        (["--uwsgi-version", "99999999999999999999999.0"],
         "--uwsgi-version: not a uWSGI version: '99999999999999999999999.0'; use a release "
         "from 0.9.5 to 2.0.30"),
        (["--uwsgi-version", "0.1"], "--uwsgi-version: not a uWSGI version: '0.1'"),
        (["--format", "xml"], "invalid choice: 'xml'"),
        (["--fail-on", "fatal"], "invalid choice: 'fatal'"),
        (["--explain", "no-such-rule"], "no rule is called no-such-rule"),
        (["--no-such-flag"], "unrecognized arguments: --no-such-flag"),
        ([""], "an empty path names no file: give a config file, a directory, or - for "
               "standard input"),
        ([":prod"], "':prod' names the section [prod] but no file: write FILE:prod"),
        (["--show-config", ""], "an empty path names no file"),
        (["--show-config", ":prod"], "':prod' names the section [prod] but no file"),
        (["--show-config", "clean.ini"],
         "--show-config shows one config and lints none: clean.ini would be ignored"),
        (["--write-baseline", ""], "--write-baseline: an empty path names no file"),
        (["--baseline", ""], "--baseline: an empty path names no file"),
    ],
)
def test_usage_errors_exit_2(
    workdir: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main([*argv, "clean.ini"])
    out, err = capsys.readouterr()
    assert exited.value.code == cli.EXIT_USAGE
    assert out == ""
    assert message in err
    assert "Traceback" not in err


# selection -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv, flagged",
    [
        ([], True),
        (["--select", "UWM001"], True),
        (["--select", "UWM"], True),
        (["--select", "uwm0"], True),
        (["--select", "master-not-enabled"], True),
        (["--select", "UWE"], False),
        (["--ignore", "UWM001"], False),
        (["--ignore", "UWM"], False),
        (["--ignore", "master-not-enabled"], False),
        (["--ignore", "UWE003,master-not-enabled"], False),
        (["--ignore", "UWE003", "--ignore", "UWM001"], False),
        (["--select", "UWE", "--select", "UWM"], True),
        (["--select", "UWM", "--ignore", "master-not-enabled"], False),
    ],
)
def test_select_and_ignore_by_code_prefix_and_name(
    workdir: Path, capsys: pytest.CaptureFixture[str], argv: list[str], flagged: bool
) -> None:
    document = lint_json(capsys, *argv, "no_master.ini")[1]
    assert ("master-not-enabled" in names(document)) is flagged


# output --------------------------------------------------------------------------------------


def test_json_shape_sorting_and_relative_paths(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for sub in ("b", "a"):
        (workdir / sub).mkdir()
        (workdir / sub / "app.ini").write_bytes(NO_MASTER)
    code, document = lint_json(
        capsys, *ONE_RULE, str(workdir / "b"), str(workdir / "missing.ini"), str(workdir / "a")
    )
    assert code == cli.EXIT_USAGE
    assert set(document) == {"uwsgi_version", "files", "findings"}
    assert document["uwsgi_version"] == "2.0.30"
    assert document["files"] == 3
    findings = document["findings"]
    assert isinstance(findings, list)
    assert all(set(f) == JSON_KEYS for f in findings)
    assert [(f["path"], f["code"]) for f in findings] == [
        (os.path.join("a", "app.ini"), "UWM001"),
        (os.path.join("b", "app.ini"), "UWM001"),
        ("missing.ini", "UWE001"),
    ]
    first = findings[0]
    assert (first["line"], first["column"], first["severity"]) == (1, 1, "warning")
    assert first["fix"] == "add `master = true`"


def test_uwsgi_version_is_reported(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    document = lint_json(capsys, "--uwsgi-version", "2.0.20", "clean.ini")[1]
    assert document["uwsgi_version"] == "2.0.20"


def test_output_is_the_same_whatever_the_argument_order(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "other.ini").write_bytes(NO_MASTER)
    forward = lint(capsys, *ONE_RULE, "no_master.ini", "other.ini", "clean.ini")
    backward = lint(capsys, *ONE_RULE, "clean.ini", "other.ini", "no_master.ini", "other.ini")
    assert forward == backward
    assert [line[:5] for line in forward[1].splitlines()[::2]] == ["no_ma", "other", "Found"]


def test_no_arguments_lints_uwsgi_configs_below_the_current_directory(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "pytest.ini").write_bytes(b"[pytest]\naddopts = -q\n")
    (workdir / "deploy").mkdir()
    (workdir / "deploy" / "app.ini").write_bytes(NO_MASTER)
    code, document = lint_json(capsys, *ONE_RULE)
    assert code == cli.EXIT_FINDINGS
    assert document["files"] == 3
    findings = document["findings"]
    assert isinstance(findings, list)
    assert [f["path"] for f in findings] == [os.path.join("deploy", "app.ini"), "no_master.ini"]


def test_an_empty_directory_is_clean_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = lint(capsys, str(tmp_path))
    assert code == cli.EXIT_CLEAN
    assert out == "No problems found in 0 files.\n"
    assert "no uWSGI config found" in err


def test_stdin(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(NO_MASTER)))
    code, out, _ = lint(capsys, *ONE_RULE, "-")
    assert code == cli.EXIT_FINDINGS
    assert out.startswith("-:1:1: UWM001 [warning]")


def test_file_and_section(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "app.ini").write_bytes(NO_MASTER + b"[production]\nmaster = true\nmodule = app\n")
    assert lint(capsys, *ONE_RULE, "app.ini:production")[0] == cli.EXIT_CLEAN
    assert lint(capsys, *ONE_RULE, "app.ini")[0] == cli.EXIT_FINDINGS
    assert lint(capsys, *ONE_RULE, "app.ini:uwsgi")[0] == cli.EXIT_FINDINGS


def test_list_rules(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = lint(capsys, "--list-rules")
    assert code == cli.EXIT_CLEAN
    lines = out.splitlines()
    assert lines[0].split() == ["CODE", "NAME", "SEVERITY", "SUMMARY"]
    assert [line.split()[0] for line in lines[1:]] == [r.code for r in all_rules()]
    master = next(line for line in lines if line.startswith("UWM001"))
    assert master.split()[1:3] == ["master-not-enabled", "warning"]
    assert master.endswith(registry.find_rule("UWM001").summary)  # type: ignore[union-attr]


@pytest.mark.parametrize("selector", ["UWM001", "uwm001", "master-not-enabled"])
def test_explain(capsys: pytest.CaptureFixture[str], selector: str) -> None:
    code, out, _ = lint(capsys, "--explain", selector)
    assert code == cli.EXIT_CLEAN
    assert out.startswith("# UWM001 master-not-enabled\n\nDefault severity: warning")
    for heading in registry.REQUIRED_SECTIONS:
        assert f"## {heading}\n" in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = lint(capsys, "--version")
    assert code == cli.EXIT_CLEAN
    assert out.startswith(f"uwsgi-lint {__version__} ({len(all_rules())} rules;")


def test_console_script_and_module_run_the_same_command(workdir: Path) -> None:
    script = Path(sys.executable).with_name("uwsgi-lint")
    assert script.exists(), "the uwsgi-lint console script is not installed"
    for command in ([str(script)], [sys.executable, "-m", "pytest_uwsgi_lint"]):
        done = subprocess.run(
            [*command, "no_master.ini"], capture_output=True, text=True, timeout=120
        )
        assert done.returncode == cli.EXIT_FINDINGS, done.stderr
        assert "(master-not-enabled)" in done.stdout


def test_closed_pipe_ends_quietly(workdir: Path) -> None:
    for n in range(600):
        (workdir / f"app{n:03}.ini").write_bytes(NO_MASTER)
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest_uwsgi_lint", *ONE_RULE, "."],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.readline().startswith(b"app000.ini:1:1: UWM001")
    process.stdout.close()
    err = process.stderr.read()
    assert process.wait(timeout=120) == 141
    assert err == b""


# bad input -----------------------------------------------------------------------------------

CONTENT = {
    "binary": bytes(range(256)) * 8,
    "invalid-utf8": b"[uwsgi]\nmaster = true\nchdir = /srv/\xff\xfe\xc3(\n",
    "utf16-bom": "[uwsgi]\nmaster = true\n".encode("utf-16"),
    "cr-only": b"[uwsgi]\rmaster = true\rmodule = app\r",
    "nul": b"[uwsgi]\nmaster = true\nmod\x00ule = app\n",
    "empty": b"",
    "huge-line": b"[uwsgi]\nmaster = true\nenv = X=" + b"y" * 1_000_000 + b"\n",
}


@pytest.mark.parametrize("kind", sorted(CONTENT))
def test_bad_content_is_linted_without_a_traceback(
    workdir: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    (workdir / "bad.ini").write_bytes(CONTENT[kind])
    for output in ("text", "json"):
        code, out, _ = lint(capsys, "--format", output, "bad.ini")
        assert code in (cli.EXIT_CLEAN, cli.EXIT_FINDINGS)
    document = json.loads(out)
    assert document["files"] == 1
    assert {f["path"] for f in document["findings"]} <= {"bad.ini"}
    assert "internal-error" not in names(document)


def _assert_unreadable(
    capsys: pytest.CaptureFixture[str], path: str, reason: str
) -> None:
    code, out, _ = lint(capsys, path)
    assert code == cli.EXIT_USAGE
    assert out.splitlines()[0] == f"{path}:1:1: UWE001 [error] {path} {reason} (file-unreadable)"


def test_file_over_10_mb(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with open(workdir / "big.ini", "wb") as handle:
        handle.write(b"[uwsgi]\nmaster = true\n")
        handle.truncate(MAX_BYTES + 1)
    _assert_unreadable(capsys, "big.ini", f"is larger than {MAX_BYTES} bytes; it was not read")


def test_directory_named_like_a_config(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "x.ini").mkdir()
    (workdir / "x.ini" / "inner.ini").write_bytes(NO_MASTER)
    _assert_unreadable(capsys, "x.ini", "is a directory, not a regular file; it was not read")
    code, document = lint_json(capsys, ".")
    assert code == cli.EXIT_FINDINGS
    assert os.path.join("x.ini", "inner.ini") in [
        f["path"] for f in document["findings"]  # type: ignore[attr-defined]
    ]


def test_broken_and_looping_symlinks(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    os.symlink("nowhere.ini", "broken.ini")
    os.symlink("loop-b.ini", "loop-a.ini")
    os.symlink("loop-a.ini", "loop-b.ini")
    _assert_unreadable(capsys, "broken.ini", "is a broken symbolic link")
    _assert_unreadable(capsys, "loop-a.ini", "is a symbolic link that loops")


def test_fifo_is_refused_without_blocking(workdir: Path) -> None:
    os.mkfifo("pipe.ini")
    done = subprocess.run(
        [sys.executable, "-m", "pytest_uwsgi_lint", "pipe.ini"],
        capture_output=True, text=True, timeout=120,  # a hang fails instead of blocking CI
    )
    assert done.returncode == cli.EXIT_USAGE
    assert done.stdout.startswith(
        "pipe.ini:1:1: UWE001 [error] pipe.ini is a FIFO, not a regular file; it was not read"
    )
    assert done.stderr == ""


def test_permission_denied(workdir: Path) -> None:
    """Root reads any file; as root the command runs without the capabilities that let it."""
    (workdir / "secret.ini").write_bytes(CLEAN)
    os.chmod("secret.ini", 0)
    command = [sys.executable, "-m", "pytest_uwsgi_lint", "secret.ini"]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root and setpriv (util-linux) is missing to drop privileges")
        command = [setpriv, "--bounding-set=-dac_override,-dac_read_search", *command]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == cli.EXIT_USAGE, done.stderr
    assert done.stdout.startswith(
        "secret.ini:1:1: UWE001 [error] secret.ini cannot be read: permission denied"
    )


# machine formats, settings files, --show-config -----------------------------------------------


def test_sarif_and_github_formats(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = lint(capsys, *ONE_RULE, "--format", "sarif", "no_master.ini")
    assert code == cli.EXIT_FINDINGS
    run = json.loads(out)["runs"][0]
    assert run["tool"]["driver"]["name"] == "uwsgi-lint"
    assert [r["ruleId"] for r in run["results"]] == ["UWM001"]
    location = run["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "no_master.ini"
    code, out, _ = lint(capsys, *ONE_RULE, "--format", "github", "no_master.ini")
    assert code == cli.EXIT_FINDINGS
    assert out.startswith("::warning file=no_master.ini,line=1,col=1,")
    assert lint(capsys, *ONE_RULE, "--format", "github", "clean.ini") == (0, "", "")


def test_settings_file_applies_and_the_command_line_wins(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "pyproject.toml").write_text(
        '[tool.uwsgi-lint]\nselect = ["UWM"]\nignore = ["master-not-enabled"]\n'
        'exclude = ["skipped/*"]\n'
    )
    (workdir / "skipped").mkdir()
    (workdir / "skipped" / "app.ini").write_bytes(NO_MASTER)
    document = lint_json(capsys, "no_master.ini")[1]
    assert "master-not-enabled" not in names(document)
    document = lint_json(capsys, "--ignore", "UWE", "no_master.ini")[1]
    assert "master-not-enabled" in names(document)
    document = lint_json(capsys, *ONE_RULE, ".")[1]
    assert document["files"] == 2
    assert lint_json(capsys, *ONE_RULE, "skipped/app.ini")[1]["files"] == 1


@pytest.mark.parametrize(
    "setting, message",
    [
        ('selct = ["UWM"]', "`selct` is an unknown key"),
        ('ignore = ["UWQ"]', "pyproject.toml: no rule matches UWQ"),
        ('per-file-ignores = { "a/*.ini" = ["UWM", "no-such"] }',
         "pyproject.toml: no rule matches no-such"),
        ('fail-on = "fatal"', "`fail-on` must be error, warning or info"),
    ],
)
def test_bad_settings_file_is_a_usage_error(
    workdir: Path, capsys: pytest.CaptureFixture[str], setting: str, message: str
) -> None:
    (workdir / "pyproject.toml").write_text(f"[tool.uwsgi-lint]\n{setting}\n")
    with pytest.raises(SystemExit) as exited:
        cli.main(["clean.ini"])
    err = capsys.readouterr().err
    assert exited.value.code == cli.EXIT_USAGE
    assert "pyproject.toml" in err and message in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ('[tool.uwsgi-lint]\nper-file-ignores = {"*" = [1]}\n',
         "`per-file-ignores` for * must be a list of strings, not an array holding an integer"),
        ("tool = 5\n", "[tool] must be a table, not an integer"),
        ("tool = [1]\n", "[tool] must be a table, not an array holding an integer"),
        ("[tool]\nuwsgi-lint = 3\n", "[tool.uwsgi-lint] must be a table, not an integer"),
        ("a=" + "[" * 100_000 + "]" * 100_000, "cannot be parsed: it nests too deeply"),
    ],
)
def test_hostile_pyproject_is_a_usage_error(
    workdir: Path, capsys: pytest.CaptureFixture[str], document: str, message: str
) -> None:
    """Malformed settings end in exit code 2 and a message, not in an internal error."""
    (workdir / "pyproject.toml").write_text(document)
    with pytest.raises(SystemExit) as exited:
        cli.main(["clean.ini"])
    err = capsys.readouterr().err
    assert exited.value.code == cli.EXIT_USAGE
    assert f"uwsgi-lint: error: {workdir / 'pyproject.toml'}: {message}\n" in err


def test_show_config(workdir: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    (workdir / "app.ini").write_bytes(b"[uwsgi]\nmaster = true\nvacuum\n[other]\nmaster = false\n")
    assert cli.main(["--show-config", "app.ini"]) == cli.EXIT_CLEAN
    assert capsysbinary.readouterr().out == (
        b"\n;uWSGI instance configuration\n[uwsgi]\nmaster = true\nvacuum = \n"
        b";end of configuration\n\n"
    )
    assert cli.main(["--show-config", "app.ini:other"]) == cli.EXIT_CLEAN
    assert b"\nmaster = false\n" in capsysbinary.readouterr().out
    assert cli.main(["--show-config", "missing.ini"]) == cli.EXIT_USAGE
    out, err = capsysbinary.readouterr()
    assert (out, err) == (b"", b"uwsgi-lint: missing.ini does not exist\n")


class Terminal(io.TextIOWrapper):
    """Standard output as a terminal."""

    def isatty(self) -> bool:
        return True


def test_show_config_is_escaped_on_a_terminal_only(
    workdir: Path, capsysbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    (workdir / "app.ini").write_bytes(b"[uwsgi]\nabc\x1b[2K = caf\xc3\xa9\x7f \xff\x9b\n")
    assert cli.main(["--show-config", "app.ini"]) == cli.EXIT_CLEAN
    assert b"\nabc\x1b[2K = caf\xc3\xa9\x7f \xff\x9b\n" in capsysbinary.readouterr().out
    written = io.BytesIO()
    terminal = Terminal(written, encoding="utf-8")
    monkeypatch.setattr(sys, "stdout", terminal)
    assert cli.main(["--show-config", "app.ini"]) == cli.EXIT_CLEAN
    terminal.flush()
    assert written.getvalue() == (
        b"\n;uWSGI instance configuration\n[uwsgi]\n"
        b"abc\\x1b[2K = caf\xc3\xa9\\x7f \\xff\\x9b\n;end of configuration\n\n"
    )


# --fix, --diff, baselines ---------------------------------------------------------------------

TODO = b"[uwsgi]\r\nmaster = true\r\ntodo = remove me\r\nmodule = app\r\n"
FIXED = b"[uwsgi]\r\nmaster = true\r\nmodule = app\r\n"


def drop_todo(config: Config) -> Iterable[Hit]:
    for entry in config.entries:
        if entry.key == "todo":
            edit = Edit(entry.path, entry.line, entry.end_line, ())
            yield Hit.at(entry, "a todo", edits=(edit,), fix="delete the line")


def test_fix_edits_in_place_and_reports_what_is_left(
    workdir: Path, capsys: pytest.CaptureFixture[str], extra_rule: AddRule
) -> None:
    extra_rule("test-drop-todo", Severity.WARNING, drop_todo)
    (workdir / "app.ini").write_bytes(TODO)
    os.chmod("app.ini", 0o640)
    code, out, err = lint(capsys, "--select", "test-drop-todo,UWM001", "--fix", "app.ini")
    assert (code, out, err) == (0, "No problems found in 1 file.\n", "Fixed 1 problem in 1 file.\n")
    assert (workdir / "app.ini").read_bytes() == FIXED
    assert os.stat("app.ini").st_mode & 0o777 == 0o640
    assert lint(capsys, "--select", "test-drop-todo", "--fix", "app.ini")[2] == ""


def keep_todo(config: Config) -> Iterable[Hit]:
    """A fix that writes the line back as it was, so it never resolves its finding."""
    for entry in config.entries:
        if entry.key.startswith("todo"):
            edit = Edit(entry.path, entry.line, entry.end_line, (entry.raw,))
            yield Hit.at(entry, f"`{entry.key}`", edits=(edit,), fix="keep it")


def test_refused_fixes_are_reported_on_one_line(
    workdir: Path, capsys: pytest.CaptureFixture[str], extra_rule: AddRule
) -> None:
    extra_rule("test-keep-todo", Severity.WARNING, keep_todo)
    (workdir / "app\x1b[2K.ini").write_bytes(b"[uwsgi]\ntodo\x1b[1A\rx = 1\n")
    code, _, err = lint(capsys, "--select", "test-keep-todo", "--fix", ".")
    assert code == cli.EXIT_FINDINGS
    assert err == ("app\\x1b[2K.ini:2: test-keep-todo not fixed: the fix would not resolve it "
                   "(test-keep-todo: `todo\\x1b[1A\\rx`)\n")


def test_diff_shows_the_fix_and_changes_nothing(
    workdir: Path, capsys: pytest.CaptureFixture[str], extra_rule: AddRule
) -> None:
    extra_rule("test-drop-todo", Severity.WARNING, drop_todo)
    (workdir / "app.ini").write_bytes(TODO)
    code, out, err = lint(capsys, "--select", "test-drop-todo", "--diff", "app.ini")
    assert code == cli.EXIT_FINDINGS
    assert out.splitlines()[:2] == ["--- a/app.ini", "+++ b/app.ini"]
    assert "-todo = remove me\r\n" in out
    assert err == "Would fix 1 problem in 1 file.\n"
    assert (workdir / "app.ini").read_bytes() == TODO
    assert lint(capsys, "--select", "test-drop-todo", "--diff", "clean.ini") == (0, "", "")


def test_fix_leaves_standard_input_alone(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    extra_rule: AddRule,
) -> None:
    extra_rule("test-drop-todo", Severity.WARNING, drop_todo)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(TODO)))
    code, out, err = lint(capsys, "--select", "test-drop-todo", "--fix", "-")
    assert code == cli.EXIT_FINDINGS
    assert out.startswith("-:3:1: UWP990 [warning] a todo (test-drop-todo)")
    assert err == ""


def test_baseline_hides_recorded_findings_only(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = lint(capsys, *ONE_RULE, "--write-baseline", "base.json", ".")
    assert (code, out) == (cli.EXIT_CLEAN, "No problems found in 2 files.\n")
    assert err == "Recorded 1 finding in base.json.\n"
    assert json.loads((workdir / "base.json").read_text())["findings"][0]["code"] == "UWM001"
    assert lint(capsys, *ONE_RULE, "--baseline", "base.json", ".")[0] == cli.EXIT_CLEAN
    (workdir / "new.ini").write_bytes(NO_MASTER)
    code, out, _ = lint(capsys, *ONE_RULE, "--baseline", "base.json", ".")
    assert code == cli.EXIT_FINDINGS
    assert out.startswith("new.ini:1:1: UWM001")
    assert out.endswith("\nFound 1 problem (1 warning) in 1 file.\n")


def test_bad_baseline_is_a_usage_error(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "base.json").write_text("[]")
    code, out, err = lint(capsys, "--baseline", "base.json", "clean.ini")
    assert (code, out) == (cli.EXIT_USAGE, "")
    assert err.startswith("uwsgi-lint: base.json: not a uwsgi-lint baseline")


def test_separator_line_is_an_unknown_key_not_a_hang(workdir: Path) -> None:
    """`-----` without a comment sign is a key of many dash-separated words; guessing what it
    was meant to be must not try every order of those words."""
    (workdir / "sep.ini").write_bytes(b"[uwsgi]\nmaster = true\n" + b"-" * 40 + b"\n")
    done = subprocess.run(
        [sys.executable, "-m", "pytest_uwsgi_lint", "--select", "unknown-option", "sep.ini"],
        capture_output=True, text=True, timeout=120,  # a hang fails instead of blocking CI
    )
    assert done.returncode == cli.EXIT_FINDINGS, done.stderr
    assert done.stdout.startswith(f"sep.ini:3:1: UWC002 [warning] `{'-' * 40}` is not an option")


# context options ------------------------------------------------------------------------------


def test_only_uwsgi_files_skips_other_named_ini_files(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "tox.ini").write_bytes(b"[tox]\nenvlist = py311\n")
    code, document = lint_json(capsys, *ONE_RULE, "--only-uwsgi-files", "tox.ini", "no_master.ini")
    assert (code, document["files"], names(document)) == (1, 1, ["master-not-enabled"])
    assert lint_json(capsys, *ONE_RULE, "tox.ini")[1]["files"] == 1


def test_env_is_what_the_loader_sees(
    workdir: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    (workdir / "app.ini").write_bytes(b"[uwsgi]\nsocket = $(SOCK)\n")
    assert cli.main(["--show-config", "app.ini"]) == cli.EXIT_CLEAN
    assert b"\nsocket = $(SOCK)\n" in capsysbinary.readouterr().out
    assert cli.main(["--env", "SOCK=/run/app.sock", "--show-config", "app.ini"]) == 0
    assert b"\nsocket = /run/app.sock\n" in capsysbinary.readouterr().out
    with pytest.raises(SystemExit) as exited:
        cli.main(["--env", "SOCK", "app.ini"])
    assert exited.value.code == cli.EXIT_USAGE
    assert "--env: expected NAME=VALUE, got 'SOCK'" in capsysbinary.readouterr().err.decode()


def test_deployment_changes_what_is_reported(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "app.ini").write_bytes(CLEAN + b"daemonize = /var/log/app.log\n")
    only = ("--select", "daemonize-under-process-manager", "app.ini")
    assert names(lint_json(capsys, "--deployment", "plain", *only)[1]) == []
    flagged = names(lint_json(capsys, "--deployment", "container", *only)[1])
    assert flagged == ["daemonize-under-process-manager"]


def test_extend_select_adds_to_the_selection(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "app.ini").write_bytes(NO_MASTER + b"vacuum = false ; for now\n")
    assert names(lint_json(capsys, *ONE_RULE, "app.ini")[1]) == ["master-not-enabled"]
    extended = lint_json(capsys, *ONE_RULE, "--extend-select", "inline-comment", "app.ini")[1]
    assert sorted(names(extended)) == ["inline-comment", "master-not-enabled"]


def test_reports_are_dropped_as_the_walk_goes(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A report holds the bytes and lines of every file its load read; keeping them all
    until the output is written would make memory grow with the number of files."""
    for index in range(20):
        (workdir / f"app{index:02}.ini").write_bytes(NO_MASTER)
    alive: list[weakref.ref[FileReport]] = []

    def tracked(spec: str, settings: Settings) -> FileReport:
        report = lint_source(spec, settings)
        alive.append(weakref.ref(report))
        return report

    def counting_summary(findings: Sequence[Finding], files: int) -> str:
        gc.collect()
        kept = sum(1 for ref in alive if ref() is not None)
        return f"{kept} reports kept; " + summary(findings, files)

    summary = cli.summary
    monkeypatch.setattr(cli, "lint_source", tracked)
    monkeypatch.setattr(cli, "summary", counting_summary)
    code, out, _ = lint(capsys, *ONE_RULE, ".")
    assert code == cli.EXIT_FINDINGS
    assert len(alive) == 22
    kept, _, said = out.splitlines()[-1].partition(" reports kept; ")
    assert said == "Found 21 problems (21 warnings) in 21 files."
    assert int(kept) <= 1  # the one the loop is on


def test_one_file_named_in_several_ways_is_linted_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "a.ini").write_text("[uwsgi]\nmodule = app\n")
    code, out, _ = lint(capsys, "--select", "UWM001", "vendor", "./vendor/a.ini",
                        str(tmp_path / "vendor" / "a.ini"), "vendor/a.ini:uwsgi")
    assert code == 1
    assert out.count("(master-not-enabled)") == 1
    assert out.rstrip().endswith("in 1 file.")


def test_repeated_selectors_select_as_one(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each selector is matched once however often it is repeated (300,000 copies each in
    `select` and `ignore` took 12 s before the first config), with the same outcome."""
    many = ",".join(["UWM"] * 100_000)
    cli.main(["--select", many, "--ignore", ",".join(["UWM002"] * 100_000), "clean.ini"])
    repeated = capsys.readouterr().out
    cli.main(["--select", "UWM", "--ignore", "UWM002", "clean.ini"])
    assert repeated == capsys.readouterr().out
    with pytest.raises(SystemExit):
        cli.main(["--select", ",".join(["NOPE"] * 1_000), "clean.ini"])
    assert capsys.readouterr().err.count("NOPE") == 1
