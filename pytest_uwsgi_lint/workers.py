"""The worker pool as uWSGI 2.0.30 sizes it at start-up (``core/init.c``, ``sanitize_args``):
``processes`` (default 1) is the most workers, ``cheaper`` the fewest the adaptive spawner
keeps, and uWSGI stops at the first combination it rejects."""

from __future__ import annotations

from pytest_uwsgi_lint.applied import may_miss_options, setting
from pytest_uwsgi_lint.model import Config, per_config
from pytest_uwsgi_lint.reader import Entry

DEFAULT_PROCESSES = 1


@per_config
def worker_count(config: Config) -> tuple[int | None, str]:
    """The ``processes`` uWSGI applies and how a message names it; None when an expansion,
    or a file that was not read, hides it."""
    entry, count = setting(config, "processes")
    if entry is None:
        if may_miss_options(config):
            return None, ""
        return DEFAULT_PROCESSES, f"no `processes` (the default is {DEFAULT_PROCESSES})"
    return count, f"`{entry.key} = {entry.value}` (line {entry.line})"


@per_config
def fatal_cheaper(config: Config) -> Entry | None:
    """The ``cheaper`` entry when it is not below ``processes``: uWSGI exits right there."""
    entry, cheaper = setting(config, "cheaper")
    processes, _ = worker_count(config)
    if entry is None or not cheaper or processes is None or cheaper < processes:
        return None
    return entry


__all__ = ["DEFAULT_PROCESSES", "fatal_cheaper", "worker_count"]
