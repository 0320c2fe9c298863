"""The option catalog: generated from the facts, current, and right about the facts it holds."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from packaging.version import Version

from pytest_uwsgi_lint import catalog

ROOT = Path(__file__).resolve().parent.parent
FACTS = ROOT / "tools" / "uwsgi-facts"
v = catalog.parse_version


def _load_tool() -> ModuleType:
    path = ROOT / "tools" / "build_catalog.py"
    spec = importlib.util.spec_from_file_location("build_catalog", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _facts(name: str) -> list[dict[str, object]]:
    data: list[dict[str, object]] = json.loads((FACTS / name).read_text())
    return data


def opt(name: str, version: Version | None = None) -> catalog.Option:
    option = catalog.lookup(name, version)
    assert option is not None, name
    return option


def _in(table: str) -> set[str]:
    return {n for n, o in catalog.options().items() if table in o.in_releases}


def test_committed_catalog_is_current() -> None:
    tool = _load_tool()
    assert tool.render(tool.build(FACTS)) == tool.OUTPUT.read_text()
    assert tool.main(["--check"]) == 0


def test_every_name_of_both_tables() -> None:
    stable = {str(e["name"]) for e in _facts("options-2.0.30.json")}
    development = {str(e["name"]) for e in _facts("options-2.1-dev.json")}
    assert (len(stable), len(development)) == (1261, 1334)
    assert _in("2.0.30") == stable
    assert _in(catalog.DEVELOPMENT) == development
    assert {n for n, o in catalog.options().items() if o.present_in("2.0.30")} == stable


def test_releases_are_the_92_tags_in_version_order() -> None:
    tags = catalog.releases()
    assert len(tags) == 92
    assert tags == sorted(tags, key=Version)
    assert set(tags) == set(json.loads((FACTS / "first-seen.json").read_text())["tags"])


def test_history_agrees_with_the_first_seen_facts() -> None:
    """The per-tag scan and the independent first-seen facts name the same first tag (in
    date order) for every option, except the C++ plugins the first-seen scan missed."""
    facts = json.loads((FACTS / "first-seen.json").read_text())
    by_date = facts["tags"]
    missed = {n for n, o in catalog.options().items() if o.plugin in ("v8", "gridfs")}
    for name, option in catalog.options().items():
        present = [t for t in by_date if option.present_in(t)]
        expected = facts["first_seen"].get(name)
        if name in missed:
            assert expected is None and present, name
            continue
        assert (present[0] if present else None) == expected, name
    for name in set(facts["first_seen"]) - set(catalog.options()):
        assert catalog.historic(name), name


@pytest.mark.parametrize(("name", "first", "absent", "present"), [
    ("max-requests-delta", "2.0.29", "2.0.28", "2.0.29"),
    ("harakiri-graceful-timeout", "2.0.22", "2.0.21", "2.0.22"),
    ("py-call-uwsgi-fork-hooks", "2.0.21", "2.0.20", "2.0.21"),
    ("max-worker-lifetime-delta", "2.0.19", "2.0.18", "2.0.19"),
    ("shutdown-sockets", "2.0.17", "2.0.16", "2.0.17"),
    ("safe-pidfile", "2.0.16", "2.0.15", "2.0.16"),
    ("strict", "1.9.15", "1.9.14", "1.9.15"),
    ("cron2", "1.9.11", "1.9.10", "1.9.11"),
    ("master-fifo", "1.9.17", "1.9.16", "1.9.17"),
    ("attach-daemon2", "2.0", "1.9.21.1", "2.0"),
    ("py-call-osafterfork", "2.0.5", "2.0.4", "2.0.5"),
    ("gridfs-mount", "1.9.5", "1.9.4", "1.9.5"),
])
def test_first_release(name: str, first: str, absent: str, present: str) -> None:
    option = catalog.lookup(name)
    assert option is not None
    assert option.first_release == first
    assert not option.present_in(absent)
    assert option.present_in(present)


def test_an_option_can_skip_releases() -> None:
    """`mule-msg-size` was backported to 1.4.10 but the 1.9 series gained it only in 1.9.11."""
    option = catalog.lookup("mule-msg-size")
    assert option is not None
    assert option.releases == (("1.4.10", "1.4.10"), ("1.9.11", "2.0.30"))
    assert not option.present_in("1.9.5")


def test_development_only_removed_and_historic() -> None:
    for name in ("die-on-no-workers", "spooler-signal-as-task", "else", "reload-on-pss"):
        option = catalog.lookup(name)
        assert option is not None and option.in_releases == (catalog.DEVELOPMENT,), name
        assert option.first_release == catalog.DEVELOPMENT and not option.releases
    removed = sorted(_in("2.0.30") - _in(catalog.DEVELOPMENT))
    assert removed == ["shutdown-sockets"]
    assert catalog.historic("cluster") == (("0.9.7", "1.4.10"),)
    assert catalog.historic("processes") == ()


def test_development_changes_are_applied_by_version() -> None:
    dev = v("2.1")
    assert opt("buffer-size").handler == "uwsgi_opt_set_16bit"
    assert opt("buffer-size", dev).handler == "uwsgi_opt_set_64bit"
    assert opt("memory-report").kind == "flag"
    assert opt("memory-report", dev).kind == "int"
    term = catalog.lookup("die-on-term", dev)
    assert term is not None and term.kind == "deprecated"
    assert term.deprecated_at(catalog.DEVELOPMENT) and not term.deprecated_at("2.0.30")
    slot = catalog.lookup("fastrouter-subscription-slot")
    assert slot is not None and slot.deprecated_at("2.0.30") and slot.deprecated_in == "1.1"


def _groups(table: str) -> Iterator[frozenset[str]]:
    seen: set[frozenset[str]] = set()
    for name, option in catalog.options().items():
        if table not in option.in_releases:
            continue
        group = frozenset(a for a in (name, *option.aliases)
                          if table in catalog.options()[a].in_releases)
        if len(group) > 1 and group not in seen:
            seen.add(group)
            yield group


def test_alias_groups() -> None:
    """Same handler, target and flags, with a handler that does not look at the name: 137
    groups in 2.0.30. Sharing a handler and target is not enough: `route` and `final-route`
    feed different chains, `inherit` and `include` differ in being immediate."""
    groups = list(_groups("2.0.30"))
    assert len(groups) == 137
    assert len(list(_groups(catalog.DEVELOPMENT))) == 143
    expected = [{"processes", "workers"}, {"set-placeholder", "set-ph"},
                {"if-dir", "ifdir", "if-directory"}, {"stats", "stats-server"},
                {"home", "virtualenv", "venv", "pyhome"}, {"module", "wsgi"},
                {"legion-cron", "cron-legion"}, {"chmod-socket", "chmod"},
                {"pythonpath", "python-path", "pp"}, {"mimefile", "mime-file"}]
    for group in expected:
        assert group in groups, group
    for name in ("route", "final-route", "include", "inherit", "attach-daemon",
                 "smart-attach-daemon", "need-plugin", "plugins", "endif", "end-if"):
        assert not any(name in g for g in groups), name


def test_build_conditions() -> None:
    def cond(name: str) -> tuple[str, ...]:
        option = catalog.lookup(name)
        assert option is not None
        return option.build_conditions

    assert cond("mimefile") == ()  # declared in both branches of #ifdef __APPLE__
    assert cond("ugreen") == ("#ifndef __UCLIBC__",)
    assert cond("legion-cron") == ("#ifdef UWSGI_SSL",)
    assert opt("route").build_macros == {"UWSGI_ROUTING"}
    assert opt("log-route").build_macros == {"UWSGI_PCRE", "UWSGI_PCRE2"}
    clone = catalog.lookup("emperor-use-clone")
    assert clone is not None and clone.build_macros == {"__linux__"}  # not the negated one


def test_pyuwsgi_lacks_exactly_the_optional_core_features() -> None:
    """Every core option of 2.0.30 that the pyuwsgi build lacks depends on SSL, libcap or
    FreeBSD; every unconditional core option is there."""
    built = catalog.pyuwsgi_options()
    missing = {n for n in _in("2.0.30") - built if not catalog.options()[n].plugin}
    assert len(missing) == 60
    for name in missing:
        macros = catalog.options()[name].build_macros
        assert macros & {"UWSGI_SSL", "UWSGI_CAP", "__FreeBSD__"}, name
    assert built <= _in("2.0.30")


def test_master_implying_count() -> None:
    names = {n for n in catalog.master_implying() if "2.0.30" in catalog.options()[n].in_releases}
    assert len(names) == 163


@pytest.mark.parametrize(("text", "table"), [
    ("2.0.30", "2.0.30"), ("2.0.28", "2.0.28"), ("2.0.31", "2.0.30"), ("2.0.18.5", "2.0.18"),
    ("1.9.18", "1.9.17.1"), ("2.1", catalog.DEVELOPMENT), ("2.1-dev", catalog.DEVELOPMENT),
    ("2.1.0", catalog.DEVELOPMENT), ("2.0", "2.0"), ("1.0", "1.0"), ("1.5", "1.4.10"),
])
def test_table_for(text: str, table: str) -> None:
    assert catalog.table_for(v(text)) == table


def test_table_for_a_binary_older_than_the_catalog() -> None:
    """A binary reports its own version, which is not checked: the oldest table applies."""
    assert catalog.table_for(Version("0.1")) == "0.9.5"


@pytest.mark.parametrize("text", [
    catalog.releases()[0], catalog.NEWEST_RELEASE, "2.0.31", "2.1.0", "2.1.99", "2.1-dev",
    "master",
])
def test_parse_version_accepts_the_releases_and_the_development_line(text: str) -> None:
    assert catalog.table_for(v(text)) in (*catalog.releases(), catalog.DEVELOPMENT)


@pytest.mark.parametrize("text", [
    "latest", "", "0.1", "0.9.4", "2.2", "3.0", "99999999999999999999999.0", "9" * 5000,
    "1!2.0", "2.0\x00",
])
def test_parse_version_rejects_versions_no_uwsgi_has(text: str) -> None:
    with pytest.raises(ValueError) as raised:
        v(text)
    message = str(raised.value)
    assert message.startswith("not a uWSGI version: ")
    assert message.endswith(
        f"use a release from {catalog.releases()[0]} to {catalog.releases()[-1]} (a version "
        "between two releases reads as the older one) or the 2.1 development branch (2.1, "
        "2.1-dev, master or any 2.1.x)"
    )
    assert message.isprintable() and len(message) < 500


def test_catalog_is_loaded_only_when_used() -> None:
    """Importing the plugin, the engine and the CLI does not read the 300 kB catalog."""
    code = (
        "import pytest_uwsgi_lint.plugin, pytest_uwsgi_lint.engine, pytest_uwsgi_lint.cli\n"
        "from pytest_uwsgi_lint import catalog\n"
        "print(catalog._raw.cache_info().currsize)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "0"


def test_bundled_plugins_are_every_plugin_directory_of_the_source_tree() -> None:
    """Plugins without options (`router_uwsgi`, `logfile`) and removed ones (`erlang`) are
    bundled too; an external plugin such as `dgram_router` is not."""
    bundled = catalog.plugins()
    assert {o.plugin for o in catalog.options().values() if o.plugin} <= bundled
    assert {"router_uwsgi", "logfile", "erlang", "python", "gevent"} <= bundled
    assert "dgram_router" not in bundled and "" not in bundled
