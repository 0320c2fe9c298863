"""The reviewed findings on the real-config corpus: any change shows up here, file by file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pytest_uwsgi_lint.engine import Settings, lint_source

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = json.loads((ROOT / "tests" / "corpus" / "expected-findings.json").read_text())


@pytest.mark.parametrize("name", sorted(SNAPSHOT))
def test_findings_match_the_reviewed_snapshot(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    path = os.path.join("tests", "corpus", "real", name)
    found = [f"{f.line} {f.code} {f.name}" for f in lint_source(path, Settings()).findings]
    assert found == SNAPSHOT[name], "review the change, then run python tools/corpus_snapshot.py"


def test_snapshot_covers_the_whole_corpus() -> None:
    files = {p.name for p in (ROOT / "tests" / "corpus" / "real").glob("*.ini")}
    assert set(SNAPSHOT) == files
