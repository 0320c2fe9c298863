'''chain-reload-without-lazy-apps: a chain or workers reload that deploys nothing.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.applied import hit
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule

TRIGGERS = ("touch-chain-reload", "touch-workers-reload")
#: `lazy` also loads apps in the workers (and is reported by `lazy-discouraged`).
LAZY = ("lazy-apps", "lazy")


@rule("UWA018", "chain-reload-without-lazy-apps", Severity.WARNING,
      tags=("availability", "correctness"), needs=TRIGGERS)
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags `touch-chain-reload` or `touch-workers-reload` when neither `lazy-apps` nor `lazy`
    is on.

    ## Why is this bad?
    Both reload only the workers, never the master (`core/master.c`). In uWSGI's default
    mode the master imports the application once and every worker is forked from it, so
    the new workers start with the code the master loaded at start-up: the "reload" finishes
    without an error and deploys nothing. uWSGI does not check for this. The uWSGI guide to
    graceful reloading lists `lazy-apps` as a requirement of both methods.

    ## Example
    ```ini
    [uwsgi]
    master = true
    module = app:application
    touch-chain-reload = /srv/app/reload
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    module = app:application
    lazy-apps = true
    touch-chain-reload = /srv/app/reload
    ```

    ## References
    - uWSGI 2.0.30 source: `core/master.c` (touch checks, `uwsgi_chain_reload`),
      `core/master_checks.c` (chain reload steps)
    - https://uwsgi-docs.readthedocs.io/en/latest/articles/TheArtOfGracefulReloading.html
    """
    if any(config.flag(name) for name in LAZY):
        return
    switch = config.last("lazy-apps")
    for name in TRIGGERS:
        for entry in config.all(name):
            yield hit(
                entry,
                f"`{entry.key} = {entry.value}` restarts only the workers, and without "
                "`lazy-apps` they are forked from a master that still holds the code it "
                "loaded at start-up: the reload deploys nothing",
                switch,
                fix="add `lazy-apps = true` so each worker loads the application itself",
            )
