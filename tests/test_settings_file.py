"""Settings files: where they are found, what they may say, and how they merge."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_uwsgi_lint.engine import lint_paths
from pytest_uwsgi_lint.findings import Severity
from pytest_uwsgi_lint.settings_file import (
    SettingsError,
    find_settings,
    read_settings_file,
    to_settings,
)

PYPROJECT = """
[tool.uwsgi-lint]
select = ["UWM", "inline-comment"]
ignore = ["UWM002"]
extend-select = ["UWE"]
exclude = ["vendor/*"]
uwsgi-version = "2.1"
deployment = "container"
fail-on = "error"
env = { PORT = "8000" }
per-file-ignores = { "legacy/*.ini" = ["master-not-enabled"] }
"""

SETUP_CFG = """
[metadata]
name = x

[uwsgi-lint]
select = UWM, inline-comment
ignore =
    UWM002
per-file-ignores =
    legacy/*.ini: master-not-enabled, UWC001
env =
    PORT = 8000
deployment = systemd
"""


def test_pyproject_is_read_and_normalised(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    found = find_settings(tmp_path)
    settings = to_settings(found)
    assert found.path == tmp_path / "pyproject.toml"
    assert settings.select == ("UWM", "inline-comment")
    assert settings.extend_select == ("UWE",)
    assert settings.uwsgi_version == "2.1"
    assert settings.deployment == "container"
    assert settings.fail_on is Severity.ERROR
    assert settings.env == (("PORT", "8000"),)
    assert settings.per_file_ignores == (("legacy/*.ini", ("master-not-enabled",)),)
    assert settings.root == str(tmp_path)


@pytest.mark.parametrize("name", ["setup.cfg", "tox.ini"])
def test_ini_settings_files_are_read_with_configparser_semantics(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_text(SETUP_CFG)
    settings = to_settings(find_settings(tmp_path))
    assert settings.select == ("UWM", "inline-comment")
    assert settings.ignore == ("UWM002",)
    assert settings.per_file_ignores == (("legacy/*.ini", ("master-not-enabled", "UWC001")),)
    assert settings.env == (("PORT", "8000"),)
    assert settings.deployment == "systemd"


def test_nearest_directory_wins_and_pyproject_beats_setup_cfg(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text("[uwsgi-lint]\ndeployment = systemd\n")
    (tmp_path / "pyproject.toml").write_text('[tool.uwsgi-lint]\ndeployment = "container"\n')
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    assert to_settings(find_settings(nested)).deployment == "container"
    (tmp_path / "a" / "tox.ini").write_text("[uwsgi-lint]\ndeployment = emperor-vassal\n")
    assert to_settings(find_settings(nested)).deployment == "emperor-vassal"


def test_files_without_our_section_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.ruff]\nline-length = 100\n')
    (tmp_path / "tox.ini").write_text("[tox]\nenvlist = py39\n")
    assert find_settings(tmp_path).path is None


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('[tool.uwsgi-lint]\nselekt = ["UWM"]\n', "`selekt` is an unknown key"),
        ('[tool.uwsgi-lint]\nuwsgi-version = "banana"\n', "not a uWSGI version"),
        ('[tool.uwsgi-lint]\ndeployment = "kubernetes"\n',
         "must be plain, systemd, container or emperor-vassal, not kubernetes"),
        ('[tool.uwsgi-lint]\nfail-on = "fatal"\n', "error, warning or info"),
        ('[tool.uwsgi-lint]\nselect = "UWM"\nignore = [1]\n', "list of strings"),
        ('[tool.uwsgi-lint\n', "cannot be parsed"),
    ],
)
def test_bad_settings_are_clear_errors(tmp_path: Path, text: str, fragment: str) -> None:
    (tmp_path / "pyproject.toml").write_text(text)
    with pytest.raises(SettingsError, match=fragment):
        read_settings_file(tmp_path / "pyproject.toml")


def test_overrides_beat_the_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    settings = to_settings(find_settings(tmp_path), {"deployment": "plain", "select": None})
    assert settings.deployment == "plain"
    assert settings.select == ("UWM", "inline-comment")


@pytest.mark.parametrize(
    ("text", "overrides", "message"),
    [
        ('select = ["UWM", "UWQ"]', {}, "{file}: no rule matches UWQ"),
        ('per-file-ignores = { "a/*.ini" = ["UWM001", "nope"] }', {},
         "{file}: no rule matches nope"),
        ('select = ["UWM"]', {"ignore": ["no-such-rule"]},
         "--ignore: no rule matches no-such-rule"),
        ("", {"extend-select": ["UWX", "UWY"]}, "the command line: no rule matches UWX, UWY"),
    ],
)
def test_selectors_matching_no_rule_are_errors_naming_their_origin(
    tmp_path: Path, text: str, overrides: dict[str, list[str]], message: str
) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.uwsgi-lint]\n{text}\n")
    found = find_settings(tmp_path)
    expected = message.format(file=found.path)
    with pytest.raises(SettingsError) as raised:
        to_settings(found, overrides, {"ignore": "--ignore"})
    assert str(raised.value) == (
        f"{expected}; name rules by code (UWM001), code prefix (UWM) or name (master-not-enabled)"
    )
    overridden = to_settings(found, {"select": ["UWM"], "per-file-ignores": {}})
    assert overridden.select == ("UWM",)  # a bad file value that is overridden is not used


def test_per_file_ignores_and_exclude_apply(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.uwsgi-lint]\nselect = ["master-not-enabled"]\nexclude = ["vendor/*"]\n'
        'per-file-ignores = { "legacy/*.ini" = ["UWM001"] }\n'
    )
    for folder in ("legacy", "vendor", "apps"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "app.ini").write_text("[uwsgi]\nmodule = app\n")
    settings = to_settings(find_settings(tmp_path))
    found = lint_paths([str(tmp_path)], settings)
    assert [Path(f.path).parent.name for f in found] == ["apps"]
