"""A rule that declares ``needs`` is skipped for configs that set none of those options; the
declaration must never cost a finding.

Each gated rule runs ungated over every config at hand (the real-config corpus, every example
of every rule's docs, the tricky reader files, the benchmark generator's configs), and wherever
it finds something the config must set one of its ``needs``. The engine's gate is checked
through the engine itself: a spy in place of the rule's check is never called for a config
that sets none of the options, and is called for one that sets one.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

import pytest

from pytest_uwsgi_lint.engine import Settings, lint_text, load_config
from pytest_uwsgi_lint.findings import Hit
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import Rule, all_rules

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus" / "real"
TRICKY = ROOT / "tests" / "data" / "tricky"
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tools"))

from configs import (  # type: ignore[import-not-found, unused-ignore]  # noqa: E402
    generate,
)
from corpus_snapshot import (  # type: ignore[import-not-found, unused-ignore]  # noqa: E402
    VIRTUAL_HOME,
)

GATED = [r for r in all_rules() if r.needs]
#: How many rules declared ``needs`` when the gate was introduced: fewer means the feature,
#: or a rule's declaration, went missing.
AT_LEAST_GATED = 50
#: The same files under versions and deployments that switch version- and
#: deployment-dependent rules on.
VARIANTS = (
    Settings(),
    Settings(uwsgi_version="2.0.26", deployment="systemd"),
    Settings(uwsgi_version="2.1", deployment="container"),
)
#: Sets no option any rule needs (checked below), so every gated rule is skipped for it.
UNNEEDED = "[uwsgi]\nprocesses = 4\n"


def _files(paths: Iterable[Path], location: str | None = None) -> Iterator[tuple[str, Config]]:
    """Each file loaded under every variant; ``location`` is the directory it is linted as
    living in (the corpus is linted at a fixed virtual place, as its snapshot is)."""
    for path in paths:
        data = path.read_bytes()
        where = f"{location}/{path.name}" if location else str(path)
        for settings in VARIANTS:
            label = f"{path.name} ({settings.uwsgi_version}, {settings.deployment})"
            yield label, load_config(data, where, settings=settings)


def _doc_examples(directory: Path) -> Iterator[tuple[str, Config]]:
    """Every Example and Use-instead fence of every rule, with the files they include."""
    for rule in all_rules():
        for heading in ("Example", "Use instead"):
            examples = rule.examples(heading)
            folder = directory / rule.name / heading.replace(" ", "-")
            folder.mkdir(parents=True)
            for helper in (e for e in examples if "file" in e.settings):
                (folder / helper.settings["file"]).write_text(helper.text)
            for index, example in enumerate(e for e in examples if "file" not in e.settings):
                path = folder / f"example{index}.ini"
                path.write_text(example.text)
                settings = Settings(uwsgi_version=example.settings.get("uwsgi-version", "2.0.30"),
                                    deployment=example.settings.get("deployment", "plain"))
                config = load_config(path.read_bytes(), str(path), settings=settings)
                yield f"{rule.name} {heading} #{index}", config


@pytest.fixture(scope="module")
def configs(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, Config]]:
    found: list[tuple[str, Config]] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)  # relative includes resolve from the working directory
        found.extend(_files(sorted(CORPUS.glob("*.ini")), VIRTUAL_HOME))
        found.extend(_files(sorted(TRICKY.glob("*.ini"))))
        found.extend(_doc_examples(tmp_path_factory.mktemp("docs")))
        for seed in (1, 2):
            generated = generate(tmp_path_factory.mktemp(f"generated{seed}"), 200, seed)
            found.extend(_files(generated))
    return found


def _unsafe(rule: Rule, configs: list[tuple[str, Config]]) -> tuple[list[str], int]:
    """The configs where the rule finds something without a needed option, and how many
    configs it found something in at all."""
    wrong, flagged = [], 0
    for label, config in configs:
        if list(rule.check(config)):
            flagged += 1
            if not config.sets_any(rule.needs):
                wrong.append(label)
    return wrong, flagged


def test_many_rules_are_gated() -> None:
    assert len(GATED) >= AT_LEAST_GATED, [r.name for r in GATED]


@pytest.mark.parametrize("rule", GATED, ids=lambda r: r.name)
def test_rule_finds_nothing_without_what_it_needs(
    rule: Rule, configs: list[tuple[str, Config]]
) -> None:
    wrong, flagged = _unsafe(rule, configs)
    assert not wrong, f"{rule.name} finds something in configs that set none of " \
        f"{sorted(rule.needs)}: {wrong[:5]}"
    assert flagged, f"{rule.name} found nothing anywhere, so the check above proved nothing"


def test_a_wrong_declaration_is_caught(configs: list[tuple[str, Config]]) -> None:
    """The check above can fail: a cron rule that claimed to need only `harakiri`."""
    cron = next(r for r in GATED if r.name == "cron-syntax")
    wrong, _ = _unsafe(replace(cron, needs=frozenset({"harakiri"})), configs)
    assert wrong


@dataclass(frozen=True)
class _Spied(Settings):
    """Settings that run one rule whose check only records that it was called."""

    spied: Rule | None = None

    @cached_property
    def rules(self) -> tuple[Rule, ...]:
        assert self.spied is not None
        return (self.spied,)


def _calls(rule: Rule, text: str) -> int:
    calls: list[Config] = []

    def spy(config: Config) -> Iterable[Hit]:
        calls.append(config)
        return ()

    lint_text(text, _Spied(spied=replace(rule, check=spy)))
    return len(calls)


@pytest.mark.parametrize("rule", GATED, ids=lambda r: r.name)
def test_engine_skips_a_rule_for_configs_without_what_it_needs(rule: Rule) -> None:
    assert not load_config(UNNEEDED.encode(), "<string>").sets_any(rule.needs)
    assert _calls(rule, UNNEEDED) == 0
    needed = sorted(rule.needs)[0]
    assert _calls(rule, f"{UNNEEDED}{needed} = 1\n") == 1
