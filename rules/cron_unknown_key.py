'''cron-unknown-key: a cron2 item uWSGI ignores.'''

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from pytest_uwsgi_lint.cron import CRON2_KEYS, CRON_OPTIONS, TIME_FIELDS
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.kvlist import Guess, KvItem, first_guesses, remembered
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule
from pytest_uwsgi_lint.values import has_expansion

_SYNONYMS = {
    "weekday": "week", "weekdays": "week", "wday": "week", "dow": "week",
    "day_of_week": "week", "min": "minute", "minutes": "minute", "hours": "hour",
    "mday": "day", "dom": "day", "days": "day", "day_of_month": "day", "mon": "month",
    "months": "month", "timeout": "harakiri",
}
_SUGGESTIONS = remembered(CRON2_KEYS, _SYNONYMS)


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
    guess = first_guesses(_SUGGESTIONS)  # a value may hold millions of made-up keys
    for task in config.master_process.cron_tasks:
        if task.keylist is None:
            continue
        line: Hit | None = None  # placed once, if needed: the line may be megabytes long
        for item in task.keylist.ignored():
            if not has_expansion(item.text):
                if line is None:
                    line = Hit.at(task.entry, "")
                message, fix = _advice(item, guess)
                yield replace(line, message=message, fix=fix)


def _advice(item: KvItem, guess: Guess) -> tuple[str, str | None]:
    """The message and fix for one ignored item."""
    if item.key is None:
        word = item.text.strip()
        stays = f", so {word} is not set" if word in CRON2_KEYS else ""
        return (f"`{item.text}` has no `=`: uWSGI drops the item{stays}",
                f"write `{word}=1`" if word == "unique" else None)
    if not item.key.strip():
        return f"`{item.text}` has no key before `=`: uWSGI ignores it", None
    meant = guess(item.key)
    if meant is not None and meant == item.key.strip():
        why = f"uWSGI does not trim blanks in key lists, so `{item.key}` is not `{meant}`"
    else:
        why = f"`{item.key}` is not a cron2 key"
        if meant is not None:
            why += f" (did you mean `{meant}`?)"
    effect = f", so {meant} stays at every {meant}" if meant in TIME_FIELDS else ""
    return (f"`{item.text}`: {why}; uWSGI ignores it{effect}",
            f"write `{meant}={item.value}`" if meant else None)
