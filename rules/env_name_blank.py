'''env-name-blank: an `env` line whose name holds blanks, or that has no `=`.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.applied import hit
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule
from pytest_uwsgi_lint.values import has_expansion

_BLANKS = " \t"


@rule("UWC019", "env-name-blank", Severity.WARNING, tags=("correctness",), needs=("env",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags an `env` line whose variable name ends with a blank (`env = NAME = value`), or
    that has no `=` at all (`env = NAME`).

    ## Why is this bad?
    uWSGI hands the value to `putenv()` as it is (`uwsgi_opt_set_env`, `core/uwsgi.c` in
    2.0.30). `env = PYTHONHOME = /srv/venv` defines a variable named `PYTHONHOME ` (with the
    blank) whose value starts with a blank, so the application never sees `PYTHONHOME`.
    Without `=`, the GNU C library removes the variable instead of setting it.

    ## Example
    ```ini
    [uwsgi]
    master = true
    module = app:application
    env = DJANGO_SETTINGS_MODULE = app.settings
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    module = app:application
    env = DJANGO_SETTINGS_MODULE=app.settings
    ```
    """
    for entry in config.all("env"):
        value = entry.value
        if has_expansion(value):
            continue  # expanded at start-up: the text uWSGI hands over is not known here
        name, equal, rest = value.partition("=")
        if not equal:
            yield hit(entry, f"`{entry.key} = {value}` has no `=`: putenv() in the GNU C "
                      f"library removes `{value}` from the environment instead of setting it",
                      fix=f"write `{entry.key} = {value}=VALUE`")
        elif name != name.rstrip(_BLANKS):
            fixed = f"{name.rstrip(_BLANKS)}={rest.lstrip(_BLANKS)}"
            yield hit(entry, f"`{entry.key} = {value}` defines a variable named `{name}`, "
                      "blanks included, so nothing sees it under its name",
                      fix=f"write `{entry.key} = {fixed}`")
