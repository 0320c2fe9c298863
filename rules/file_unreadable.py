'''file-unreadable: a named config that cannot be read as a regular file.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule


@rule("UWE001", "file-unreadable", Severity.ERROR, tags=("meta",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Reports a config path that cannot be read: missing, a broken or looping symbolic link,
    a directory, a FIFO, device or socket, permission denied, or larger than 10 MiB.

    ## Why is this bad?
    uWSGI would exit at start-up (or, for a FIFO, wait forever for a writer). The linter
    never opens anything but a regular file, so such a path is reported instead of read.

    ## Example
    ```text
    $ mkfifo app.ini && uwsgi-lint app.ini
    ```

    ## Use instead
    ```text
    $ uwsgi-lint deploy/app.ini   # a regular, readable file
    ```
    """
    return ()  # reported by the engine when reading fails
