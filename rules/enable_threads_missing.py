'''enable-threads-missing: before 2.0.27, threads started by a Python app never run.'''

from __future__ import annotations

from collections.abc import Iterable

from packaging.version import Version

from pytest_uwsgi_lint.applied import hit, may_miss_options
from pytest_uwsgi_lint.apps import PYTHON_LOADERS, first_certain, python_loaders
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule

#: uWSGI turns Python threads on by default from this release (commit 1caea16d).
DEFAULT_ON_FROM = Version("2.0.27")
THREADS_FLAG = "UWSGI_OPT_THREADS"


def _threads_implied(config: Config) -> bool:
    """``threads``, ``py-autoreload``, ``gevent``... carry uWSGI's "needs threads" flag,
    which switches thread support on whatever their value (``core/config.c``)."""
    return any(THREADS_FLAG in option.flags for _, option in config.known())


@rule("UWP001", "enable-threads-missing", Severity.WARNING, tags=("python", "correctness"),
      needs=(*PYTHON_LOADERS, "mount"))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags a Python application for uWSGI before 2.0.27 when `enable-threads` is not on and
    no option that implies threads (`threads`, `py-autoreload`, `gevent`, `asyncio`...) is
    set.

    ## Why is this bad?
    Until 2.0.27 uWSGI started Python without thread support unless asked, so threads the
    application starts itself never run, or run only while a request is being served.
    Error reporters (Sentry/raven transports), APM agents, feature-flag SDKs and background
    schedulers fail silently. From 2.0.27 threads are on by default (commit 1caea16d), so
    the rule is silent there.

    ## Example
    ```ini uwsgi-version=2.0.26
    [uwsgi]
    master = true
    module = app:application
    ```

    ## Use instead
    ```ini uwsgi-version=2.0.26
    [uwsgi]
    master = true
    module = app:application
    enable-threads = true
    ```

    ```ini
    [uwsgi]
    master = true
    module = app:application
    ```

    ## References
    - uWSGI source: `core/init.c` (`sanitize_args`: `has_threads = 1` from 2.0.27),
      `core/config.c` (options flagged `UWSGI_OPT_THREADS`)
    - https://uwsgi-docs.readthedocs.io/en/latest/ThingsToKnow.html (Python threads)
    - https://uwsgi-docs.readthedocs.io/en/latest/WSGIquickstart.html (A note on Python
      threads)
    - https://github.com/getsentry/raven-python/pull/928
    - https://github.com/mozilla-releng/balrog/pull/1545
    """
    if config.version >= DEFAULT_ON_FROM or may_miss_options(config):
        return
    if config.flag("enable-threads") or _threads_implied(config):
        return
    loaders = python_loaders(config)
    if not loaders:
        return
    switch = config.last("enable-threads")
    loader = first_certain(loaders)
    said = f"`{switch.key} = {switch.value}` leaves it off: " if switch is not None else ""
    yield hit(
        switch or loader,
        f"{said}uWSGI {config.version} runs `{loader.key} = {loader.value}` without Python "
        "thread support, so threads the app starts (error reporters, APM agents, "
        "schedulers) never run or run only while a request is served",
        loader,
        fix="add `enable-threads = true`",
    )
