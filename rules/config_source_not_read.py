'''config-source-not-read: a config source the linter deliberately does not open.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule


@rule("UWE014", "config-source-not-read", Severity.INFO)
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Reports a config source that uwsgi-lint did not read: scheme sources (`exec://`,
    `http://`, `call://`, `fd://`, `data://`, `sym://`, `section://`, ...), standard input
    (`-`), XML, YAML, JSON or plugin (`.lua`, `.js`) configs, and files it chose not to
    open: FIFOs, devices, directories, files over 10 MiB, kernel files whose reads would
    wait or take data away from another reader (`/proc/kmsg`), and files that describe the
    reading process (`/proc/self/...`, however the path is spelt or linked), which would
    describe the linter, not uWSGI, and could put its environment in a report.

    ## Why is this bad?
    It is not a mistake in itself, but the options that source adds are invisible to the
    linter, so findings about missing options may be wrong. Reading them would mean running
    commands, fetching from the network, waiting for data or taking the kernel's messages
    from the system logger, which a linter must never do.

    ## Example
    ```ini
    [uwsgi]
    master = true
    include = http://config.example.com/app.ini
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    include = %dapp.ini
    ```

    ```ini file=app.ini
    [uwsgi]
    processes = 4
    ```
    """
    for event in config.events("config-source-not-read"):
        yield Hit.at(
            event.entry,
            f"`{event.detail}` was not read (the linter never runs, fetches, waits on "
            "or consumes a source); options it adds are not checked",
        )
