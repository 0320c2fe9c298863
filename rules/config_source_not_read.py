'''config-source-not-read: a config source the linter deliberately does not open.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.loader import VALUE_NOT_READ
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule

_NOT_READ = "was not read (the linter never runs, fetches, waits on or consumes a source)"


@rule("UWE014", "config-source-not-read", Severity.INFO)
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Reports a config source that uwsgi-lint did not read, included or read by `@(...)` for
    one value: scheme sources (`exec://`,
    `http://`, `call://`, `fd://`, `data://`, `sym://`, `section://`, ...), standard input
    (`-`), XML, YAML, JSON or plugin (`.lua`, `.js`) configs, and files it chose not to
    open: FIFOs, devices, directories, files over 10 MiB, kernel files whose reads would
    wait or take data away from another reader (`/proc/kmsg`), and files that describe the
    reading process (`/proc/self/...`, however the path is spelt or linked), which would
    describe the linter, not uWSGI, and could put its environment in a report.

    ## Why is this bad?
    It is not a mistake in itself, but the options an included source adds are invisible to
    the linter, so findings about missing options may be wrong (and rules that rely on an
    option's absence stay silent). An `@(...)` read cannot add options: only its value is
    unknown, and the option is checked with the reference as written. Reading such sources
    would mean running commands, fetching from the network, waiting for data or taking the
    kernel's messages from the system logger, which a linter must never do.

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
        yield Hit.at(event.entry, f"`{event.detail}` {_NOT_READ}; options it adds are not checked")
    for event in config.events(VALUE_NOT_READ):
        yield Hit.at(event.entry, f"`{event.detail}` {_NOT_READ}; `{event.entry.key}` is checked "
                     "with the reference as written, while uWSGI puts what it reads there")
