'''post-buffering-misused: `post-buffering` is a size in bytes, not a switch.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.applied import hit, written_number
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule

#: Below one memory page, bodies are spooled to disk in tiny reads.
SMALLEST_SENSIBLE = 4096


@rule("UWC015", "post-buffering-misused", Severity.WARNING, tags=("correctness", "performance"),
      needs=("post-buffering",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags `post-buffering` set to a small number of bytes (1 to 4095), usually `1` written
    to mean "on". Text such as `true` is reported by `value-not-integer`.

    ## Why is this bad?
    `post-buffering` is the size from which uWSGI buffers a request body in a temporary
    file instead of memory, and also the size of each read while it does so
    (`core/protocol.c` and `core/reader.c`, `uwsgi_postbuffer_do_in_disk`, in 2.0.30). With
    `post-buffering = 1` every non-empty body goes to disk, read one byte per system call: large
    uploads become extremely slow (unbit/uwsgi#2383).

    ## Example
    ```ini
    [uwsgi]
    master = true
    module = app:application
    post-buffering = 1
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    module = app:application
    post-buffering = 65536
    ```

    ## References
    - uWSGI 2.0.30 source: `core/protocol.c` (bodies of `post-buffering` bytes or more go
      to disk), `core/reader.c` (`uwsgi_postbuffer_do_in_disk` reads that many at a time)
    - https://github.com/unbit/uwsgi/issues/2383
    - https://uwsgi-docs.readthedocs.io/en/latest/Options.html#post-buffering
    """
    entry = config.last("post-buffering")
    size = None if entry is None else written_number(entry)
    if entry is None or size is None or not 0 < size < SMALLEST_SENSIBLE:
        return
    bodies = ("every non-empty request body" if size == 1
              else f"every request body of {size} bytes or more")
    chunk = "one byte" if size == 1 else f"{size} bytes"
    yield hit(
        entry,
        f"`{entry.key} = {entry.value}` is a size, not a switch: uWSGI writes {bodies} to a "
        f"temporary file, reading it {chunk} per system call, which makes uploads very slow",
        fix="set the size in bytes to keep in memory, e.g. `post-buffering = 65536`",
    )
