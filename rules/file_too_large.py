'''file-too-large: a config the linter reads only in part, because of its size.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.loader import MAX_OPTIONS
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule


@rule("UWE021", "file-too-large", Severity.WARNING, tags=("meta",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Reports a config, or a file it includes, with more than 1,048,576 lines or more than
    100,000 `%` pairs, and a config whose files add more than 1,048,576 options in all (the
    same file included again and again): the linter reads up to that point and checks
    nothing after it.

    ## Why is this bad?
    No hand-written uWSGI config comes near these sizes; a file that does is generated, or
    not a config at all (a log, a data dump). uWSGI reads it whole at start-up, while the
    linter stops so that one file cannot take gigabytes of memory, so whatever follows was
    not checked.

    ## Example
    ```text
    $ yes 'processes = 4' | head -n 2000000 > app.ini && uwsgi-lint app.ini
    ```

    ## Use instead
    ```text
    $ uwsgi-lint app.ini   # a config of a sensible size
    ```
    """
    for ini in config.files:
        if ini.unread_from:
            yield Hit(
                f"{ini.path} has {ini.unread_because}: the linter read it up to line "
                f"{ini.unread_from - 1:,} and checked nothing after it, while uWSGI reads it "
                "all",
                line=ini.unread_from,
                column=1,
                path=ini.path,
                fix="split the file, or check that it is the config you meant",
            )
    for event in config.events("options-too-many"):
        yield Hit.at(
            event.entry,
            f"the files of this config add more than {MAX_OPTIONS:,} options (a file included "
            "again and again?): the linter stopped loading here and checked nothing after it, "
            "while uWSGI loads them all",
            fix="include each file once",
        )
