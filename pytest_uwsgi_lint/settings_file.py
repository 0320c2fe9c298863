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
from typing import Any

from pytest_uwsgi_lint import catalog
from pytest_uwsgi_lint.engine import Settings
from pytest_uwsgi_lint.findings import Severity
from pytest_uwsgi_lint.registry import unknown_selectors

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

DEPLOYMENTS = ("plain", "systemd", "container", "emperor-vassal")
LIST_KEYS = ("select", "ignore", "extend-select", "exclude")
SCALAR_KEYS = ("uwsgi-version", "deployment", "fail-on", "uwsgi-binary")
TABLE_KEYS = ("per-file-ignores", "env")
KNOWN_KEYS = LIST_KEYS + SCALAR_KEYS + TABLE_KEYS
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


def _split(text: str) -> list[str]:
    """A list written in INI style: commas or new lines."""
    return [item.strip() for line in text.splitlines() for item in line.split(",") if item.strip()]


def _pairs_from_ini(text: str, where: str) -> dict[str, str]:
    """``key: value`` or ``key = value`` lines, one per line, as flake8 writes them."""
    pairs = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        key, sep, value = line.partition("=") if "=" in line else line.partition(":")
        if not sep:
            raise SettingsError(f"{where}: expected `key = value` or `glob: codes`, got {line!r}")
        pairs[key.strip()] = value.strip()
    return pairs


def _read_toml(path: Path) -> dict[str, Any] | None:
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise SettingsError(f"{path}: cannot be read: {error}") from None
    section = document.get("tool", {}).get("uwsgi-lint")
    if section is None:
        return None
    if not isinstance(section, dict):
        raise SettingsError(f"{path}: [tool.uwsgi-lint] must be a table")
    return section


def _read_ini(path: Path) -> dict[str, Any] | None:
    from iniparse import INIConfig  # loaded only when such a file is present

    try:
        text = path.read_text(encoding="utf-8")
        parsed = INIConfig(io.StringIO(text), optionxformvalue=None)
    except Exception as error:  # OSError, UnicodeDecodeError, or iniparse's parsing errors
        raise SettingsError(f"{path}: cannot be read: {error}") from None
    if "uwsgi-lint" not in list(parsed):
        return None
    section = parsed["uwsgi-lint"]
    raw: dict[str, Any] = {}
    for key in list(section):
        value = str(section[key])
        where = f"{path} [uwsgi-lint] {key}"
        if key in LIST_KEYS:
            raw[key] = _split(value)
        elif key in TABLE_KEYS:
            pairs = _pairs_from_ini(value, where)
            if key == "per-file-ignores":
                raw[key] = {glob: _split(codes) for glob, codes in pairs.items()}
            else:
                raw[key] = pairs
        else:
            raw[key] = value.strip()
    return raw


def _check(path: Path, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Normalise and validate every key; anything unexpected is an error."""
    values: dict[str, Any] = {}
    for key, value in raw.items():
        where = f"{path}: `{key}`"
        if key not in KNOWN_KEYS:
            raise SettingsError(f"{path}: unknown key `{key}` (known: {', '.join(KNOWN_KEYS)})")
        if key in LIST_KEYS:
            if isinstance(value, str):
                value = _split(value)
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise SettingsError(f"{where} must be a list of strings")
        elif key == "per-file-ignores":
            if not isinstance(value, dict):
                raise SettingsError(f"{where} must map globs to lists of rules")
            value = {g: _split(v) if isinstance(v, str) else v for g, v in value.items()}
            if not all(isinstance(v, list) for v in value.values()):
                raise SettingsError(f"{where} must map globs to lists of rules")
        elif key == "env":
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                raise SettingsError(f"{where} must map variable names to strings")
        elif not isinstance(value, str):
            raise SettingsError(f"{where} must be a string")
        elif key == "uwsgi-version":
            try:
                catalog.parse_version(value)
            except ValueError as error:
                raise SettingsError(f"{where}: {error}") from None
        elif key == "deployment" and value not in DEPLOYMENTS:
            raise SettingsError(f"{where} must be one of {', '.join(DEPLOYMENTS)}")
        elif key == "fail-on" and value not in {s.value for s in Severity}:
            raise SettingsError(f"{where} must be error, warning or info")
        values[key] = value
    return values


def read_settings_file(path: Path) -> FileSettings | None:
    """Our settings in ``path``, or None when the file has no section for us."""
    raw = _read_toml(path) if path.suffix == ".toml" else _read_ini(path)
    return None if raw is None else FileSettings(path, _check(path, raw))


def _check_rules(values: Mapping[str, Any], origins: Mapping[str, str]) -> None:
    """Every rule selector must match a rule; the message names where the selector came
    from (the settings file, a flag, a pytest ini option)."""
    for key in ("select", "ignore", "extend-select", "per-file-ignores"):
        value = values.get(key, ())
        if isinstance(value, dict):  # per-file-ignores: glob -> selectors
            value = [selector for selectors in value.values() for selector in selectors]
        unknown = unknown_selectors(value) if value else []
        if unknown:
            raise SettingsError(
                f"{origins[key]}: no rule matches {', '.join(unknown)}; name rules by code "
                "(UWM001), code prefix (UWM) or name (master-not-enabled)"
            )


def to_settings(
    found: FileSettings,
    overrides: Mapping[str, Any] | None = None,
    origins: Mapping[str, str] | None = None,
) -> Settings:
    """Engine settings from a settings file, with ``overrides`` (same keys; None means
    unset) taking precedence: the command line and pytest ini options go there. ``origins``
    names where each override came from (``--select``...) for the messages."""
    merged: dict[str, Any] = dict(found.values)
    where = dict.fromkeys(found.values, str(found.path))
    for key, value in (overrides or {}).items():
        if value is None:
            continue
        if key == "env":  # declared variables add up; the command line wins per name
            value = {**merged.get("env", {}), **value}
        merged[key] = value
        where[key] = (origins or {}).get(key, "the command line")
    unknown = set(merged) - set(KNOWN_KEYS)
    if unknown:
        raise SettingsError(f"unknown settings: {', '.join(sorted(unknown))}")
    checked = _check(found.path or Path("<command line>"), merged)
    _check_rules(checked, where)
    return Settings(
        select=tuple(checked.get("select", ())),
        ignore=tuple(checked.get("ignore", ())),
        extend_select=tuple(checked.get("extend-select", ())),
        exclude=tuple(checked.get("exclude", ())),
        per_file_ignores=tuple(
            (glob, tuple(codes)) for glob, codes in checked.get("per-file-ignores", {}).items()
        ),
        env=tuple(sorted(checked.get("env", {}).items())),
        uwsgi_version=checked.get("uwsgi-version", catalog.NEWEST_RELEASE),
        uwsgi_binary=checked.get("uwsgi-binary"),
        deployment=checked.get("deployment", "plain"),
        fail_on=Severity(checked.get("fail-on", Severity.WARNING.value)),
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
    "DEPLOYMENTS",
    "KNOWN_KEYS",
    "FileSettings",
    "SettingsError",
    "find_settings",
    "read_settings_file",
    "to_settings",
]
