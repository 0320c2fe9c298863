"""Numbers of thousands of digits: uWSGI's C conversions saturate on them, and Python refuses
``int()`` on more than 4,300 digits, so the linter must read them without building that int,
and a crash while loading one file must not stop a run over the others."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from pytest_uwsgi_lint import cli, engine, loader
from pytest_uwsgi_lint.engine import Settings, lint_bytes, lint_text, load_and_lint, load_text
from pytest_uwsgi_lint.loader import Loaded
from pytest_uwsgi_lint.reader import DEFAULT_SECTION
from pytest_uwsgi_lint.values import atoi, strtol, strtoul, written_integer

HUGE = "1" * 4301
ZEROS = "0" * 5000
LONG_MAX, LONG_MIN, ULONG_MAX = 2**63 - 1, -(2**63), 2**64 - 1
HEADER = "[uwsgi]\nmaster = true\nmodule = app:application\n"
#: Each case crashed a rule or the loader (and with it the whole run) before.
CASES = {
    "placeholder_sum.ini": f"x = {HUGE}\nprocesses = %(x + 1)\n",
    "placeholder_increment.ini": f"x = -{HUGE}\nprocesses = %(x --)\n",
    "for_times.ini": f"for-times = {HUGE}\nenv = K%(_)\nendfor\n",
    "processes.ini": f"processes = {HUGE}\n",
    "cron.ini": f"cron = {HUGE} -1 -1 -1 -1 true\n",
    "cron2.ini": f"cron2 = minute={HUGE},hour=-{HUGE},unique={HUGE} true\n",
    "sockets.ini": (f"socket = 127.0.0.1:{HUGE}\nchmod-socket = {HUGE}\nharakiri = {HUGE}\n"
                    f"listen = {HUGE}\nbuffer-size = {HUGE}\n"),
    "shared_socket.ini": f"shared-socket = 127.0.0.1:8000\nsocket = ={HUGE}\n",
    "unit.ini": f"buffer-size = {HUGE}k\nharakiri = {HUGE}.5m\n",
    "memory.ini": f"reload-on-rss = {HUGE}\npost-buffering = {HUGE}\n",
    "comment.ini": f"processes = {HUGE} ; many\n",
    "sigterm.ini": f"hook-master-start = unix_signal:{HUGE} gracefully_kill_them_all\n",
    "daemon.ini": f"attach-daemon2 = cmd=run,uid={HUGE},stopsignal={HUGE},freq={HUGE}\n",
}
#: Linted after the cases: its finding shows the run went on.
NORMAL = ("zz_normal.ini", "[uwsgi]\nmodule = app:application\n")


def _padded(text: str) -> str:
    """``text`` with 5,000 zeros after its blanks and sign: leading zeros do not count."""
    return re.sub(r"^([ \t]*[+-]?)", lambda m: m.group(1) + ZEROS, text, count=1)


@pytest.mark.parametrize(("text", "as_atoi", "as_strtol", "as_strtoul"), [
    (str(LONG_MAX), -1, LONG_MAX, LONG_MAX),
    (str(LONG_MAX + 1), -1, LONG_MAX, LONG_MAX + 1),
    (str(LONG_MIN), 0, LONG_MIN, 2**63),
    (str(LONG_MIN - 1), 0, LONG_MIN, 2**63 - 1),
    (str(ULONG_MAX), -1, LONG_MAX, ULONG_MAX),
    (str(ULONG_MAX + 1), -1, LONG_MAX, ULONG_MAX),
    ("9" * 20, -1, LONG_MAX, ULONG_MAX),
    ("1" + "0" * 20, -1, LONG_MAX, ULONG_MAX),
    ("1" * 5000, -1, LONG_MAX, ULONG_MAX),
    ("+" + "1" * 5000, -1, LONG_MAX, ULONG_MAX),
    ("-" + "1" * 5000, 0, LONG_MIN, ULONG_MAX),
    (" \t-15x", -15, -15, 2**64 - 15),
    ("2147483648", -(2**31), 2**31, 2**31),
    ("", 0, 0, 0),
])
def test_conversions_saturate_as_glibc_does(
    text: str, as_atoi: int, as_strtol: int, as_strtoul: int
) -> None:
    for written in (text, _padded(text)):
        assert (atoi(written), strtol(written), strtoul(written)) == (
            as_atoi, as_strtol, as_strtoul)


@pytest.mark.parametrize(("text", "expected"), [
    ("007", 7), (ZEROS + "5", 5), ("-" + ZEROS + "5", -5), (" +12 ", 12), ("12abc", 12),
    (str(ULONG_MAX), ULONG_MAX), (str(LONG_MIN), LONG_MIN), (ZEROS + str(ULONG_MAX), ULONG_MAX),
    (str(ULONG_MAX + 1), None), (str(LONG_MIN - 1), None), ("1" * 5000, None),
    ("-" + "1" * 5000, None), ("abc", None), ("", None), ("-", None),
])
def test_written_integer_is_exact_within_64_bits(text: str, expected: int | None) -> None:
    assert written_integer(text) == expected


@pytest.mark.parametrize(("body", "expected"), [
    (f"x = {HUGE}\nprocesses = %(x + 1)\n", str(LONG_MIN)),  # LONG_MAX + 1 wraps
    (f"x = -{HUGE}\nprocesses = %(x - 1)\n", str(LONG_MAX)),
    (f"x = {ZEROS}41\nprocesses = %(x + 1)\n", "42"),
    (f"x = {HUGE}\nprocesses = %(x / x)\n", "1"),
])
def test_placeholder_arithmetic_saturates(body: str, expected: str) -> None:
    processes = load_text(f"[uwsgi]\n{body}").last("processes")
    assert processes is not None and processes.value == expected


@pytest.mark.parametrize(("count", "expected"), [
    (HUGE, []),  # atoi reads -1: the block never runs
    (f"{ZEROS}3", ["K1", "K2", "K3"]),
])
def test_for_times_reads_the_count_with_atoi(count: str, expected: list[str]) -> None:
    config = load_text(f"[uwsgi]\nfor-times = {count}\nenv = K%(_)\nendfor\n")
    assert [entry.value for entry in config.all("env")] == expected


def test_a_finding_about_a_5000_digit_value_stays_short() -> None:
    findings = lint_text(f"{HEADER}buffer-size = {'9' * 5000}\n",
                         Settings(select=("value-not-integer",)))
    (finding,) = findings
    assert finding.message.endswith("uWSGI stores 65535")
    assert len(finding.message) < 200


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[dict[str, str]]]:
    code = cli.main(["--format", "json", "--select", "ALL", *argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    findings: list[dict[str, str]] = json.loads(out)["findings"]
    return code, findings


def _write(directory: Path, files: dict[str, str]) -> None:
    for name, body in files.items():
        (directory / name).write_text(body if name == NORMAL[0] else HEADER + body)


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_huge_number_is_a_finding_not_a_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    _write(tmp_path, {name: CASES[name], NORMAL[0]: NORMAL[1]})
    code, findings = _run(capsys, str(tmp_path / name), str(tmp_path / NORMAL[0]))
    assert [f["message"] for f in findings if f["name"] == "internal-error"] == []
    assert code == cli.EXIT_FINDINGS
    assert any(f["name"] == "master-not-enabled" and f["path"].endswith(NORMAL[0])
               for f in findings)


def test_a_directory_of_huge_numbers_is_linted_to_the_end(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(tmp_path, {**CASES, NORMAL[0]: NORMAL[1]})
    code, findings = _run(capsys, str(tmp_path))
    assert code == cli.EXIT_FINDINGS
    assert not [f for f in findings if f["name"] == "internal-error"]
    linted = {Path(f["path"]).name for f in findings}
    assert linted == {*CASES, NORMAL[0]}  # strict-missing, at least, in every file


@pytest.fixture
def broken_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    """A loader with a bug that shows on files named ``broken*.ini``."""

    def load(data: bytes, path: str, *args: Any, **kwargs: Any) -> Loaded:
        if Path(path).name.startswith("broken"):
            raise RuntimeError("loader bug")
        return loader.load(data, path, *args, **kwargs)

    monkeypatch.setattr(engine, "load", load)


@pytest.mark.usefixtures("broken_loader")
def test_a_loader_crash_is_an_internal_error_and_the_next_file_is_linted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "broken.ini").write_text(HEADER)
    (tmp_path / NORMAL[0]).write_text(NORMAL[1])
    code, findings = _run(capsys, str(tmp_path / "broken.ini"), str(tmp_path / NORMAL[0]))
    assert code == cli.EXIT_INTERNAL
    (crash,) = [f for f in findings if f["name"] == "internal-error"]
    assert crash["path"].endswith("broken.ini")
    assert "broken.ini crashed (RuntimeError: loader bug)" in crash["message"]
    assert any(f["name"] == "master-not-enabled" and f["path"].endswith(NORMAL[0])
               for f in findings)


@pytest.mark.usefixtures("broken_loader")
def test_load_and_lint_gives_no_config_when_loading_crashes() -> None:
    settings = Settings()
    config, findings = load_and_lint(HEADER.encode(), "broken.ini", DEFAULT_SECTION, settings)
    assert config is None
    assert [f.name for f in findings] == ["internal-error"]
    report = lint_bytes(HEADER.encode(), "broken.ini", settings=settings)
    assert report.crashed and report.ini is None
    config, findings = load_and_lint(HEADER.encode(), "fine.ini", DEFAULT_SECTION, settings)
    assert config is not None and config.last("master") is not None
    assert "internal-error" not in [f.name for f in findings]
