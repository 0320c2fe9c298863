'''option-not-in-version: an option of other uWSGI releases that the target does not have.'''

from __future__ import annotations

from collections.abc import Iterable

from packaging.version import Version

from pytest_uwsgi_lint import catalog
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.keys import (
    also_on,
    consequence,
    exported_by,
    first_uses,
)
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule
from pytest_uwsgi_lint.target import Presence, Target


def _span(run: tuple[str, str]) -> str:
    first, last = run
    return first if first == last else f"{first} to {last}"


def history(runs: catalog.Runs, on_development: bool, target: Target) -> str:
    """When the option existed, said from the target's point of view."""
    if not runs:
        return "it exists only on the unreleased 2.1 development branch"
    spans = ", ".join(_span(r) for r in runs)
    dropped = f"it exists in {spans} only; later releases dropped it"
    if target.table == catalog.DEVELOPMENT:
        if runs[-1][1] == catalog.NEWEST_RELEASE:
            return f"the 2.1 development branch removed it (it exists in {spans})"
        return dropped
    if all(Version(first) > target.version for first, _ in runs):
        added = f"it was added in {runs[0][0]}"
        return added if len(runs) == 1 else f"{added} (it exists in {spans})"
    if on_development:
        return f"it exists in {spans} and on the 2.1 development branch"
    if all(Version(last) < target.version for _, last in runs):
        return dropped
    return f"it exists in {spans}"


@rule("UWV001", "option-not-in-version", Severity.WARNING, tags=("version",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags an option that exists in other uWSGI releases but not in the target one: added
    later (`max-requests-delta` arrived in 2.0.29, `die-on-no-workers` exists only on the 2.1
    development branch) or removed (`shutdown-sockets` is gone on 2.1). The target is
    `--uwsgi-version` (default 2.0.30) or the binary named with `--uwsgi-binary`.

    ## Why is this bad?
    To a uWSGI that lacks it, the option is an unknown key: it is ignored silently, so the
    behaviour it asks for never happens, and with `strict` on uWSGI refuses to start
    (unbit/uwsgi#1488 and #2228 are such reports).

    ## Example
    ```ini
    [uwsgi]
    master = true
    max-requests = 1000
    die-on-no-workers = true
    ```

    ## Use instead
    ```ini uwsgi-version=2.1
    [uwsgi]
    master = true
    max-requests = 1000
    die-on-no-workers = true
    ```
    """
    if not config.foreign:
        return
    target = config.target
    custom = config.custom_keys
    plugins = config.plugins
    strict = config.flag("strict")
    candidates = (e for e in config.foreign
                  if not exported_by(e) and not custom.is_placeholder(e.key))
    for entry, repeats in first_uses(candidates):
        status = target.status(entry.key, plugins)
        if status.presence is not Presence.OTHER_VERSION:
            continue
        option = status.option
        on_development = option is not None and option.present_in(catalog.DEVELOPMENT)
        when = history(status.runs, on_development, target)
        alternatives = [a for a in (option.aliases if option else ()) if target.has(a)]
        fix = (f"use `{alternatives[0]}`, its alias in {target.label}" if alternatives
               else "remove it, or target a uWSGI that has it")
        message = (f"`{entry.key}`{also_on(repeats)} is not an option of {target.label}: {when}; "
                   f"{consequence(entry.key, strict)}")
        yield Hit.at(entry, message, fix=fix, severity=Severity.ERROR if strict else None)
