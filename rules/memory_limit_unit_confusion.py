'''memory-limit-unit-confusion: a memory limit written in the wrong unit.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.applied import hit, written_number
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule

#: Options uWSGI reads in megabytes (`uwsgi_opt_set_megabytes`) and in bytes (`_set_64bit`).
MEGABYTE_OPTIONS = ("reload-on-rss", "reload-on-as", "evil-reload-on-rss", "evil-reload-on-as",
                    "limit-as")
BYTE_OPTIONS = ("cheaper-rss-limit-soft", "cheaper-rss-limit-hard")
#: More megabytes than this (64 GiB) was almost surely written in bytes.
MEGABYTES_TOO_MANY = 65536
#: Fewer than this is below what a Python worker uses right after start-up.
MEGABYTES_TOO_FEW = 32
#: A byte limit under 1 MiB was almost surely written in megabytes.
BYTES_TOO_FEW = 1 << 20


def _judge(name: str, value: int) -> str | None:
    """What uWSGI makes of ``value``, when the unit was probably mistaken."""
    if name in MEGABYTE_OPTIONS and value > MEGABYTES_TOO_MANY:
        return (f"uWSGI reads megabytes here, so this is {value >> 20} TB: bytes were probably "
                "meant, and the limit never applies")
    if name in MEGABYTE_OPTIONS and value < MEGABYTES_TOO_FEW:
        return (f"uWSGI reads megabytes here, so this is {value} MB, less than a worker uses "
                "after start-up: gigabytes were probably meant")
    if name in BYTE_OPTIONS and value < BYTES_TOO_FEW:
        return (f"uWSGI reads bytes here, so this is {value} bytes, less than any worker uses: "
                "megabytes were probably meant, and the limit is always exceeded")
    return None


@rule("UWA017", "memory-limit-unit-confusion", Severity.WARNING, tags=("correctness",),
      needs=(*MEGABYTE_OPTIONS, *BYTE_OPTIONS))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags memory limits whose number only makes sense in another unit: `reload-on-rss`,
    `reload-on-as`, `evil-reload-on-*` and `limit-as` (megabytes) above 65536 or below 32,
    and `cheaper-rss-limit-soft`/`-hard` (bytes) below 1 MiB. Values with a unit suffix are
    reported by `value-not-integer`.

    ## Why is this bad?
    uWSGI uses two units for memory limits and says so only in the help text: the reload
    limits and `limit-as` are megabytes (`uwsgi_opt_set_megabytes`), the cheaper limits are
    bytes (`uwsgi_opt_set_64bit`; Cheaper.rst: "values are in bytes"). Bytes written as
    megabytes make a limit that never triggers; megabytes written as bytes, or gigabytes
    as megabytes, make one that is always exceeded, so workers are recycled after every
    request or cheaper mode never spawns workers.

    ## Example
    ```ini
    [uwsgi]
    master = true
    module = app:application
    reload-on-rss = 536870912
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    module = app:application
    reload-on-rss = 512
    ```

    ## References
    - uWSGI 2.0.30 source: `core/uwsgi.c` (`uwsgi_opt_set_megabytes`,
      `uwsgi_opt_set_64bit`, the option table)
    - https://uwsgi-docs.readthedocs.io/en/latest/Cheaper.html (Setting memory limits)
    """
    for name in (*MEGABYTE_OPTIONS, *BYTE_OPTIONS):
        entry = config.last(name)
        value = None if entry is None else written_number(entry)
        if entry is None or not value:
            continue
        said = _judge(name, value)
        if said is not None:
            yield hit(entry, f"`{entry.key} = {entry.value}`: {said}",
                      fix="write the limit in the option's unit (MB for the reload limits and "
                      "limit-as, bytes for the cheaper limits)")
