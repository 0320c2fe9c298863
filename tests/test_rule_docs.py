"""Every rule documents itself, and its documented examples are linted: the bad ones must be
flagged by that rule, the good ones must not be (gixy's positive/false-positive fixtures)."""

from __future__ import annotations

import pytest

from pytest_uwsgi_lint.engine import Settings, lint_text
from pytest_uwsgi_lint.registry import REQUIRED_SECTIONS, Example, Rule, all_rules

RULES = all_rules()
CONFIG_RULES = [r for r in RULES if "meta" not in r.tags]


def _lint(rule: Rule, example: Example) -> list[str]:
    settings = Settings(uwsgi_version=example.settings.get("uwsgi-version", "2.0.30"))
    return [f.name for f in lint_text(example.text, settings)]


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
def test_bad_examples_are_flagged(rule: Rule) -> None:
    examples = rule.examples("Example")
    assert examples, f"{rule.name} has no ```ini example"
    for example in examples:
        assert rule.name in _lint(rule, example), example.text


@pytest.mark.parametrize("rule", CONFIG_RULES, ids=lambda r: r.name)
def test_good_examples_are_clean(rule: Rule) -> None:
    examples = rule.examples("Use instead")
    assert examples, f"{rule.name} has no ```ini 'Use instead'"
    for example in examples:
        assert rule.name not in _lint(rule, example), example.text
