"""The benchmark runner prints its table, and its generated configs are realistic and safe.

No test here looks at a time: the figures depend on the machine.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from pytest_uwsgi_lint.engine import Settings, lint_source

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

from configs import (  # type: ignore[import-not-found, unused-ignore]  # noqa: E402
    COMMON,
    GROUP_SIZE,
    generate,
    unsafe_text,
)


def test_quick_run_prints_the_table_of_the_cases_asked() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "run.py"), "--quick", "--only", "a"],
        capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("uwsgi-lint benchmarks: seed 1, 50 files")
    assert "load average" in lines[0]
    assert lines[1].split() == ["case", "what", "baseline", "subject", "ratio", "target"]
    row = lines[2]
    assert re.match(r"a +lint vs configparser, 50 files, per file +\S+ \S?s +\S+ \S?s +"
                    r"\d+\.\d\d +<= 0\.75 (ok|MISS)$", row), row
    assert not any(line.startswith(("b ", "c ", "d ", "e", "f ")) for line in lines[3:])


def test_run_refuses_an_unknown_case() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "run.py"), "--only", "a,z"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 2
    assert "--only takes cases among a, b, c, d, e, f" in done.stderr


def test_the_same_seed_writes_the_same_bytes(tmp_path: Path) -> None:
    first = generate(tmp_path / "one", 60, seed=7)
    second = generate(tmp_path / "two", 60, seed=7)
    other = generate(tmp_path / "three", 60, seed=8)
    assert len(first) == 60
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    assert [p.read_bytes() for p in first] != [p.read_bytes() for p in other]


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    paths: list[Path] = generate(tmp_path_factory.mktemp("configs"), 300, seed=1)
    return paths


def test_generated_configs_are_safe_to_give_uwsgi(tree: list[Path]) -> None:
    assert [line for path in tree for line in unsafe_text(path.read_text())] == []


def test_generated_configs_use_includes_placeholders_and_logic(tree: list[Path]) -> None:
    texts = [path.read_text() for path in tree]
    assert sum(path.name == COMMON for path in tree) == 300 // GROUP_SIZE
    assert sum("include = %dcommon.ini" in text for text in texts) > 50
    assert sum("%(project)" in text for text in texts) > 50
    assert sum("if-env = " in text for text in texts) > 20
    assert sum("for = " in text for text in texts) > 20


def test_most_generated_configs_pass_and_some_carry_mistakes(tree: list[Path]) -> None:
    settings = Settings()
    failing: Counter[str] = Counter()
    files_failing = 0
    for path in tree:
        findings = lint_source(str(path), settings).findings
        names = {f.name for f in findings}
        assert not names & {"internal-error", "include-not-found", "placeholder-undefined"}
        failed = [f.name for f in findings if settings.fails(f)]
        failing.update(failed)
        files_failing += bool(failed)
    assert 0.05 * len(tree) < files_failing < 0.35 * len(tree)
    assert {"unknown-option", "inline-comment", "value-not-integer"} <= set(failing)


@pytest.mark.parametrize("line", [
    "exec-asap = rm -rf /srv", "hook-asap = mkdir:/x", "call-asap = f",
    "include = exec://cat x", "ini = http://example.com/x.ini", "x = @(/etc/passwd)",
    "plugins = python3", "pidfile = /run/app.pid", "stats = /run/stats.sock",
    "fallback-config = other.ini", "mount-asap = tmpfs /x",
])
def test_unsafe_text_names_lines_that_act_beyond_parsing(line: str) -> None:
    assert unsafe_text(f"[uwsgi]\nmaster = true\n{line}\n") == [line]


def test_unsafe_text_accepts_lookalikes() -> None:
    text = "[uwsgi]\ncallable = app\nstats = 127.0.0.1:9191\ndisable-write-exception = true\n"
    assert unsafe_text(text) == []
