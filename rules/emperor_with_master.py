'''emperor-with-master: every master reload restarts the Emperor and all its vassals.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.applied import hit
from pytest_uwsgi_lint.apps import first_certain, is_emperor
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule
from pytest_uwsgi_lint.values import uwsgi_true


@rule("UWA025", "emperor-with-master", Severity.INFO, tags=("availability",), needs=("emperor",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags an Emperor config (`emperor = ...`) that turns the master on with `master = true`.

    ## Why is this bad?
    Without a master the Emperor is the main process itself. With one, the Emperor runs as
    a child of the master, and every reload of the master (SIGHUP, a touched
    `touch-reload` file, and in 2.0 SIGTERM too) kills the Emperor, which takes all its
    vassals down, then starts it again, which starts them all again
    (`core/master_utils.c`, `uwsgi_destroy_processes`; `core/emperor.c`,
    `uwsgi_emperor_start`). The uWSGI docs: the Emperor "should generally not be run with
    --master, unless master features like advanced logging are specifically needed". A
    config that uses such a feature (`log-master`, `stats`, `touch-reload`...) needs the
    master anyway and is not flagged.

    ## Example
    ```ini
    [uwsgi]
    master = true
    emperor = /etc/uwsgi/vassals
    ```

    ## Use instead
    ```ini
    [uwsgi]
    emperor = /etc/uwsgi/vassals
    ```

    ## References
    - uWSGI 2.0.30 source: `core/emperor.c` (`uwsgi_emperor_start`),
      `core/master_utils.c` (`uwsgi_destroy_processes`), `core/uwsgi.c` (`grace_them_all`,
      `reap_them_all`)
    - https://uwsgi-docs.readthedocs.io/en/latest/Emperor.html (Notes)
    """
    master = config.master_process
    switch = master.explicit
    if switch is None or not uwsgi_true(switch.value) or not is_emperor(config):
        return
    if master.implied_by:
        return  # a master feature is in use, so the master stays either way
    emperor = first_certain(config.all("emperor"))
    yield hit(
        switch,
        f"`{switch.key} = {switch.value}` runs the Emperor (`{emperor.key} = {emperor.value}`) "
        "under a master: every master reload kills the Emperor and all its vassals, then "
        "starts them all again",
        emperor,
        fix="remove `master = true` unless a master feature is needed",
    )
