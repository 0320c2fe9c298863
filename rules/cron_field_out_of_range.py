'''cron-field-out-of-range: a cron time field that no date can match.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.cron import CRON_OPTIONS, CronTask
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule

#: The values each field is compared with (``tm_mon`` after uWSGI adds one; week 7 is Sunday).
_RANGES = {"minute": (0, 59), "hour": (0, 23), "day": (1, 31), "month": (1, 12),
           "week": (0, 7)}
_ONLY_ZERO = {"minute": "once an hour, at minute 0", "hour": "once a day, at hour 0",
              "week": "on Sundays only"}
_SHORT_MONTHS = {2: 29, 4: 30, 6: 30, 9: 30, 11: 30}


@rule("UWM032", "cron-field-out-of-range", Severity.ERROR, tags=("correctness",),
      needs=CRON_OPTIONS)
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags cron time fields outside their range (minute 0-59, hour 0-23, day 1-31, month
    1-12, week 0-7) and "every N" values (-N) that cannot work as meant, such as
    `minute=-90`, which matches minute 0 only.

    ## Why is this bad?
    uWSGI never checks the values: a task with `hour=24` or `day=31` in February is
    registered and simply never runs. A negative value -N matches when the current value is a
    multiple of N, so -N larger than the range matches only 0 (or nothing for day and month).

    ## Example
    ```ini
    [uwsgi]
    cron = 120 -1 -1 -1 -1 /usr/bin/sync
    ```

    ## Use instead
    ```ini
    [uwsgi]
    cron = -2 -1 -1 -1 -1 /usr/bin/sync
    ```
    """
    for task in config.master_process.cron_tasks:
        if task.symbolic or task.fatal is not None:
            continue
        if task.legacy and task.misread:
            continue  # misaligned fields: cron-field-not-integer explains them
        yield from _fields(task)
        yield from _impossible_date(task)


def _fields(task: CronTask) -> Iterable[Hit]:
    for field in task.fields:
        if field.name not in _RANGES or not field.as_written:
            continue
        low, high = _RANGES[field.name]
        value = field.value
        unit = "weekday" if field.name == "week" else field.name
        if value >= 0 and not low <= value <= high:
            yield _never(task, f"{field.name} {value} is outside {low}-{high}", field.name)
        elif value < -1 and -value > high:
            if field.name in ("day", "month"):
                yield _never(task, f"{field.name} {value} matches a {unit} that is a multiple "
                             f"of {-value}, and none is", field.name)
            else:
                yield Hit.at(
                    task.entry,
                    f"{field.name} {value} does not mean every {-value}: uWSGI matches a "
                    f"{unit} that is a multiple of {-value}, so it runs {_ONLY_ZERO[field.name]}",
                    fix=f"use -N with N at most {high}, or a fixed {field.name}",
                    severity=Severity.WARNING,
                )


def _never(task: CronTask, why: str, name: str) -> Hit:
    if name == "day" and task.day >= 0 and 0 <= task.weekday <= 7:
        return Hit.at(task.entry, f"{why}, so the day never matches and the task runs only "
                      f"on weekday {task.weekday % 7} (day and week are ORed)",
                      severity=Severity.WARNING)
    if name == "week" and task.weekday >= 0 and 1 <= task.day <= 31:
        return Hit.at(task.entry, f"{why}, so the weekday never matches and the task runs "
                      f"only on day {task.day} (day and week are ORed)",
                      severity=Severity.WARNING)
    return Hit.at(task.entry, f"{why}, so this cron never runs (uWSGI does not check ranges)",
                  fix=f"use a {name} inside its range, or -1 for every")


def _impossible_date(task: CronTask) -> Iterable[Hit]:
    longest = _SHORT_MONTHS.get(task.month)
    if longest is None or not longest < task.day <= 31:
        return
    if 0 <= task.weekday <= 7:
        yield Hit.at(task.entry, f"month {task.month} never has a day {task.day}, so the task "
                     f"runs only on weekday {task.weekday % 7} (day and week are ORed)",
                     severity=Severity.WARNING)
    else:
        yield Hit.at(task.entry, f"month {task.month} never has a day {task.day}, so this cron "
                     "never runs", fix="pick a day that exists in that month")
