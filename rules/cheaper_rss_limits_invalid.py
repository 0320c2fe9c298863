'''cheaper-rss-limits-invalid: uWSGI refuses to start with these memory-limit combinations.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.applied import hit, may_miss_options, setting
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule

MEMORY_FLAG = "UWSGI_OPT_MEMORY"


def _memory_tracked(config: Config) -> bool:
    """``memory-report`` on, or an option flagged as needing memory usage (``reload-on-rss``,
    ``reload-on-as``, ``evil-reload-on-*``), which turns tracking on whatever its value."""
    return config.flag("memory-report") or any(
        MEMORY_FLAG in option.flags for _, option in config.known())


@rule("UWA012", "cheaper-rss-limits-invalid", Severity.ERROR, tags=("availability", "startup"),
      needs=("cheaper-rss-limit-soft", "cheaper-rss-limit-hard"))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags the `cheaper-rss-limit-soft`/`cheaper-rss-limit-hard` combinations uWSGI rejects:
    a soft limit without memory tracking (`memory-report`, or an option such as
    `reload-on-rss` that needs it), a hard limit without a soft one, and a hard limit not
    above the soft one.

    ## Why is this bad?
    uWSGI checks these before starting and exits with status 1 (`core/init.c`,
    `sanitize_args`, in 2.0.30), logging `enabling cheaper-rss-limit-soft requires enabling
    also memory-report`, `enabling cheaper-rss-limit-hard requires setting also
    cheaper-rss-limit-soft` or `cheaper-rss-limit-hard value must be higher than
    cheaper-rss-limit-soft value`.

    ## Example
    ```ini
    [uwsgi]
    master = true
    processes = 8
    cheaper = 2
    cheaper-rss-limit-soft = 1073741824
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    processes = 8
    cheaper = 2
    memory-report = true
    cheaper-rss-limit-soft = 1073741824
    cheaper-rss-limit-hard = 1610612736
    ```

    ## References
    - uWSGI 2.0.30 source: `core/init.c` (`sanitize_args`), `core/config.c`
      (`UWSGI_OPT_MEMORY`)
    - https://uwsgi-docs.readthedocs.io/en/latest/Cheaper.html (Setting memory limits)
    """
    soft_entry, soft = setting(config, "cheaper-rss-limit-soft")
    hard_entry, hard = setting(config, "cheaper-rss-limit-hard")
    if (soft is None and soft_entry is not None) or (hard is None and hard_entry is not None):
        return  # an expansion hides a limit
    unseen = may_miss_options(config)
    if soft_entry is not None and soft and not _memory_tracked(config) and not unseen:
        yield hit(
            soft_entry,
            f"`{soft_entry.key} = {soft_entry.value}` without `memory-report`: uWSGI exits "
            "at start-up with 'enabling cheaper-rss-limit-soft requires enabling also "
            "memory-report'",
            config.last("memory-report"),
            fix="add `memory-report = true`",
        )
    if hard_entry is None or not hard:
        return
    if not soft:
        if soft_entry is not None or not unseen:
            yield hit(
                hard_entry,
                f"`{hard_entry.key} = {hard_entry.value}` without a soft limit: uWSGI exits at "
                "start-up with 'enabling cheaper-rss-limit-hard requires setting also "
                "cheaper-rss-limit-soft'",
                soft_entry,
                fix="add `cheaper-rss-limit-soft` below the hard limit",
            )
    elif soft_entry is not None and hard <= soft:
        yield hit(
            hard_entry,
            f"`{hard_entry.key} = {hard_entry.value}` is not above `{soft_entry.key} = "
            f"{soft_entry.value}`: uWSGI exits at start-up with 'cheaper-rss-limit-hard value "
            "must be higher than cheaper-rss-limit-soft value'",
            soft_entry,
            fix="make the hard limit higher than the soft one (both are in bytes)",
        )
