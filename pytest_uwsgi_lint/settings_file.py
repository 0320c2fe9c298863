"""Project settings: ``[tool.uwsgi-lint]`` in ``pyproject.toml``, or ``[uwsgi-lint]`` in
``setup.cfg`` / ``tox.ini``.

The nearest directory (from the current one upwards) holding any of these files with our
section wins; within one directory ``pyproject.toml`` beats ``setup.cfg`` beats ``tox.ini``.
``setup.cfg`` and ``tox.ini`` are ordinary INI files, so they are read with iniparse, whose
configparser semantics are the right ones there (and wrong for uWSGI's own dialect).
An unknown key, a bad value or a rule selector that matches no rule is a
:class:`SettingsError`: a typo in a linter's settings must not silently switch a check off.
Both faces (the command and the pytest plugin) get their selectors checked here.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from pytest_uwsgi_lint import catalog
from pytest_uwsgi_lint.findings import Severity, shown
from pytest_uwsgi_lint.registry import unknown_selectors
from pytest_uwsgi_lint.settings import Settings
from pytest_uwsgi_lint.sources import UnreadableSource, read_source

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

DEPLOYMENTS = ("plain", "systemd", "container", "emperor-vassal")
SEVERITIES = tuple(s.value for s in Severity)
LIST_KEYS = ("select", "ignore", "extend-select", "exclude")
SCALAR_KEYS = ("uwsgi-version", "deployment", "fail-on", "uwsgi-binary")
TABLE_KEYS = ("per-file-ignores", "env")
KNOWN_KEYS = LIST_KEYS + SCALAR_KEYS + TABLE_KEYS
# Keys only the command line may set: a file in a checkout being linted is not trusted.
COMMAND_LINE_ONLY = {
    "uwsgi-binary": "a file in the repository must not make the linter run a program; "
    "pass --uwsgi-binary on the command line",
}
_CANDIDATES = ("pyproject.toml", "setup.cfg", "tox.ini")


class SettingsError(Exception):
    """A settings file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class FileSettings:
    """Settings read from one file, normalised; empty when no file was found."""

    path: Path | None = None
    values: Mapping[str, Any] = field(default_factory=dict)

    @property
    def root(self) -> Path:
        """The directory globs in ``per-file-ignores`` and ``exclude`` are relative to."""
        return self.path.parent if self.path is not None else Path.cwd()


def echo(text: str) -> str:
    """User text as a message may repeat it: cut to about 200 characters (a value can be
    megabytes), and in quotes with control characters escaped when it has any."""
    return shown(text) if text.isprintable() else shown(repr(text))


def _kind(value: object) -> str:
    """What a TOML value is, in the words of the TOML specification."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, list):
        odd = next((v for v in value if not isinstance(v, str)), None)
        return "an array" if odd is None else f"an array holding {_kind(odd)}"
    names = {str: "a string", int: "an integer", float: "a float", dict: "a table"}
    return next((n for t, n in names.items() if isinstance(value, t)), "a date or time")


def _split(text: str) -> list[str]:
    """A list written in INI style: commas or new lines."""
    return [item.strip() for line in text.splitlines() for item in line.split(",") if item.strip()]


def _split_pair(line: str, codes: bool) -> tuple[str, str, str]:
    """A line cut at its separator. Rule lists hold neither ``=`` nor ``:``, so a glob
    (which may hold either) ends at the last of them; a variable name holds neither, and its
    value may hold both, so it ends at the first ``=``, or else the first ``:``."""
    if codes:
        cut = max(line.rfind("="), line.rfind(":"))
        return (line[:cut], line[cut], line[cut + 1 :]) if cut >= 0 else (line, "", "")
    return line.partition("=") if "=" in line else line.partition(":")


def _pairs_from_ini(text: str, where: str, codes: bool = False) -> dict[str, str]:
    """``key: value`` or ``key = value`` lines, one per line, as flake8 writes them;
    ``codes`` when the values are lists of rules."""
    pairs = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        key, sep, value = _split_pair(line, codes)
        if not sep:
            raise SettingsError(
                f"{where}: expected `key = value` or `glob: codes`, got {echo(line)}"
            )
        pairs[key.strip()] = value.strip()
    return pairs


def _table(document: Mapping[str, Any], name: str, where: str) -> Mapping[str, Any] | None:
    """``document[name]`` when it is a table, None when absent."""
    value = document.get(name)
    if value is not None and not isinstance(value, dict):
        raise SettingsError(f"{where} must be a table, not {_kind(value)}")
    return value


def _text(path: Path) -> str:
    """The file's text, read as configs are: a regular file, without blocking, and no more
    than the size bound (a checkout may hold a pyproject.toml of gigabytes)."""
    try:
        return read_source(str(path.absolute())).decode("utf-8")  # a file, even one named -
    except UnreadableSource as error:
        raise SettingsError(f"{path} {error}") from None
    except UnicodeDecodeError as error:
        raise SettingsError(f"{path}: cannot be read: {echo(str(error))}") from None


def _read_toml(path: Path) -> dict[str, Any] | None:
    text = _text(path)
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{path}: cannot be parsed: {echo(str(error))}") from None
    except RecursionError:  # tomllib recurses once per nested array or table
        raise SettingsError(f"{path}: cannot be parsed: it nests too deeply") from None
    except MemoryError:  # within the size bound, so the machine is short of memory
        raise SettingsError(f"{path}: cannot be parsed: out of memory") from None
    tool = _table(document, "tool", f"{path}: [tool]")
    section = None if tool is None else _table(tool, "uwsgi-lint", f"{path}: [tool.uwsgi-lint]")
    return None if section is None else dict(section)


def _parse_ini(path: Path) -> Any:
    """``path`` parsed by iniparse; a parsing error names the file and the first bad line."""
    from configparser import MissingSectionHeaderError, ParsingError

    from iniparse import INIConfig  # loaded only when such a file is present

    text = _text(path)
    try:
        return INIConfig(io.StringIO(text), optionxformvalue=None)
    except MissingSectionHeaderError as error:
        raise SettingsError(
            f"{path}: cannot be parsed: line {error.lineno} comes before any section header: "
            f"{echo(error.line.rstrip())}"
        ) from None
    except ParsingError as error:
        number, line = error.errors[0]
        raise SettingsError(
            f"{path}: cannot be parsed: line {number} is neither a section header, an option "
            f"nor a continuation: {echo(line.rstrip())}"
        ) from None
    except MemoryError:  # within the size bound, so the machine is short of memory
        raise SettingsError(f"{path}: cannot be parsed: out of memory") from None
    except Exception as error:  # iniparse's own complaints
        raise SettingsError(f"{path}: cannot be parsed: {echo(str(error))}") from None


def _read_ini(path: Path) -> dict[str, Any] | None:
    parsed = _parse_ini(path)
    if "uwsgi-lint" not in list(parsed):
        return None
    section = parsed["uwsgi-lint"]
    raw: dict[str, Any] = {}
    # The section's own keys: a [DEFAULT] section would lend its keys to every section,
    # configparser-style, and a `select` meant for another tool would switch rules off.
    for key in list(section._options):
        value = str(section[key])
        where = f"{path} [uwsgi-lint] {echo(key)}"
        if key in LIST_KEYS:
            raw[key] = _split(value)
        elif key in TABLE_KEYS:
            pairs = _pairs_from_ini(value, where, codes=key == "per-file-ignores")
            if key == "per-file-ignores":
                raw[key] = {glob: _split(codes) for glob, codes in pairs.items()}
            else:
                raw[key] = pairs
        else:
            raw[key] = value.strip()
    return raw


def _strings(value: Any, where: str) -> list[str]:
    """A list of strings; a string stands for a comma-separated list."""
    if isinstance(value, str):
        return _split(value)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SettingsError(f"{where} must be a list of strings, not {_kind(value)}")
    return value


def _string_table(value: Any, where: str, entries: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SettingsError(f"{where} must be a table of {entries}, not {_kind(value)}")
    return value


def _per_file_ignores(value: Any, where: str) -> dict[str, list[str]]:
    table = _string_table(value, where, "globs to lists of rules")
    return {glob: _strings(rules, f"{where} for {echo(glob)}") for glob, rules in table.items()}


def _env(value: Any, where: str) -> dict[str, str]:
    table = _string_table(value, where, "variable names to strings")
    for name, text in table.items():
        if not isinstance(text, str):
            raise SettingsError(f"{where} for {echo(name)} must be a string, not {_kind(text)}")
    return table


def _string(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise SettingsError(f"{where} must be a string, not {_kind(value)}")
    return value


def _choice(choices: tuple[str, ...]) -> Callable[[Any, str], str]:
    named = f"{', '.join(choices[:-1])} or {choices[-1]}"

    def check(value: Any, where: str) -> str:
        if _string(value, where) not in choices:
            raise SettingsError(f"{where} must be {named}, not {echo(value)}")
        return str(value)

    return check


def _version(value: Any, where: str) -> str:
    try:
        catalog.parse_version(_string(value, where))
    except ValueError as error:
        raise SettingsError(f"{where}: {error}") from None
    return str(value)


# How each key's value is checked and normalised: (value, where it came from) -> value.
_CHECKS: dict[str, Callable[[Any, str], Any]] = {
    **dict.fromkeys(LIST_KEYS, _strings),
    "per-file-ignores": _per_file_ignores,
    "env": _env,
    "uwsgi-version": _version,
    "uwsgi-binary": _string,
    "deployment": _choice(DEPLOYMENTS),
    "fail-on": _choice(SEVERITIES),
}


def _check(raw: Mapping[str, Any], where: Callable[[str], str]) -> dict[str, Any]:
    """Normalise and validate every key; anything unexpected is an error naming the key's
    origin, ``where(key)``."""
    unknown = [key for key in raw if key not in KNOWN_KEYS]
    if unknown:
        known = ", ".join(KNOWN_KEYS)
        raise SettingsError(f"{where(unknown[0])} is an unknown key (known: {known})")
    return {key: _CHECKS[key](value, where(key)) for key, value in raw.items()}


def read_settings_file(path: Path) -> FileSettings | None:
    """Our settings in ``path``, or None when the file has no section for us."""
    raw = _read_toml(path) if path.suffix == ".toml" else _read_ini(path)
    if raw is None:
        return None
    for key, reason in COMMAND_LINE_ONLY.items():
        if key in raw:
            raise SettingsError(f"{path}: `{key}` is refused: {reason}")
    return FileSettings(path, _check(raw, lambda key: f"{path}: `{echo(key)}`"))


def _check_rules(values: Mapping[str, Any], origins: Mapping[str, str]) -> None:
    """Every rule selector must match a rule; the message names where the selector came
    from (the settings file, a flag, a pytest ini option)."""
    for key in ("select", "ignore", "extend-select", "per-file-ignores"):
        value = values.get(key, ())
        if isinstance(value, dict):  # per-file-ignores: glob -> selectors
            empty = [glob for glob, selectors in value.items() if not selectors]
            if empty:  # an empty selection means every rule anywhere else
                raise SettingsError(f"{origins[key]}: {echo(empty[0])} names no rule to "
                                    "ignore; name rules by code (UWM001), code prefix (UWM) "
                                    "or name (master-not-enabled)")
            value = [selector for selectors in value.values() for selector in selectors]
        unknown = unknown_selectors(value) if value else []
        if unknown:
            raise SettingsError(
                f"{origins[key]}: no rule matches {', '.join(map(echo, unknown))}; name rules "
                "by code (UWM001), code prefix (UWM) or name (master-not-enabled)"
            )


def to_settings(
    found: FileSettings,
    overrides: Mapping[str, Any] | None = None,
    origins: Mapping[str, str] | None = None,
) -> Settings:
    """Engine settings from a settings file, with ``overrides`` (same keys; None means
    unset) taking precedence: the command line and pytest ini options go there. ``origins``
    names where each override came from (``--select``...) for the messages."""
    given = {key: value for key, value in (overrides or {}).items() if value is not None}
    named = dict(origins or {})
    checked = _check(given, lambda key: named.get(key, f"the command line: `{echo(key)}`"))
    merged: dict[str, Any] = dict(found.values)
    where = dict.fromkeys(found.values, str(found.path))
    for key, value in checked.items():
        if key == "env":  # declared variables add up; the command line wins per name
            value = {**merged.get("env", {}), **value}
        merged[key] = value
        where[key] = named.get(key, "the command line")
    _check_rules(merged, where)
    return Settings(
        select=tuple(merged.get("select", ())),
        ignore=tuple(merged.get("ignore", ())),
        extend_select=tuple(merged.get("extend-select", ())),
        exclude=tuple(merged.get("exclude", ())),
        per_file_ignores=tuple(
            (glob, tuple(codes)) for glob, codes in merged.get("per-file-ignores", {}).items()
        ),
        env=tuple(sorted(merged.get("env", {}).items())),
        uwsgi_version=merged.get("uwsgi-version", catalog.NEWEST_RELEASE),
        uwsgi_binary=merged.get("uwsgi-binary"),
        deployment=merged.get("deployment", "plain"),
        fail_on=Severity(merged.get("fail-on", Severity.WARNING.value)),
        root=str(found.root),
    )


def find_settings(start: Path | None = None) -> FileSettings:
    """The nearest settings, from ``start`` (default: the current directory) upwards."""
    directory = (start or Path.cwd()).resolve()
    for folder in (directory, *directory.parents):
        for name in _CANDIDATES:
            candidate = folder / name
            if candidate.is_file():
                found = read_settings_file(candidate)
                if found is not None:
                    return found
    return FileSettings()


__all__ = [
    "COMMAND_LINE_ONLY",
    "DEPLOYMENTS",
    "KNOWN_KEYS",
    "FileSettings",
    "SettingsError",
    "echo",
    "find_settings",
    "read_settings_file",
    "to_settings",
]
