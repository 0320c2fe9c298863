'''strict-with-placeholder: `strict` is on and a placeholder is defined as a plain key.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.keys import PLACEHOLDER_SETTERS, exported_by
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule
from pytest_uwsgi_lint.target import Presence


@rule("UWC007", "strict-with-placeholder", Severity.ERROR, tags=("correctness",), needs=("strict",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    With `strict` on, flags a placeholder defined as a plain key (`project = app`, read back
    as `%(project)`) or with `set = name=value`, when the name is not an option of the
    target uWSGI. Keys that are not options and not used as placeholders are reported by
    `unknown-option` instead.

    ## Why is this bad?
    Strict mode rejects every key that is not an option, placeholders included: uWSGI stops
    at start-up with `[strict-mode] unknown config directive: project`. `set` exports a real
    option, so it fails the same way. Only `set-placeholder` (alias `set-ph`) declares a
    placeholder that strict mode accepts.

    ## Example
    ```ini
    [uwsgi]
    strict = true
    master = true
    project = shop
    chdir = /srv/%(project)
    ```

    ## Use instead
    ```ini
    [uwsgi]
    strict = true
    master = true
    set-placeholder = project=shop
    chdir = /srv/%(project)
    ```
    """
    if not config.flag("strict"):
        return
    target = config.target
    custom = config.custom_keys
    plugins = config.plugins
    for entry in config.entries:
        setter = exported_by(entry)
        if setter in PLACEHOLDER_SETTERS or entry.key in custom.declared:
            continue
        if not setter and not custom.is_placeholder(entry.key):
            continue
        if target.status(entry.key, plugins).presence is Presence.OPTION:
            continue
        how = f"`{setter} = {entry.key}=...` exports it as an option" if setter else (
            f"`{entry.key}` is a placeholder written as a plain key")
        yield Hit.at(
            entry,
            f"with `strict` on, uWSGI refuses to start: {how}, and `{entry.key}` is not an "
            f"option of {target.label} (`[strict-mode] unknown config directive: {entry.key}`)",
            fix=f"declare it with `set-placeholder = {entry.key}={entry.value}`",
        )
