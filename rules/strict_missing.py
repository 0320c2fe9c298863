'''strict-missing: uWSGI silently ignores misspelled options unless `strict` is on.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint import catalog
from pytest_uwsgi_lint.applied import header_hit, hit, may_miss_options
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule

SHOWN = 3


def _fix(config: Config) -> str:
    """``strict = true``, and first a ``set-placeholder`` for each plain-key placeholder,
    which strict mode would otherwise reject."""
    keys = {e.key for e in config.entries if catalog.lookup(e.key) is None}
    plain = sorted(key for key in keys if config.custom_keys.is_placeholder(key))
    if not plain:
        return "add `strict = true`"
    names = ", ".join(f"`{name}`" for name in plain[:SHOWN])
    return (f"add `strict = true`, after declaring {names} with `set-placeholder` (e.g. "
            f"`set-placeholder = {plain[0]}=...`): strict mode rejects placeholders set as "
            "plain keys")


@rule("UWC016", "strict-missing", Severity.INFO, tags=("correctness",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags a config that does not turn `strict` on.

    ## Why is this bad?
    uWSGI does not reject keys it does not know: without `strict`, `max_requests = 1000`,
    `harikari = 30` or `Master = true` are stored as placeholders and the instance starts
    without them, silently (`core/config.c`). With `strict = true` uWSGI refuses to start
    and names the key (`[strict-mode] unknown config directive`), which turns a silent
    misconfiguration into a failed deploy. It is the first line of Bloomberg's production
    baseline. Placeholders written as plain keys (`project = shop`) must then be declared
    with `set-placeholder`.

    ## Example
    ```ini
    [uwsgi]
    master = true
    module = app:application
    ```

    ## Use instead
    ```ini
    [uwsgi]
    strict = true
    master = true
    module = app:application
    ```

    ## References
    - uWSGI 2.0.30 source: `core/config.c` (`uwsgi_manage_opt`, strict mode)
    - https://uwsgi-docs.readthedocs.io/en/latest/ThingsToKnow.html
    - https://www.techatbloomberg.com/blog/configuring-uwsgi-production-deployment/
    """
    if config.flag("strict") or may_miss_options(config):
        return
    switch = config.last("strict")
    if switch is not None:
        yield hit(switch, f"`{switch.key} = {switch.value}` leaves strict mode off: uWSGI "
                  "ignores misspelled or unknown keys silently", fix=_fix(config))
        return
    found = header_hit(config, "strict mode is off: uWSGI ignores misspelled or unknown "
                       "keys silently instead of refusing to start", fix=_fix(config))
    if found is not None:
        yield found
