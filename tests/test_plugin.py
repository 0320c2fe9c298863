"""The pytest plugin, driven through pytester: collection, outcomes, options, cache, xdist.

Most runs pin the rule selection (``PINNED``) in the test directory's ``pytest.ini`` so that
they test the plugin's mechanics, not whichever rules exist today; one run uses the defaults
and checks the plugin's verdicts against the engine's.

Whether a file was linted is observed through a side channel: a conftest in the test
directory wraps ``engine.load_config`` (every lint of a readable file goes through it) and
appends each linted path to a log file, which works the same in-process and in xdist workers.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from functools import partial
from pathlib import Path

import pytest

import pytest_uwsgi_lint
from pytest_uwsgi_lint import engine, plugin, report, sources
from pytest_uwsgi_lint.engine import Settings
from pytest_uwsgi_lint.findings import Severity
from pytest_uwsgi_lint.registry import Rule, all_rules

GOOD = "[uwsgi]\nmaster = true\nmodule = app:application\nprocesses = 4\n"
BAD = "[uwsgi]\nmodule = app:application\nprocesses = 4\n"  # master-not-enabled, a warning
PINNED = "uwsgi_lint_select = UWM001 UWE001"

LOG = "lint-calls.log"
COUNTING_CONFTEST = f"""
import os

import pytest

from pytest_uwsgi_lint import engine

LOG = os.path.join(os.path.dirname(os.path.abspath(__file__)), {LOG!r})


def pytest_configure(config):
    original = engine.load_config

    def counting(data, path, *args, **kwargs):
        with open(LOG, "a") as log:
            log.write(os.path.basename(path) + "\\n")
        return original(data, path, *args, **kwargs)

    patch = pytest.MonkeyPatch()
    patch.setattr(engine, "load_config", counting)
    config.add_cleanup(patch.undo)
"""


def pin(pytester: pytest.Pytester, *lines: str) -> None:
    """A ``pytest.ini`` with the pinned rule selection and ``lines``."""
    pytester.makefile(".ini", pytest="\n".join(("[pytest]", PINNED, *lines)) + "\n")


# hypothesis's plugin makes each inner session several times slower and plays no part here
QUIET = ("-p", "no:hypothesispytest")


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest(*QUIET, *args)


def run_subprocess(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(*QUIET, *args)


@pytest.fixture
def configs(pytester: pytest.Pytester) -> pytest.Pytester:
    """A directory with a clean config, a failing one and the lint-call counter."""
    pytester.makefile(".ini", good=GOOD, bad=BAD)
    pytester.makeconftest(COUNTING_CONFTEST)
    pin(pytester)
    return pytester


PINNED_SETTINGS = Settings(select=("UWM001", "UWE001"))


def linted(pytester: pytest.Pytester) -> list[str]:
    """The files linted since the last call, sorted; empties the log."""
    log = pytester.path / LOG
    if not log.exists():
        return []
    names = sorted(log.read_text().split())
    log.unlink()
    return names


def failure_body(output: str, file: str) -> str:
    """The text pytest printed under the ``uwsgi-lint FILE`` failure headline."""
    lines = output.splitlines()
    head = next(i for i, line in enumerate(lines)
                if re.fullmatch(rf"_+ uwsgi-lint {re.escape(file)} _+", line))
    body = []
    for line in lines[head + 1:]:
        if line.startswith(("___", "===")):
            break
        if not line.startswith("[gw"):  # xdist names the worker that ran the item
            body.append(line)
    return "\n".join(body).strip("\n")


def cli_text(path: str, settings: Settings = PINNED_SETTINGS) -> str:
    return report.format_text(engine.lint_source(path, settings).findings)


# -- collection and outcomes --------------------------------------------------------------


def test_default_settings_give_the_engine_verdicts(pytester: pytest.Pytester) -> None:
    pytester.makefile(".ini", good=GOOD, bad=BAD)
    verdicts = {
        name: any(Settings().fails(f) for f in engine.lint_source(name).findings)
        for name in ("bad.ini", "good.ini")
    }
    assert verdicts["bad.ini"]
    result = run(pytester, "--uwsgi-lint", "-v")
    failing = sum(verdicts.values())
    result.assert_outcomes(failed=failing, passed=len(verdicts) - failing)
    for name, fails in verdicts.items():
        result.stdout.fnmatch_lines([f"{name}::uwsgi-lint {'FAILED' if fails else 'PASSED'}*"])
        if fails:
            assert failure_body(result.stdout.str(), name) == cli_text(name, Settings())


def test_good_passes_and_bad_fails(configs: pytest.Pytester) -> None:
    result = run(configs, "--uwsgi-lint", "-v")
    result.assert_outcomes(passed=1, failed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["bad.ini::uwsgi-lint FAILED*", "good.ini::uwsgi-lint PASSED*"])
    assert linted(configs) == ["bad.ini", "good.ini"]


def test_failure_report_is_the_cli_text_without_traceback(configs: pytest.Pytester) -> None:
    result = run(configs, "--uwsgi-lint")
    expected = cli_text("bad.ini")
    assert "UWM001" in expected and "master-not-enabled" in expected
    assert failure_body(result.stdout.str(), "bad.ini") == expected
    assert "Traceback" not in result.stdout.str()
    assert "def runtest" not in result.stdout.str()


def test_failure_report_escapes_control_characters(pytester: pytest.Pytester) -> None:
    """A key that holds terminal escapes cannot erase or colour pytest's report."""
    pin(pytester)
    (pytester.path / "app.ini").write_bytes(b"[uwsgi]\nmaster = true\nx\x1b[2K\x1b[1A\ry = 1\n")
    result = run(pytester, "--uwsgi-lint", "--uwsgi-lint-select", "UWC002")
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    assert "`x\\x1b[2K\\x1b[1A\\ry` is not an option" in failure_body(output, "app.ini")
    assert "\x1b[2K" not in output


def test_nothing_is_collected_without_the_option(configs: pytest.Pytester) -> None:
    result = run(configs)
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    assert linted(configs) == []


def test_other_ini_files_are_left_alone(pytester: pytest.Pytester) -> None:
    pin(pytester, "addopts = -ra")
    pytester.makefile(".ini", tox="[tox]\nenv_list = py3\n")
    pytester.makefile(".ini", alembic="[alembic]\nscript_location = migrations\n")
    pytester.makefile(".cfg", setup="[metadata]\nname = app\n\n[uwsgi]\nmaster = true\n")
    (pytester.path / "deploy").mkdir()
    (pytester.path / "deploy" / "app.ini").write_text(GOOD)
    (pytester.path / "deploy" / "notes.txt").write_text(GOOD)
    result = run(pytester, "--uwsgi-lint", "--collect-only", "-q")
    result.stdout.fnmatch_lines(["deploy/app.ini::uwsgi-lint", "1 test collected*"])
    for name in ("pytest.ini", "tox.ini", "alembic.ini", "setup.cfg", "notes.txt"):
        assert name not in result.stdout.str()
    run(pytester, "--uwsgi-lint").assert_outcomes(passed=1)


def test_named_files_are_collected_whatever_their_name(pytester: pytest.Pytester) -> None:
    pin(pytester)
    pytester.makefile(".conf", uwsgi=BAD)
    pytester.makefile(".ini", tox="[tox]\nenv_list = py3\n")
    pytester.makepyfile(test_app="def test_ok():\n    pass\n")
    result = run(pytester, "--uwsgi-lint", "uwsgi.conf", "tox.ini", "test_app.py", "-v")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines([
        "uwsgi.conf::uwsgi-lint FAILED*", "tox.ini::uwsgi-lint PASSED*",
        "test_app.py::test_ok PASSED*",
    ])
    assert "test_app.py::uwsgi-lint" not in result.stdout.str()  # a Python file is no config
    assert failure_body(result.stdout.str(), "uwsgi.conf") == cli_text("uwsgi.conf")


def test_python_tests_run_beside_lint_items(configs: pytest.Pytester) -> None:
    configs.makepyfile(test_app="def test_ok():\n    pass\n")
    run(configs, "--uwsgi-lint").assert_outcomes(passed=2, failed=1)


# -- pytest mechanics ---------------------------------------------------------------------


def test_marker_selects_only_lint_items(configs: pytest.Pytester) -> None:
    configs.makepyfile(test_app="def test_ok():\n    pass\n")
    result = run(configs, "--uwsgi-lint", "-m", "uwsgi_lint", "-v")
    result.assert_outcomes(passed=1, failed=1, deselected=1)
    assert "test_app.py::test_ok" not in result.stdout.str()
    result = run(configs, "--uwsgi-lint", "-m", "not uwsgi_lint")
    result.assert_outcomes(passed=1, deselected=2)


def test_strict_markers_with_and_without_the_option(configs: pytest.Pytester) -> None:
    configs.makepyfile(
        test_app="import pytest\n\n@pytest.mark.uwsgi_lint\ndef test_ok():\n    pass\n"
    )
    run(configs, "--strict-markers").assert_outcomes(passed=1)
    run(configs, "--strict-markers", "--uwsgi-lint").assert_outcomes(passed=2, failed=1)


@pytest.mark.parametrize(
    "flags",
    [["-p", "no:cacheprovider"], ["-p", "no:legacypath"], ["-W", "error"]],
    ids=["no-cacheprovider", "no-legacypath", "warnings-are-errors"],
)
def test_works_with_pytest_switches(configs: pytest.Pytester, flags: list[str]) -> None:
    for _ in range(2):  # the second run reads whatever cache the first one wrote
        result = run(configs, "--uwsgi-lint", "--strict-markers", *flags)
        result.assert_outcomes(passed=1, failed=1, warnings=0)
        assert failure_body(result.stdout.str(), "bad.ini") == cli_text("bad.ini")


def test_without_cacheprovider_every_run_lints(configs: pytest.Pytester) -> None:
    for _ in range(2):
        run(configs, "--uwsgi-lint", "-p", "no:cacheprovider").assert_outcomes(
            passed=1, failed=1
        )
        assert linted(configs) == ["bad.ini", "good.ini"]


def test_collect_only_lints_nothing(configs: pytest.Pytester) -> None:
    result = run(configs, "--uwsgi-lint", "--collect-only", "-q")
    result.stdout.fnmatch_lines(["bad.ini::uwsgi-lint", "good.ini::uwsgi-lint", "2 tests*"])
    assert linted(configs) == []
    run(configs, "--uwsgi-lint").assert_outcomes(passed=1, failed=1)
    assert linted(configs) == ["bad.ini", "good.ini"]  # the counter does see real runs


def test_report_header_names_the_settings(configs: pytest.Pytester) -> None:
    result = run(configs, "--uwsgi-lint", "--uwsgi-lint-fail-on", "error")
    result.stdout.fnmatch_lines(["uwsgi-lint: uWSGI 2.0.30, * rules, fail on error, cache on"])


# -- thresholds and settings ----------------------------------------------------------------


def test_findings_below_the_threshold_do_not_fail(configs: pytest.Pytester) -> None:
    run(configs, "--uwsgi-lint", "--uwsgi-lint-fail-on", "error").assert_outcomes(passed=2)
    run(configs, "--uwsgi-lint", "--uwsgi-lint-fail-on", "info").assert_outcomes(
        passed=1, failed=1
    )


def _info_rules() -> list[Rule]:
    return [r for r in all_rules() if r.severity is Severity.INFO and r.examples("Example")]


@pytest.mark.parametrize("rule", _info_rules(), ids=lambda r: r.name)
def test_info_findings_fail_only_when_asked(pytester: pytest.Pytester, rule: Rule) -> None:
    folder = pytester.mkdir("conf")  # not the working directory, as in a real deployment
    examples = rule.examples("Example")
    for helper in examples:  # files the example includes
        if "file" in helper.settings:
            (folder / helper.settings["file"]).write_text(helper.text)
    example = next(e for e in examples if "file" not in e.settings)
    (folder / "example.ini").write_text(example.text)
    version = example.settings.get("uwsgi-version", "2.0.30")
    chosen = ("--uwsgi-lint", "--uwsgi-lint-select", rule.code, "--uwsgi-version", version,
              "conf/example.ini")
    run(pytester, *chosen).assert_outcomes(passed=1)
    result = run(pytester, *chosen, "--uwsgi-lint-fail-on", "info")
    result.assert_outcomes(failed=1)
    body = failure_body(result.stdout.str(), "conf/example.ini")
    assert f"{rule.code} [info]" in body and f"({rule.name})" in body


def test_select_and_ignore(configs: pytest.Pytester) -> None:
    run(configs, "--uwsgi-lint", "--uwsgi-lint-ignore", "master-not-enabled").assert_outcomes(
        passed=2
    )
    run(configs, "--uwsgi-lint", "--uwsgi-lint-select", "UWM001,UWE").assert_outcomes(
        passed=1, failed=1
    )
    run(configs, "--uwsgi-lint", "--uwsgi-lint-select", " UWE001, ").assert_outcomes(
        passed=2
    )


def test_ini_options_apply_and_the_command_line_wins(configs: pytest.Pytester) -> None:
    pin(configs, "uwsgi_lint_ignore = UWM001", "uwsgi_lint_fail_on = info", "uwsgi_version = 2.1")
    run(configs, "--uwsgi-lint").assert_outcomes(passed=2)
    result = run(configs, "--uwsgi-lint", "--uwsgi-lint-ignore", "UWE003")
    result.assert_outcomes(passed=1, failed=1)
    result = run(configs, "--uwsgi-lint", "--uwsgi-lint-ignore", "UWE003",
                               "--uwsgi-lint-fail-on", "error")
    result.assert_outcomes(passed=2)


def test_settings_file_then_ini_options_then_command_line(pytester: pytest.Pytester) -> None:
    pytester.makefile(".ini", good=GOOD, bad=BAD)
    pytester.makepyprojecttoml(
        '[tool.uwsgi-lint]\nselect = ["UWM001"]\nfail-on = "error"\n'
        '[tool.pytest.ini_options]\naddopts = "--uwsgi-lint"\n'
    )
    run(pytester).assert_outcomes(passed=2)
    run(pytester, "--uwsgi-lint-fail-on", "warning").assert_outcomes(passed=1, failed=1)
    pytester.makepyprojecttoml(
        '[tool.uwsgi-lint]\nselect = ["UWM001"]\nfail-on = "error"\n'
        '[tool.pytest.ini_options]\naddopts = "--uwsgi-lint"\nuwsgi_lint_fail_on = "warning"\n'
    )
    run(pytester).assert_outcomes(passed=1, failed=1)
    run(pytester, "--uwsgi-lint-fail-on", "error").assert_outcomes(passed=2)
    run(pytester, "--uwsgi-lint-ignore", "master-not-enabled").assert_outcomes(passed=2)


def test_settings_file_exclude_applies_to_directory_walks_only(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml('[tool.uwsgi-lint]\nselect = ["UWM001"]\nexclude = ["legacy/*"]\n')
    (pytester.path / "legacy").mkdir()
    (pytester.path / "legacy" / "old.ini").write_text(BAD)
    pytester.makefile(".ini", bad=BAD)
    result = run(pytester, "--uwsgi-lint", "-v")
    result.assert_outcomes(failed=1)
    assert "legacy/old.ini" not in result.stdout.str()
    run(pytester, "--uwsgi-lint", "legacy/old.ini").assert_outcomes(failed=1)


def test_bad_settings_file_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml('[tool.uwsgi-lint]\nselect = ["UWQ"]\n')
    result = run(pytester, "--uwsgi-lint")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*pyproject.toml: no rule matches UWQ*"])
    pytester.makepyprojecttoml('[tool.uwsgi-lint]\nfail-on = "fatal"\n')
    result = run(pytester, "--uwsgi-lint")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*pyproject.toml: `fail-on` must be error, warning or info*"])


@pytest.mark.parametrize(
    ("args", "ini", "message"),
    [
        (["--uwsgi-lint-select", "UWM001,NOPE"], "", "--uwsgi-lint-select: no rule matches NOPE"),
        (["--uwsgi-lint-ignore", "no-such-rule"], "", "--uwsgi-lint-ignore: no rule matches"),
        (["--uwsgi-version", "banana"], "", "--uwsgi-version: not a uWSGI version: 'banana'"),
        ([], "uwsgi_lint_select = UWX", "uwsgi_lint_select: no rule matches UWX"),
        ([], "uwsgi_version = two", "uwsgi_version: not a uWSGI version: 'two'"),
        (["--uwsgi-version", "3.0"], "",
         "--uwsgi-version: not a uWSGI version: '3.0'; use a release from 0.9.5 to 2.0.30"),
        ([], "uwsgi_version = 0.1", "uwsgi_version: not a uWSGI version: '0.1'; use a release"),
        ([], "uwsgi_lint_fail_on = fatal",
         "uwsgi_lint_fail_on must be error, warning or info, not fatal"),
        (["--uwsgi-lint-fail-on", "fatal"], "", "*--uwsgi-lint-fail-on: invalid choice: 'fatal'*"),
    ],
)
def test_bad_settings_are_usage_errors(
    configs: pytest.Pytester, args: list[str], ini: str, message: str
) -> None:
    if ini:
        configs.makefile(".ini", pytest=f"[pytest]\n{ini}\n")
    result = run(configs, "--uwsgi-lint", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{message}*"])
    assert "Traceback" not in result.stderr.str() + result.stdout.str()
    assert linted(configs) == []


def test_bad_ini_settings_do_not_break_runs_without_the_option(configs: pytest.Pytester) -> None:
    configs.makefile(".ini", pytest="[pytest]\nuwsgi_lint_select = NOPE\n")
    configs.makepyfile(test_app="def test_ok():\n    pass\n")
    run(configs).assert_outcomes(passed=1)


# -- unreadable paths -----------------------------------------------------------------------


# pytest 7 walks a named directory and refuses a named FIFO itself, before any plugin hook
NEEDS_PYTEST_8 = pytest.mark.skipif(
    int(pytest.__version__.split(".")[0]) < 8, reason="pytest_collect_directory is pytest 8+"
)


@NEEDS_PYTEST_8
def test_directory_named_like_a_config_is_a_failing_item(pytester: pytest.Pytester) -> None:
    pin(pytester)
    (pytester.path / "x.ini").mkdir()
    (pytester.path / "x.ini" / "inner.ini").write_text(BAD)
    result = run(pytester, "--uwsgi-lint", "x.ini")
    result.assert_outcomes(failed=1)
    body = failure_body(result.stdout.str(), "x.ini")
    assert body == cli_text("x.ini")
    assert "(file-unreadable)" in body and "is a directory" in body
    assert "INTERNALERROR" not in result.stdout.str()


@NEEDS_PYTEST_8
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs need POSIX")
def test_named_fifo_is_a_failing_item_and_is_never_opened(pytester: pytest.Pytester) -> None:
    pin(pytester)
    os.mkfifo(pytester.path / "pipe.ini")
    pytester.makefile(".ini", good=GOOD)
    result = run(pytester, "--uwsgi-lint", "pipe.ini", "good.ini")
    result.assert_outcomes(passed=1, failed=1)
    body = failure_body(result.stdout.str(), "pipe.ini")
    assert "(file-unreadable)" in body and "is a FIFO" in body
    # inside a directory pytest only walks regular files, so the FIFO is no item there
    run(pytester, "--uwsgi-lint").assert_outcomes(passed=1)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_in_a_directory_is_a_failing_item(pytester: pytest.Pytester) -> None:
    pin(pytester)
    secret = pytester.makefile(".ini", secret=GOOD)
    secret.chmod(0)
    result = run(pytester, "--uwsgi-lint")
    result.assert_outcomes(failed=1)
    assert "permission denied (file-unreadable)" in failure_body(result.stdout.str(), "secret.ini")


def run_without_root_overrides(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """pytest in a subprocess for which permission bits apply: as root, without the
    capabilities that bypass them."""
    command = [sys.executable, "-m", "pytest", *QUIET, *args]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root and setpriv (util-linux) is missing to drop privileges")
        command = [setpriv, "--bounding-set=-dac_override,-dac_read_search", *command]
    return pytester.run(*command, timeout=300)  # a hang fails instead of blocking CI


@NEEDS_PYTEST_8
@pytest.mark.skipif(os.name != "posix", reason="permission bits need POSIX")
@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_a_folder_that_cannot_be_listed_is_a_failing_item(
    pytester: pytest.Pytester, workers: list[str]
) -> None:
    """pytest alone stops its whole collection at such a folder; the command reports it and
    goes on, and so does the plugin, once however many links lead to it."""
    pin(pytester)
    pytester.makefile(".ini", good=GOOD)
    (pytester.path / "other").mkdir()
    (pytester.path / "other" / "locked").symlink_to("../locked")  # walked after locked itself
    locked = pytester.path / "locked"
    locked.mkdir()
    (locked / "app.ini").write_text(BAD)
    locked.chmod(0)
    try:
        result = run_without_root_overrides(pytester, "--uwsgi-lint", *workers)
    finally:
        locked.chmod(0o755)
    result.assert_outcomes(passed=1, failed=1)
    assert failure_body(result.stdout.str(), "locked") == (
        "locked:1:1: UWE001 [error] locked is a directory that cannot be listed: permission "
        "denied; its configs were not read (file-unreadable)"
    )


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
@pytest.mark.parametrize(
    ("name", "shown"),
    [(b"odd\xff.ini", "odd\\xff.ini"), (b"odd\xff/app.ini", "odd\\xff/app.ini")],
    ids=["file", "folder"],
)
def test_a_config_pytest_cannot_name_is_left_to_the_command_with_a_warning(
    configs: pytest.Pytester, workers: list[str], name: bytes, shown: str
) -> None:
    """A node id must be valid UTF-8 (pytest's cache writes the ids it ran, xdist sends them
    between processes): such a config is no item, a warning says so, and the run goes on."""
    path = configs.path / os.fsdecode(name)
    path.parent.mkdir(exist_ok=True)
    path.write_text(BAD)
    runner = run_subprocess if workers else run
    for _ in range(2):  # the second run reads the cache the first one wrote
        result = runner(configs, "--uwsgi-lint", *workers)
        result.assert_outcomes(passed=1, failed=1)
        assert result.ret == pytest.ExitCode.TESTS_FAILED
        output = result.stdout.str() + result.stderr.str()
        assert "Traceback" not in output and "INTERNALERROR" not in output
        assert (f"{shown}:1: PytestWarning: uwsgi-lint: not collected: the file name is not valid "
                "UTF-8, which pytest cannot name a test by; lint it with the uwsgi-lint command"
                ) in output
        assert set(linted(configs)) <= {"bad.ini", "good.ini"}


# -- cache ----------------------------------------------------------------------------------


STORE = Path(".pytest_cache", "v", "uwsgi-lint", "outcomes")


def cached_entries(pytester: pytest.Pytester) -> dict[str, list[str]]:
    """Node id -> the files its stored outcome read, as the cache holds them."""
    path = pytester.path / STORE
    stored = json.loads(path.read_text()) if path.exists() else {}
    return {nodeid: files for nodeid, (_, files, _) in stored.items()}


def test_unchanged_files_are_replayed_not_linted(configs: pytest.Pytester) -> None:
    first = run(configs, "--uwsgi-lint")
    first.assert_outcomes(passed=1, failed=1)
    assert linted(configs) == ["bad.ini", "good.ini"]
    assert sorted(cached_entries(configs)) == ["bad.ini::uwsgi-lint", "good.ini::uwsgi-lint"]
    result = run(configs, "--uwsgi-lint", "-v")
    result.assert_outcomes(passed=1, failed=1)  # a cached pass is PASSED, not SKIPPED
    result.stdout.fnmatch_lines(["bad.ini::uwsgi-lint FAILED*", "good.ini::uwsgi-lint PASSED*"])
    assert linted(configs) == []  # the failure too is replayed from the cache
    replayed = failure_body(result.stdout.str(), "bad.ini")
    assert replayed == failure_body(first.stdout.str(), "bad.ini") == cli_text("bad.ini")


# a clean file and a failing one: both are stored, and both must be linted again
STORED = pytest.mark.parametrize("name", ["good.ini", "bad.ini"])


@STORED
def test_changed_file_is_linted_again(configs: pytest.Pytester, name: str) -> None:
    run(configs, "--uwsgi-lint")
    linted(configs)
    original = (configs.path / name).read_text()
    (configs.path / name).write_text(original + "vacuum = true\n")
    run(configs, "--uwsgi-lint").assert_outcomes(passed=1, failed=1)
    assert linted(configs) == [name]
    flipped = BAD if name == "good.ini" else GOOD
    (configs.path / name).write_text(flipped)
    result = run(configs, "--uwsgi-lint")
    result.assert_outcomes(**({"failed": 2} if flipped == BAD else {"passed": 2}))
    assert linted(configs) == [name]


def test_changed_settings_lint_again(configs: pytest.Pytester) -> None:
    run(configs, "--uwsgi-lint")
    linted(configs)
    ignore = ("--uwsgi-lint-ignore", "UWM001")
    run(configs, "--uwsgi-lint", *ignore).assert_outcomes(passed=2)
    assert linted(configs) == ["bad.ini", "good.ini"]
    run(configs, "--uwsgi-lint", *ignore).assert_outcomes(passed=2)
    assert linted(configs) == []
    run(configs, "--uwsgi-lint", "--uwsgi-lint-fail-on", "error").assert_outcomes(passed=2)
    assert linted(configs) == ["bad.ini", "good.ini"]
    # back to the defaults: bad.ini must not ride on the pass it had under other settings
    run(configs, "--uwsgi-lint").assert_outcomes(passed=1, failed=1)
    assert linted(configs) == ["bad.ini", "good.ini"]
    # and a stored failure does not outlive the settings it was found under
    run(configs, "--uwsgi-lint", "--uwsgi-lint-fail-on", "error").assert_outcomes(passed=2)
    assert linted(configs) == ["bad.ini", "good.ini"]


def test_new_plugin_version_lints_again(
    configs: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(configs, "--uwsgi-lint")
    linted(configs)
    monkeypatch.setattr(pytest_uwsgi_lint, "__version__", pytest_uwsgi_lint.__version__ + ".1")
    run(configs, "--uwsgi-lint").assert_outcomes(passed=1, failed=1)
    assert linted(configs) == ["bad.ini", "good.ini"]


def _package(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def test_the_digest_keeps_the_stamp_of_the_code_the_process_runs(
    monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    """A rule edited between two sessions of one process is not the code that runs in the
    second: its outcomes must not be stored under the edited code's stamp."""
    plugin._running_code_stamp.cache_clear()
    request.addfinalizer(plugin._running_code_stamp.cache_clear)
    stamps = iter(["loaded", "edited on disk"])
    monkeypatch.setattr(plugin, "code_stamp", lambda: next(stamps))
    first = plugin.settings_digest(PINNED_SETTINGS)
    assert plugin.settings_digest(PINNED_SETTINGS) == first


def test_code_stamp_follows_code_contents_not_times(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An edited rule in a development install (same version number) must lint again; a
    fresh install of the same code (new file times, new bytecode) must still replay."""
    monkeypatch.syspath_prepend(str(tmp_path))
    _package(tmp_path / "stamped", {"__init__.py": "", "rule.py": "A = 1\n",
                                    "data/options.json": "{}", "notes.txt": "x"})
    stamp = partial(plugin.code_stamp, ("stamped",))
    first = stamp()
    assert stamp() == first
    for path in (tmp_path / "stamped").rglob("*"):
        os.utime(path, (1, 1))
    _package(tmp_path / "stamped", {"__pycache__/rule.cpython-311.pyc": "bytecode",
                                    "notes.txt": "not code"})
    assert stamp() == first
    seen = {first}
    for change in ({"rule.py": "A = 2\n"}, {"data/options.json": "[]"},
                   {"new_rule.py": ""}):
        _package(tmp_path / "stamped", change)
        assert stamp() not in seen
        seen.add(stamp())
    (tmp_path / "stamped" / "new_rule.py").rename(tmp_path / "stamped" / "other_rule.py")
    assert stamp() not in seen


LOADED_RULES_CONFTEST = """
import sys


def pytest_sessionfinish(session):
    loaded = [m for m in sys.modules if m.startswith("pytest_uwsgi_lint.rules.")]
    print(f"rule modules loaded: {len(loaded)}")
"""


def test_a_run_replayed_from_the_cache_loads_no_rule(pytester: pytest.Pytester) -> None:
    """Rules load on the first lint: a run whose outcomes all replay imports none (``-q``:
    the header, which counts the rules, is not shown)."""
    pytester.makefile(".ini", good=GOOD, bad=BAD)
    pytester.makeconftest(LOADED_RULES_CONFTEST)
    first = run_subprocess(pytester, "--uwsgi-lint", "-s", "-q")
    assert f"rule modules loaded: {len(all_rules())}" in first.stdout.str()
    again = run_subprocess(pytester, "--uwsgi-lint", "-s", "-q")
    assert again.parseoutcomes() == first.parseoutcomes()
    assert "rule modules loaded: 0" in again.stdout.str()


def test_cache_clear_and_corrupt_cache(configs: pytest.Pytester) -> None:
    run(configs, "--uwsgi-lint")
    linted(configs)
    run(configs, "--uwsgi-lint", "--cache-clear").assert_outcomes(passed=1, failed=1)
    assert linted(configs) == ["bad.ini", "good.ini"]
    store = configs.path / STORE
    key = json.loads(store.read_text())["good.ini::uwsgi-lint"][0]
    store.write_text('["not", "a", "mapping"]')
    run(configs, "--uwsgi-lint").assert_outcomes(passed=1, failed=1)
    assert linted(configs) == ["bad.ini", "good.ini"]
    assert sorted(cached_entries(configs)) == ["bad.ini::uwsgi-lint", "good.ini::uwsgi-lint"]
    # the right key in values of the wrong shape: a pass as older versions stored it, a
    # failure text that is not text
    malformed = {"good.ini::uwsgi-lint": [key, ["good.ini"]],
                 "bad.ini::uwsgi-lint": [key, ["bad.ini"], 42]}
    store.write_text(json.dumps(malformed))
    run(configs, "--uwsgi-lint").assert_outcomes(passed=1, failed=1)
    assert linted(configs) == ["bad.ini", "good.ini"]


@pytest.mark.parametrize("master", ["master = true\n", ""], ids=["passing", "failing"])
def test_changed_include_lints_again(configs: pytest.Pytester, master: str) -> None:
    configs.makefile(".ini", app=f"[uwsgi]\n{master}include = common.ini\n")
    (configs.path / "common.ini").write_text("[uwsgi]\nprocesses = 4\n")
    outcome = {"passed": 1} if master else {"failed": 1}
    run(configs, "--uwsgi-lint", "app.ini").assert_outcomes(**outcome)
    assert linted(configs) == ["app.ini"]
    assert cached_entries(configs)["app.ini::uwsgi-lint"] == ["app.ini", "common.ini"]
    run(configs, "--uwsgi-lint", "app.ini").assert_outcomes(**outcome)
    assert linted(configs) == []
    (configs.path / "common.ini").write_text("[uwsgi]\nprocesses = 8\n")
    run(configs, "--uwsgi-lint", "app.ini").assert_outcomes(**outcome)
    assert linted(configs) == ["app.ini"]
    (configs.path / "common.ini").write_text("[uwsgi]\nmaster = true\n")
    run(configs, "--uwsgi-lint", "app.ini").assert_outcomes(passed=1)
    assert linted(configs) == ["app.ini"]


# Configs whose outcome depends on more than the bytes of the files they read: each case is
# the files, then a change outside those files that changes the outcome (if any).
UNSTORABLE = {
    "file-reader": ({"name.txt": "web\n", "app.ini": BAD + "procname-prefix = @(name.txt)\n"},
                    None),
    "if-exists": ({"app.ini": BAD + "if-exists = /nonexistent\nmaster = true\nendif =\n"},
                  None),
    "time-magic": ({"app.ini": BAD + "procname-prefix = web-%t\n"}, None),
    "missing-include": ({"app.ini": BAD + "include = extra.ini\n"},
                        ("extra.ini", "[uwsgi]\nvacuum = true\n")),
    "include-beside": ({"conf/app.ini": BAD + "include = common.ini\n",
                        "conf/common.ini": "[uwsgi]\nprocesses = 2\n"},
                       ("common.ini", "[uwsgi]\nmaster = true\n")),
    # what the loader evaluates, however it is spelt: an alias, a reader the `%` pass builds
    "if-exists-alias": ({"app.ini": BAD + "ifdir = /\nprocesses = 2\nendif =\n"}, None),
    "reader-built-by-magic": ({"name.txt": "web\n",
                               "app.ini": BAD + "procname-prefix = @%Y(name.txt)\n"}, None),
    "reader-built-by-a-loop": ({"name.txt": "web\n", "app.ini": BAD + "for = @\n"
                                "procname-prefix = %(_)(name.txt)\nendfor =\n"}, None),
    # an include that is there but not read: a directory now, a config tomorrow
    "include-not-read": ({"app.ini": BAD + "include = extra.ini\n", "extra.ini/x": ""}, None),
    # past a bound nothing more is read, but whether the include is there still shows
    "include-past-a-bound": ({"app.ini": BAD + "include = big.ini\ninclude = extra.ini\n",
                              "big.ini": "[uwsgi]\n" + "#\n" * 100_000,
                              "extra.ini": "[uwsgi]\n"}, None),
}


def fresh_outcome(spec: str) -> dict[str, int]:
    """What the engine, run afresh, says of ``spec`` under the pinned rules."""
    findings = engine.lint_source(spec, PINNED_SETTINGS).findings
    return {"failed": 1} if any(PINNED_SETTINGS.fails(f) for f in findings) else {"passed": 1}


@pytest.mark.parametrize("case", list(UNSTORABLE))
def test_configs_depending_on_unread_files_are_never_stored(
    configs: pytest.Pytester, case: str
) -> None:
    files, change = UNSTORABLE[case]
    for name, text in files.items():
        (configs.path / name).parent.mkdir(exist_ok=True)
        (configs.path / name).write_text(text)
    app = next(name for name in files if name.endswith("app.ini"))
    before = fresh_outcome(app)
    for _ in range(2):
        run(configs, "--uwsgi-lint", app).assert_outcomes(**before)
        assert linted(configs) == ["app.ini"]
    assert f"{app}::uwsgi-lint" not in cached_entries(configs)
    if change is not None:
        (configs.path / change[0]).write_text(change[1])
        after = fresh_outcome(app)
        assert after != before
        run(configs, "--uwsgi-lint", app).assert_outcomes(**after)


def test_switching_a_release_link_lints_again(configs: pytest.Pytester) -> None:
    """``current -> releases/N``: the same bytes in ``current/app.ini``, but ``%d`` and the
    include it builds now lead into another release."""
    for release, extra in (("1", "master = true\n"), ("2", "processes = 2\n")):
        (configs.path / "releases" / release).mkdir(parents=True)
        app = configs.path / "releases" / release / "app.ini"
        app.write_text(BAD + "include = %dlocal.ini\n")
        (configs.path / "releases" / release / "local.ini").write_text("[uwsgi]\n" + extra)
    (configs.path / "current").symlink_to("releases/1")
    run(configs, "--uwsgi-lint", "current/app.ini").assert_outcomes(passed=1)
    assert linted(configs) == ["app.ini"]
    run(configs, "--uwsgi-lint", "current/app.ini").assert_outcomes(passed=1)
    assert linted(configs) == []
    (configs.path / "current").unlink()
    (configs.path / "current").symlink_to("releases/2")
    run(configs, "--uwsgi-lint", "current/app.ini").assert_outcomes(failed=1)
    assert linted(configs) == ["app.ini"]


def test_a_cycle_through_a_link_is_not_stored(configs: pytest.Pytester) -> None:
    """``other.ini`` links back to the config: a cycle, never read (and the master rule
    stays silent, as options may be missing); once it is a file, it is an include like any
    other."""
    (configs.path / "app.ini").write_text(BAD + "include = other.ini\n")
    (configs.path / "other.ini").symlink_to("app.ini")
    run(configs, "--uwsgi-lint", "app.ini").assert_outcomes(passed=1)
    assert "app.ini::uwsgi-lint" not in cached_entries(configs)
    (configs.path / "other.ini").unlink()
    (configs.path / "other.ini").write_text("[uwsgi]\nprocesses = 2\n")
    run(configs, "--uwsgi-lint", "app.ini").assert_outcomes(failed=1)


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_an_include_named_in_invalid_utf8_is_linted_but_not_stored(
    configs: pytest.Pytester, workers: list[str]
) -> None:
    """pytest's cache is JSON and xdist sends text: such a path can be stored in neither."""
    name = os.fsdecode(b"common\xe9.ini")
    (configs.path / name).write_text("[uwsgi]\nmaster = true\n")
    (configs.path / "app.ini").write_bytes(os.fsencode(BAD + f"include = {name}\n"))
    runner = run_subprocess if workers else run
    for _ in range(2):
        result = runner(configs, "--uwsgi-lint", "app.ini", *workers)
        result.assert_outcomes(passed=1)
        assert result.ret == 0
    assert linted(configs) == ["app.ini", "app.ini"]
    assert "app.ini::uwsgi-lint" not in cached_entries(configs)


CRASHING_LOADER_CONFTEST = """
import pytest

from pytest_uwsgi_lint import engine


def pytest_configure(config):
    original = engine.load_spec

    def crashing(data, path, *args, **kwargs):
        if path.endswith("crash.ini"):
            raise RuntimeError("a bug in the loader")
        return original(data, path, *args, **kwargs)

    patch = pytest.MonkeyPatch()
    patch.setattr(engine, "load_spec", crashing)
    config.add_cleanup(patch.undo)
"""


def test_a_loader_crash_fails_its_item_with_a_finding_and_is_not_stored(
    pytester: pytest.Pytester,
) -> None:
    pin(pytester)
    pytester.makefile(".ini", crash=GOOD, good=GOOD)
    pytester.makeconftest(CRASHING_LOADER_CONFTEST)
    for _ in range(2):
        result = run(pytester, "--uwsgi-lint")
        result.assert_outcomes(passed=1, failed=1)
        body = failure_body(result.stdout.str(), "crash.ini")
        assert "loading crash.ini crashed (RuntimeError: a bug in the loader)" in body
        assert "Traceback" not in body
    assert sorted(cached_entries(pytester)) == ["good.ini::uwsgi-lint"]


# -- xdist ----------------------------------------------------------------------------------


def test_xdist_gives_the_same_outcomes_and_fills_the_cache(configs: pytest.Pytester) -> None:
    for name in ("one", "two", "three"):
        configs.makefile(".ini", **{name: GOOD})
    serial = run(configs, "--uwsgi-lint", "-p", "no:cacheprovider")
    serial.assert_outcomes(passed=4, failed=1)
    linted(configs)
    result = run_subprocess(configs, "--uwsgi-lint", "-n", "2")
    result.assert_outcomes(passed=4, failed=1)
    assert failure_body(result.stdout.str(), "bad.ini") == cli_text("bad.ini")
    assert linted(configs) == ["bad.ini", "good.ini", "one.ini", "three.ini", "two.ini"]
    stored = {f"{n}.ini::uwsgi-lint" for n in ("bad", "good", "one", "two", "three")}
    assert set(cached_entries(configs)) == stored  # written by the controller
    result = run_subprocess(configs, "--uwsgi-lint", "-n", "2")
    result.assert_outcomes(passed=4, failed=1)
    assert failure_body(result.stdout.str(), "bad.ini") == cli_text("bad.ini")
    assert linted(configs) == []


def test_failure_text_relative_to_invocation_dir(pytester: pytest.Pytester) -> None:
    pin(pytester)
    deploy = pytester.path / "deploy"
    deploy.mkdir()
    (deploy / "bad.ini").write_text(BAD)
    result = run(pytester, "--uwsgi-lint", "deploy")
    result.assert_outcomes(failed=1)
    expected = cli_text(str(Path("deploy", "bad.ini")))
    assert expected.startswith("deploy/bad.ini:1:1: UWM001")
    assert failure_body(result.stdout.str(), "deploy/bad.ini") == expected


def test_stored_failure_is_not_replayed_from_another_directory(
    configs: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The failure text names paths relative to the working directory: run from elsewhere,
    the file is linted again and named as seen from there, not replayed."""
    run(configs, "--uwsgi-lint", "bad.ini").assert_outcomes(failed=1)
    assert linted(configs) == ["bad.ini"]
    monkeypatch.chdir(configs.mkdir("elsewhere"))
    args = ("--rootdir", str(configs.path), "-c", str(configs.path / "pytest.ini"))
    result = run(configs, *args, "--uwsgi-lint", str(configs.path / "bad.ini"))
    result.assert_outcomes(failed=1)
    assert linted(configs) == ["bad.ini"]
    expected = cli_text(str(configs.path / "bad.ini"))
    assert expected.startswith(f"{configs.path / 'bad.ini'}:1:1: UWM001")
    assert failure_body(result.stdout.str(), "bad.ini") == expected


def test_a_config_reached_through_a_folder_link_is_one_item(pytester: pytest.Pytester) -> None:
    """pytest follows links to folders: `conf/self -> .` reaches the same config again and
    again, until the path is too long."""
    pin(pytester)
    (pytester.path / "conf").mkdir()
    (pytester.path / "conf" / "app.ini").write_text(BAD)
    (pytester.path / "conf" / "self").symlink_to(".")
    result = run(pytester, "--uwsgi-lint", "conf")
    result.assert_outcomes(failed=1)


@pytest.mark.parametrize("stored", ["deep", "long", "big"])
def test_a_cache_written_by_hand_cannot_exhaust_the_run(
    configs: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, stored: str
) -> None:
    """A restored ``.pytest_cache`` is input too: JSON nested 100,000 deep, an entry listing
    more files than a load reads, or files adding up to more bytes than a load reads (6.8 MB
    listed 2,000 times took 13 GB), are not outcomes this plugin stored: the config is
    linted again."""
    (configs.path / "big.txt").write_bytes(b"x" * (8 * 1024**2))
    entry = ["0" * 64, ["good.ini", *["big.txt"] * (5 if stored == "big" else 1_002)], None]
    text = "[" * 100_000 + "]" * 100_000 if stored == "deep" else json.dumps({
        "good.ini::uwsgi-lint": entry})
    (configs.path / STORE).parent.mkdir(parents=True, exist_ok=True)
    (configs.path / STORE).write_text(text)
    reads: list[str] = []
    real_read = sources.read_source

    def counted(path: str, limit: int = sources.MAX_BYTES) -> bytes:
        data = real_read(path, limit)
        reads.append(path)
        return data

    monkeypatch.setattr(sources, "read_source", counted)
    run(configs, "--uwsgi-lint", "good.ini").assert_outcomes(passed=1)
    assert linted(configs) == ["good.ini"]
    assert reads.count("big.txt") <= 2
