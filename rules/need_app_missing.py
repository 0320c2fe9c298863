'''need-app-missing: an app that fails to load leaves uWSGI running and answering 500.'''

from __future__ import annotations

from collections.abc import Iterable

from packaging.version import Version

from pytest_uwsgi_lint.applied import hit, may_miss_options
from pytest_uwsgi_lint.apps import first_certain, is_emperor, registering_loaders
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config, canonical_name
from pytest_uwsgi_lint.reader import Entry
from pytest_uwsgi_lint.registry import rule

#: From the 2.1 development branch on, `need-app` is on by default (core/init.c).
DEFAULT_ON_FROM = Version("2.1.dev0")
#: What uWSGI 2.0.30 does when a loader's app fails to load: go on without it, exit with
#: UWSGI_FAILED_APP_CODE (22), which a master in lazy-apps mode turns into respawning the
#: worker unless `need-app` is on (core/master.c), or exit with 1, which `need-app` never
#: catches.
GOES_ON, EXITS_22, EXITS_1 = "goes on", "exits 22", "exits 1"
#: The Python module and file loaders return NULL (plugins/python/pyloader.c),
#: `init_psgi_app` returns -1 (plugins/psgi/psgi_loader.c); pecan, paste and eval call
#: `exit(UWSGI_FAILED_APP_CODE)` (pyloader.c); rack and rails `exit(1)`
#: (plugins/rack/rack_plugin.c, `uwsgi_rack_init_apps`).
OUTCOMES = {
    "module": GOES_ON, "file": GOES_ON, "web3": GOES_ON, "pump": GOES_ON,
    "wsgi-lite": GOES_ON, "psgi": GOES_ON, "pecan": EXITS_22, "paste": EXITS_22,
    "ini-paste": EXITS_22, "ini-paste-logged": EXITS_22, "eval": EXITS_22, "rack": EXITS_1,
    "rails": EXITS_1,
}


def _mount_outcome(value: str) -> str:
    """What a failing ``mount = point=app`` does.

    ``uwsgi_init_all_apps`` offers the app to Python, then psgi, then rack. Python takes a
    ``.py``/``.wsgi`` file or a ``:``-holding name: files and ``config:...ini`` paste files
    exit on failure, a module returns -1 and the next plugin is asked; psgi takes
    ``.pl``/``.psgi`` and returns -1; rack takes ``.ru``/``.rb`` and exits. An app nobody
    takes is never loaded, and a value with no ``=`` is an invalid mountpoint (exit 1).
    """
    _, equal, app = value.partition("=")
    if not equal or app.endswith((".ru", ".rb")):
        return EXITS_1
    if app.endswith((".py", ".wsgi")) or (":" in app and app.endswith(".ini")):
        return EXITS_22
    return GOES_ON


def _outcome(entry: Entry) -> str | None:
    """What uWSGI does when this loader fails; None for `mono-app`, whose apps each worker
    loads once forked (`uwsgi_mono_post_fork`), exiting with 1 when one fails."""
    name = canonical_name(entry.key)
    return _mount_outcome(entry.value) if name == "mount" else OUTCOMES.get(name)


def _loaders(config: Config, outcome: str) -> list[Entry]:
    return [entry for entry in registering_loaders(config) if _outcome(entry) == outcome]


def _problem(config: Config) -> tuple[Entry, str] | None:
    """The loader whose failure leaves uWSGI running without `need-app`, and what it then
    does; None when every failure already stops uWSGI or leaves an app loaded."""
    respawns = config.master_process.enabled and config.flag("lazy-apps")
    exits = _loaders(config, EXITS_1) + ([] if respawns else _loaders(config, EXITS_22))
    if any(not entry.condition for entry in exits):
        return None
    looping = _loaders(config, EXITS_22) if respawns else []
    if looping:
        return first_certain(looping), (
            "ends the worker with status 22 and the master respawns it forever ('OOPS ! "
            "failed loading app in worker N ... trying again...'): the instance keeps "
            "running without serving a request")
    going_on = _loaders(config, GOES_ON)
    if not going_on:
        return None
    return first_certain(going_on), (
        "logs 'no app loaded. going in full dynamic mode' and keeps running, answering "
        "every request with HTTP 500 while health checks still pass")


@rule("UWA004", "need-app-missing", Severity.WARNING, tags=("availability",),
      needs=(*(name for name, outcome in OUTCOMES.items() if outcome != EXITS_1), "mount"))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags a config without `need-app = true`, for uWSGI before 2.1, whose app loader lets
    uWSGI keep running when the app fails to load (`module`, `wsgi-file`, `web3`, `pump`,
    `wsgi-lite`, `psgi`, a `mount` of such an app; under `lazy-apps` with the master on,
    also `pecan`, `paste`, `ini-paste`, `eval` and a `mount` of a Python file).

    ## Why is this bad?
    When such an app fails to import, uWSGI 2.0 logs `*** no app loaded. going in full
    dynamic mode ***` and keeps running (`core/uwsgi.c`, `uwsgi_init_all_apps`). Health
    checks that only open the socket pass, supervisors report success, and every request
    gets HTTP 500: "This just bit us on a production deploy" (unbit/uwsgi#1172). With
    `need-app = true` uWSGI exits with status 22 instead, so the failed deploy is seen at
    once. uWSGI 2.1 turns `need-app` on by default.

    `pecan`, `paste`, `ini-paste`, `eval` and a `mount` of a `.py`, `.wsgi` or
    `config:...ini` file exit with status 22 on a load error (`plugins/python/pyloader.c`;
    `eval` goes on only when its code defines no callable). That stops uWSGI, so they are
    left alone, except under `lazy-apps`: there the worker exits, and the master respawns
    it forever (`OOPS ! failed loading app in worker 1 ... trying again...`) unless
    `need-app` is on (`core/master.c`).

    Left alone as well: `rack` and `rails`, and a `mount` of a `.ru` or `.rb` file, which
    exit with status 1 (`plugins/rack/rack_plugin.c`, `uwsgi_rack_init_apps`): that stops
    uWSGI, and under `lazy-apps` it is a status `need-app` does not act on. `mono-app`:
    Mono loads its apps in each worker once forked and exits there when one fails; without
    `lazy-apps` that is after the check `need-app` makes, so `need-app` would stop a
    healthy instance. PHP, CGI and Lua, which register no app at all. And a config whose
    loader stops uWSGI outside any logic block, since it never ends up with no app loaded.

    ## Example
    ```ini
    [uwsgi]
    master = true
    module = app:application
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    module = app:application
    need-app = true
    ```

    On uWSGI 2.1 `need-app` is already the default:
    ```ini uwsgi-version=2.1
    [uwsgi]
    master = true
    module = app:application
    ```

    ## References
    - uWSGI 2.0.30 source: `core/uwsgi.c` (`uwsgi_init_all_apps`: "no app loaded"),
      `core/master.c` (a worker's status 22 under `lazy-apps`), `plugins/python/pyloader.c`,
      `plugins/psgi/psgi_loader.c` (`init_psgi_app`), `plugins/rack/rack_plugin.c`,
      `plugins/mono/mono_plugin.c` (`uwsgi_mono_post_fork`), `core/init.c` on the 2.1
      branch (`need_app = 1`)
    - https://github.com/unbit/uwsgi/issues/1172
    - https://github.com/radiasoft/sirepo/issues/527
    - https://www.techatbloomberg.com/blog/configuring-uwsgi-production-deployment/
    """
    if config.version >= DEFAULT_ON_FROM or is_emperor(config) or may_miss_options(config):
        return
    if config.flag("need-app"):
        return
    problem = _problem(config)
    if problem is None:
        return
    loader, outcome = problem
    switch = config.last("need-app")
    said = (f"`{switch.key} = {switch.value}` leaves it off: " if switch is not None else "")
    yield hit(
        switch or loader,
        f"{said}if `{loader.key} = {loader.value}` fails to load, uWSGI {config.version} "
        f"{outcome}",
        loader,
        fix="add `need-app = true` so uWSGI exits (status 22) when the app cannot be loaded",
    )
