'''cheaper-backlog-on-unix-socket: the backlog algorithm cannot see a UNIX socket's queue.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.applied import hit, may_miss_options
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule
from pytest_uwsgi_lint.sockets import listeners

#: The algorithm that scales on the listen queue the master measures (core/master_utils.c).
QUEUE_ALGORITHM = "backlog"


@rule("UWA021", "cheaper-backlog-on-unix-socket", Severity.WARNING, tags=("correctness",),
      needs=("cheaper-algo",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags `cheaper-algo = backlog` when every worker socket is a UNIX socket.

    ## Why is this bad?
    The backlog algorithm spawns workers when the listen queue grows
    (`uwsgi_cheaper_algo_backlog`). The master measures that queue with `TCP_INFO` on TCP
    sockets only; for UNIX sockets it needs the `SIOBKLGQ` ioctl, which exists only in
    Unbit's patched kernels (`core/master.c`, `master_check_listen_queue`, in 2.0.30). On
    a normal Linux the queue reads as 0, so
    cheaper mode never spawns beyond its minimum, however loaded the instance is.
    Cheaper.rst: backlog "is only available on Linux and only on TCP sockets".

    ## Example
    ```ini
    [uwsgi]
    master = true
    socket = /run/app/app.sock
    processes = 8
    cheaper = 2
    cheaper-algo = backlog
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    socket = /run/app/app.sock
    processes = 8
    cheaper = 2
    cheaper-algo = busyness
    ```

    ## References
    - uWSGI 2.0.30 source: `core/master.c` (`master_check_listen_queue`: `get_tcp_info` for
      TCP, `SIOBKLGQ` for UNIX sockets), `core/master_utils.c`
      (`uwsgi_cheaper_algo_backlog`)
    - https://uwsgi-docs.readthedocs.io/en/latest/Cheaper.html
    """
    algo = config.last("cheaper-algo")
    if algo is None or algo.value != QUEUE_ALGORITHM or may_miss_options(config):
        return
    sockets = [item for item in listeners(config) if item.role == "socket"]
    if not sockets or not all(item.bound.is_path and item.bound.exact for item in sockets):
        return
    names = ", ".join(f"`{item.entry.value}`" for item in sockets)
    yield hit(
        algo,
        f"`{algo.key} = {algo.value}` scales on the listen queue, which uWSGI cannot measure "
        f"on the UNIX socket(s) {names}: the queue reads as 0, so cheaper mode never adds "
        "workers under load",
        *(item.entry for item in sockets),
        fix="use `cheaper-algo = busyness` (or `spare`), or listen on a TCP socket",
    )
