'''duplicate-scalar-option: a last-wins option set again with another value.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint import catalog
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.integers import Reading, read
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.reader import Entry
from pytest_uwsgi_lint.registry import rule
from pytest_uwsgi_lint.target import Target
from pytest_uwsgi_lint.values import uwsgi_true


def meaning(option: catalog.Option, value: str) -> object:
    """What the handler makes of ``value``, so that `true` and `1` count as the same."""
    if option.kind in ("flag", "inverse-flag"):
        return uwsgi_true(value)
    if option.kind in ("int", "uint", "megabytes"):
        return read(option.handler, value)
    return value


def _scalar(option: catalog.Option, target: Target) -> bool:
    return option.scalar


def _where(entry: Entry, other: Entry) -> str:
    return f"line {other.line}" if other.path == entry.path else f"{other.path}:{other.line}"


@rule("UWC006", "duplicate-scalar-option", Severity.INFO, tags=("correctness",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Notes a setting that holds one value (`processes`, `harakiri`, `chdir`, `master`...) set
    more than once with different values, aliases (`workers`) and included files counted.
    The overridden line is reported, naming the line that wins. Lists (`socket`, `env`,
    `cron`...) are meant to repeat and are left alone, as are lines inside a logic block
    whose outcome the linter cannot know.

    ## Why is this bad?
    uWSGI applies every occurrence in order and keeps the last value without a word, so the
    earlier line is dead text that a reader will believe. Often it is a leftover after
    copying a block, or an include whose value the main file silently overrides.

    ## Example
    ```ini
    [uwsgi]
    master = true
    processes = 4
    harakiri = 30
    workers = 8
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    processes = 8
    harakiri = 30
    ```
    """
    target = config.target
    scalars = target.names_with(_scalar)
    for group in config.repeated():
        occurrences = [(e, target.option(e.key)) for e in group
                       if e.key in scalars and not e.condition]
        if len(occurrences) < 2:
            continue
        last, option = occurrences[-1]
        if option is None:
            continue
        final = meaning(option, last.value)
        for entry, _ in occurrences[:-1]:
            if (entry.path, entry.line) == (last.path, last.line):
                continue  # one line repeated by a `for` block
            earlier = meaning(option, entry.value)
            if earlier == final or (isinstance(earlier, Reading) and earlier.fatal):
                continue  # the same setting, or uWSGI exits there (value-not-integer)
            where, later = _where(entry, last), f"`{last.key} = {last.value}`"
            effect = (
                f"applies only until {where}, which sets {later}; uWSGI keeps the last value"
                if option.immediate
                else f"has no effect: {where} sets {later} later, and uWSGI keeps only the "
                "last value"
            )
            yield Hit.at(
                entry,
                f"`{entry.key} = {entry.value}` {effect}",
                fix="remove this line, or set the value you want once",
            )
