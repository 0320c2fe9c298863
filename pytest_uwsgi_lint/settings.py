"""Settings: what to check and against which uWSGI, for every face of the linter.

This module stays cheap to import: a pytest run whose outcomes all come from the cache
builds its settings and never needs the rules, the loader or the option tables.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import PurePath
from types import MappingProxyType
from typing import TYPE_CHECKING

from pytest_uwsgi_lint import catalog
from pytest_uwsgi_lint.findings import Finding, Severity

if TYPE_CHECKING:
    from packaging.version import Version

    from pytest_uwsgi_lint.registry import Rule
    from pytest_uwsgi_lint.target import Target


@dataclass(frozen=True)
class Settings:
    """What to check and against which uWSGI; the same for every face of the linter."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    uwsgi_version: str = catalog.NEWEST_RELEASE
    fail_on: Severity = Severity.WARNING
    env: tuple[tuple[str, str], ...] = ()
    env_complete: bool = False
    deployment: str = "plain"
    extend_select: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = ()
    root: str = "."
    uwsgi_binary: str | None = None

    @cached_property
    def target(self) -> Target:
        """The uWSGI to lint against: the named binary as it reports itself (probed once and
        cached; raises ``BinaryError``), else the option tables of ``uwsgi_version``."""
        from pytest_uwsgi_lint.binary import probe
        from pytest_uwsgi_lint.target import Target

        build = probe(self.uwsgi_binary) if self.uwsgi_binary else None
        return Target(catalog.parse_version(self.uwsgi_version), build)

    @cached_property
    def version(self) -> Version:
        return self.target.version

    @cached_property
    def env_table(self) -> Mapping[str, str]:
        """``env`` as a lookup table, made once for every config of the run."""
        return MappingProxyType(dict(self.env))

    @cached_property
    def reported_version(self) -> str:
        """The version as ``%V`` and the JSON report give it: the named binary's own words
        (``2.0.21-debian``), else the version asked for."""
        build = self.target.build
        return build.version_text if build is not None else self.uwsgi_version

    @cached_property
    def rules(self) -> tuple[Rule, ...]:
        from pytest_uwsgi_lint.registry import select_rules

        chosen = (*self.select, *self.extend_select) if self.select else ()
        return select_rules(chosen, self.ignore)

    @cached_property
    def woken_by(self) -> dict[str, frozenset[str]]:
        """For each option some selected rule ``needs``, the names of those rules: a config
        wakes a gated rule by setting one of them."""
        found: dict[str, set[str]] = {}
        for rule in self.rules:
            for option in rule.needs:
                found.setdefault(option, set()).add(rule.name)
        return {option: frozenset(names) for option, names in found.items()}

    @cached_property
    def selected(self) -> frozenset[str]:
        """Names and codes of the selected rules: a suppression may use either."""
        return frozenset(r.name for r in self.rules) | frozenset(r.code for r in self.rules)

    def ignored_here(self, finding: Finding) -> bool:
        """Whether ``per-file-ignores`` silences ``finding`` for its file."""
        if not self.per_file_ignores:
            return False
        ignored = self._ignored_in.get(finding.path)
        if ignored is None:
            relative = _relative_posix(finding.path, self.root)
            ignored = self._ignored_in[finding.path] = frozenset().union(*(
                names for glob, names in self._ignore_table if glob.matches(relative)
            ))
        return finding.name in ignored

    @cached_property
    def _ignore_table(self) -> tuple[tuple[Glob, frozenset[str]], ...]:
        """Each ``per-file-ignores`` glob with the names of the rules it silences, worked out
        once: selecting rules for every finding and glob took a minute on a long list."""
        from pytest_uwsgi_lint.registry import select_rules

        return tuple((Glob(pattern), frozenset(r.name for r in select_rules(tuple(selectors))))
                     for pattern, selectors in self.per_file_ignores if selectors)

    @cached_property
    def _ignored_in(self) -> dict[str, frozenset[str]]:
        """The rules silenced in each file met so far, by path."""
        return {}

    def excluded(self, path: str) -> bool:
        """Whether a file met while walking a directory is excluded by ``exclude``."""
        if not self.exclude:  # asked for every file collected: skip the path arithmetic
            return False
        relative = _relative_posix(path, self.root)
        return any(glob.matches(relative) for glob in self._excluded_globs)

    @cached_property
    def _excluded_globs(self) -> tuple[Glob, ...]:
        return tuple(map(Glob, self.exclude))

    def fails(self, finding: Finding) -> bool:
        return finding.severity.rank >= self.fail_on.rank


def _relative_posix(path: str, root: str) -> str:
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute, os.path.abspath(root))
    return PurePath(absolute if relative.startswith("..") else relative).as_posix()


class Glob:
    """A ruff-style glob, compiled once: a pattern without ``/`` also matches the file name
    alone. (``fnmatch`` compiles again past its cache of 32,768 patterns, which made a long
    ``exclude`` list cost seconds per file.)"""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self._match = re.compile(fnmatch.translate(pattern)).match
        self._by_name = "/" not in pattern

    def matches(self, relative: str) -> bool:
        if self._match(relative):
            return True
        return self._by_name and self._match(relative.rsplit("/", 1)[-1]) is not None


__all__ = ["Glob", "Settings"]
