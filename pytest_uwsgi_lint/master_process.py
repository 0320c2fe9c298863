"""The master-process view of a config, named after uwsgiconf's ``MasterProcess``.

uwsgiconf users write ``section.master_process.set_basic_params(enable=True, ...)``; here the
same concepts are read back from what uWSGI will actually apply: which entry switched the
master on (explicitly, or implied by one of the options flagged as needing it), the typed
settings of the master area, and the crons and daemons the master runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from pytest_uwsgi_lint import catalog
from pytest_uwsgi_lint.applied import UNREAD
from pytest_uwsgi_lint.cron import CRON_OPTIONS, CronTask, parse_crons
from pytest_uwsgi_lint.daemons import DAEMON_OPTIONS, AttachedDaemon, parse_daemons
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.reader import Entry
from pytest_uwsgi_lint.values import atoi, has_expansion, is_plain_integer, uwsgi_true

#: Loader events after which some options of the instance may be missing from the model (a
#: cycle is not one of them here: each file of it was read once before it repeats).
UNREAD_EVENTS = tuple(kind for kind in UNREAD if kind != "include-cycle")


@dataclass(frozen=True)
class ExitEvents:
    """uwsgiconf's ``set_exit_events``: when the instance shuts down instead of going on."""

    no_workers: bool
    idle: bool
    reload: bool
    sig_term: bool


@dataclass(frozen=True)
class ExceptionHandling:
    """uwsgiconf's ``set_exception_handling_params``."""

    handlers: tuple[str, ...]
    catch: bool
    no_write_exception: bool


@dataclass(frozen=True)
class Idle:
    """uwsgiconf's ``set_idle_params``: ``timeout`` 0 disables, ``exit`` needs a timeout."""

    timeout: int
    exit: bool


@dataclass(frozen=True)
class Reload:
    """uwsgiconf's ``set_reload_params``: ``mercy`` 0 means uWSGI's 3 s for daemons."""

    mercy: int
    exit: bool


@dataclass(frozen=True)
class MasterProcess:
    """``master_process`` of uwsgiconf, as uWSGI will apply it.

    Whether the master runs is worked out at once; the rest is read from the config when
    first asked for, since most rules only need to know whether the master is on.
    """

    enabled: bool
    explicit: Entry | None
    implied_by: tuple[Entry, ...]
    config: Config = field(repr=False, compare=False)

    @classmethod
    def from_config(cls, config: Config) -> MasterProcess:
        explicit = config.last("master")
        implied = tuple(
            entry for entry, option in config.known() if option.implies_master
        )
        enabled = uwsgi_true(explicit.value) if explicit is not None else bool(implied)
        return cls(enabled, explicit, implied, config)

    @property
    def implicit(self) -> bool:
        """On only because an implying option is present, with no ``master`` line."""
        return self.enabled and self.explicit is None

    @cached_property
    def name(self) -> str | None:
        entry = self.config.last("procname-master")
        return None if entry is None else entry.value

    @cached_property
    def no_orphans(self) -> bool:
        return self.config.flag("no-orphans")

    @cached_property
    def as_root(self) -> bool:
        return self.config.flag("master-as-root")

    @cached_property
    def subproc_check_interval(self) -> int:
        return self.config.integer("check-interval")

    @cached_property
    def fifo_files(self) -> tuple[Entry, ...]:
        return tuple(self.config.all("master-fifo"))

    @cached_property
    def cron_tasks(self) -> tuple[CronTask, ...]:
        return parse_crons(in_order(self.config, CRON_OPTIONS))

    @cached_property
    def daemons(self) -> tuple[AttachedDaemon, ...]:
        return parse_daemons(in_order(self.config, DAEMON_OPTIONS))

    @cached_property
    def exit_events(self) -> ExitEvents:
        config = self.config
        return ExitEvents(
            no_workers=_available(config, "die-on-no-workers")
            and config.flag("die-on-no-workers"),
            idle=config.flag("die-on-idle"),
            reload=config.flag("exit-on-reload"),
            sig_term=config.flag("die-on-term"),
        )

    @cached_property
    def exception_handling(self) -> ExceptionHandling:
        config = self.config
        return ExceptionHandling(
            handlers=tuple(e.value for e in config.all("exception-handler")),
            catch=config.flag("catch-exceptions"),
            no_write_exception=config.flag("disable-write-exception"),
        )

    @cached_property
    def idle(self) -> Idle:
        return Idle(self.config.integer("idle"), self.config.flag("die-on-idle"))

    @cached_property
    def reload(self) -> Reload:
        return Reload(self.config.integer("reload-mercy"), self.config.flag("exit-on-reload"))


def in_order(config: Config, names: Iterable[str]) -> list[Entry]:
    """Every entry of the given options (aliases included), in the order uWSGI applies them."""
    wanted = {id(entry) for name in names for entry in config.all(name)}
    return [entry for entry in config.entries if id(entry) in wanted]


@dataclass(frozen=True)
class PrivilegeDrop:
    """How the master gives up root before it spawns daemons: ``uid`` (without
    ``master-as-root``) or ``immediate-uid``. Ids are known when written as numbers; ``gid``
    is None for a group name, ``gid_entry`` None when no group is set at all."""

    entry: Entry
    uid: int | None
    gid: int | None
    gid_entry: Entry | None
    immediate: bool


def privilege_drop(config: Config) -> PrivilegeDrop | None:
    """The privilege drop the master performs, if it certainly performs one."""
    immediate = config.last("immediate-uid")
    chosen = immediate or config.last("uid")
    if chosen is None or not _drops(chosen.value):
        return None
    if immediate is None and config.flag("master-as-root"):
        return None
    group = config.last("immediate-gid") or config.last("gid")
    return PrivilegeDrop(
        entry=chosen,
        uid=_number(chosen.value),
        gid=None if group is None else _number(group.value),
        gid_entry=group,
        immediate=chosen is immediate,
    )


def _drops(user: str) -> bool:
    """A user other than root, known now (``$(USER)`` might be root)."""
    return user not in ("", "0", "root") and not has_expansion(user)


def _number(text: str) -> int | None:
    """uWSGI's ``is_a_number`` test for uid/gid: all digits means an id, anything else a name."""
    return atoi(text) if is_plain_integer(text) else None


def may_miss_options(config: Config) -> bool:
    """Whether a file or source the config loads was not read, so an option that decides a
    cross-option rule (``master-as-root``, a ``legion``) may be set where we cannot see it."""
    return any(config.events(kind) for kind in UNREAD_EVENTS)


def _available(config: Config, name: str) -> bool:
    """Whether the target uWSGI version has the option at all (others are plain text)."""
    option = catalog.lookup(name)
    return option is not None and config.version >= catalog.parse_version(option.first_release)


__all__ = [
    "ExceptionHandling",
    "ExitEvents",
    "Idle",
    "MasterProcess",
    "PrivilegeDrop",
    "Reload",
    "in_order",
    "may_miss_options",
    "privilege_drop",
]
