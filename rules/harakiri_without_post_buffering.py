'''harakiri-without-post-buffering: a slow upload counts against the harakiri timer.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.applied import hit, may_miss_options, setting
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule

BUFFERING_FLAG = "UWSGI_OPT_POST_BUFFERING"


def _buffering(config: Config) -> bool:
    """``post-buffering`` above 0 (or unknown), or an option such as ``rack`` that turns it
    on by itself (``core/config.c``)."""
    entry, size = setting(config, "post-buffering")
    if entry is not None and size != 0:
        return True
    return any(BUFFERING_FLAG in option.flags for _, option in config.known())


@rule("UWA007", "harakiri-without-post-buffering", Severity.INFO, tags=("availability",),
      needs=("harakiri",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags `harakiri` above 0 while `post-buffering` is absent or 0.

    ## Why is this bad?
    Without post buffering the application reads the request body from the socket while
    the harakiri timer runs, so a client that uploads slowly can get its worker killed in
    the middle of a legitimate request. With `post-buffering`, uWSGI reads the body before
    calling the app and resets the timer as data arrives (`core/reader.c`). uWSGI itself
    prints `*** WARNING: you have enabled harakiri without post buffering. Slow upload could
    be rejected on post-unbuffered webservers ***` at start-up (`core/init.c`). Behind a
    proxy that buffers request bodies (nginx does by default) this does not bite, which is
    why it is only advice.

    ## Example
    ```ini
    [uwsgi]
    master = true
    module = app:application
    harakiri = 60
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    module = app:application
    harakiri = 60
    post-buffering = 65536
    ```

    ## References
    - uWSGI 2.0.30 source: `core/init.c` (`sanitize_args` warning), `core/reader.c`
      (`uwsgi_postbuffer_do_in_mem` and `_in_disk` extend harakiri while they read)
    - https://github.com/bytedeck/bytedeck/issues/555
    - https://github.com/GeoNode/geonode-docker/issues/40
    """
    entry, seconds = setting(config, "harakiri")
    if entry is None or not seconds or _buffering(config) or may_miss_options(config):
        return
    buffering = config.last("post-buffering")
    without = (f"with `{buffering.key} = {buffering.value}` (read as 0)"
               if buffering is not None else "without `post-buffering`")
    yield hit(
        entry,
        f"`{entry.key} = {entry.value}` {without}: the app reads request bodies while the "
        f"{seconds} s harakiri timer runs, so a slow upload can get its worker killed (uWSGI "
        "warns about this at start-up); it matters only if no proxy in front buffers "
        "request bodies",
        buffering,
        fix="set `post-buffering = 65536` (bytes kept in memory before spooling to disk)",
    )
