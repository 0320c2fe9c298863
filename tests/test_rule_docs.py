"""Every rule documents itself, and its documented examples are linted: the bad ones must be
flagged by that rule, the good ones must not be (gixy's positive/false-positive fixtures).

Each example is written to ``app.ini`` in a fresh directory and linted as a file, so ``%d``
and ``%p`` work; fences marked ```` ```ini file=NAME ```` in the same section are written
beside it as the files it includes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_uwsgi_lint.engine import Settings, lint_source
from pytest_uwsgi_lint.registry import REQUIRED_SECTIONS, Rule, all_rules

RULES = all_rules()
CONFIG_RULES = [r for r in RULES if "meta" not in r.tags]


def _flagged(rule: Rule, heading: str, directory: Path) -> list[tuple[str, bool]]:
    """Each linted example of ``heading`` with whether ``rule`` flagged it."""
    examples = rule.examples(heading)
    for helper in (e for e in examples if "file" in e.settings):
        (directory / helper.settings["file"]).write_text(helper.text)
    outcome = []
    for index, example in enumerate(e for e in examples if "file" not in e.settings):
        path = directory / f"app{index}.ini"
        path.write_text(example.text)
        settings = Settings(uwsgi_version=example.settings.get("uwsgi-version", "2.0.30"),
                            deployment=example.settings.get("deployment", "plain"))
        names = [f.name for f in lint_source(str(path), settings).findings]
        outcome.append((example.text, rule.name in names))
    return outcome


def test_codes_and_names_are_unique() -> None:
    assert len({r.code for r in RULES}) == len(RULES)
    assert len({r.name for r in RULES}) == len(RULES)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_docstring_has_every_section(rule: Rule) -> None:
    sections = rule.sections()
    for heading in REQUIRED_SECTIONS:
        assert sections.get(heading), f"{rule.name}: empty '{heading}'"
    assert rule.summary.endswith(".")


@pytest.mark.parametrize("rule", CONFIG_RULES, ids=lambda r: r.name)
def test_bad_examples_are_flagged(rule: Rule, tmp_path: Path) -> None:
    outcome = _flagged(rule, "Example", tmp_path)
    assert outcome, f"{rule.name} has no ```ini example"
    for text, flagged in outcome:
        assert flagged, text


@pytest.mark.parametrize("rule", CONFIG_RULES, ids=lambda r: r.name)
def test_good_examples_are_clean(rule: Rule, tmp_path: Path) -> None:
    outcome = _flagged(rule, "Use instead", tmp_path)
    assert outcome, f"{rule.name} has no ```ini 'Use instead'"
    for text, flagged in outcome:
        assert not flagged, text
