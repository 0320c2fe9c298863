'''min-worker-lifetime-not-below-max: uWSGI refuses to start when min >= max lifetime.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.applied import hit, may_miss_options, setting
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule

#: `min-worker-lifetime` when unset (core/init.c in 2.0.30).
DEFAULT_MIN_SECONDS = 10


@rule("UWA013", "min-worker-lifetime-not-below-max", Severity.ERROR,
      tags=("availability", "startup"), needs=("max-worker-lifetime",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags `max-worker-lifetime` that is not above `min-worker-lifetime`, counting the
    default minimum of 10 seconds when `min-worker-lifetime` is not set.

    ## Why is this bad?
    uWSGI checks the pair before starting and exits with status 1, logging `invalid
    min-worker-lifetime value (10), must be lower than max-worker-lifetime (5)`
    (`core/init.c`, `sanitize_args`, in 2.0.30). A short `max-worker-lifetime` written to
    recycle workers often is enough to trigger it, since the minimum defaults to 10 s.

    ## Example
    ```ini
    [uwsgi]
    master = true
    module = app:application
    max-worker-lifetime = 10
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    module = app:application
    max-worker-lifetime = 3600
    ```

    ## References
    - uWSGI 2.0.30 source: `core/init.c` (`uwsgi_init_default`: `min_worker_lifetime = 10`;
      `sanitize_args`)
    """
    max_entry, maximum = setting(config, "max-worker-lifetime")
    min_entry, minimum = setting(config, "min-worker-lifetime")
    if max_entry is None or not maximum:
        return
    if min_entry is None:
        if may_miss_options(config):
            return
        minimum = DEFAULT_MIN_SECONDS
        named = f"the default `min-worker-lifetime` of {DEFAULT_MIN_SECONDS} s"
    else:
        named = f"`{min_entry.key} = {min_entry.value}` (line {min_entry.line})"
    if minimum is None or minimum < maximum:
        return
    yield hit(
        max_entry,
        f"`{max_entry.key} = {max_entry.value}` is not above {named}: uWSGI exits at start-up "
        f"with 'invalid min-worker-lifetime value ({minimum}), must be lower than "
        f"max-worker-lifetime ({maximum})'",
        min_entry,
        fix="make `max-worker-lifetime` longer than `min-worker-lifetime`",
    )
