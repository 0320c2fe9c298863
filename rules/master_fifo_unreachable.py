'''master-fifo-unreachable: master FIFOs past the tenth can never be selected.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.findings import Hit, Severity, shown
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule

SELECTABLE = 10


@rule("UWM007", "master-fifo-unreachable", Severity.WARNING, tags=("master", "correctness"),
      needs=("master-fifo",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags the 11th and later `master-fifo` entries.

    ## Why is this bad?
    uWSGI creates only the first `master-fifo`. Writing a digit `0` to `9` into the active
    FIFO switches to the FIFO of that slot (`core/fifo.c` in 2.0.30), and nothing else selects
    one, so only the first ten entries can ever exist. Any further entry is dead
    configuration, and scripts that expect that FIFO will find nothing.

    ## Example
    ```ini
    [uwsgi]
    master-fifo = /run/app/f0
    master-fifo = /run/app/f1
    master-fifo = /run/app/f2
    master-fifo = /run/app/f3
    master-fifo = /run/app/f4
    master-fifo = /run/app/f5
    master-fifo = /run/app/f6
    master-fifo = /run/app/f7
    master-fifo = /run/app/f8
    master-fifo = /run/app/f9
    master-fifo = /run/app/f10
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master-fifo = /run/app/f0
    master-fifo = /run/app/f1
    ```
    """
    for index, entry in enumerate(config.master_process.fifo_files):
        if index >= SELECTABLE:
            yield Hit.at(
                entry,
                f"`master-fifo = {shown(entry.value)}` is FIFO #{index + 1}: uWSGI selects FIFOs "
                f"only by the commands `0`-`9`, so only the first {SELECTABLE} can ever be "
                "created",
                fix="remove it, or keep at most ten `master-fifo` entries",
            )
