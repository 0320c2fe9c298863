'''py-autoreload-in-production: a development auto-reloader scanning every module.'''

from __future__ import annotations

import os
import re
from collections.abc import Iterable

from pytest_uwsgi_lint.applied import hit, number
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule

#: Words in a file or section name that mark a development config.
DEVELOPMENT = frozenset({"dev", "devel", "develop", "development", "local", "debug"})
_WORDS = re.compile(r"[^a-z0-9]+")


def _for_development(config: Config) -> bool:
    """``dev.ini``, ``uwsgi-local.ini``, ``uwsgi.ini:development``: meant for a workstation."""
    name = os.path.basename(config.path).lower()
    words = set(_WORDS.split(name)) | set(_WORDS.split(config.source.section.lower()))
    return bool(words & DEVELOPMENT)


@rule("UWA019", "py-autoreload-in-production", Severity.WARNING,
      tags=("availability", "performance", "python"), needs=("py-autoreload",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags `py-autoreload` (or its aliases `py-auto-reload`, `python-autoreload`,
    `python-auto-reload`) set above 0.

    ## Why is this bad?
    Every N seconds a thread stats the file of every module in `sys.modules` and, when one
    changed, sends SIGHUP to the master, which reloads the whole instance
    (`plugins/python/python_plugin.c`, `uwsgi_python_autoreloader_thread` and
    `uwsgi_check_python_mtime`, in 2.0.30). That costs CPU on every cycle, and any write
    under the import path (a deploy in progress, a file the app itself writes) restarts
    production. The option also turns the master and threads on by itself. uWSGI's docs
    say to use it only in development; `touch-reload` or `touch-chain-reload` reload on
    purpose instead. Configs whose file or section name says they are for development
    (`dev.ini`, `uwsgi-local.ini`, `uwsgi.ini:development`) are left alone.

    ## Example
    ```ini
    [uwsgi]
    master = true
    module = app:application
    py-autoreload = 1
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    module = app:application
    touch-reload = /srv/app/reload
    ```

    ## References
    - uWSGI 2.0.30 source: `plugins/python/python_plugin.c`
      (`uwsgi_python_autoreloader_thread`, `uwsgi_check_python_mtime`)
    - https://uwsgi-docs.readthedocs.io/en/latest/ThingsToKnow.html (auto-reloading)
    - https://uwsgi-docs.readthedocs.io/en/latest/Snippets.html
    """
    entry = config.last("py-autoreload")
    seconds = None if entry is None else number(entry)
    if entry is None or not seconds or _for_development(config):
        return
    yield hit(
        entry,
        f"`{entry.key} = {entry.value}`: every {seconds} s uWSGI checks the file of every "
        "loaded Python module and reloads the whole instance when one changed, a "
        "development aid that restarts production on any write under the import path",
        fix="remove it and reload on purpose with `touch-reload` or `touch-chain-reload`",
    )
