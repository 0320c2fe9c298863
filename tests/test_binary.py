"""``--uwsgi-binary``: what is run, with which environment, how the answer is cached (and when
it must not be), and how a binary that cannot answer is reported."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import uwsgi_oracle

from pytest_uwsgi_lint import binary, catalog, cli
from pytest_uwsgi_lint.binary import BinaryError, Build, parse_reported_version, probe
from pytest_uwsgi_lint.engine import Settings, lint_text, load_text

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


# A compiled stand-in: only a native executable's answer outlives the run. It logs each flag
# it is run with to $FAKE_UWSGI_LOG; its version is patched in the bytes (same length).
NATIVE_SOURCE = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    const char *flag = argc > 1 ? argv[1] : "";
    const char *log = getenv("FAKE_UWSGI_LOG");
    FILE *out = log ? fopen(log, "a") : NULL;
    if (out) { fprintf(out, "%s\n", flag); fclose(out); }
    if (strcmp(flag, "--version") == 0) { puts("2.0.28"); return 0; }
    if (strcmp(flag, "--dump-options") == 0) { puts("LISTING"); return 0; }
    return 1;
}
"""

Native = Callable[..., Path]


@pytest.fixture(scope="session")
def compiled_uwsgi(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    compiler = shutil.which(os.environ.get("CC", "cc"))
    if compiler is None:
        pytest.skip("no C compiler to build a native stand-in for uWSGI")
    directory = tmp_path_factory.mktemp("native")
    source = directory / "uwsgi.c"
    source.write_text(NATIVE_SOURCE.replace("LISTING", "\\n".join(OPTIONS)))
    subprocess.run([compiler, "-o", str(directory / "uwsgi"), str(source)], check=True)
    return (directory / "uwsgi").read_bytes()


@pytest.fixture
def native_uwsgi(compiled_uwsgi: bytes, tmp_path: Path,
                 monkeypatch: pytest.MonkeyPatch) -> Native:
    """Writes the native stand-in, reporting ``version``, at a path (truncating a file that is
    there, so its inode stays); every copy logs to ``runs.log`` in the test's directory."""
    assert compiled_uwsgi.count(b"2.0.28") == 1
    monkeypatch.setenv("FAKE_UWSGI_LOG", str(tmp_path / "runs.log"))

    def write(target: Path, version: str = "2.0.28") -> Path:
        assert len(version) == len("2.0.28")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(compiled_uwsgi.replace(b"2.0.28", version.encode()))
        target.chmod(0o755)
        return target

    return write


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    monkeypatch.setattr(binary, "_PROBED", {})
    return cache


def new_run() -> None:
    """Forget what this process was told, as the next run of the linter starts out."""
    binary._PROBED.clear()


def runs(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def switch(link: Path, target: Path) -> None:
    """Point a symlink elsewhere in one step, as ``ln -sfn`` and deploy tools do."""
    staged = link.with_name(link.name + ".new")
    staged.symlink_to(target)
    os.replace(staged, link)


def test_probe_asks_version_and_options_only(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    script, log = fake_uwsgi(tmp_path)
    monkeypatch.setenv("UWSGI_MASTER", "1")
    monkeypatch.setenv("UWSGI_INI", "/etc/uwsgi/app.ini")
    build = probe(str(script))
    assert build == Build(str(script), "2.0.28", frozenset(OPTIONS))
    assert build.version == catalog.parse_version("2.0.28")
    assert runs(log) == ["--version|", "--dump-options|"]


def test_native_binary_is_asked_once_while_unchanged(tmp_path: Path, private_cache: Path,
                                                     native_uwsgi: Native) -> None:
    named = native_uwsgi(tmp_path / "uwsgi")
    probe(str(named))
    probe(str(named))
    new_run()
    assert probe(str(named)) == Build(str(named), "2.0.28", frozenset(OPTIONS))
    assert runs(tmp_path / "runs.log") == ["--version", "--dump-options"]
    [entry] = (private_cache / "pytest-uwsgi-lint").glob("binary-*.json")
    assert json.loads(entry.read_text())["real_path"] == os.path.realpath(named)
    os.utime(named, ns=(1, 1))
    new_run()
    probe(str(named))
    assert len(runs(tmp_path / "runs.log")) == 4


def test_symlink_switched_between_builds(tmp_path: Path, native_uwsgi: Native) -> None:
    """A ``current -> releases/N`` layout: the path named never changes, and the two builds
    have the same size and modification time; only the real path tells them apart."""
    old = native_uwsgi(tmp_path / "releases" / "1" / "uwsgi", "2.0.18")
    new = native_uwsgi(tmp_path / "releases" / "2" / "uwsgi", "2.0.30")
    for build in (old, new):
        os.utime(build, ns=(1, 1))
    current = tmp_path / "current"
    current.symlink_to(old.parent)
    named = current / "uwsgi"
    assert probe(str(named)).version_text == "2.0.18"
    switch(current, new.parent)
    new_run()
    assert probe(str(named)) == Build(str(named), "2.0.30", frozenset(OPTIONS))
    switch(current, old.parent)
    new_run()
    assert probe(str(named)).version_text == "2.0.18"
    assert len(runs(tmp_path / "runs.log")) == 4  # the way back comes from the cache


def test_wrapper_script_is_asked_again_on_every_run(tmp_path: Path) -> None:
    """A shim or an ``exec .../uwsgi "$@"`` script stays the same file when the uWSGI it runs
    changes, so its answer is kept for one run only."""
    for release, version in (("1", "2.0.18"), ("2", "2.0.30")):
        (tmp_path / release).mkdir()
        fake_uwsgi(tmp_path / release, version=version)
    current = tmp_path / "current"
    current.symlink_to(tmp_path / "1")
    wrapper = tmp_path / "uwsgi-wrapper"
    wrapper.write_text(f'#!/bin/sh\nexec "{current}/uwsgi" "$@"\n')
    wrapper.chmod(0o755)
    assert probe(str(wrapper)).version_text == "2.0.18"
    switch(current, tmp_path / "2")
    assert probe(str(wrapper)).version_text == "2.0.18"  # the same run keeps its answer
    new_run()
    assert probe(str(wrapper)) == Build(str(wrapper), "2.0.30", frozenset(OPTIONS))
    new_run()
    probe(str(wrapper))
    assert len(runs(tmp_path / "1" / "runs.log")) == 2
    assert len(runs(tmp_path / "2" / "runs.log")) == 4


@pytest.mark.parametrize("in_place", [True, False], ids=["rewritten-in-place", "replaced"])
def test_binary_changed_with_size_and_mtime_restored(tmp_path: Path, native_uwsgi: Native,
                                                     in_place: bool) -> None:
    named = native_uwsgi(tmp_path / "uwsgi")
    before = os.stat(named)
    assert probe(str(named)).version_text == "2.0.28"
    if in_place:
        native_uwsgi(named, "2.0.30")
    else:
        os.replace(native_uwsgi(tmp_path / "uwsgi.new", "2.0.30"), named)
    os.utime(named, ns=(before.st_atime_ns, before.st_mtime_ns))
    while in_place and os.stat(named).st_ctime_ns == before.st_ctime_ns:
        os.utime(named, ns=(before.st_atime_ns, before.st_mtime_ns))  # until the clock ticks
    after = os.stat(named)
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert (after.st_ino == before.st_ino) is in_place
    new_run()
    assert probe(str(named)).version_text == "2.0.30"


def test_corrupt_or_unwritable_cache_is_not_an_error(
    tmp_path: Path, private_cache: Path, monkeypatch: pytest.MonkeyPatch, native_uwsgi: Native
) -> None:
    named = native_uwsgi(tmp_path / "uwsgi")
    probe(str(named))
    [entry] = (private_cache / "pytest-uwsgi-lint").glob("binary-*.json")
    entry.write_text("{not json")
    new_run()
    assert probe(str(named)).options == frozenset(OPTIONS)
    assert len(runs(tmp_path / "runs.log")) == 4
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    for _ in range(2):
        new_run()
        assert probe(str(named)).options == frozenset(OPTIONS)
    assert len(runs(tmp_path / "runs.log")) == 8


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


def test_the_binarys_own_version_is_what_percent_v_and_json_give(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    script, _ = fake_uwsgi(tmp_path, version="2.0.21-debian")
    settings = Settings(uwsgi_version="2.0.30", uwsgi_binary=str(script))
    procname = load_text("[uwsgi]\nprocname = %V\n", settings).last("procname")
    assert procname is not None and procname.value == "2.0.21-debian"
    (tmp_path / "app.ini").write_text(CONFIG)
    monkeypatch.chdir(tmp_path)
    cli.main(["--format", "json", "--uwsgi-binary", str(script), "app.ini"])
    assert json.loads(capsys.readouterr().out)["uwsgi_version"] == "2.0.21-debian"
    cli.main(["--format", "json", "--uwsgi-version", "2.0.20", "app.ini"])
    assert json.loads(capsys.readouterr().out)["uwsgi_version"] == "2.0.20"


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
