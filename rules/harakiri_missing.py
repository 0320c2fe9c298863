'''harakiri-missing: no watchdog kills requests that hang.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.applied import hit, may_miss_options, setting
from pytest_uwsgi_lint.apps import app_entries, describe_app, first_certain, is_emperor
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule


@rule("UWA005", "harakiri-missing", Severity.WARNING, tags=("availability",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags a config that runs an application with `harakiri` absent or 0. Emperor configs
    and configs that load no application are left alone.

    ## Why is this bad?
    uWSGI puts no time limit on a request by default. A request that hangs (a slow
    database, an external API that never answers, an endless loop) keeps its worker busy
    forever; a few of them and every worker is stuck, which is a total outage while the
    process still looks alive. `harakiri` is the master's watchdog: a worker whose request
    runs longer is killed and respawned. Pick a value longer than the slowest legitimate
    request and shorter than the proxy's read timeout.

    ## Example
    ```ini
    [uwsgi]
    master = true
    module = app:application
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    module = app:application
    harakiri = 60
    ```

    ## References
    - https://uwsgi-docs.readthedocs.io/en/latest/WSGIquickstart.html
      (Security and availability)
    - https://uwsgi-docs.readthedocs.io/en/latest/FAQ.html (What is Harakiri mode?)
    - https://github.com/unbit/uwsgi/issues/1647
    - https://www.techatbloomberg.com/blog/configuring-uwsgi-production-deployment/
    """
    if is_emperor(config) or may_miss_options(config):
        return
    apps = app_entries(config)
    entry, seconds = setting(config, "harakiri")
    if not apps or (entry is not None and (seconds is None or seconds > 0)):
        return
    app = first_certain(apps)
    said = f"`{entry.key} = {entry.value}` turns harakiri off: " if entry is not None else ""
    master = "" if config.master_process.enabled else (
        ", with the master on (without it harakiri is a bare alarm() that kills the worker "
        "for good)")
    yield hit(
        entry or app,
        f"{said}requests to {describe_app(app)} have no time limit, so a request that "
        "hangs holds its worker forever and enough of them leave no worker to serve",
        app,
        fix=f"add `harakiri = <seconds>`{master}, longer than the slowest legitimate request",
    )
