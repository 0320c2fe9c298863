"""The uWSGI a config will run on, and what each option name means to it.

A target is either a version (the option tables of that release, all plugins counted) or a
probed binary (exactly the options its build lists). Rules ask :meth:`Target.status` whether a
name is an option there, and if not, why: no uWSGI has it, another release has it, or this
build lacks the plugin or feature that provides it.
"""

from __future__ import annotations

import enum
import hashlib
import os
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import cache, cached_property

from packaging.version import Version

from pytest_uwsgi_lint import catalog, suggest
from pytest_uwsgi_lint.binary import Build
from pytest_uwsgi_lint.memo import remember

_PLUGIN_FILE = re.compile(r"_plugin\.so$")
_VERSION_SUFFIX = re.compile(r"[0-9._]+$")


class Presence(enum.Enum):
    OPTION = "option"
    UNKNOWN = "unknown"
    OTHER_VERSION = "other-version"
    NOT_BUILT = "not-built"


@dataclass(frozen=True)
class Status:
    """What a name is to the target; ``option`` is the catalog record when any uWSGI has one,
    ``runs`` the releases that have it, ``provider`` why a probed build lacks it."""

    presence: Presence
    option: catalog.Option | None = None
    runs: catalog.Runs = ()
    provider: str = ""


@cache
def _table_names(table: str) -> frozenset[str]:
    return frozenset(n for n, o in catalog.options().items() if o.present_in(table))


def provider(option: catalog.Option) -> str:
    """What a build lacking ``option`` lacks, as a clause: its plugin, or the build
    condition around it; for an unconditional core option, nothing but the option."""
    if option.plugin:
        return f"comes from the `{option.plugin}` plugin, which {{target}} does not have"
    if option.build_conditions:
        condition = " && ".join(option.build_conditions)
        return f"needs `{condition}` at build time, and {{target}} was built without it"
    return "is a core option of that version, but {target} does not list it"


def plugin_name(loaded: str) -> str:
    """A ``plugins = ...`` item without its folder and ``_plugin.so``."""
    return _PLUGIN_FILE.sub("", os.path.basename(loaded.strip()))


def plugin_matches(loaded: str, plugin: str) -> bool:
    """Whether a ``plugins = ...`` item loads the plugin from source directory ``plugin``:
    ``python3``, ``python38`` and ``/usr/lib/uwsgi/python3_plugin.so`` all load ``python``."""
    name = plugin_name(loaded)
    return name == plugin or _VERSION_SUFFIX.sub("", name) == plugin


def bundled(loaded: str) -> bool:
    """Whether a ``plugins = ...`` item loads a plugin of uWSGI's source tree, under its own
    name, a version suffix (``python3``) or a packager's flavour of it (``gevent_python3``,
    ``rack_ruby25``); any other (``dgram_router``, an unexpanded ``$(PLUGIN)``) is a plugin
    whose options the catalog cannot know."""
    name = plugin_name(loaded)
    known = catalog.plugins()
    if name in known or _VERSION_SUFFIX.sub("", name) in known:
        return True
    return any(name[:i] in known for i, char in enumerate(name) if char == "_")


@dataclass(frozen=True)
class Target:
    """A uWSGI version, or one probed binary (whose own version then applies)."""

    requested: Version
    build: Build | None = None

    @classmethod
    def for_version(cls, text: str) -> Target:
        return cls(catalog.parse_version(text))

    @cached_property
    def version(self) -> Version:
        return self.build.version if self.build is not None else self.requested

    @cached_property
    def table(self) -> str:
        """The option table of the version: a release tag or ``2.1-dev``."""
        return catalog.table_for(self.version)

    @property
    def label(self) -> str:
        """How messages name the target: ``uWSGI 2.0.30``, ``the uWSGI 2.0.28 at PATH``."""
        if self.build is not None:
            return f"the uWSGI {self.build.version_text} at {self.build.path}"
        return f"uWSGI {self.table}"

    @property
    def fingerprint(self) -> str:
        """What lint results depend on: the option table, or the probed build's answer (a
        cached lint pass must not survive an upgraded binary at the same path)."""
        if self.build is None:
            return f"uWSGI {self.table}"
        listing = "\n".join(sorted(self.build.options)).encode()
        return f"{self.label} {hashlib.sha256(listing).hexdigest()}"

    def names(self) -> frozenset[str]:
        """Every option name the target accepts."""
        return self.build.options if self.build is not None else _table_names(self.table)

    def has(self, name: str) -> bool:
        return name in self._names

    @cached_property
    def _names(self) -> frozenset[str]:
        return self.names()

    @cached_property
    def shortcuts(self) -> dict[str, list[str]]:
        """The target's options by their one-letter command-line shortcut."""
        found: dict[str, list[str]] = {}
        for name in sorted(self.names()):
            option = self.option(name)
            if option is not None and option.short:
                found.setdefault(option.short, []).append(name)
        return found

    def option(self, name: str) -> catalog.Option | None:
        """The catalog record of ``name`` as the target's version declares it."""
        try:
            return self._options[name]
        except KeyError:
            return remember(self._options, name, catalog.lookup(name, self.version))

    def names_with(self, test: Callable[[catalog.Option, Target], bool]) -> frozenset[str]:
        """The target's option names whose record passes ``test`` (a module-level function),
        worked out once per run: a rule about integer options then skips every other entry
        with one set lookup."""
        found = self._name_sets.get(test)
        if found is None:
            records = ((name, self.option(name)) for name in self._names)
            found = frozenset(n for n, o in records if o is not None and test(o, self))
            self._name_sets[test] = found
        return found

    @cached_property
    def _name_sets(self) -> dict[Callable[[catalog.Option, Target], bool], frozenset[str]]:
        return {}

    def suggestions(self, name: str) -> list[str]:
        """The target's options ``name`` was probably meant to be, best first (see
        :func:`suggest.suggestions`); a typo tends to recur across a project's files."""
        found = self._suggestions.get(name)
        if found is None:
            found = remember(self._suggestions, name,
                             suggest.suggestions(name, self.has, self._names))
        return list(found)

    @cached_property
    def _suggestions(self) -> dict[str, list[str]]:
        return {}

    @cached_property
    def _options(self) -> dict[str, catalog.Option | None]:
        return {}

    @cached_property
    def _statuses(self) -> dict[str, Status]:
        return {}

    def status(self, name: str, plugins: Collection[str] = ()) -> Status:
        """What ``name`` is to the target; ``plugins`` are the ``plugins``/``need-plugin``
        items of the config, which add their options to a probed build at start-up."""
        known = self._statuses.get(name)
        if known is None:
            known = remember(self._statuses, name, self._status(name))
        if known.presence is Presence.NOT_BUILT and plugins:
            option = known.option
            if option is not None and option.plugin and any(
                plugin_matches(p, option.plugin) for p in plugins
            ):
                return Status(Presence.OPTION, option)
        return known

    def _status(self, name: str) -> Status:
        """What ``name`` is to the target when the config loads no plugin."""
        option = self.option(name)
        if self.has(name):
            return Status(Presence.OPTION, option)
        if option is None:
            runs = catalog.historic(name)
            return Status(Presence.OTHER_VERSION, runs=runs) if runs else Status(Presence.UNKNOWN)
        if not option.present_in(self.table):
            return Status(Presence.OTHER_VERSION, option, option.releases)
        clause = provider(option).format(target=self.label)
        return Status(Presence.NOT_BUILT, option, option.releases, clause)


__all__ = ["Presence", "Status", "Target", "bundled", "plugin_matches", "plugin_name",
           "provider"]
