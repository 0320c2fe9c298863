'''file-too-large: a config the linter reads only in part, because of its size.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule

# Loader events for a bound reached, with the message (naming the bound) and the fix.
_STOPPED = {
    "config-too-large": (
        "the files of this config add up to more than {bound} (a file included again and "
        "again?): the linter stopped loading here and checked nothing after it, while uWSGI "
        "loads them all",
        "include each file once",
    ),
    "expansion-stopped": (
        "expanding `$()`, `@()` and `%()` in this config takes more than {bound} (references "
        "to a huge value?): the linter stopped expanding here, so this value and those after "
        "it are checked as written, while uWSGI expands them all",
        "refer to a large value once",
    ),
}


@rule("UWE021", "file-too-large", Severity.WARNING, tags=("meta",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Reports a config whose files, counted each time they are loaded, add up to more than
    100,000 lines, 100,000 `%` pairs, 10 MiB (before or after the `%` pairs are replaced) or
    200,000 options: the linter reads up to that point and checks nothing after it. The
    finding names the file where reading stopped, or the include line from which nothing
    more was loaded. Also reports a config whose `$()`, `@()` and `%()` expansions would take
    more than 5,000,000 steps (a character examined, or 256 bytes of a value built) or
    produce more than 10 MiB: the values from there on are checked as written.

    ## Why is this bad?
    No hand-written uWSGI config comes near these sizes (the largest real ones have a few
    hundred lines); a config that does is generated, includes one file again and again, or
    is not a config at all (a log, a data dump). uWSGI reads it all at start-up, while the
    linter stops so that one config cannot take minutes and gigabytes of memory, so whatever
    follows was not checked.

    ## Example
    ```text
    $ yes 'processes = 4' | head -n 200000 > app.ini && uwsgi-lint app.ini
    ```

    ## Use instead
    ```text
    $ uwsgi-lint app.ini   # a config of a sensible size
    ```
    """
    for ini in config.files:
        if ini.unread_from:
            yield Hit(
                f"{ini.path} takes this config past {ini.unread_because} (counted over every "
                f"file it loads): the linter read it up to line {ini.unread_from - 1:,} and "
                "checked nothing after it, while uWSGI reads it all",
                line=ini.unread_from,
                column=1,
                path=ini.path,
                fix="split the file, or check that it is the config you meant",
            )
    for kind, (message, fix) in _STOPPED.items():
        for event in config.events(kind):
            yield Hit.at(event.entry, message.format(bound=event.detail), fix=fix)
