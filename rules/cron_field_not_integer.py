'''cron-field-not-integer: a cron field uWSGI reads as a different number.'''

from __future__ import annotations

import re
from collections.abc import Iterable

from pytest_uwsgi_lint.cron import CRON_OPTIONS, TIME_FIELDS, CronField, CronTask
from pytest_uwsgi_lint.findings import Hit, Severity, shown
from pytest_uwsgi_lint.kvlist import reads_as_written
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule
from pytest_uwsgi_lint.values import uwsgi_true

_STEP = re.compile(r"\*/([0-9]+)")


@rule("UWM031", "cron-field-not-integer", Severity.ERROR, tags=("correctness",), needs=CRON_OPTIONS)
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags cron fields that are not plain integers where uWSGI accepts them anyway: `cron2`
    values such as `hour=*/2`, `minute=13-18` or `unique=true`, and classic `cron` lines
    whose ranges or lists still happen to scan as five integers.

    ## Why is this bad?
    `cron2` values go through `atoi`, which stops at the first non-digit: `*/2` is 0, so
    the task runs at midnight only instead of every two hours, and `13-18` is 13. The classic
    form scans integers one after another, so `0 9-17 1 1 1 cmd` is read as hour 9, day -17,
    and the command becomes `1 cmd`. uWSGI reports nothing in either case.

    ## Example
    ```ini
    [uwsgi]
    cron2 = hour=*/2,minute=0 /usr/bin/report
    ```

    ## Use instead
    ```ini
    [uwsgi]
    cron2 = hour=-2,minute=0 /usr/bin/report
    ```
    """
    for task in config.master_process.cron_tasks:
        if task.symbolic or task.fatal is not None or not task.misread:
            continue
        if task.legacy:
            yield _legacy(task)
            continue
        for field in task.misread:
            yield _field_hit(task, field)


def _legacy(task: CronTask) -> Hit:
    wrong = [_wrong(f.written) for f in task.fields
             if f.written and not reads_as_written(f.written)]
    what = " and ".join(wrong)
    read = ", ".join(f"{f.name} {f.value}" for f in task.fields)
    return Hit.at(
        task.entry,
        f"{what}: uWSGI scans five integers one after another, so it reads {read} and runs "
        f"the command `{task.command}`",
        fix="ranges and lists are not supported: write one integer per field (-1 for every, "
        "-N for every N) and one cron line per value",
    )


def _wrong(written: str) -> str:
    """What is wrong with a field of a classic ``cron`` line that uWSGI misreads."""
    digits = written.strip().lstrip("+-")
    if digits.isascii() and digits.isdigit():
        return f"`{shown(written)}` is beyond the range of an integer"
    return f"`{shown(written)}` is not an integer"


def _field_hit(task: CronTask, field: CronField) -> Hit:
    text = f"`{field.name}={shown(field.written)}`: uWSGI reads it with atoi as {field.value}"
    severity = None
    if field.name == "unique":
        meant = uwsgi_true(field.written.strip())
        if meant == bool(field.value):
            severity = Severity.WARNING
            text += " (it works by accident: every word reads 0, `true` too)"
        else:
            text += ", so the task is not unique"
        return Hit.at(task.entry, text, fix="write `unique=1`", severity=severity)
    if field.name in TIME_FIELDS:
        text += f"{_meaning(field)}"
    else:
        severity = Severity.WARNING
    step = _STEP.fullmatch(field.written.strip())
    fix = f"write `{field.name}=-{step.group(1)}` for every {step.group(1)}" if step else (
        f"write `{field.name}=-1` for every {field.name}" if field.written.strip() == "*" else
        "write a single integer (-N means every N; ranges and lists are not supported)")
    return Hit.at(task.entry, text, fix=fix, severity=severity)


def _meaning(field: CronField) -> str:
    """What the number uWSGI reads means for a time field."""
    if field.value < 0:
        return f" (every {-field.value})" if field.value < -1 else " (every)"
    if field.name == "hour" and field.value == 0:
        return " (midnight only)"
    return f" (only {field.name} {field.value})"
