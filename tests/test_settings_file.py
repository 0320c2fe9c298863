"""Settings files: where they are found, what they may say, and how they merge."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from pytest_uwsgi_lint import cli
from pytest_uwsgi_lint.engine import Settings, lint_paths
from pytest_uwsgi_lint.findings import Severity
from pytest_uwsgi_lint.settings import Glob
from pytest_uwsgi_lint.settings_file import (
    COMMAND_LINE_ONLY,
    KNOWN_KEYS,
    SettingsError,
    find_settings,
    read_settings_file,
    to_settings,
)
from pytest_uwsgi_lint.sources import MAX_BYTES

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
        ('[tool.uwsgi-lint]\nuwsgi-version = "2.2"\n',
         "`uwsgi-version`: not a uWSGI version: '2.2'; use a release from 0.9.5 to 2.0.30"),
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
        # an empty list would select every rule, and silence them all for those files
        ('per-file-ignores = { "legacy/*" = [] }', {}, "{file}: legacy/* names no rule to ignore"),
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


def test_ini_per_file_globs_may_hold_the_separators(tmp_path: Path) -> None:
    """Rule lists hold neither `=` nor `:`, so a glob ends at the last of them; an env value
    may hold both, so a name ends at the first `=`."""
    (tmp_path / "setup.cfg").write_text(
        "[uwsgi-lint]\nper-file-ignores =\n    k=v/*.ini: UWM001\n    c:/*.ini = UWC001\n"
        "env =\n    URL = http://h:80/?a=b\n    HOST: h:80\n")
    settings = to_settings(find_settings(tmp_path))
    assert settings.per_file_ignores == (("k=v/*.ini", ("UWM001",)), ("c:/*.ini", ("UWC001",)))
    assert dict(settings.env) == {"URL": "http://h:80/?a=b", "HOST": "h:80"}


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


def test_per_file_ignores_add_up_per_file_and_stay_with_their_file(tmp_path: Path) -> None:
    """Every glob a file matches adds its rules (by name, code or prefix); what one file
    silences (worked out once per file) never reaches another."""
    (tmp_path / "pyproject.toml").write_text(
        '[tool.uwsgi-lint]\nselect = ["UWM001", "UWC002"]\n'
        'per-file-ignores = { "legacy/*" = ["UWM"], "*.ini" = ["unknown-option"] }\n')
    for folder in ("legacy", "apps"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "app.ini").write_text("[uwsgi]\nmodule = app\nmastr = 1\n")
    settings = to_settings(find_settings(tmp_path))
    found = lint_paths([str(tmp_path / "apps"), str(tmp_path / "legacy")], settings)
    assert [(Path(f.path).parent.name, f.name) for f in found] == [
        ("apps", "master-not-enabled")]


@pytest.mark.parametrize(("pattern", "relative", "matched"), [
    ("*.ini", "deploy/app.ini", True),  # no `/`: the file name alone may match
    ("legacy/*.ini", "legacy/app.ini", True),
    ("legacy/*.ini", "apps/legacy.ini", False),
    ("vendor/*", "vendor/x/y.ini", True),  # `*` crosses folders, as in ruff's globs
    ("app[0-9].ini", "app7.ini", True),
])
def test_globs_match_as_ruff_globs_do(pattern: str, relative: str, matched: bool) -> None:
    assert Glob(pattern).matches(relative) is matched


def test_a_long_exclude_list_excludes_what_it_names(tmp_path: Path) -> None:
    """Globs are compiled once per run: past fnmatch's cache of 32,768 patterns each file
    compiled them all again (36 s for 20 configs and 40,000 globs)."""
    settings = Settings(exclude=(*(f"gen{n}/*" for n in range(40_000)), "old/*"),
                        root=str(tmp_path))
    assert settings.excluded(str(tmp_path / "old" / "a.ini"))
    assert settings.excluded(str(tmp_path / "gen39999" / "a.ini"))
    assert not settings.excluded(str(tmp_path / "new" / "a.ini"))


# hostile settings files: every wrong shape is a SettingsError naming the key --------------

WRONG_TYPES = [
    ('select = 5', "`select` must be a list of strings, not an integer"),
    ('ignore = ["UWM", 1]', "`ignore` must be a list of strings, not an array holding an integer"),
    ('extend-select = {a = "b"}', "`extend-select` must be a list of strings, not a table"),
    ('exclude = [["a"]]', "`exclude` must be a list of strings, not an array holding an array"),
    ('per-file-ignores = {"*" = [1]}',
     "`per-file-ignores` for * must be a list of strings, not an array holding an integer"),
    ('per-file-ignores = ["a"]',
     "`per-file-ignores` must be a table of globs to lists of rules, not an array"),
    ('per-file-ignores = {"*" = {a = 1}}',
     "`per-file-ignores` for * must be a list of strings, not a table"),
    ('env = {PORT = 8000}', "`env` for PORT must be a string, not an integer"),
    ('env = "PORT=8000"', "`env` must be a table of variable names to strings, not a string"),
    ('deployment = 1', "`deployment` must be a string, not an integer"),
    ('deployment = ["plain"]', "`deployment` must be a string, not an array"),
    ('uwsgi-version = 2.0', "`uwsgi-version` must be a string, not a float"),
    ('uwsgi-version = 1979-05-27', "`uwsgi-version` must be a string, not a date or time"),
    ('fail-on = true', "`fail-on` must be a string, not a boolean"),
]


@pytest.mark.parametrize(("setting", "message"), WRONG_TYPES)
def test_every_key_names_its_expected_type(tmp_path: Path, setting: str, message: str) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(f"[tool.uwsgi-lint]\n{setting}\n")
    with pytest.raises(SettingsError) as raised:
        read_settings_file(path)
    assert str(raised.value) == f"{path}: {message}"


def test_every_key_is_covered_by_the_type_checks() -> None:
    checked = {setting.split(" = ")[0] for setting, _ in WRONG_TYPES}
    assert checked == set(KNOWN_KEYS) - set(COMMAND_LINE_ONLY)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tool = 5\n", "[tool] must be a table, not an integer"),
        ("tool = [1]\n", "[tool] must be a table, not an array holding an integer"),
        ("[[tool]]\n", "[tool] must be a table, not an array holding a table"),
        ("[tool]\nuwsgi-lint = 3\n", "[tool.uwsgi-lint] must be a table, not an integer"),
        ("a=" + "[" * 100_000 + "]" * 100_000 + "\n", "cannot be parsed: it nests too deeply"),
        ("a=" + "{b=" * 100_000 + "1" + "}" * 100_000 + "\n",
         "cannot be parsed: it nests too deeply"),
    ],
)
def test_malformed_pyproject_is_a_settings_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(text)
    with pytest.raises(SettingsError) as raised:
        find_settings(tmp_path)
    assert str(raised.value) == f"{path}: {message}"


def _oversized(path: Path) -> None:
    """A settings file with our section, one byte past the size bound (sparse: no disk)."""
    with open(path, "wb") as handle:
        handle.write(b"[tool.uwsgi-lint]\n" if path.suffix == ".toml" else b"[uwsgi-lint]\n")
        handle.truncate(MAX_BYTES + 1)


@pytest.mark.parametrize("name", ["pyproject.toml", "setup.cfg", "tox.ini"])
def test_a_settings_file_past_the_size_bound_is_refused_unread(tmp_path: Path, name: str) -> None:
    """Configs and baselines are bounded; a settings file of gigabytes in a checkout would
    otherwise cost seconds and gigabytes before any lint."""
    path = tmp_path / name
    _oversized(path)
    with pytest.raises(SettingsError) as raised:
        find_settings(tmp_path)
    assert str(raised.value) == f"{path} is larger than {MAX_BYTES} bytes; it was not read"


def test_a_settings_file_past_the_size_bound_is_a_usage_error(
    pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    pytester.makefile(".ini", pytest="[pytest]\n", app="[uwsgi]\nmaster = true\n")
    path = pytester.path / "pyproject.toml"
    _oversized(path)
    message = f"{path} is larger than {MAX_BYTES} bytes; it was not read"
    with pytest.raises(SystemExit) as exited:
        cli.main(["app.ini"])
    assert exited.value.code == cli.EXIT_USAGE
    assert f"uwsgi-lint: error: {message}\n" in capsys.readouterr().err
    # named, pytest's own settings file spares pytest from parsing pyproject.toml itself
    result = pytester.runpytest("-c", "pytest.ini", "-p", "no:hypothesispytest", "--uwsgi-lint")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert f"ERROR: {message}\n" in result.stderr.str()


def _out_of_memory(*args: object, **kwargs: object) -> None:
    raise MemoryError


@pytest.mark.parametrize("name", ["pyproject.toml", "setup.cfg"])
def test_running_out_of_memory_is_not_blamed_on_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """A file within the size bound that the parser runs out of memory on neither nests too
    deeply nor is unreadable: the message says what happened."""
    import iniparse

    monkeypatch.setattr("pytest_uwsgi_lint.settings_file.tomllib.loads", _out_of_memory)
    monkeypatch.setattr(iniparse, "INIConfig", _out_of_memory)
    path = tmp_path / name
    path.write_text("[tool.uwsgi-lint]\n" if name.endswith(".toml") else "[uwsgi-lint]\n")
    with pytest.raises(SettingsError) as raised:
        find_settings(tmp_path)
    assert str(raised.value) == f"{path}: cannot be parsed: out of memory"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[uwsgi-lint]\nselect = a\n" + "x" * 3_000_000 + "\n",
         "cannot be parsed: line 3 is neither a section header, an option nor a continuation: "),
        ("y" * 3_000_000 + "\n[uwsgi-lint]\n",
         "cannot be parsed: line 1 comes before any section header: "),
    ],
)
def test_ini_parse_errors_name_the_file_and_clip_the_line(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "setup.cfg"
    path.write_text(text)
    with pytest.raises(SettingsError) as raised:
        find_settings(tmp_path)
    shown = str(raised.value)
    assert shown.startswith(f"{path}: {message}")
    assert "<???>" not in shown
    assert len(shown) < len(str(path)) + len(message) + 250


@pytest.mark.parametrize(
    ("text", "echoed"),
    [
        ('select = ["UW\\u0000X", "UWM"]', "no rule matches 'UW\\x00X'"),
        ('ignore = ["\\u001b[31mred"]', "no rule matches '\\x1b[31mred'"),
        ('select = ["' + "Q" * 10_000 + '"]', "no rule matches QQQ"),
    ],
)
def test_odd_selectors_are_escaped_and_clipped(tmp_path: Path, text: str, echoed: str) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.uwsgi-lint]\n{text}\n")
    with pytest.raises(SettingsError) as raised:
        to_settings(find_settings(tmp_path))
    shown = str(raised.value)
    assert echoed in shown
    assert shown.isprintable() and len(shown) < 500


def test_overrides_are_checked_under_their_own_name(tmp_path: Path) -> None:
    """A bad value from the command line names the flag, not the settings file beside it."""
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    with pytest.raises(SettingsError) as raised:
        to_settings(find_settings(tmp_path), {"deployment": "k8s"}, {"deployment": "--deployment"})
    assert str(raised.value) == (
        "--deployment must be plain, systemd, container or emperor-vassal, not k8s"
    )


# property: any document under [tool.uwsgi-lint] gives settings or a SettingsError ----------

def _toml(value: object) -> str:
    """``value`` written as a TOML inline value (strings as JSON strings, which TOML reads)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return repr(value) if isinstance(value, float) else json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(map(_toml, value)) + "]"
    assert isinstance(value, dict)
    return "{" + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items()) + "}"


_SCALARS = (
    st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12)
    | st.sampled_from(["UWM", "master-not-enabled", "2.0.30", "2.1", "container", "error", ""])
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)
_KEYS = st.sampled_from(KNOWN_KEYS) | st.text(max_size=8)


@given(table=st.dictionaries(_KEYS, _VALUES, max_size=6), overrides=st.dictionaries(
    st.sampled_from(KNOWN_KEYS), _VALUES, max_size=2))
@hypothesis_settings(max_examples=300, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_settings_table_gives_settings_or_a_settings_error(
    tmp_path: Path, table: dict[str, object], overrides: dict[str, object]
) -> None:
    path = tmp_path / "pyproject.toml"
    body = "".join(f"{json.dumps(k)} = {_toml(v)}\n" for k, v in table.items())
    path.write_text(f"[tool.uwsgi-lint]\n{body}", encoding="utf-8", errors="surrogatepass")
    try:
        found = read_settings_file(path)
        assert found is not None
        settings = to_settings(found, overrides)
    except SettingsError as error:
        assert str(error).isprintable()
    else:
        assert "uwsgi-binary" not in table
        assert isinstance(settings, Settings) and settings.rules is not None


@given(body=st.text(max_size=200))
@hypothesis_settings(max_examples=200, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_setup_cfg_gives_settings_or_a_settings_error(tmp_path: Path, body: str) -> None:
    path = tmp_path / "setup.cfg"
    path.write_text(f"[uwsgi-lint]\n{body}", encoding="utf-8", errors="surrogatepass")
    try:
        found = read_settings_file(path)
        if found is not None:
            to_settings(found)
    except SettingsError as error:
        assert str(error).isprintable()


@pytest.mark.parametrize("name", ["setup.cfg", "tox.ini"])
def test_a_default_section_lends_no_key_to_ours(tmp_path: Path, name: str) -> None:
    """configparser gives every section the keys of [DEFAULT]; they belong to other tools."""
    (tmp_path / name).write_text("[DEFAULT]\nselect = UWM001\nfoo = 1\n\n"
                                 "[uwsgi-lint]\nignore = UWC016\n")
    settings = to_settings(find_settings(tmp_path), {})
    assert settings.select == () and settings.ignore == ("UWC016",)
