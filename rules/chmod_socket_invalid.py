'''chmod-socket-invalid: a chmod-socket value that makes uWSGI exit at start-up.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.findings import Hit, Severity, shown
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule
from pytest_uwsgi_lint.sockets import chmod_value_valid
from pytest_uwsgi_lint.values import has_expansion


@rule("UWC010", "chmod-socket-invalid", Severity.ERROR, tags=("correctness",),
      needs=("chmod-socket",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags a `chmod-socket` (`chmod`) value other than `1` or exactly three octal digits:
    `0660`, `u+rw`, `true`, a value with a trailing comment, or a bare `chmod-socket` line.

    ## Why is this bad?
    uWSGI 2.0.30 accepts `1` (mode 666) or three digits from 0 to 7, nothing else: for any
    other value it logs `invalid chmod value: ...` and exits with status 1 while reading
    its options. The four-digit form that `chmod` itself accepts (`0660`) is the usual
    trap. In an ini file a bare `chmod-socket` line has the empty value, which is invalid
    too; only the command line's bare `--chmod-socket` means 666.

    ## Deployment
    The same in every deployment.

    ## Example
    ```ini
    [uwsgi]
    socket = /run/app/app.sock
    chmod-socket = 0660
    ```

    ```ini
    [uwsgi]
    socket = /run/app/app.sock
    chmod-socket
    ```

    ## Use instead
    ```ini
    [uwsgi]
    socket = /run/app/app.sock
    chmod-socket = 660
    ```

    ## References
    - https://github.com/unbit/uwsgi/blob/2.0.30/core/uwsgi.c#L4581-L4606
    - https://uwsgi-docs.readthedocs.io/en/latest/Options.html#chmod-socket
    """
    for entry in config.all("chmod-socket"):
        value = entry.value
        if has_expansion(value) or chmod_value_valid(value):
            continue
        if len(value) == 4 and value[0] == "0" and chmod_value_valid(value[1:]):
            fix = f"write `{entry.key} = {value[1:]}`"
        else:
            fix = f"write three octal digits, e.g. `{entry.key} = 660`"
        quoted = (f"`{entry.key} = {shown(value)}`" if value
                  else f"a bare `{entry.key}` (empty value)")
        yield Hit.at(
            entry,
            f"uWSGI accepts only `1` or three octal digits here: {quoted} makes it log "
            f"\"invalid chmod value: {shown(value)}\" and exit at start-up",
            fix=fix,
        )
