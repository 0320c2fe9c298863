'''internal-error: a rule crashed; the linter says so and goes on.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule


@rule("UWE004", "internal-error", Severity.ERROR, tags=("meta",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Reports that a rule raised an exception while checking this file. The other rules and
    files are still checked, and the command-line tool exits with code 3.

    ## Why is this bad?
    It is a bug in uwsgi-lint, not in your config: the crashed rule said nothing about the
    file, so a problem it looks for may have gone unreported. Please report it with the file.

    ## Example
    ```text
    app.ini:1:1: UWE004 rule some-rule crashed (ValueError: ...)
    ```

    ## Use instead
    ```text
    (a bug report, and a fixed release)
    ```
    """
    return ()  # reported by the engine when a rule raises
