'''cron-syntax: a cron line uWSGI rejects or reads in a way nobody means.'''

from __future__ import annotations

import re
from collections.abc import Iterable

from pytest_uwsgi_lint.cron import CRON_OPTIONS, INVALID_SYNTAX, CronTask, scan_five
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule

_TOKEN = re.compile(r"[^ \t\n\v\f\r]*")


@rule("UWM030", "cron-syntax", Severity.ERROR, tags=("correctness",), needs=CRON_OPTIONS)
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags cron lines uWSGI refuses at start-up (a `cron` whose first five fields are not
    integers, a `cron2` key list without a command, a legion cron without a legion name),
    cron lines with an empty command, and `cron2` values whose keys hide inside the command.

    ## Why is this bad?
    `cron = */5 * * * * cmd` stops uWSGI with "invalid cron syntax": the classic form takes
    exactly five integers (-1 for every, -N for every N), not crontab patterns.
    `cron2 = minute=5` stops it with "unable to parse cron definition". When the first word
    of a `cron2` value has no `=`, the whole value is both the command and a key list, so
    `cron2 = backup.sh,hour=3` runs `backup.sh,hour=3` at 03:00.

    ## Example
    ```ini
    [uwsgi]
    cron = */5 * * * * /usr/bin/cleanup
    ```

    ## Use instead
    ```ini
    [uwsgi]
    cron = -5 -1 -1 -1 -1 /usr/bin/cleanup
    ```
    """
    for task in config.master_process.cron_tasks:
        if task.symbolic:
            continue
        if task.fatal is not None:
            yield Hit.at(task.entry, _fatal_message(task), fix=_fatal_fix(task))
        elif not task.command.strip():
            yield Hit.at(
                task.entry,
                f"`{task.form}` has no command: uWSGI registers a task that runs an empty "
                "shell command",
                fix="add the command after the schedule",
                severity=Severity.WARNING,
            )
        elif task.keys_in_command:
            keys = ",".join(item.text for item in task.keys_in_command)
            yield Hit.at(
                task.entry,
                f"the first word of `{task.entry.value}` has no `=`, so uWSGI uses the whole "
                f"value as the command and also reads it as a key list: `{keys}` sets the "
                "schedule and is passed to the shell",
                fix=f"put the keys first: `cron2 = {keys} <command>`",
                severity=Severity.WARNING,
            )


def _fatal_message(task: CronTask) -> str:
    start = f"uWSGI exits at start-up with \"{task.fatal}\""
    if task.form == "cron2":
        return f"{start}: a cron2 value with `=` but no space is a key list without a command"
    if task.fatal != INVALID_SYNTAX:
        return f"{start} (builds with SSL; others do not know `{task.form}`)"
    text = task.entry.value if task.legion is None else task.entry.value.partition(" ")[2]
    if not text.strip():
        return f"{start}: the value is empty"
    numbers, position = scan_five(text)
    bad = _TOKEN.match(text, _token_start(text, position))
    if bad is None or not bad.group():
        return f"{start}: `{text}` has only {len(numbers)} integers before the end"
    return (f"{start}: `{task.form}` takes five integers before the command, and "
            f"`{bad.group()}` is not one")


def _token_start(text: str, position: int) -> int:
    """The start of the blank-separated word around ``position``."""
    while position < len(text) and text[position] in " \t\n\v\f\r":
        position += 1
    while position < len(text) and position > 0 and text[position - 1] not in " \t\n\v\f\r":
        position -= 1
    return position


def _fatal_fix(task: CronTask) -> str:
    if task.form == "cron2":
        return f"add the command after a space: `cron2 = {task.entry.value} <command>`"
    if task.fatal != INVALID_SYNTAX:
        return "start the value with the legion name and a space"
    return ("write minute hour day month weekday as integers, -1 for every and -N for every "
            "N (`*/5` is -5), or use `cron2 = minute=-5 <command>`")
