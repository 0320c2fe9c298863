'''deprecated-option: an option the target uWSGI only warns about and otherwise ignores.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint import catalog
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule
from pytest_uwsgi_lint.target import Target

#: Why uWSGI dropped what an option did, in our words (for `die-on-term`, 2.1 passes a flag's
#: address as the warning's text, which prints as nothing).
REASONS = {
    "die-on-term": "SIGTERM already shuts uWSGI 2.1 down (and SIGQUIT now triggers a brutal "
                   "reload, so a systemd unit with `KillSignal=SIGQUIT` needs changing)",
    "fastrouter-subscription-slot": "the subscription system no longer uses slots",
    "rawrouter-subscription-slot": "the subscription system no longer uses slots",
}


def _deprecated(option: catalog.Option, target: Target) -> bool:
    return option.deprecated_at(target.table)


@rule("UWV003", "deprecated-option", Severity.INFO, tags=("version",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Notes an option whose handler in the target uWSGI only logs a deprecation warning:
    `die-on-term` on 2.1, whose SIGTERM handling became the default, and the
    `fastrouter-subscription-slot`/`rawrouter-subscription-slot` options of every 2.x.

    ## Why is this bad?
    The value is ignored, so the line documents a behaviour it no longer controls, and each
    start logs a `[WARNING] option ... is deprecated` line. On 2.1, `die-on-term` is a hint
    that signals changed meaning: SIGQUIT reloads there.

    ## Example
    ```ini uwsgi-version=2.1
    [uwsgi]
    master = true
    die-on-term = true
    ```

    ## Use instead
    ```ini uwsgi-version=2.1
    [uwsgi]
    master = true
    ```
    """
    target = config.target
    deprecated = target.names_with(_deprecated)
    for entry in config.entries:
        option = target.option(entry.key) if entry.key in deprecated else None
        if option is None:
            continue
        reason = REASONS.get(option.name, "its handler no longer does anything")
        yield Hit.at(
            entry,
            f"`{entry.key}` is deprecated in {target.label}: uWSGI logs a warning and ignores "
            f"the value, because {reason}",
            fix="remove the line",
        )
