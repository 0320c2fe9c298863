"""Hostile input: every kind of broken, huge, looping or blocking file gets a clear finding,
never a traceback, within bounded time and memory, and the rest of the run goes on.

The whole suite runs as one ``uwsgi-lint`` process over one directory, with an address-space
limit, so one bad file cannot hide behind another, and a hang or a memory blow-up fails the
test instead of the machine. The time limit is a hang guard, not a performance assertion.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

MEMORY_LIMIT = 2 * 1024**3
HANG_GUARD_SECONDS = 600


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def _write(path: Path, data: bytes) -> None:
    path.write_bytes(data)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    _write(root / "binary.ini", bytes(range(256)) * 64)
    _write(root / "invalid-utf8.ini", b"[uwsgi]\nmaster = true\nmodule = caf\xe9\xff\xfe\n")
    _write(root / "utf16.ini", "\ufeff[uwsgi]\nmaster = true\n".encode("utf-16"))
    _write(root / "cr-only.ini", b"[uwsgi]\rmaster = true\rprocesses = 4\r")
    _write(root / "nul.ini", b"[uwsgi]\nmaster = tr\0ue\nprocesses = 4\n")
    _write(root / "empty.ini", b"")
    with open(root / "huge.ini", "wb") as handle:  # past the 10 MB bound: refused unread
        handle.truncate(100 * 1024 * 1024)
    _write(root / "million-lines.ini", b"[uwsgi]\nmaster = true\n" + b"x = 1\n" * 1_000_000)
    _write(root / "long-line.ini", b"[uwsgi]\nmaster = true\nx = " + b"a" * (10 * 1024**2 - 64))
    (root / "directory.ini").mkdir()
    _write(root / "denied.ini", b"[uwsgi]\nmaster = true\n")
    (root / "denied.ini").chmod(0)
    (root / "broken-link.ini").symlink_to(root / "nowhere.ini")
    (root / "loop-a.ini").symlink_to(root / "loop-b.ini")
    (root / "loop-b.ini").symlink_to(root / "loop-a.ini")
    os.mkfifo(root / "fifo.ini")
    chain = root / "chain"
    chain.mkdir()
    for index in range(100):
        _write(chain / f"c{index}.ini", f"[uwsgi]\ninclude = %dc{index + 1}.ini\n".encode())
    _write(chain / "c100.ini", b"[uwsgi]\nmaster = true\n")
    _write(root / "deep-include.ini", f"[uwsgi]\nmaster = true\ninclude = {chain}/c0.ini\n"
           .encode())
    _write(root / "cycle.ini", b"[uwsgi]\nmaster = true\ninclude = %p\n")
    fan = root / "fan"  # each file includes the next one twice: 2**24 loads unbounded
    fan.mkdir()
    for index in range(24):
        _write(fan / f"f{index}.ini", f"[uwsgi]\ninclude = %df{index + 1}.ini\n".encode() * 2)
    _write(fan / "f24.ini", b"[uwsgi]\nmaster = true\n")
    _write(root / "fan-out.ini", f"[uwsgi]\nmaster = true\ninclude = {fan}/f0.ini\n".encode())
    amplified = root / "amplified"  # big files, each included a thousand times
    amplified.mkdir()
    _write(amplified / "blank.ini", b"[uwsgi]\nmaster = true\n" + b"\n" * 1_000_000)
    _write(amplified / "long.ini", b"[uwsgi]\nx = " + b"a" * (5 * 1024**2) + b"\n")
    for name in ("blank", "long"):
        _write(root / f"includes-{name}.ini", b"[uwsgi]\nmaster = true\n"
               + f"include = amplified/{name}.ini\n".encode() * 1_000)
    _write(amplified / "value.txt", b"v" * 1_000_000)
    _write(root / "refers-to-big-value.ini", b"[uwsgi]\nmaster = true\nbig = "
           + b"v" * 1_000_000 + b"\n" + b"procname = %(big)\n" * 10_000)
    _write(root / "reads-big-file.ini", b"[uwsgi]\nmaster = true\n"
           + b"procname = @(amplified/value.txt)\n" * 10_000)
    _write(root / "for-million.ini", b"[uwsgi]\nmaster = true\nfor = " + b"i " * 1_000_000
           + b"\nsocket = /run/%(_).sock\nendfor\n")
    _write(root / "for-wide.ini", b"[uwsgi]\nmaster = true\nfor-times = 10000\n"
           + b"".join(b"env = K%d=%%(_)\n" % i for i in range(100)) + b"endfor\n")
    _write(root / "for-big-value.ini", b"[uwsgi]\nmaster = true\nfor-times = 10000\nenv = A=%(_)"
           + b"x" * 1_000_000 + b"\nendfor =\n")
    _write(root / "unclosed-if.ini", b"[uwsgi]\nmaster = true\nif-env = X\nprocesses = 4\n")
    _write(root / "for-items.ini", b"[uwsgi]\nmaster = true\nfor = "
           + b" ".join(b"i%d" % i for i in range(10_000)) + b"\nsocket = /run/%(_).sock\nendfor\n")
    _write(root / "plain-bad.ini", b"[uwsgi]\nmodule = app\n")
    _write(root / "only-newlines.ini", b"[uwsgi]\nmaster = true\n" + b"\n" * (9 * 1024**2))
    _write(root / "percent-pairs.ini", b"[uwsgi]\nmaster = true\nx = " + b"%d" * 1_000_000)
    _write(root / "made-up-keys.ini", b"[uwsgi]\nmaster = true\n"
           + b"".join(b"mastr%d = 1\n" % i for i in range(200_000)))
    (root / "locked").mkdir()  # a folder that cannot be listed: its configs are not skipped
    _write(root / "locked" / "app.ini", b"[uwsgi]\nmodule = app\n")
    for path in root.rglob("*"):
        if path.name != "denied.ini" and not path.is_symlink() and not path.is_fifo():
            path.chmod(0o755 if path.is_dir() else 0o644)
    (root / "locked").chmod(0)
    root.chmod(0o755)
    return root


def _without_root_overrides() -> list[str]:
    """As root, permission bits do not apply; dropping the capabilities that bypass them makes
    a mode-000 file unreadable, as it is for everyone else."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.fail("setpriv (util-linux) is needed to test permission denied as root")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search"]


def _run(root: Path) -> tuple[int, dict[str, Any], str]:
    names = sorted(p.name for p in root.iterdir() if p.name not in ("chain", "fan", "amplified"))
    command = [sys.executable, "-m", "pytest_uwsgi_lint", "--format", "json", "--select", "ALL"]
    done = subprocess.run(
        [*_without_root_overrides(), *command, *names],
        cwd=root, capture_output=True, text=True, timeout=HANG_GUARD_SECONDS,
        preexec_fn=_limit_memory, check=False,
    )
    return done.returncode, json.loads(done.stdout), done.stderr


@pytest.fixture(scope="module")
def outcome(hostile: Path) -> tuple[int, dict[str, list[str]], str]:
    code, document, stderr = _run(hostile)
    by_file: dict[str, list[str]] = {}
    for finding in document["findings"]:
        by_file.setdefault(finding["path"], []).append(finding["name"])
    return code, by_file, stderr


def test_no_traceback_and_no_internal_error(outcome: tuple[int, dict[str, list[str]], str]) -> None:
    code, by_file, stderr = outcome
    assert "Traceback" not in stderr
    assert code == 2  # named paths that cannot be read; never 3
    assert not any("internal-error" in names for names in by_file.values())


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("binary.ini", "section-not-found"),
        ("utf16.ini", "section-not-found"),
        ("cr-only.ini", "section-not-found"),
        ("empty.ini", "section-not-found"),
        ("huge.ini", "file-unreadable"),
        ("directory.ini", "file-unreadable"),
        ("broken-link.ini", "file-unreadable"),
        ("loop-a.ini", "file-unreadable"),
        ("fifo.ini", "file-unreadable"),
        ("locked", "file-unreadable"),
        ("chain/c31.ini", "include-cycle"),  # deep-include.ini's 32nd nested include
        ("cycle.ini", "include-cycle"),
        ("for-million.ini", "for-too-long"),
        ("for-wide.ini", "for-too-long"),
        ("for-big-value.ini", "for-too-long"),  # 10,000 copies of a 1 MB line
        ("unclosed-if.ini", "logic-block-unclosed"),
        ("plain-bad.ini", "master-not-enabled"),
        ("only-newlines.ini", "file-too-large"),
        ("percent-pairs.ini", "file-too-large"),
        ("million-lines.ini", "file-too-large"),
        ("includes-blank.ini", "file-too-large"),  # 1,000 loads of a million lines
        ("includes-long.ini", "file-too-large"),  # 1,000 loads of 5 MiB
        ("refers-to-big-value.ini", "file-too-large"),  # 10,000 copies of 1 MB
        ("reads-big-file.ini", "file-too-large"),  # 10,000 reads of 1 MB
    ],
)
def test_each_hostile_file_gets_a_clear_finding(
    outcome: tuple[int, dict[str, list[str]], str], name: str, expected: str
) -> None:
    _, by_file, _ = outcome
    assert expected in by_file.get(name, []), by_file.get(name)


def test_an_include_tree_that_fans_out_is_cut(
    outcome: tuple[int, dict[str, list[str]], str]
) -> None:
    """Reported once, on the include line of the 1,001st file read, deep inside the tree."""
    _, by_file, _ = outcome
    cut = {name: names for name, names in by_file.items() if name.startswith("fan/")}
    assert list(cut.values()) == [["include-cycle"]], cut


def test_a_rule_lists_a_bounded_number_of_findings(
    outcome: tuple[int, dict[str, list[str]], str]
) -> None:
    """200,000 made-up keys: the first 1,000 findings, then one saying the rest are not listed."""
    _, by_file, _ = outcome
    assert by_file["made-up-keys.ini"].count("unknown-option") == 1_001


def test_permission_denied(outcome: tuple[int, dict[str, list[str]], str]) -> None:
    _, by_file, _ = outcome
    assert by_file["denied.ini"] == ["file-unreadable"]


def test_big_but_bounded_files_are_linted(outcome: tuple[int, dict[str, list[str]], str]) -> None:
    _, by_file, _ = outcome
    for name in ("million-lines.ini", "long-line.ini", "for-items.ini", "invalid-utf8.ini"):
        assert "file-unreadable" not in by_file.get(name, []), name


def test_messages_quote_huge_text_clipped() -> None:
    from pytest_uwsgi_lint.engine import MAX_MESSAGE, lint_text

    findings = lint_text("[uwsgi]\nmaster = true\n" + "k" * 5_000_000 + " = 1\n")
    unknown = [f for f in findings if f.name == "unknown-option"]
    assert unknown and len(unknown[0].message) < MAX_MESSAGE + 100
    assert "characters left out" in unknown[0].message


def test_the_file_too_large_docs_examples(tmp_path: Path) -> None:
    """The rule's documented example (`yes 'processes = 4' | head -n 200000`) is flagged; the
    same lines at a sensible size are not."""
    from pytest_uwsgi_lint.engine import lint_source

    for lines, flagged in ((200_000, True), (1_000, False)):
        path = tmp_path / f"app{lines}.ini"
        path.write_text("processes = 4\n" * lines)
        names = {f.name for f in lint_source(str(path)).findings}
        assert ("file-too-large" in names) is flagged, lines
