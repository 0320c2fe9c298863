'''option-needs-build: an option that only some uWSGI builds have.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint import catalog
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule
from pytest_uwsgi_lint.target import Target

#: Build macros many uWSGI builds lack, and what a build needs for them. uWSGI's build script
#: enables SSL only when OpenSSL headers are found, PCRE (and with it, by default, routing)
#: only when libpcre headers are, capabilities only with libcap on Linux.
FEATURES = {
    "UWSGI_SSL": "SSL (OpenSSL headers at build time; the pyuwsgi wheels have none)",
    "UWSGI_PCRE": "PCRE (libpcre headers at build time)",
    "UWSGI_PCRE2": "PCRE (libpcre headers at build time)",
    "UWSGI_ROUTING": "the routing subsystem (built by default only when PCRE is found)",
    "UWSGI_CAP": "Linux capabilities (libcap headers at build time; the pyuwsgi wheels "
                 "have none)",
    "__FreeBSD__": "FreeBSD as the operating system",
}


def needed(option: catalog.Option) -> list[str]:
    """The uncommon build features ``option`` depends on, each named once."""
    found: list[str] = []
    for macro in sorted(option.build_macros):
        feature = FEATURES.get(macro)
        if feature is not None and feature not in found:
            found.append(feature)
    return found


def _needs_feature(option: catalog.Option, target: Target) -> bool:
    return bool(needed(option))


@rule("UWV002", "option-needs-build", Severity.INFO, tags=("version", "build"))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Notes an option that exists only in uWSGI builds with a feature many builds lack: SSL
    (all `ssl-*`, `https*` and `legion-*` options), PCRE, the routing subsystem (`route*`),
    Linux capabilities, or FreeBSD. Not reported when `--uwsgi-binary` names the build,
    since its option list is then known exactly.

    ## Why is this bad?
    A build without the feature does not know the option at all: it ignores the line
    silently (a `legion-cron` then never runs, and does not even switch the master on) or,
    with `strict` on, refuses to start. The pyuwsgi wheels, for example, have no SSL.

    ## Example
    ```ini
    [uwsgi]
    master = true
    legion-cron = mylegion -1 -1 -1 -1 -1 /usr/bin/backup
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    cron = -1 -1 -1 -1 -1 /usr/bin/backup
    ```
    """
    target = config.target
    if target.build is not None:
        return
    special = target.names_with(_needs_feature)
    for entry in config.entries:
        option = target.option(entry.key) if entry.key in special else None
        features = needed(option) if option is not None else []
        if features:
            yield Hit.at(
                entry,
                f"`{entry.key}` exists only in uWSGI builds with {' and '.join(features)}; "
                "a build without it ignores the line silently, or refuses to start with "
                "`strict` on",
                fix="check that your uWSGI has it: `uwsgi --dump-options`, or lint with "
                    "--uwsgi-binary",
            )
