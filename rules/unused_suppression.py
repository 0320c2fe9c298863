'''unused-suppression: a suppression comment that silences nothing.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule


@rule("UWE003", "unused-suppression", Severity.WARNING)
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Reports a `; uwsgi-lint: disable=...` or `disable-file=...` comment line that names
    something that is not a rule, or that silences no finding.

    ## Why is this bad?
    A stale suppression hides the next real problem of that kind on the line, and a
    misspelt one silences nothing while looking as if it did.

    ## Example
    ```ini
    [uwsgi]
    master = true
    ; uwsgi-lint: disable=master-not-enabled
    processes = 4
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    processes = 4
    ```
    """
    return ()  # computed by the engine after the other rules ran
