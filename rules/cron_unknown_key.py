'''cron-unknown-key: a cron2 item uWSGI ignores.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.cron import CRON2_KEYS, CRON_OPTIONS, TIME_FIELDS
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.kvlist import KvItem, closest
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.reader import Entry
from pytest_uwsgi_lint.registry import rule
from pytest_uwsgi_lint.values import has_expansion

_SYNONYMS = {
    "weekday": "week", "weekdays": "week", "wday": "week", "dow": "week",
    "day_of_week": "week", "min": "minute", "minutes": "minute", "hours": "hour",
    "mday": "day", "dom": "day", "days": "day", "day_of_month": "day", "mon": "month",
    "months": "month", "timeout": "harakiri",
}


@rule("UWM033", "cron-unknown-key", Severity.WARNING, tags=("correctness",), needs=CRON_OPTIONS)
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags `cron2` key-list items uWSGI ignores: keys it does not know (such as uwsgiconf's
    parameter name `weekday`; the key is `week`), keys with blanks around them, and items
    without `=`.

    ## Why is this bad?
    The key list never fails. An unknown key is skipped, and the field it was meant to set
    keeps its default of "every", so `weekday=1` makes a weekly task run every day.

    ## Example
    ```ini
    [uwsgi]
    cron2 = minute=0,hour=3,weekday=1 /usr/bin/backup
    ```

    ## Use instead
    ```ini
    [uwsgi]
    cron2 = minute=0,hour=3,week=1 /usr/bin/backup
    ```
    """
    for task in config.master_process.cron_tasks:
        for item in (*task.unknown_keys, *task.bare_items):
            if not has_expansion(item.text):
                yield _hit(task.entry, item)


def _hit(entry: Entry, item: KvItem) -> Hit:
    word = item.key if item.key is not None else item.text
    meant = closest(word, CRON2_KEYS, _SYNONYMS)
    if item.key is None:
        stays = f", so {word.strip()} is not set" if word.strip() in CRON2_KEYS else ""
        return Hit.at(entry, f"`{item.text}` has no `=`: uWSGI drops the item{stays}",
                      fix=f"write `{word.strip()}=1`" if word.strip() == "unique" else None)
    if not item.key.strip():
        return Hit.at(entry, f"`{item.text}` has no key before `=`: uWSGI ignores it")
    if meant is not None and meant == item.key.strip():
        why = f"uWSGI does not trim blanks in key lists, so `{item.key}` is not `{meant}`"
    else:
        why = f"`{item.key}` is not a cron2 key"
        if meant is not None:
            why += f" (did you mean `{meant}`?)"
    effect = f", so {meant} stays at every {meant}" if meant in TIME_FIELDS else ""
    return Hit.at(
        entry,
        f"`{item.text}`: {why}; uWSGI ignores it{effect}",
        fix=f"write `{meant}={item.value}`" if meant else None,
    )
