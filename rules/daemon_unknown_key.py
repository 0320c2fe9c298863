'''daemon-unknown-key: an attach-daemon2 item uWSGI ignores.'''

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from pytest_uwsgi_lint import catalog
from pytest_uwsgi_lint.daemons import (
    DAEMON2_KEYS,
    KEY_SINCE,
    PRESENCE_FLAGS,
    AttachedDaemon,
    suggest_key,
)
from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.kvlist import Guess, KvItem, first_guesses
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule
from pytest_uwsgi_lint.values import has_expansion


@rule("UWM023", "daemon-unknown-key", Severity.WARNING, tags=("correctness",),
      needs=("attach-daemon2",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags `attach-daemon2` items that uWSGI drops without a word: a key it does not know
    (`legion=` included), a key written with blanks around it, an item without `=`, or a
    key the target uWSGI version does not read yet.

    ## Why is this bad?
    The key list never fails: an unknown key is simply skipped, so the setting you meant is
    not applied. `legion` in particular is not a key at all, so the daemon runs on every
    node instead of only on the legion's lord.

    ## Example
    ```ini
    [uwsgi]
    attach-daemon2 = cmd=/usr/bin/worker,stop-signal=2,legion=cluster
    ```

    ## Use instead
    ```ini
    [uwsgi]
    attach-daemon2 = cmd=/usr/bin/worker,stop_signal=2
    ```
    """
    guess = first_guesses(suggest_key)  # a value may hold millions of made-up keys
    for daemon in config.master_process.daemons:
        if not daemon.keyval or daemon.kvlist is None:
            continue
        line = Hit.at(daemon.entry, "")  # placed once: the line may be megabytes long
        for item in daemon.kvlist.ignored(skip=daemon.command_tail):
            if not has_expansion(item.text):
                yield replace(line, message=_message(item, guess), fix=_fix(item, guess))
        yield from _too_new(config, daemon)


def _message(item: KvItem, guess: Guess) -> str:
    if item.key is None:
        name = DAEMON2_KEYS.get(item.text.strip())
        effect = ""
        if name is not None:
            effect = f", so {name} stays off" if name in PRESENCE_FLAGS else f", so {name} is unset"
        return f"`{item.text}` has no `=`: uWSGI drops the item{effect}"
    if not item.key.strip():
        return f"`{item.text}` has no key before `=`: uWSGI ignores it"
    if item.key == "legion":
        return (f"`{item.text}`: attach-daemon2 has no legion key (uWSGI ignores it), so the "
                f"daemon runs on every node, not only on the lord of legion `{item.value}`")
    suggestion = guess(item.key)
    if suggestion is not None and suggestion == item.key.strip():
        return (f"`{item.text}`: uWSGI does not trim blanks in key lists, so `{item.key}` is "
                f"not `{suggestion}` and the item is ignored")
    hint = f"; did you mean `{suggestion}`?" if suggestion else ""
    return f"`{item.text}`: `{item.key}` is not an attach-daemon2 key, uWSGI ignores it{hint}"


def _fix(item: KvItem, guess: Guess) -> str | None:
    if item.key is None:
        name = DAEMON2_KEYS.get(item.text.strip())
        if name is None:
            return None
        return f"write `{item.text.strip()}={'1' if name in PRESENCE_FLAGS else '<value>'}`"
    if not item.key.strip():
        return None
    if item.key == "legion":
        return f"use `legion-attach-daemon = {item.value} <command>` (SSL builds)"
    suggestion = guess(item.key)
    return f"write `{suggestion}={item.value}`" if suggestion else None


def _too_new(config: Config, daemon: AttachedDaemon) -> Iterable[Hit]:
    for item in daemon.keys.values():
        since = KEY_SINCE.get(item.key or "")
        if since is not None and config.version < catalog.parse_version(since):
            yield Hit.at(
                daemon.entry,
                f"`{item.text}`: uWSGI reads the `{item.key}` key only from {since} on; "
                f"{config.version} ignores it",
            )
