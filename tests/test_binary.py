"""``--uwsgi-binary``: what is run, with which environment, how the answer is cached, and how
a binary that cannot answer is reported."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
import uwsgi_oracle

from pytest_uwsgi_lint import binary, catalog, cli
from pytest_uwsgi_lint.binary import BinaryError, Build, parse_reported_version, probe
from pytest_uwsgi_lint.engine import Settings, lint_text

OPTIONS = ("socket", "master", "processes", "harakiri")


def fake_uwsgi(directory: Path, version: str = "2.0.28", options: tuple[str, ...] = OPTIONS,
               status: int = 0) -> tuple[Path, Path]:
    """A stand-in binary that logs its arguments and ``UWSGI*`` environment, one run a line."""
    log = directory / "runs.log"
    script = directory / "uwsgi"
    listing = "\\n".join(options)
    script.write_text(
        "#!/bin/sh\n"
        f'printf "%s|%s\\n" "$*" "$(env | grep -i "^uwsgi" | sort | tr "\\n" " ")" >> "{log}"\n'
        f'[ "$1" = "--version" ] && printf "%s\\n" "{version}"\n'
        f'[ "$1" = "--dump-options" ] && printf "{listing}\\n"\n'
        f"exit {status}\n"
    )
    script.chmod(0o755)
    return script, log


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    return cache


def runs(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def test_probe_asks_version_and_options_only(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    script, log = fake_uwsgi(tmp_path)
    monkeypatch.setenv("UWSGI_MASTER", "1")
    monkeypatch.setenv("UWSGI_INI", "/etc/uwsgi/app.ini")
    build = probe(str(script))
    assert build == Build(str(script), "2.0.28", frozenset(OPTIONS))
    assert build.version == catalog.parse_version("2.0.28")
    assert runs(log) == ["--version|", "--dump-options|"]


def test_answer_is_cached_by_path_size_and_mtime(tmp_path: Path, private_cache: Path) -> None:
    script, log = fake_uwsgi(tmp_path)
    probe(str(script))
    assert probe(str(script)).version_text == "2.0.28"
    assert len(runs(log)) == 2
    [entry] = (private_cache / "pytest-uwsgi-lint").glob("binary-*.json")
    assert json.loads(entry.read_text())["path"] == str(script)
    os.utime(script, ns=(1, 1))
    probe(str(script))
    assert len(runs(log)) == 4
    fake_uwsgi(tmp_path, version="2.0.30")  # rewritten: another size and mtime
    assert probe(str(script)).version_text == "2.0.30"


def test_corrupt_or_unwritable_cache_is_not_an_error(
    tmp_path: Path, private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script, log = fake_uwsgi(tmp_path)
    probe(str(script))
    [entry] = (private_cache / "pytest-uwsgi-lint").glob("binary-*.json")
    entry.write_text("{not json")
    assert probe(str(script)).options == frozenset(OPTIONS)
    assert len(runs(log)) == 4
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    assert probe(str(script)).options == frozenset(OPTIONS)
    assert probe(str(script)).options == frozenset(OPTIONS)
    assert len(runs(log)) == 8


def test_command_name_is_looked_up_in_path(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    script, _ = fake_uwsgi(tmp_path)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    assert probe("uwsgi").path == str(script)


@pytest.mark.parametrize(("make", "message"), [
    (lambda d: d / "missing", "does not exist"),
    (lambda d: d, "is not an executable file"),
])
def test_binary_that_cannot_be_run(
    tmp_path: Path, make: Callable[[Path], Path], message: str
) -> None:
    with pytest.raises(BinaryError, match=message):
        probe(str(make(tmp_path)))


def test_binary_that_fails(tmp_path: Path) -> None:
    script, _ = fake_uwsgi(tmp_path, status=3)
    with pytest.raises(BinaryError, match=r"--version failed \(exit status 3\)"):
        probe(str(script))


def test_binary_that_is_not_uwsgi(tmp_path: Path) -> None:
    script, _ = fake_uwsgi(tmp_path, version="GNU bash, version 5.2")
    with pytest.raises(BinaryError, match="not a uWSGI version"):
        probe(str(script))
    listing, _ = fake_uwsgi(tmp_path, options=("usage: foo [options]",))
    with pytest.raises(BinaryError, match="not an option list"):
        probe(str(listing))


def test_binary_that_hangs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / "uwsgi"
    script.write_text("#!/bin/sh\nexec sleep 30\n")
    script.chmod(0o755)
    monkeypatch.setattr(binary, "TIMEOUT", 1)
    with pytest.raises(BinaryError, match="did not finish within 1 seconds"):
        probe(str(script))


@pytest.mark.parametrize(("text", "version"), [
    ("2.0.30", "2.0.30"), ("2.0.21-debian", "2.0.21"), ("2.1-dev-6cbb2177", "2.1.dev0"),
    ("2.0.18.1", "2.0.18.1"),
])
def test_reported_versions(text: str, version: str) -> None:
    assert str(parse_reported_version(text)) == version


def test_lint_against_the_binary(tmp_path: Path) -> None:
    script, log = fake_uwsgi(tmp_path, options=(*OPTIONS, "max-requests"))
    text = "[uwsgi]\nmaster = true\nmax-requests = 100\nno-orphans = true\nharikari = 30\n"
    settings = Settings(select=("unknown-option",), uwsgi_binary=str(script))
    found = lint_text(text, settings)
    assert [f.line for f in found] == [4, 5]
    assert found[0].message.startswith(f"`no-orphans` is a core option of that version, but "
                                       f"the uWSGI 2.0.28 at {script} does not list it")
    assert "did you mean `harakiri`?" in found[1].message
    assert settings.version == catalog.parse_version("2.0.28")
    assert len(runs(log)) == 2


def test_settings_report_a_broken_binary(tmp_path: Path) -> None:
    with pytest.raises(BinaryError, match="does not exist"):
        _ = Settings(uwsgi_binary=str(tmp_path / "nope")).target


@pytest.mark.oracle
def test_probe_the_real_uwsgi() -> None:
    """The pyuwsgi binary, asked as a user's binary is, reports 2.0.30 and its 942 options."""
    uwsgi = uwsgi_oracle.find_uwsgi()
    if uwsgi is None:
        pytest.fail("pyuwsgi's uwsgi is part of the test extra")
    build = probe(uwsgi)
    assert build.version_text == "2.0.30"
    assert build.options == catalog.pyuwsgi_options()
    assert len(build.options) == 942


# -- the faces: command line, settings file, pytest ------------------------------------------

CONFIG = "[uwsgi]\nmaster = true\nmax-requests = 100\n"


def test_cli_lints_against_the_binary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    script, _ = fake_uwsgi(tmp_path)
    (tmp_path / "app.ini").write_text(CONFIG)
    monkeypatch.chdir(tmp_path)
    status = cli.main(["--select", "unknown-option", "--uwsgi-binary", str(script), "app.ini"])
    out = capsys.readouterr().out
    assert status == 1
    assert (f"app.ini:3:1: UWC002 [warning] `max-requests` is a core option of that version, "
            f"but the uWSGI 2.0.28 at {script} does not list it") in out


def test_cli_reports_a_bad_binary_as_usage_error(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "app.ini").write_text(CONFIG)
    with pytest.raises(SystemExit) as stopped:
        cli.main(["--uwsgi-binary", str(tmp_path / "nope"), str(tmp_path / "app.ini")])
    assert stopped.value.code == 2
    assert f"--uwsgi-binary: {tmp_path / 'nope'} does not exist" in capsys.readouterr().err


def canary_binary(directory: Path) -> tuple[Path, Path]:
    """A program that, if anything ever runs it, leaves a file behind."""
    canary = directory / "canary"
    script = directory / "evil.sh"
    script.write_text(f"#!/bin/sh\ntouch '{canary}'\necho 2.0.30\n")
    script.chmod(0o755)
    return script, canary


REFUSAL = ("a file in the repository must not make the linter run a program; pass "
           "--uwsgi-binary on the command line")
SETTINGS_FILES = {
    "pyproject.toml": '[tool.uwsgi-lint]\nuwsgi-binary = "{script}"\n',
    "setup.cfg": "[uwsgi-lint]\nuwsgi-binary = {script}\n",
    "tox.ini": "[uwsgi-lint]\nuwsgi-binary = {script}\n",
}


@pytest.mark.parametrize("name", sorted(SETTINGS_FILES))
def test_settings_file_cannot_name_a_binary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str],
                                            name: str) -> None:
    """Linting an untrusted checkout must not run a program the checkout names, not even
    when the user also names a binary of their own."""
    script, canary = canary_binary(tmp_path)
    real, _ = fake_uwsgi(tmp_path)
    (tmp_path / name).write_text(SETTINGS_FILES[name].format(script=script))
    (tmp_path / "app.ini").write_text(CONFIG)
    monkeypatch.chdir(tmp_path)
    for argv in (["app.ini"], ["--uwsgi-binary", str(real), "app.ini"]):
        with pytest.raises(SystemExit) as stopped:
            cli.main(argv)
        assert stopped.value.code == cli.EXIT_USAGE
        err = capsys.readouterr().err
        assert f"{tmp_path / name}: `uwsgi-binary` is refused: {REFUSAL}" in err
    assert not canary.exists()


def test_pytest_option(pytester: pytest.Pytester) -> None:
    script, _ = fake_uwsgi(pytester.path)
    pytester.makefile(".ini", app=CONFIG)
    result = pytester.runpytest("--uwsgi-lint", "--uwsgi-lint-select", "unknown-option",
                                "--uwsgi-binary", str(script), "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([f"uwsgi-lint: the uWSGI 2.0.28 at {script}, 1 rules, *",
                                 "*`max-requests` is a core option of that version*"])
    broken = pytester.runpytest("--uwsgi-lint", "--uwsgi-binary", str(pytester.path / "nope"))
    assert broken.ret == pytest.ExitCode.USAGE_ERROR
    broken.stderr.fnmatch_lines(["*uwsgi-binary: * does not exist*"])


PYTEST_INI_FILES = {
    "pytest.ini": "[pytest]\n{line}\n",
    "tox.ini": "[pytest]\n{line}\n",
    "setup.cfg": "[tool:pytest]\n{line}\n",
    "pyproject.toml": "[tool.pytest.ini_options]\n{toml}\n",
}


@pytest.mark.parametrize("name", sorted(PYTEST_INI_FILES))
@pytest.mark.parametrize("setting", ["ini option", "addopts"])
def test_pytest_ini_cannot_name_a_binary(pytester: pytest.Pytester, name: str,
                                         setting: str) -> None:
    """Neither the ``uwsgi_binary`` ini option nor ``--uwsgi-binary`` in ``addopts`` of a
    repository's pytest configuration makes the plugin run anything."""
    script, canary = canary_binary(pytester.path)
    pytester.makefile(".ini", app=CONFIG)
    if setting == "ini option":
        line, toml = f"uwsgi_binary = {script}", f'uwsgi_binary = "{script}"'
    else:
        line, toml = f"addopts = --uwsgi-binary {script}", f'addopts = "--uwsgi-binary {script}"'
    (pytester.path / name).write_text(PYTEST_INI_FILES[name].format(line=line, toml=toml))
    result = pytester.runpytest("--uwsgi-lint", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{REFUSAL}*"])
    assert not canary.exists()


@pytest.mark.parametrize("name", sorted(SETTINGS_FILES))
def test_pytest_settings_file_cannot_name_a_binary(pytester: pytest.Pytester,
                                                   name: str) -> None:
    script, canary = canary_binary(pytester.path)
    pytester.makefile(".ini", app=CONFIG)
    (pytester.path / name).write_text(SETTINGS_FILES[name].format(script=script))
    result = pytester.runpytest("--uwsgi-lint", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{name}: `uwsgi-binary` is refused: {REFUSAL}*"])
    assert not canary.exists()


def test_pytest_addopts_variable_names_the_binary(pytester: pytest.Pytester,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """``PYTEST_ADDOPTS`` is the user's own environment, so the flag works there."""
    script, _ = fake_uwsgi(pytester.path)
    pytester.makefile(".ini", app=CONFIG)
    monkeypatch.setenv("PYTEST_ADDOPTS", f"--uwsgi-binary {script}")
    result = pytester.runpytest("--uwsgi-lint", "--uwsgi-lint-select", "unknown-option",
                                "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([f"uwsgi-lint: the uWSGI 2.0.28 at {script}, 1 rules, *"])
