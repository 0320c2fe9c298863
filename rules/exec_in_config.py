'''exec-in-config: a config that runs commands while it is being read.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule


@rule("UWS007", "exec-in-config", Severity.WARNING, tags=("security",), security_severity=6.5)
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags config sources that execute code when uWSGI reads them: `exec://` (a shell
    command), `call://` and `callint://` (a function in the binary), in `ini`, `include`,
    `inherit` or `@(...)`.

    ## Why is this bad?
    The command runs as the user uWSGI starts as (often root, before privileges are
    dropped), at every start and reload, and whatever it prints becomes configuration.
    Anyone who can change that command or its inputs controls the server. Generate the
    file at deploy time and include the file instead.

    ## Example
    ```ini
    [uwsgi]
    master = true
    secret-key = @(exec://vault read -field=key secret/app)
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    env = SECRET_KEY_FILE=/run/secrets/app-key
    ```
    """
    for event in config.events("exec-in-config"):
        yield Hit.at(
            event.entry,
            f"`{event.detail}` runs code each time uWSGI reads this config (as the user it "
            "starts as); the linter did not run it",
        )
