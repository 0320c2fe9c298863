'''lazy-discouraged: `lazy` changes reloads far beyond loading apps in the workers.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.applied import hit
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule
from pytest_uwsgi_lint.values import uwsgi_true


@rule("UWP003", "lazy-discouraged", Severity.WARNING, tags=("availability", "deprecation"),
      needs=("lazy",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags `lazy` turned on.

    ## Why is this bad?
    `lazy` loads the application in each worker, like `lazy-apps`, but it also changes
    reloading: a graceful reload (SIGHUP, `touch-reload`) then restarts only the workers
    and never re-executes the master (`core/uwsgi.c`, `grace_them_all`, in 2.0.30), so
    changes to this config or to uWSGI itself are not picked up. uWSGI's docs call it "way
    more invasive and highly discouraged", kept only for backward compatibility; use
    `lazy-apps`.

    ## Example
    ```ini
    [uwsgi]
    master = true
    module = app:application
    lazy = true
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    module = app:application
    lazy-apps = true
    ```

    ## References
    - uWSGI 2.0.30 source: `core/uwsgi.c` (`grace_them_all`)
    - https://uwsgi-docs.readthedocs.io/en/latest/ThingsToKnow.html (lazy-apps)
    - https://uwsgi-docs.readthedocs.io/en/latest/articles/TheArtOfGracefulReloading.html
    """
    entry = config.last("lazy")
    if entry is None or not uwsgi_true(entry.value):
        return
    yield hit(
        entry,
        f"`{entry.key} = {entry.value}`: a graceful reload then restarts only the workers and "
        "never the master, so changes to the config or to uWSGI are not picked up",
        fix="replace it with `lazy-apps = true`",
    )
