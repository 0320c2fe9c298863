'''exception-handler-unknown: uWSGI exits at start-up on an exception handler it lacks.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.applied import may_miss_options
from pytest_uwsgi_lint.findings import Hit, Severity, shown
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule
from pytest_uwsgi_lint.values import has_expansion

# The only handler any uWSGI plugin registers (2.0.30 and 2.1-dev), and its plugin.
HANDLERS = {"log": "exception_log"}
PLUGIN_OPTIONS = ("plugin", "plugins", "need-plugin", "need-plugins")


def _loads_plugin(config: Config, plugin: str) -> bool:
    return any(plugin in e.value for name in PLUGIN_OPTIONS for e in config.all(name))


@rule("UWM010", "exception-handler-unknown", Severity.ERROR, tags=("master", "startup"),
      needs=("exception-handler",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags `exception-handler` entries that name a handler uWSGI does not have.

    ## Why is this bad?
    The value is `name[:argument]`. At start-up uWSGI looks each name up and, if it is not
    registered, logs "unable to find exception handler" and exits (`core/exceptions.c` in
    2.0.30). The only handler in uWSGI is `log`, and it exists only when the `exception_log`
    plugin is loaded: the standard builds, pip's included, do not embed it.

    ## Example
    ```ini
    [uwsgi]
    master = true
    exception-handler = sentry:https://example.invalid/1
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    plugin = exception_log
    exception-handler = log
    ```
    """
    for entry in config.all("exception-handler"):
        if has_expansion(entry.value):
            continue
        name = entry.value.split(":", 1)[0]
        plugin = HANDLERS.get(name)
        if plugin is None:
            yield Hit.at(
                entry,
                f"`exception-handler = {shown(entry.value)}`: uWSGI has no exception handler "
                f"named `{shown(name)}` (the only one is `log`), so it exits at start-up with "
                "\"unable to find exception handler\"",
                fix="remove it, or use `log` with `plugin = exception_log`",
            )
        elif not _loads_plugin(config, plugin) and not may_miss_options(config):
            yield Hit.at(
                entry,
                f"`exception-handler = {shown(entry.value)}`: the `{name}` handler exists only "
                f"when the `{plugin}` plugin is loaded, which no plugin line here does and "
                "standard builds do not embed; otherwise uWSGI exits at start-up",
                fix=f"add `plugin = {plugin}`",
                severity=Severity.WARNING,
            )
