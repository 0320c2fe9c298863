"""The reviewed findings on the real-config corpus: any change shows up here, file by file."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("corpus_snapshot", ROOT / "tools" /
                                                  "corpus_snapshot.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TOOL = _tool()
SNAPSHOT: dict[str, list[str]] = json.loads(TOOL.SNAPSHOT.read_text())


@pytest.mark.parametrize("name", sorted(SNAPSHOT))
def test_findings_match_the_reviewed_snapshot(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert TOOL.findings(name) == SNAPSHOT[name], (
        "review the change, then run python tools/corpus_snapshot.py"
    )


def test_snapshot_covers_the_whole_corpus() -> None:
    assert set(SNAPSHOT) == {p.name for p in TOOL.CORPUS.glob("*.ini")}
