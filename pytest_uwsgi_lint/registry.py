"""Rules: how they are declared, documented, found and selected.

A rule is a function ``check(config) -> Iterable[Hit]`` decorated with :func:`rule`. Its
docstring is its documentation, in the shape of ruff's rule docs (``## What it does``,
``## Why is this bad?``, ``## Example``, ``## Use instead``); fenced ``ini`` blocks under
*Example* must be flagged and those under *Use instead* must stay clean, and the test suite
lints both. A fence may carry settings: ```` ```ini uwsgi-version=2.1 ```` or
``deployment=systemd``, and a fence with ``file=NAME`` is not an example but a file the
examples beside it include.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Callable

from pytest_uwsgi_lint import catalog
from pytest_uwsgi_lint.findings import Hit, Severity

if TYPE_CHECKING:
    from pytest_uwsgi_lint.model import Config

Check = Callable[["Config"], Iterable[Hit]]

_CODE = re.compile(r"^UW[EMCVSAP]\d{3}$")
_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_SECTION = re.compile(r"^## (.+)$", re.MULTILINE)
_FENCE = re.compile(r"^```ini([^\n]*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
REQUIRED_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead")


@dataclass(frozen=True)
class Example:
    """A config from a rule's docs, with the settings its fence names."""

    text: str
    settings: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    tags: tuple[str, ...]
    check: Check
    doc: str
    #: A CVSS-like score (0.1-10.0) for security rules; SARIF consumers rank alerts by it.
    security_severity: float | None = None
    #: Options (any alias) of which a config must set one for the rule to have anything to
    #: say; the engine skips the rule for other configs. Empty: the rule always runs.
    needs: frozenset[str] = frozenset()

    def sections(self) -> dict[str, str]:
        """The docstring's ``## Heading`` sections, by heading."""
        parts = _SECTION.split(self.doc)
        return {parts[i].strip(): parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}

    @property
    def summary(self) -> str:
        """The first sentence of *What it does*, for tables and SARIF short descriptions."""
        text = " ".join(self.sections().get("What it does", "").split())
        return text.split(". ")[0].rstrip(".") + "." if text else ""

    def examples(self, heading: str) -> list[Example]:
        """The ``ini`` fences under ``heading`` (``Example`` or ``Use instead``)."""
        return [
            Example(body, dict(p.split("=", 1) for p in info.split() if "=" in p))
            for info, body in _FENCE.findall(self.sections().get(heading, ""))
        ]


_REGISTRY: dict[str, Rule] = {}


def rule(
    code: str,
    name: str,
    severity: Severity,
    tags: Sequence[str] = (),
    security_severity: float | None = None,
    needs: Sequence[str] = (),
) -> Callable[[Check], Check]:
    """Register ``check`` as rule ``code``/``name``; its docstring is the rule's docs.
    ``needs`` names the options without which the rule cannot find anything (a cron rule
    needs a cron option): most configs then skip it, and lint runs faster."""
    if not _CODE.match(code) or not _NAME.match(name):
        raise ValueError(f"bad rule identity {code} {name}")

    def register(check: Check) -> Check:
        doc = textwrap.dedent(check.__doc__ or "").strip()
        missing = [s for s in REQUIRED_SECTIONS if f"## {s}" not in doc]
        if missing:
            raise ValueError(f"{name}: docstring lacks {', '.join(missing)}")
        for other in _REGISTRY.values():
            if other.code == code and other.name != name:
                raise ValueError(f"{code} is used by {other.name} and {name}")
        options = {n: catalog.lookup(n) for n in needs}
        unknown = [n for n, option in options.items() if option is None]
        if unknown:
            raise ValueError(f"{name}: needs names no option: {', '.join(unknown)}")
        canonical = frozenset(o.canonical for o in options.values() if o is not None)
        _REGISTRY[name] = Rule(code, name, severity, tuple(tags), check, doc, security_severity,
                               canonical)
        return check

    return register


@lru_cache(maxsize=1)
def all_rules() -> tuple[Rule, ...]:
    """Every rule, by code; imports each module of ``pytest_uwsgi_lint.rules`` once."""
    package = importlib.import_module("pytest_uwsgi_lint.rules")
    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{module.name}")
    return tuple(sorted(_REGISTRY.values(), key=lambda r: r.code))


def find_rule(selector: str) -> Rule | None:
    """The rule a code or name designates exactly."""
    return _by_code_and_name().get(selector)


@lru_cache(maxsize=1)
def _by_code_and_name() -> dict[str, Rule]:
    return {key: rule for rule in all_rules() for key in (rule.code, rule.name)}


def _matches(candidate: Rule, selector: str) -> bool:
    return (
        selector == "ALL"
        or selector == candidate.name
        or (candidate.code.startswith(selector.upper())
        and selector.upper().startswith("UW"))
    )


def unknown_selectors(selectors: Iterable[str]) -> list[str]:
    """Selectors that match no rule at all (a typo in ``--select`` is a usage error)."""
    rules = all_rules()
    return [s for s in dict.fromkeys(selectors) if not any(_matches(r, s) for r in rules)]


def select_rules(
    select: Sequence[str] | None = None, ignore: Sequence[str] = ()
) -> tuple[Rule, ...]:
    """Rules chosen by code, code prefix (``UWM``, ``UWM00``) or name; ``ALL`` is every rule."""
    chosen = tuple(dict.fromkeys(select or ("ALL",)))  # each selector once: a list may repeat
    ignored = tuple(dict.fromkeys(ignore))  # one a hundred thousand times
    return tuple(
        r
        for r in all_rules()
        if any(_matches(r, s) for s in chosen) and not any(_matches(r, s) for s in ignored)
    )


__all__ = [
    "Example",
    "Rule",
    "all_rules",
    "find_rule",
    "rule",
    "select_rules",
    "unknown_selectors",
]
