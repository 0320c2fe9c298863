"""The documentation says what the code does: the generated rule docs are current, and the
README's commands, options and samples match the real command."""

from __future__ import annotations

import fnmatch
import importlib.util
import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from pytest_uwsgi_lint import cli
from pytest_uwsgi_lint.engine import Settings, lint_source, lint_text
from pytest_uwsgi_lint.registry import all_rules
from pytest_uwsgi_lint.settings_file import read_settings_file, to_settings

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "tools" / "gen_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen_docs = _load_generator()


@pytest.fixture(autouse=True)
def not_under_github_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    """The default output format is ``github`` under GitHub Actions; these tests expect text."""
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)


def _blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", README, re.MULTILINE | re.DOTALL)


def test_generated_docs_are_current() -> None:
    assert gen_docs.stale(ROOT) == [], "run: python tools/gen_docs.py"


def test_check_mode_reports_and_write_mode_fixes_stale_docs(tmp_path: Path) -> None:
    shutil.copy(ROOT / "README.md", tmp_path / "README.md")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "rules.md").write_text("# Rules\n", encoding="utf-8")
    readme = tmp_path / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8").replace("| `UWM001` |", "| `UWX` |"))
    assert gen_docs.main(["--check", "--root", str(tmp_path)]) == 1
    assert gen_docs.stale(tmp_path) == [Path("docs/rules.md"), Path("README.md")]
    assert gen_docs.main(["--root", str(tmp_path)]) == 0
    assert gen_docs.main(["--check", "--root", str(tmp_path)]) == 0
    expected_readme = gen_docs.with_table(README, gen_docs.rule_table(all_rules()))
    assert readme.read_text(encoding="utf-8") == expected_readme


def test_every_rule_is_documented() -> None:
    rules_md = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    for rule in all_rules():
        assert f"\n### {rule.code} {rule.name}\n" in rules_md
        assert f"| `{rule.code}` | [{rule.name}](docs/rules.md#{gen_docs.anchor(rule)}) |" in README
        assert rule.sections()["What it does"] in rules_md


def test_docstring_headings_are_nested_under_the_rule() -> None:
    assert gen_docs._demote("## Example\n```ini\n## kept\n```\n## Use instead\n", 2) == (
        "#### Example\n```ini\n## kept\n```\n#### Use instead\n"
    )


def test_quick_start_has_exactly_the_two_commands() -> None:
    quick_start = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert re.findall(r"```console\n(.*?)\n```", quick_start, re.DOTALL) == [
        "pip install . && pytest --uwsgi-lint examples/",
        "pip install -e '.[test]' && pytest",
    ]


def test_every_command_line_option_is_documented() -> None:
    options = [
        string
        for action in cli.build_parser()._actions
        for string in action.option_strings
        if string.startswith("--") and string != "--help"
    ]
    assert options
    for option in options:
        assert f"`{option}" in README, option


def test_text_sample_is_what_the_command_prints(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    (sample,) = [b for b in _blocks("console") if b.startswith("$ uwsgi-lint ")]
    command, *expected = sample.splitlines()
    code = cli.main(shlex.split(command)[2:])
    printed = capsys.readouterr().out.splitlines()
    assert code == cli.EXIT_FINDINGS
    assert len(printed) == len(expected)
    for line, pattern in zip(printed, expected):
        assert fnmatch.fnmatchcase(line, pattern.replace("...", "*").replace("[", "[[]")), line


def test_json_sample_has_the_real_shape(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    (sample,) = (json.loads(b) for b in _blocks("json"))
    finding = sample["findings"][0]
    cli.main(["--format", "json", "--select", finding["code"], finding["path"]])
    real = json.loads(capsys.readouterr().out)
    assert list(real) == list(sample)
    assert real["files"] == sample["files"]
    assert list(real["findings"][0]) == list(finding)
    assert real["findings"][0]["code"] == finding["code"]
    assert real["findings"][0]["fix"] == finding["fix"]


def test_settings_sample_is_accepted(tmp_path: Path) -> None:
    (sample,) = _blocks("toml")
    (tmp_path / "pyproject.toml").write_text(sample, encoding="utf-8")
    found = read_settings_file(tmp_path / "pyproject.toml")
    assert found is not None
    settings = to_settings(found)
    assert settings.per_file_ignores == (("legacy/*.ini", ("master-not-enabled",)),)
    assert settings.env == (("PORT", "8000"),)


EXAMPLES = ROOT / "examples"
_EXAMPLE_ROW = re.compile(r"^\| `((?:good|bad)/[\w.]+)` \| .* \|(.*)\|$", re.MULTILINE)


def _example_rows() -> dict[str, list[str]]:
    text = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    return {
        name: re.findall(r"`([a-z0-9-]+)`", rules) for name, rules in _EXAMPLE_ROW.findall(text)
    }


def test_every_example_is_listed() -> None:
    on_disk = {p.relative_to(EXAMPLES).as_posix() for p in EXAMPLES.glob("*/*.ini")}
    assert set(_example_rows()) == on_disk


@pytest.mark.parametrize("name, rules", sorted(_example_rows().items()))
def test_example_is_flagged_as_listed(name: str, rules: list[str]) -> None:
    settings = Settings()
    findings = lint_source(str(EXAMPLES / name), settings).findings
    failing = {f.name for f in findings if settings.fails(f)}
    if name.startswith("good/"):
        assert rules == []
        assert failing == set(), name
    else:
        assert rules, f"{name}: name the rule that flags it"
        assert set(rules) <= failing, name


def test_every_plugin_option_is_documented(tmp_path: Path) -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "pytest", "--help", "-p", "no:cacheprovider"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120, check=True,
    ).stdout
    flags = set(re.findall(r"^\s+(--uwsgi[\w-]*)", shown, re.MULTILINE))
    ini_names = set(re.findall(r"^\s+(uwsgi_\w+)", shown, re.MULTILINE))
    assert "--uwsgi-lint" in flags and ini_names
    plugin = README.split("## The pytest plugin", 1)[1].split("\n## ", 1)[0]
    for name in sorted(flags | ini_names):
        assert f"`{name}" in plugin, name


def test_suppression_sample_silences_what_it_names() -> None:
    (sample,) = _blocks("ini")
    named = ("unknown-option", "master-not-enabled", "unused-suppression")
    assert lint_text(sample, Settings(select=named)) == []
    unsuppressed = "\n".join(line for line in sample.splitlines() if "uwsgi-lint:" not in line)
    assert {f.name for f in lint_text(unsuppressed, Settings(select=named))} == set(named[:2])
