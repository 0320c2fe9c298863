"""Rules about how uWSGI runs Python applications: threads before 2.0.27, the development
auto-reloader, `lazy`, and reloads that need `lazy-apps`."""

from __future__ import annotations

from pathlib import Path

import pytest
from rule_helpers import ini, lint, only
from test_rules_availability import APP

from pytest_uwsgi_lint.engine import Settings, lint_source
from pytest_uwsgi_lint.findings import Severity

# -- enable-threads-missing (version-gated) --------------------------------------------------


@pytest.mark.parametrize("version", ["2.0.26", "2.0.18", "1.9.21"])
def test_enable_threads_missing_before_2_0_27(version: str) -> None:
    finding = only("enable-threads-missing", ini(*APP), version=version)
    assert (finding.line, finding.code, finding.severity) == (3, "UWP001", Severity.WARNING)
    assert f"uWSGI {version} runs `module = app:application` without Python thread support" in (
        finding.message)
    assert finding.fix == "add `enable-threads = true`"


@pytest.mark.parametrize("version", ["2.0.27", "2.0.30", "2.1"])
def test_enable_threads_default_from_2_0_27(version: str) -> None:
    assert lint("enable-threads-missing", ini(*APP), version=version) == []


def test_enable_threads_false_is_pointed_at() -> None:
    finding = only("enable-threads-missing", ini(*APP, "enable-threads = false"),
                   version="2.0.26")
    assert finding.line == 4 and finding.message.startswith("`enable-threads = false`")


@pytest.mark.parametrize("line", [
    "enable-threads = true", "threads = 1", "threads = 8", "py-autoreload = 2",
    "gevent = 100", "py-tracebacker = /tmp/tb", "thread-stacksize = 512",
])
def test_enable_threads_implied_or_set(line: str) -> None:
    assert lint("enable-threads-missing", ini(*APP, line), version="2.0.26") == []


@pytest.mark.parametrize("text", [
    ini("master = true", "psgi = app.pl"),  # not Python
    ini("master = true", "socket = :3031"),  # no app
    ini(*APP, "if-env = THREADS", "enable-threads = true", "endif ="),
    ini(*APP, "include = threads.ini"),  # not found: it may enable threads
])
def test_enable_threads_missing_quiet(text: str) -> None:
    assert lint("enable-threads-missing", text, version="2.0.26") == []


def test_enable_threads_mount_counts_unless_another_language_takes_it() -> None:
    assert lint("enable-threads-missing", ini("mount = /=app.py"), version="2.0.26")
    assert lint("enable-threads-missing", ini("plugins = psgi", "mount = /=app.pl"),
                version="2.0.26") == []


# -- py-autoreload-in-production -------------------------------------------------------------


@pytest.mark.parametrize("key", ["py-autoreload", "py-auto-reload", "python-autoreload",
                                 "python-auto-reload"])
def test_py_autoreload_every_alias(key: str) -> None:
    finding = only("py-autoreload-in-production", ini(*APP, f"{key} = 2"))
    assert (finding.line, finding.code, finding.severity) == (4, "UWA019", Severity.WARNING)
    assert "every 2 s uWSGI checks the file of every loaded Python module" in finding.message


@pytest.mark.parametrize("text", [ini(*APP, "py-autoreload = 0"), ini(*APP)])
def test_py_autoreload_quiet(text: str) -> None:
    assert lint("py-autoreload-in-production", text) == []


@pytest.mark.parametrize("name", ["dev.ini", "uwsgi-local.ini", "uwsgi_development.ini"])
def test_py_autoreload_left_alone_in_development_files(tmp_path: Path, name: str) -> None:
    settings = Settings(select=("py-autoreload-in-production",))
    for file_name, flagged in ((name, False), ("prod.ini", True)):
        (tmp_path / file_name).write_text(ini(*APP, "py-autoreload = 1"))
        assert bool(lint_source(str(tmp_path / file_name), settings).findings) is flagged


def test_py_autoreload_left_alone_in_a_development_section(tmp_path: Path) -> None:
    body = "\n".join((*APP, "py-autoreload = 1"))
    (tmp_path / "uwsgi.ini").write_text(f"[dev]\n{body}\n[prod]\n{body}\n")
    settings = Settings(select=("py-autoreload-in-production",))
    assert lint_source(f"{tmp_path / 'uwsgi.ini'}:dev", settings).findings == []
    assert lint_source(f"{tmp_path / 'uwsgi.ini'}:prod", settings).findings


# -- lazy-discouraged ------------------------------------------------------------------------


def test_lazy_discouraged() -> None:
    finding = only("lazy-discouraged", ini(*APP, "lazy = true"))
    assert (finding.line, finding.code, finding.severity) == (4, "UWP003", Severity.WARNING)
    assert "never the master" in finding.message
    assert finding.fix == "replace it with `lazy-apps = true`"


@pytest.mark.parametrize("text", [ini(*APP, "lazy = false"), ini(*APP, "lazy-apps = true")])
def test_lazy_discouraged_quiet(text: str) -> None:
    assert lint("lazy-discouraged", text) == []


# -- chain-reload-without-lazy-apps ----------------------------------------------------------


@pytest.mark.parametrize("key", ["touch-chain-reload", "touch-workers-reload"])
def test_chain_reload_without_lazy_apps(key: str) -> None:
    finding = only("chain-reload-without-lazy-apps", ini(*APP, f"{key} = /srv/reload"))
    assert (finding.line, finding.code, finding.severity) == (4, "UWA018", Severity.WARNING)
    assert "the reload deploys nothing" in finding.message


def test_chain_reload_with_lazy_apps_off_carries_its_condition() -> None:
    finding = only("chain-reload-without-lazy-apps", ini(
        *APP, "touch-chain-reload = /srv/reload", "if-env = NOLAZY", "lazy-apps = false",
        "endif ="))
    assert "(only when `if-env = NOLAZY` holds)" in finding.message


@pytest.mark.parametrize("text", [
    ini(*APP, "lazy-apps = true", "touch-chain-reload = /srv/reload"),
    ini(*APP, "lazy = true", "touch-chain-reload = /srv/reload"),
    ini(*APP, "touch-reload = /srv/reload"),
])
def test_chain_reload_quiet(text: str) -> None:
    assert lint("chain-reload-without-lazy-apps", text) == []
