"""A baseline hides recorded findings, survives moved lines, and shows new ones."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from pytest_uwsgi_lint import baseline, cli
from pytest_uwsgi_lint.baseline import (
    MAX_BYTES,
    BaselineError,
    new_findings,
    read_baseline,
    write_baseline,
)
from pytest_uwsgi_lint.engine import Settings, lint_paths

SETTINGS = Settings(select=("inline-comment", "master-not-enabled"))
SELECTED = ["--select", "inline-comment,master-not-enabled"]


def test_baseline_round_trip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "app.ini"
    config.write_text("[uwsgi]\nmodule = app\nprocesses = 4 ; four\n")
    legacy = lint_paths(["app.ini"], SETTINGS)
    assert len(legacy) == 2
    assert write_baseline(tmp_path / "baseline.json", legacy) == 2
    known = read_baseline(tmp_path / "baseline.json")
    assert new_findings(legacy, known) == []

    config.write_text("; moved down\n[uwsgi]\nmodule = app\nprocesses = 4 ; four\n"
                      "threads = 2 # two\n")
    later = lint_paths(["app.ini"], SETTINGS)
    fresh = new_findings(later, known)
    assert [(f.name, f.line) for f in fresh] == [("inline-comment", 5)]


def test_edited_line_is_reported_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "app.ini"
    config.write_text("[uwsgi]\nmaster = true\nprocesses = 4 ; four\n")
    write_baseline(tmp_path / "b.json", lint_paths(["app.ini"], SETTINGS))
    config.write_text("[uwsgi]\nmaster = true\nprocesses = 8 ; eight\n")
    fresh = new_findings(lint_paths(["app.ini"], SETTINGS), read_baseline(tmp_path / "b.json"))
    assert [f.line for f in fresh] == [3]


@pytest.mark.parametrize("text", ["not json", '{"findings": []}', '{"uwsgi-lint-baseline": 1}'])
def test_bad_baseline_is_a_clear_error(tmp_path: Path, text: str) -> None:
    (tmp_path / "b.json").write_text(text)
    with pytest.raises(BaselineError):
        read_baseline(tmp_path / "b.json")


# A baseline is committed with the configs: reading or writing a hostile one is a usage error.

RECORDED = '{"uwsgi-lint-baseline": 1, "findings": [{"fingerprint": "abc:1"}]}'


@pytest.mark.parametrize(("make", "reason"), [
    (lambda p: p.symlink_to("/dev/null"), " is a character device, not a regular file;"),
    (lambda p: p.mkdir(), " is a directory, not a regular file;"),
    (lambda p: p.symlink_to(p.name), " is a symbolic link that loops"),
    (lambda p: None, " does not exist"),
    (lambda p: p.write_text(RECORDED + " " * MAX_BYTES), f" is larger than {MAX_BYTES} bytes;"),
    (lambda p: p.write_text("[" * 100_000 + "]" * 100_000), ": not a uwsgi-lint baseline (JSON"),
    (lambda p: p.write_bytes(b'{"\xff": 1}'), ": not UTF-8: 'utf-8' codec can't decode"),
    (lambda p: p.write_text('{"uwsgi-lint-baseline": 1, "findings": {"a": 1}}'),
     ": malformed findings list"),
    (lambda p: p.write_text('{"uwsgi-lint-baseline": 1, "findings": [{"fingerprint": [1]}]}'),
     ": malformed findings list"),
    (lambda p: p.write_text('{"uwsgi-lint-baseline": true, "findings": []}'),
     ": not a uwsgi-lint baseline (format 1)"),  # `true` and `1.0` compare equal to 1
    (lambda p: p.write_text('{"uwsgi-lint-baseline": 1.0, "findings": []}'),
     ": not a uwsgi-lint baseline (format 1)"),
    (lambda p: p.write_text('{"uwsgi-lint-baseline": ' + "9" * 100_000 + ', "findings": []}'),
     ": not a uwsgi-lint baseline (format 1)"),  # not Python's advice on int conversion
], ids=["device", "directory", "loop", "missing", "too-large", "deep", "not-utf8", "dict",
        "not-a-string", "true", "float", "huge-number"])
def test_unusable_baseline_says_why(
    tmp_path: Path, make: Callable[[Path], object], reason: str
) -> None:
    path = tmp_path / "b.json"
    make(path)
    with pytest.raises(BaselineError) as raised:
        read_baseline(path)
    assert str(raised.value).startswith(f"{path}{reason}")


def test_baseline_named_like_standard_input_is_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "-").write_text(RECORDED)
    assert read_baseline(Path("-")) == {"abc:1"}


@pytest.mark.parametrize("flag", ["--baseline", "--write-baseline"])
def test_fifo_baseline_is_a_usage_error_not_a_hang(tmp_path: Path, flag: str) -> None:
    """Nobody writes to (or reads from) the FIFO: opening it as a file would wait forever."""
    (tmp_path / "app.ini").write_text("[uwsgi]\nmaster = true\n")
    os.mkfifo(tmp_path / "b.json")
    done = subprocess.run(
        [sys.executable, "-m", "pytest_uwsgi_lint", *SELECTED, flag, "b.json", "app.ini"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,  # a hang fails, not blocks
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("uwsgi-lint: b.json")
    assert "not a regular file" in done.stderr


def test_baseline_is_not_written_into_a_fifo_that_is_read(tmp_path: Path) -> None:
    fifo = tmp_path / "b.json"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        with pytest.raises(BaselineError, match="not a regular file; nothing was written"):
            write_baseline(fifo, [])
        assert os.read(reader, 100) == b""
    finally:
        os.close(reader)


@pytest.mark.parametrize(("target", "reason"), [
    ("folder", "folder: cannot be written: is a directory"),
    ("missing/b.json", "missing/b.json: cannot be written: no such file or directory"),
])
def test_unwritable_baseline_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    target: str, reason: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder").mkdir()
    (tmp_path / "app.ini").write_text("[uwsgi]\nmodule = app\n")
    assert cli.main([*SELECTED, "--write-baseline", target, "app.ini"]) == cli.EXIT_USAGE
    out, err = capsys.readouterr()
    assert err == f"uwsgi-lint: {reason}\n"
    assert out.startswith("app.ini:1:1: UWM001")  # the findings were not recorded: shown


def test_baseline_too_large_to_read_back_is_not_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.ini").write_text("[uwsgi]\nmodule = app\nprocesses = 4 ; four\n")
    monkeypatch.setattr(baseline, "MAX_BYTES", 200)
    with pytest.raises(BaselineError, match=r"^b.json: 2 findings would take \d+ bytes, more "
                       r"than a baseline may hold \(200\); nothing was written$"):
        write_baseline(Path("b.json"), lint_paths(["app.ini"], SETTINGS))
    assert not (tmp_path / "b.json").exists()


def test_rewriting_a_baseline_never_leaves_it_half_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write that fails (a full disk) leaves the earlier baseline whole."""
    target = tmp_path / "b.json"
    target.write_text("earlier baseline\n")
    target.chmod(0o640)

    def full_disk(descriptor: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(BaselineError, match=r"cannot be written: .*no space left on device"):
        write_baseline(target, [])
    assert target.read_text() == "earlier baseline\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.json"]
    monkeypatch.undo()
    write_baseline(target, [])
    assert json.loads(target.read_text())["findings"] == []
    assert oct(target.stat().st_mode & 0o777) == "0o640"
