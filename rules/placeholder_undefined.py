'''placeholder-undefined: a `%(name)` that nothing defines stays as written.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.applied import may_miss_options
from pytest_uwsgi_lint.findings import Hit, Severity, shown
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.reader import Entry
from pytest_uwsgi_lint.registry import rule

#: Options whose ``%(name)`` items are request-log variables, filled in for each request.
_RUNTIME_FORMATS = ("log-format", "logformat", "log-req", "logger", "req-logger", "log-encoder")


@rule("UWE015", "placeholder-undefined", Severity.WARNING)
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags `%(name)` references to a name no option or placeholder defines anywhere in the
    loaded configuration, once per name and file. Request-log variables in `log-format`
    and logger options (`%(method)`, `%(status)`...) are not placeholders and are left
    alone, and so is everything when an included source could not be read.

    ## Why is this bad?
    uWSGI leaves an unresolved `%(name)` in the value literally, so the socket, path or
    module becomes the text `%(name)` and fails later in a confusing way. Placeholders in
    options loaded by `inherit` and in immediate options (`include`, `set`, logic) are
    never expanded at all.

    ## Example
    ```ini
    [uwsgi]
    master = true
    socket = /run/%(project).sock
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    project = shop
    socket = /run/%(project).sock
    ```
    """
    if may_miss_options(config):
        return  # the name may be defined in the source that was not read
    uses: dict[tuple[str, str], list[Entry]] = {}
    for event in config.events("placeholder-undefined"):
        if not event.entry.key.startswith(_RUNTIME_FORMATS):
            uses.setdefault((event.entry.path, event.detail), []).append(event.entry)
    for (_, name), entries in uses.items():
        first, others = entries[0], sorted({e.line for e in entries[1:]} - {entries[0].line})
        also = f" (also on line{'s' if len(others) > 1 else ''} " \
            f"{', '.join(map(str, others))})" if others else ""
        yield Hit.at(
            first,
            f"`%({name})`{also} is not defined in the config, so unless the command line "
            f"(`--set {name}=...`) or the Emperor defines it, uWSGI keeps it literally: "
            f"`{first.key}` is `{shown(first.value)}`",
            fix=f"define it, e.g. `set-placeholder = {name}=...`, above its first use",
        )
