'''boolean-value-surprise: a flag's value is no boolean word, and uWSGI reads it as true.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.applied import in_effect
from pytest_uwsgi_lint.findings import Hit, Severity, shown
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule
from pytest_uwsgi_lint.values import has_expansion, inline_comment, is_boolean_word, uwsgi_true

FLAG_KINDS = ("flag", "inverse-flag")
# Spellings people use for "off" that uWSGI does not know.
NEGATIVE = frozenset({"n", "f", "none", "null", "nil", "never", "disable", "disabled",
                      "not", "nope", "-1", "-"})


def _meant_off(value: str) -> bool:
    bare = value.strip("\"' \t").lower()
    return (
        bare in NEGATIVE
        or not uwsgi_true(bare)
        or (bare.isascii() and bare.isdigit() and not bare.strip("0"))
    )


@rule("UWC003", "boolean-value-surprise", Severity.WARNING, tags=("syntax", "correctness"))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags a flag option (`master`, `vacuum`, `lazy-apps`, `enable-threads`...) whose value
    is neither a true word (`true`, `yes`, `on`, `1`, empty) nor a false word (`false`,
    `no`, `off`, `0`).

    ## Why is this bad?
    uWSGI turns a flag off only when its value is exactly `false`, `off` or `no` in any case,
    or exactly `0` (`uwsgi_opt_true`, `core/uwsgi.c` in 2.0.30). Everything else turns it
    on: `"false"` with its quotes, `disabled`, `n`, `00`, `2`. Values written with an
    inline comment are reported by `inline-comment` instead.

    ## Example
    ```ini
    [uwsgi]
    master = true
    lazy-apps = "false"
    vacuum = disabled
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    lazy-apps = false
    vacuum = off
    ```
    """
    seen: set[tuple[str, int, str]] = set()
    for entry, option in config.known():
        value = entry.value
        place = (entry.path, entry.line, entry.key)
        if (
            option.kind not in FLAG_KINDS
            or is_boolean_word(value)
            or has_expansion(value)
            or inline_comment(value) is not None
            or place in seen
            or not in_effect(config, entry)
        ):
            continue
        seen.add(place)
        hint = (
            "write `false` (or `off`, `no`, `0`) to turn it off"
            if _meant_off(value)
            else "write `true` to say what uWSGI does"
        )
        yield Hit.at(
            entry,
            f"`{entry.key} = {shown(value)}`: uWSGI reads `{shown(value)}` as TRUE (only "
            f"exactly false, off, no or 0 is false), so `{entry.key}` is on",
            fix=hint,
        )
