'''cheaper-algo-unknown: uWSGI falls back to `spare` for an algorithm it does not have.'''

from __future__ import annotations

from collections.abc import Iterable

from packaging.version import Version

from pytest_uwsgi_lint.applied import hit
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule
from pytest_uwsgi_lint.target import plugin_matches
from pytest_uwsgi_lint.values import has_expansion

#: Registered by the core (core/uwsgi.c) and by the embedded cheaper_busyness plugin.
BUILT_IN = ("spare", "backlog", "manual", "busyness")
#: Only the 2.1 branch registers `spare2`.
SPARE2_FROM = Version("2.1.dev0")
#: Algorithms of plugins the default build does not embed.
PLUGIN_ALGORITHMS = {"backlog2": "cheaper_backlog2"}


@rule("UWA020", "cheaper-algo-unknown", Severity.WARNING, tags=("correctness", "version"),
      needs=("cheaper-algo",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags a `cheaper-algo` that the target uWSGI does not have: anything but `spare`,
    `backlog`, `manual` and `busyness`; `backlog2` unless its plugin is loaded; `spare2`
    before 2.1.

    ## Why is this bad?
    uWSGI looks the name up when the master starts and, when it is missing, logs `unable
    to find requested cheaper algorithm, falling back to spare` and scales with `spare`
    (`core/master.c` in 2.0.30), so the adaptive behaviour the config asks for never
    happens. `spare2` is documented in Cheaper.rst but exists only on the 2.1 branch.

    ## Example
    ```ini
    [uwsgi]
    master = true
    processes = 8
    cheaper = 2
    cheaper-algo = spare2
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    processes = 8
    cheaper = 2
    cheaper-algo = spare
    ```

    ```ini uwsgi-version=2.1
    [uwsgi]
    master = true
    processes = 8
    cheaper = 2
    cheaper-algo = spare2
    ```

    ## References
    - uWSGI 2.0.30 source: `core/master.c` (algorithm lookup and fallback), `core/uwsgi.c`
      (`uwsgi_register_cheaper_algo` calls), `plugins/cheaper_busyness`,
      `plugins/cheaper_backlog2`
    - https://uwsgi-docs.readthedocs.io/en/latest/Cheaper.html
    """
    entry = config.last("cheaper-algo")
    if entry is None or has_expansion(entry.value):
        return
    name = entry.value
    known = [*BUILT_IN, *(["spare2"] if config.version >= SPARE2_FROM else [])]
    plugin = PLUGIN_ALGORITHMS.get(name)
    loaded = config.plugins
    if name in known or (plugin is not None and any(plugin_matches(p, plugin) for p in loaded)):
        return
    why = (f"it comes from the `{plugin}` plugin, which is not loaded" if plugin is not None
           else f"uWSGI {config.version} has no such algorithm")
    yield hit(
        entry,
        f"`{entry.key} = {entry.value}`: {why}; the master logs 'unable to find requested "
        "cheaper algorithm, falling back to spare' and scales with `spare`",
        fix=f"use one of {', '.join(known)}"
        + (f", or load it with `plugins = {plugin}`" if plugin is not None else ""),
    )
