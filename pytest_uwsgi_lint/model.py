"""The option model: the effective configuration of one uWSGI instance.

``Config`` keeps every entry in export order and answers alias-aware questions the way uWSGI's
handlers would: the last occurrence of a scalar wins, lists accumulate, flags are true unless
the text is ``false``/``off``/``no``/``0``, integers go through ``atoi``. The raw text is always
kept beside the converted value, so a rule can say "you wrote X, uWSGI reads Y".
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, KeysView, Sequence
from functools import cached_property, lru_cache, wraps
from typing import TYPE_CHECKING, Any, TypeVar, cast

from packaging.version import Version

from pytest_uwsgi_lint import catalog
from pytest_uwsgi_lint.keys import CustomKeys, plugin_items
from pytest_uwsgi_lint.reader import Entry, IniFile
from pytest_uwsgi_lint.target import Presence, Target
from pytest_uwsgi_lint.values import atoi, uwsgi_true

if TYPE_CHECKING:
    from pytest_uwsgi_lint.loader import Loaded, LoadEvent
    from pytest_uwsgi_lint.master_process import MasterProcess


class Config:
    """The options uWSGI will see, in order, with typed, alias-aware accessors."""

    def __init__(
        self,
        entries: Sequence[Entry],
        source: IniFile,
        version: Version | None = None,
        loaded: Loaded | None = None,
        deployment: str = "plain",
        target: Target | None = None,
    ) -> None:
        self.entries = list(entries)
        self.source = source
        self.version = version or catalog.parse_version(catalog.NEWEST_RELEASE)
        #: Which options exist where the config will run (a version, or a probed binary).
        self.target = target or Target(self.version)
        self.loaded = loaded
        #: How uWSGI is run: ``plain``, ``systemd``, ``container`` or ``emperor-vassal``;
        #: some rules' right answer depends on it (SIGTERM, daemonize, /tmp, vacuum).
        self.deployment = deployment
        self._views: dict[tuple[Hashable, ...], Any] = {}

    @property
    def files(self) -> list[IniFile]:
        """Every file read for this config, the top-level one first."""
        return self.loaded.files if self.loaded is not None else [self.source]

    def events(self, kind: str) -> list[LoadEvent]:
        """What the loader met of one kind (an include not found, a logic block left open...)."""
        return list(self._events_by_kind.get(kind, ()))

    @cached_property
    def _events_by_kind(self) -> dict[str, list[LoadEvent]]:
        grouped: dict[str, list[LoadEvent]] = {}
        for event in self.loaded.events if self.loaded is not None else ():
            grouped.setdefault(event.kind, []).append(event)
        return grouped

    @property
    def path(self) -> str:
        return self.source.path

    @cached_property
    def _by_name(self) -> dict[str, list[Entry]]:
        """Entries grouped under the canonical name of their alias group."""
        groups: dict[str, list[Entry]] = {}
        for entry in self.entries:
            groups.setdefault(canonical_name(entry.key), []).append(entry)
        return groups

    def all(self, name: str) -> list[Entry]:
        """Every occurrence of ``name`` or one of its aliases, in order."""
        return self._by_name.get(_canonical_names().get(name, name), [])

    def repeated(self) -> Iterator[list[Entry]]:
        """The entries of each option (aliases together) that the config sets more than once."""
        return (group for group in self._by_name.values() if len(group) > 1)

    def names(self) -> KeysView[str]:
        """The canonical names of the options (and other keys) the config sets."""
        return self._by_name.keys()

    def sets_any(self, canonical: frozenset[str]) -> bool:
        """Whether some entry sets one of the options named by their canonical names."""
        return not self._by_name.keys().isdisjoint(canonical)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and bool(self.all(name))

    def last(self, name: str) -> Entry | None:
        """The occurrence uWSGI applies for a scalar option (the last one)."""
        found = self.all(name)
        return found[-1] if found else None

    def flag(self, name: str) -> bool:
        """A boolean option as ``uwsgi_opt_true`` leaves it; absent means off."""
        entry = self.last(name)
        return entry is not None and uwsgi_true(entry.value)

    def integer(self, name: str, default: int = 0) -> int:
        """An integer option as ``atoi`` reads its last occurrence."""
        entry = self.last(name)
        return default if entry is None else atoi(entry.value)

    def known(self) -> Iterator[tuple[Entry, catalog.Option]]:
        """Entries whose key is an option of the target uWSGI, with its catalog record as the
        target's version declares it. Any other key does nothing in uWSGI (it does not even
        switch the master on), so rules must not read it as an option."""
        return iter(self._known)

    @cached_property
    def _known(self) -> list[tuple[Entry, catalog.Option]]:
        # A key the target lists is an option whatever the config loads; only the others (the
        # foreign keys, most configs have none) may still be one, through a loaded plugin.
        accepted: dict[str, catalog.Option | None] = {}
        if self.foreign:
            plugins = self.plugins
            for key in {entry.key for entry in self.foreign}:
                status = self.target.status(key, plugins)
                accepted[key] = status.option if status.presence is Presence.OPTION else None
        option = self.target.option
        named = [(entry, accepted[entry.key] if entry.key in accepted else option(entry.key))
                 for entry in self.entries]
        return [(entry, found) for entry, found in named if found is not None]

    @cached_property
    def foreign(self) -> list[Entry]:
        """Entries whose key the target does not list as an option (most configs have none):
        the only ones that rules about unknown or unavailable names need to look at."""
        has = self.target.has
        return [entry for entry in self.entries if not has(entry.key)]

    @cached_property
    def plugins(self) -> frozenset[str]:
        """The plugins the config loads (``plugins = python3,http``), as written."""
        return plugin_items(self.entries)

    @cached_property
    def custom_keys(self) -> CustomKeys:
        """The placeholders and declared options: names that are no option on purpose."""
        return CustomKeys.of(self.entries)

    @cached_property
    def master_process(self) -> MasterProcess:
        """The master-process view, named after uwsgiconf's ``MasterProcess``."""
        from pytest_uwsgi_lint.master_process import MasterProcess

        return MasterProcess.from_config(self)


View = TypeVar("View", bound=Callable[..., Any])


def per_config(compute: View) -> View:
    """Compute ``compute(config, *args)`` once per config: many rules read the same derived
    views (the listeners, the apps, a numeric setting), and the model never changes once
    loaded."""

    @wraps(compute)
    def cached(config: Config, *args: Hashable) -> Any:
        key = (compute, *args)
        try:
            return config._views[key]
        except KeyError:
            value = config._views[key] = compute(config, *args)
            return value

    return cast(View, cached)


def canonical_name(key: str) -> str:
    """The alias group's stable name, or the key itself when it is not an option."""
    return _canonical_names().get(key, key)


@lru_cache(maxsize=1)  # rules ask for the same few names hundreds of times per file
def _canonical_names() -> dict[str, str]:
    return {name: option.canonical for name, option in catalog.options().items()}


__all__ = ["Config", "canonical_name", "per_config"]
