'''workers-run-as-root: the app's workers keep root's user or group.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.apps import app_entries, is_emperor
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.master_process import may_miss_options
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.reader import Entry
from pytest_uwsgi_lint.registry import rule
from pytest_uwsgi_lint.values import atoi, has_expansion, is_plain_integer

_STARTED_AS_ROOT = {
    "plain": "started as root (an init script, sudo)",
    "systemd": "started by a systemd unit without `User=`",
    "container": "started as the image's default user, root unless the image sets `USER`",
}


@rule("UWS004", "workers-run-as-root", Severity.WARNING, tags=("security",),
      security_severity=7.0)
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags an instance that loads an app and keeps root privileges: no `uid` at all,
    `uid = root`, `uid = 0`, or a `uid` without a `gid` (the workers then keep group 0).

    ## Why is this bad?
    uWSGI only changes user when told to: started as root without `uid`, the master and
    every worker stay root (uWSGI itself prints "you are running uWSGI as root !!! (use the
    --uid flag)"), so the app's imports and every request run with full privileges and any
    bug in the app is a root compromise. The uWSGI docs call running as root a
    common-sense mistake. Ports below 1024 do not need it: bind them with `shared-socket`
    before the drop, or use a proxy.

    - `uid = root` resolves to uid 0 and changes nothing (an error).
    - `uid = 0` is read as a user *named* "0", since a numeric 0 means "do not change":
      uWSGI exits at start-up with "user 0 not found." (an error).
    - With `uid` but no `gid`, uWSGI never calls `setgid()`: the workers keep group root
      and can read and write whatever root's group can.

    An Emperor config is not checked (it starts vassals and needs root to give them their
    own users). A missing `uid` is only reported for a file that loads an app (others are
    taken for shared fragments), and not when `uid` may come from an undecided logic
    block or a file that could not be read; an unexpanded `uid` is not judged.
    `immediate-uid` counts as a `uid` (it refuses root itself).

    ## Deployment
    - `plain`, `systemd`: a missing `uid` is a warning (under systemd, `User=` in the unit
      also fixes it).
    - `container`: a missing `uid` is info: the image's `USER` decides, and root in a
      container is still root on the host's kernel unless user namespaces remap it.
    - `emperor-vassal`: a missing `uid` is not flagged: the Emperor decides (tyrant mode
      gives each vassal its file owner's ids, `vassal-set`/`vassals-inherit` can add
      `uid`). `uid = root`, `uid = 0` and a missing `gid` are flagged in every deployment.

    ## Example
    ```ini
    [uwsgi]
    socket = /run/app/app.sock
    module = app:application
    ```

    ```ini
    [uwsgi]
    socket = /run/app/app.sock
    module = app:application
    uid = app
    ```

    ## Use instead
    ```ini
    [uwsgi]
    socket = /run/app/app.sock
    module = app:application
    uid = app
    gid = app
    ```

    ## References
    - https://uwsgi-docs.readthedocs.io/en/latest/ThingsToKnow.html
    - https://uwsgi-docs.readthedocs.io/en/latest/WSGIquickstart.html#security-and-availability
    - https://github.com/unbit/uwsgi/blob/2.0.30/core/uwsgi.c#L4345-L4355
    - https://github.com/unbit/uwsgi/blob/2.0.30/core/utils.c#L768-L776
    - https://github.com/unbit/uwsgi/blob/2.0.30/core/utils.c#L829-L836
    - https://github.com/unbit/uwsgi/blob/2.0.30/core/utils.c#L913-L915
    """
    if is_emperor(config) or config.all("immediate-uid"):
        return
    user = config.last("uid")
    if user is None:
        apps = app_entries(config)
        if apps:
            yield from _no_uid(config, apps[0])
        return
    if has_expansion(user.value):
        return
    problem = _root_id(user, "user")
    if problem:
        yield Hit.at(user, problem, fix="set `uid` and `gid` to the app's own user and group",
                     severity=Severity.ERROR)
        return
    yield from _group(config, user)


def _no_uid(config: Config, app: Entry) -> Iterable[Hit]:
    started = _STARTED_AS_ROOT.get(config.deployment)
    if started is None or may_miss_options(config):
        return
    yield Hit.at(
        app,
        f"no `uid` is set: {started}, uWSGI keeps the master and every worker as root, so "
        f"`{app.key} = {app.value}` and every request it serves run with root privileges",
        fix="add `uid = <app user>` and `gid = <app group>`",
        severity=Severity.INFO if config.deployment == "container" else None,
    )


def _group(config: Config, user: Entry) -> Iterable[Hit]:
    """A non-root ``uid``: the group must be dropped too."""
    group = config.last("immediate-gid") or config.last("gid")
    if group is None:
        if may_miss_options(config):
            return
        yield Hit.at(
            user,
            f"`{user.key} = {user.value}` without `gid`: uWSGI never calls setgid(), so the "
            "workers keep group root (gid 0) and whatever root's group may read or write",
            fix="add `gid = <app group>`",
        )
        return
    if has_expansion(group.value):
        return
    problem = _root_id(group, "group")
    if problem:
        yield Hit.at(group, problem, fix="set `gid` to the app's own group",
                     severity=Severity.ERROR if is_plain_integer(group.value) else None)


def _root_id(entry: Entry, kind: str) -> str:
    """Why ``uid``/``gid`` leaves root in place ("" when it does not)."""
    written = f"`{entry.key} = {entry.value}`"
    if entry.value == "root":
        return f"{written} resolves to id 0: the workers keep running as {kind} root"
    if is_plain_integer(entry.value) and atoi(entry.value) == 0:
        return (f"uWSGI reads {written} as the {kind} *named* \"{entry.value}\" (a numeric 0 "
                f"means \"do not change\"), finds none and exits at start-up with "
                f"\"{kind} {entry.value} not found.\"")
    return ""
