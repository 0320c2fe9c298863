"""A baseline hides recorded findings, survives moved lines, and shows new ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_uwsgi_lint.baseline import BaselineError, new_findings, read_baseline, write_baseline
from pytest_uwsgi_lint.engine import Settings, lint_paths

SETTINGS = Settings(select=("inline-comment", "master-not-enabled"))


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
