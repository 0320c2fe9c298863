'''include-not-found: a config source uWSGI cannot load, so it exits at start-up.'''

from __future__ import annotations

import os
from collections.abc import Iterable

from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule


@rule("UWE010", "include-not-found", Severity.ERROR, tags=("availability",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags an `ini`, `include`, `inherit`, `config` or `@(file)` source that does not exist,
    cannot be read as a regular file, or has a type uWSGI has no loader for.

    ## Why is this bad?
    uWSGI stops at start-up (`realpath() of ... failed`, `open(...)`, or `unable to load
    configuration from ...`). `include` picks its parser by file extension, and `config`
    only accepts plugin formats (`.lua`, `.js`), so `config = base.ini` fails too.
    An absolute path missing on the machine that lints (`/etc/uwsgi/base.ini`) may be a file
    of the host or the image uWSGI runs in: that case is a warning, not an error.

    ## Example
    ```ini
    [uwsgi]
    include = /etc/uwsgi/no-such-file.ini
    ```

    ## Use instead
    ```ini
    [uwsgi]
    if-exists = /etc/uwsgi/no-such-file.ini
    include = %(_)
    endif =
    ```
    """
    for event in config.events("include-not-found"):
        said = f"`{event.entry.key} = {event.entry.value}`: {event.detail} cannot be loaded"
        if os.path.isabs(event.missing):
            yield Hit.at(event.entry, f"{said} on this machine; unless it exists where uWSGI "
                         "runs (a file of the host or the image), uWSGI exits at start-up",
                         severity=Severity.WARNING)
        else:
            yield Hit.at(event.entry, f"{said}; uWSGI exits at start-up")
