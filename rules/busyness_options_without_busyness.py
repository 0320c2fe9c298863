'''busyness-options-without-busyness: `cheaper-busyness-*` options nobody reads.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint import catalog
from pytest_uwsgi_lint.applied import hit
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule
from pytest_uwsgi_lint.values import has_expansion

PLUGIN = "cheaper_busyness"
ALGORITHM = "busyness"


@rule("UWA022", "busyness-options-without-busyness", Severity.WARNING, tags=("correctness",),
      needs=[name for name, o in catalog.options().items() if o.plugin == PLUGIN])
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags `cheaper-busyness-*` options when `cheaper-algo` is not `busyness`.

    ## Why is this bad?
    The busyness plugin reads its settings only when `cheaper-algo = busyness`: its init
    function returns at once otherwise (`plugins/cheaper_busyness/cheaper_busyness.c`,
    `uwsgi_cheaper_busyness_init`, in 2.0.30). uWSGI accepts the options and ignores them,
    and the instance scales with `spare` (the default) or whatever `cheaper-algo` names.

    ## Example
    ```ini
    [uwsgi]
    master = true
    processes = 8
    cheaper = 2
    cheaper-busyness-max = 60
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    processes = 8
    cheaper = 2
    cheaper-algo = busyness
    cheaper-busyness-max = 60
    ```

    ## References
    - uWSGI 2.0.30 source: `plugins/cheaper_busyness/cheaper_busyness.c`
      (`uwsgi_cheaper_busyness_init`)
    - https://uwsgi-docs.readthedocs.io/en/latest/Cheaper.html
    """
    algo = config.last("cheaper-algo")
    if algo is not None and (algo.value == ALGORITHM or has_expansion(algo.value)):
        return
    ignored = [entry for entry, option in config.known() if option.plugin == PLUGIN]
    if not ignored:
        return
    names = ", ".join(dict.fromkeys(f"`{e.key}`" for e in ignored))
    chosen = (f"`{algo.key} = {algo.value}`" if algo is not None
              else "no `cheaper-algo` (the default is `spare`)")
    yield hit(
        ignored[0],
        f"with {chosen}, the busyness plugin never reads {names}: uWSGI ignores them",
        algo, *ignored[1:],
        fix="add `cheaper-algo = busyness`, or remove the busyness options",
    )
