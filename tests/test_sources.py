"""Reading a config: a file that a read would wait on, or take data from, is left unread, and
an include of one is reported as not read (uWSGI would wait there), not as missing."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_uwsgi_lint import cli, engine
from pytest_uwsgi_lint.sources import UnreadableSource, read_source

KERNEL_LOG = Path("/proc/kmsg")
NEEDS_KERNEL_LOG = pytest.mark.skipif(not KERNEL_LOG.exists(), reason="no /proc/kmsg here")
INCLUDED = ("config-source-not-read", "include-not-found")


def _included(path: Path) -> list[str]:
    """What the loader reports about ``ini = path`` and ``@(path)``."""
    text = f"[uwsgi]\nmaster = true\nini = {path}\nprocname = @({path})\n"
    return [f.name for f in engine.lint_text(text) if f.name in INCLUDED]


@pytest.fixture
def leased(tmp_path: Path) -> Iterator[Path]:
    """A config under another process's write lease: opening it must wait until the holder
    lets go (the holder here ignores the SIGIO that asks it to)."""
    fcntl = pytest.importorskip("fcntl")
    if not hasattr(fcntl, "F_SETLEASE"):
        pytest.skip("file leases are Linux-only")
    path = tmp_path / "leased.ini"
    path.write_text("[uwsgi]\nmaster = true\n")
    previous = signal.signal(signal.SIGIO, signal.SIG_IGN)
    holder = os.open(path, os.O_WRONLY)
    try:
        try:
            fcntl.fcntl(holder, fcntl.F_SETLEASE, fcntl.F_WRLCK)
        except OSError as error:
            pytest.skip(f"this file system refuses leases: {error}")
        yield path
        fcntl.fcntl(holder, fcntl.F_SETLEASE, fcntl.F_UNLCK)
    finally:
        os.close(holder)
        signal.signal(signal.SIGIO, previous)


def test_a_file_that_would_make_the_linter_wait_is_left_unread(leased: Path) -> None:
    with pytest.raises(UnreadableSource) as raised:
        read_source(str(leased))
    assert raised.value.present
    assert str(raised.value) == ("cannot be read without waiting (for data to arrive, or for "
                                 "another process to let go of it); it was not read")
    assert _included(leased) == ["config-source-not-read"] * 2


@NEEDS_KERNEL_LOG
@pytest.mark.parametrize("link", [False, True], ids=["named", "through-a-link"])
def test_the_kernel_log_is_never_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, link: bool
) -> None:
    """Reading /proc/kmsg takes its messages from the system logger (and waits when there are
    none): it is refused before any open, under any name."""
    path = KERNEL_LOG
    if link:
        path = tmp_path / "kernel.ini"
        path.symlink_to(KERNEL_LOG)
    opened: list[object] = []
    monkeypatch.setattr(os, "open", lambda *args, **kwargs: opened.append(args))
    with pytest.raises(UnreadableSource) as raised:
        read_source(str(path))
    assert raised.value.present
    assert str(raised.value) == ("is the kernel's log, whose reads take the messages they return "
                                 "from the system logger, or wait for one; it was not read")
    assert _included(path) == ["config-source-not-read"] * 2
    assert opened == []


@pytest.mark.parametrize("name", ["/proc/self/environ", "//proc/self/environ",
                                  "/proc/PID/environ", "link.ini"])
def test_a_file_of_the_reading_process_is_never_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    name: str
) -> None:
    """Whoever asks (a config named on the command line, a settings file, a baseline), the
    linter's own environment must not end up in a report: CI secrets live there."""
    monkeypatch.setenv("SECRET_TOKEN", "ghp_supersecret")
    name = name.replace("PID", str(os.getpid()))  # the id is this worker's, known only here
    (tmp_path / "link.ini").symlink_to("/proc/self/environ")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UnreadableSource, match="describes the process that reads it"):
        read_source(name)
    report = engine.lint_source(name)
    assert [f.name for f in report.findings] == ["file-unreadable"]
    (tmp_path / "setup.cfg").symlink_to("/proc/self/environ")
    with pytest.raises(SystemExit):
        cli.main(["app.ini"])
    assert "ghp_supersecret" not in capsys.readouterr().err


def test_other_proc_files_are_still_read() -> None:
    """``/proc/sys/...`` describes the host uWSGI would run on too, as ``%k`` does."""
    assert read_source("/proc/sys/kernel/ostype").startswith(b"Linux")
