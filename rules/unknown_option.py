'''unknown-option: a key that no plugin of the target uWSGI knows.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.edits import rename_key
from pytest_uwsgi_lint.findings import Edit, Hit, Severity, shown
from pytest_uwsgi_lint.keys import (
    also_on,
    consequence,
    exported_by,
    first_uses,
    written_key,
)
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.reader import Entry
from pytest_uwsgi_lint.registry import rule
from pytest_uwsgi_lint.suggest import normalise, shortcut, split_key
from pytest_uwsgi_lint.target import Presence, Target, bundled, plugin_name
from pytest_uwsgi_lint.templates import template_marker

#: Unknown keys per file that get a near-name search: each search compares the key with every
#: option name, and a generated file can hold a million made-up keys.
MAX_GUESSED = 1_000


@rule("UWC002", "unknown-option", Severity.WARNING, tags=("correctness",))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags a key that is not an option of any plugin of the target uWSGI (the version given
    with `--uwsgi-version`, or exactly the build named with `--uwsgi-binary`), and suggests
    the option it was probably meant to be: `-` for `_`, lower case, or a name one or two
    letters away (`harikari` for `harakiri`). Keys the config reads back as `%(name)`,
    declares with `set-placeholder` or `declare-option`, and `end` are not flagged; an option
    of another uWSGI release is `option-not-in-version`.

    A key that looks like a placeholder of a template that was not rendered (`{name}`,
    `{{ name }}`, `${NAME}`, `__NAME__`, `<name>`, `%NAME%`...) gets no suggestion: renaming
    `{virtualenv}` to `virtualenv` would give it an empty value. When the config loads a
    plugin uWSGI does not bundle (`plugin = dgram_router`), the catalog cannot know that
    plugin's options, so an unknown key is only information that names the plugin it may
    come from; a plain respelling of an option (`max_requests`) stays a warning.

    ## Why is this bad?
    uWSGI looks option names up exactly (`core/config.c`). A key it does not know is stored
    as a placeholder and nothing else happens: `harikari = 30`, `max_requests = 100` and
    `Master = true` start cleanly and do nothing. With `strict` on, the same key stops
    uWSGI at start-up, so it is an error there.

    ## Example
    ```ini
    [uwsgi]
    master = true
    harikari = 30
    max_requests = 1000
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    harakiri = 30
    max-requests = 1000
    ```
    """
    if not config.foreign:
        return
    target = config.target
    custom = config.custom_keys
    plugins = config.plugins
    external = sorted(p for p in plugins if not bundled(p))
    strict = config.flag("strict")
    severity = Severity.ERROR if strict else None
    candidates = (e for e in config.foreign if not exported_by(e) and not custom.accepted(e.key))
    guesses = MAX_GUESSED
    for entry, repeats in first_uses(candidates):
        key = entry.key
        status = target.status(key, plugins)
        if status.presence is Presence.UNKNOWN:
            unknown = f"`{key}`{also_on(repeats)} is not an option of {target.label}"
            marker = template_marker(key) or template_marker(written_key(entry))
            if marker is not None:
                part = "" if marker == key else f" (`{shown(marker)}`)"
                yield Hit.at(entry, f"{unknown}: it looks like a placeholder of a template that "
                             f"was not rendered{part}; {consequence(key, strict)}",
                             fix="render the template, and lint the rendered file",
                             severity=severity)
                continue
            hint, fix = _advice(entry, target, strict, guess=guesses > 0)
            guesses -= 1
            edits = _certain_rename(entry, target)
            # A plain respelling of an option, or a key with a blank (no option name has one),
            # is a typo whatever plugin the config loads.
            if external and not edits and not any(blank in key for blank in " \t"):
                yield _from_plugin(entry, unknown, _likely(key, external), hint, fix, strict)
                continue
            yield Hit.at(entry, f"{unknown}: {consequence(key, strict)}{hint}", fix=fix,
                         severity=severity, edits=edits)
        elif status.presence is Presence.NOT_BUILT:
            message = f"`{key}`{also_on(repeats)} {status.provider}: {consequence(key, strict)}"
            fix = (f"load it with `plugins = {status.option.plugin}`"
                   if status.option is not None and status.option.plugin
                   else "use a uWSGI built with it, or remove the option")
            yield Hit.at(entry, message, fix=fix, severity=severity)


def _likely(key: str, external: list[str]) -> list[str]:
    """The loaded plugins ``key`` may come from: those whose name starts it (``dgram_router``
    for ``dgram-router-to``), else every one the catalog does not know."""
    named = [p for p in external if key.startswith(normalise(plugin_name(p)))]
    return named or external


def _from_plugin(entry: Entry, unknown: str, plugins: list[str], hint: str, fix: str,
                 strict: bool) -> Hit:
    """An unknown key in a config that loads a plugin uWSGI does not bundle: the plugin may
    declare it, so it is information, not a warning."""
    names = " or ".join(f"`{p}`" for p in plugins)
    which = "plugin" if len(plugins) == 1 else "plugins"
    return Hit.at(
        entry,
        f"{unknown}, but may come from the {names} {which} the config loads, which uWSGI does "
        f"not bundle, so the linter does not know {'its' if len(plugins) == 1 else 'their'} "
        f"options; if not, {consequence(entry.key, strict)}{hint}",
        fix=f"check that {names} declares `{entry.key}`; if not, {fix}",
        severity=Severity.INFO,
    )


def _certain_rename(entry: Entry, target: Target) -> tuple[Edit, ...]:
    """A fix only for a plain respelling (``no_orphans``, ``Master``): the words are the same,
    so the meaning cannot change; a guess by edit distance is left to the user."""
    respelt = normalise(entry.key)
    if respelt == entry.key or not target.has(respelt):
        return ()
    edit = rename_key(entry, respelt)
    return () if edit is None else (edit,)


def _advice(entry: Entry, target: Target, strict: bool, guess: bool) -> tuple[str, str]:
    """What the key was probably meant to be, as a sentence to append and a fix; the search
    for near names runs only when ``guess`` is set."""
    key = entry.key
    split = split_key(key, target.has)
    if split is not None:
        line = f"{split[0]} = {split[1]}={entry.value}"
        return (f"; the key runs up to the first `=`, blank included: did you mean `{line}`?",
                f"write `{line}`")
    letters = shortcut(key, target.shortcuts)
    if letters:
        names = " or ".join(f"`{n}`" for n in letters)
        return (f"; `{key}` is the command-line shortcut of {names}, and a config file "
                "takes only long names", f"write `{letters[0]} = {entry.value}`")
    found = target.suggestions(key) if guess else []
    if found:
        return f"; did you mean {' or '.join(f'`{s}`' for s in found)}?", (
            f"rename it to `{found[0]}`")
    if strict:
        return "", f"remove it, or declare it with `set-placeholder = {key}=...`"
    return "", "remove it, or fix its name"
