"""Property-based tests: whatever bytes it is given, the linter never raises, never reports an
internal error, and says the same thing every time, in a parallel run as in a serial one."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_uwsgi_lint.cli import EXIT_INTERNAL, run
from pytest_uwsgi_lint.discovery import looks_like_uwsgi
from pytest_uwsgi_lint.engine import Settings, lint_bytes
from pytest_uwsgi_lint.findings import Finding
from pytest_uwsgi_lint.reader import read_ini

CORPUS = sorted((Path(__file__).parent / "corpus" / "real").glob("*.ini"))
ALL_RULES = Settings(select=("ALL",))
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_KEYS = ["master", "processes", "socket", "cron", "cron2", "attach-daemon2", "harakiri", "if-env",
         "endif", "for", "endfor", "include", "ini", "inherit", "set-ph", "strict", "uid",
         "chmod-socket", "master-fifo", "max_requests", "Master", "end", "exception-handler",
         "die-on-term", "stats", "http", "%(x)", "rem-header", ""]
_VALUES = ["true", "false ; note", "0", "1m", "%(procs + 1)", "$(HOME)", "@(/nonexistent)",
           "100%", "date +%Y%m%d", "*/5 * * * * cmd", "minute=5,hour=*/2 echo", "cmd=x,uid=nobody",
           "/tmp/app.sock", ":3031", "0.0.0.0:8000", "666", "exec://true", "x.ini:sect", "",
           "a b c", "%d", "%%", "\"quoted\"", "caf\xe9"]
_LINE = st.one_of(
    st.tuples(st.sampled_from(_KEYS), st.sampled_from(["=", " = ", ": ", " "]),
              st.sampled_from(_VALUES)).map("".join),
    st.sampled_from(["[uwsgi]", "[uWSGI]", "[uwsgi] ; c", "[other]", "[uwsgix", "[", "; comment",
                     "# uwsgi-lint: disable=master-not-enabled", "; uwsgi-lint: disable=nope",
                     "   ", "\ufeff[uwsgi]", "\x00", "=", "[DEFAULT]"]),
    st.text(max_size=40),
)
_ENDINGS = st.sampled_from(["\n", "\r\n", "\r", "%\n"])


def _lint(data: bytes) -> list[Finding]:
    return lint_bytes(data, "/nonexistent/app.ini", settings=ALL_RULES).findings


def _no_internal_error(findings: list[Finding]) -> None:
    assert not [f for f in findings if f.name == "internal-error"], findings


@PROPERTY
@given(st.binary(max_size=2000))
def test_random_bytes_never_break_the_reader_or_the_rules(data: bytes) -> None:
    read_ini(data)
    first = _lint(data)
    _no_internal_error(first)
    assert _lint(data) == first


@PROPERTY
@given(st.lists(st.tuples(_LINE, _ENDINGS), max_size=30))
def test_generated_ini_lines_never_break_the_linter(lines: list[tuple[str, str]]) -> None:
    data = "".join(line + ending for line, ending in lines).encode("utf-8", "surrogateescape")
    first = _lint(data)
    _no_internal_error(first)
    assert _lint(data) == first


def _mutate(data: bytes, rng: random.Random) -> bytes:
    buffer = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        position = rng.randrange(len(buffer) + 1)
        action = rng.choice(("insert", "delete", "flip", "duplicate"))
        if action == "insert":
            buffer[position:position] = rng.choice([b"%", b"\n", b"=", b";", b"[", b"\x00",
                                                    b"\r", b"\xff", b" # x", b"%(", b"$("])
        elif action == "delete" and buffer:
            del buffer[min(position, len(buffer) - 1)]
        elif action == "flip" and buffer:
            index = min(position, len(buffer) - 1)
            buffer[index] ^= 1 << rng.randrange(8)
        else:
            start = rng.randrange(len(buffer) + 1)
            buffer[position:position] = buffer[start : start + rng.randint(1, 80)]
    return bytes(buffer)


@PROPERTY
@given(st.sampled_from(CORPUS), st.integers(min_value=0, max_value=2**32 - 1))
def test_mutated_corpus_files_never_break_the_linter(path: Path, seed: int) -> None:
    data = _mutate(path.read_bytes(), random.Random(seed))
    first = _lint(data)
    _no_internal_error(first)
    assert _lint(data) == first


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(path=st.sampled_from(CORPUS), seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_the_cli_never_exits_with_an_internal_error(
    path: Path, seed: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "mutated.ini"
    target.write_bytes(_mutate(path.read_bytes(), random.Random(seed)))
    for output in ("text", "json", "sarif", "github"):
        assert run(["--format", output, str(target)]) != EXIT_INTERNAL
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err


def _outcomes(directory: Path, *extra: str) -> dict[str, tuple[str, str]]:
    """Each item's outcome and failure text, from pytest's JUnit report of a run on
    ``directory`` with only this plugin (and xdist when asked) loaded."""
    report = directory.parent / f"{directory.name}-{len(extra)}.xml"
    command = [sys.executable, "-m", "pytest", "-p", "pytest_uwsgi_lint.plugin", *extra,
               "--uwsgi-lint", "-p", "no:cacheprovider", "-q", f"--junitxml={report}",
               "--rootdir", str(directory), "-c", str(directory / "pytest.ini"), str(directory)]
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    done = subprocess.run(command, cwd=directory, env=env, capture_output=True, text=True)
    assert done.returncode in (0, 1), done.stdout[-3000:] + done.stderr[-3000:]
    found: dict[str, tuple[str, str]] = {}
    for case in ElementTree.parse(report).iter("testcase"):
        failure = case.find("failure")
        key = f"{case.get('classname')}::{case.get('name')}"
        found[key] = ("passed", "") if failure is None else ("failed", failure.text or "")
    return found


@settings(
    max_examples=3,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_a_parallel_run_finds_what_a_serial_run_finds(
    seed: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    pytest.importorskip("xdist")
    directory = tmp_path_factory.mktemp("mutants")
    (directory / "pytest.ini").write_text("[pytest]\n")
    rng = random.Random(seed)
    for index, path in enumerate(rng.sample(CORPUS, 24)):
        (directory / f"config{index}.ini").write_bytes(_mutate(path.read_bytes(), rng))
    configs = {f"{p.name}::uwsgi-lint" for p in directory.glob("config*.ini")
               if looks_like_uwsgi(str(p))}  # a mutation may break a file's header
    serial = _outcomes(directory)
    assert set(serial) == configs and configs
    assert _outcomes(directory, "-p", "xdist.plugin", "-n", "2") == serial
