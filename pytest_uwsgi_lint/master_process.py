"""The master-process view of a config, named after uwsgiconf's ``MasterProcess``.

uwsgiconf users write ``section.master_process.set_basic_params(enable=True, ...)``; here the
same concepts are read back from what uWSGI will actually apply: which entry switched the
master on (explicitly, or implied by one of the options flagged as needing it), and the
typed settings of the master area.
"""

from __future__ import annotations

from dataclasses import dataclass

from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.reader import Entry
from pytest_uwsgi_lint.values import uwsgi_true


@dataclass(frozen=True)
class MasterProcess:
    """``master_process`` of uwsgiconf, as uWSGI will apply it."""

    enabled: bool
    explicit: Entry | None
    implied_by: tuple[Entry, ...]
    name: str | None
    no_orphans: bool
    as_root: bool
    subproc_check_interval: int
    fifo_files: tuple[Entry, ...]

    @classmethod
    def from_config(cls, config: Config) -> MasterProcess:
        explicit = config.last("master")
        implied = tuple(
            entry for entry, option in config.known() if option.implies_master
        )
        enabled = uwsgi_true(explicit.value) if explicit is not None else bool(implied)
        name = config.last("procname-master")
        return cls(
            enabled=enabled,
            explicit=explicit,
            implied_by=implied,
            name=None if name is None else name.value,
            no_orphans=config.flag("no-orphans"),
            as_root=config.flag("master-as-root"),
            subproc_check_interval=config.integer("check-interval"),
            fifo_files=tuple(config.all("master-fifo")),
        )

    @property
    def implicit(self) -> bool:
        """On only because an implying option is present, with no ``master`` line."""
        return self.enabled and self.explicit is None


__all__ = ["MasterProcess"]
