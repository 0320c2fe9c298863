"""Rules about sizes, units and scaling: `post-buffering` as a switch, memory limits in the
wrong unit, and cheaper algorithms that do not do what the config asks."""

from __future__ import annotations

import pytest
from rule_helpers import ini, lint, only
from test_rules_availability import APP

from pytest_uwsgi_lint.findings import Severity

CHEAPER = ("master = true", "processes = 8", "cheaper = 2")

# -- post-buffering-misused ------------------------------------------------------------------


def test_post_buffering_one() -> None:
    finding = only("post-buffering-misused", ini(*APP, "post-buffering = 1"))
    assert (finding.line, finding.code, finding.severity) == (4, "UWC015", Severity.WARNING)
    assert "every non-empty request body to a temporary file" in finding.message
    assert "one byte per system call" in finding.message


def test_post_buffering_small_size() -> None:
    finding = only("post-buffering-misused", ini(*APP, "post-buffering = 113"))
    assert "of 113 bytes or more" in finding.message and "113 bytes per" in finding.message


@pytest.mark.parametrize("value", ["0", "4096", "65536", "true", "$(PB)", "8k"])
def test_post_buffering_quiet(value: str) -> None:
    """Sizes from a page up are fine; text is value-not-integer's to report."""
    assert lint("post-buffering-misused", ini(*APP, f"post-buffering = {value}")) == []


# -- memory-limit-unit-confusion -------------------------------------------------------------


@pytest.mark.parametrize(("line", "said"), [
    ("reload-on-rss = 536870912", "this is 512 TB: bytes were probably meant"),
    ("evil-reload-on-as = 2147483648", "bytes were probably meant"),
    ("limit-as = 2", "this is 2 MB, less than a worker uses"),
    ("reload-on-rss = 1", "gigabytes were probably meant"),
    ("cheaper-rss-limit-soft = 512", "this is 512 bytes"),
    ("cheaper-rss-limit-hard = 1024", "megabytes were probably meant"),
])
def test_memory_limit_unit_confusion(line: str, said: str) -> None:
    finding = only("memory-limit-unit-confusion", ini(*APP, line))
    assert (finding.line, finding.code, finding.severity) == (4, "UWA017", Severity.WARNING)
    assert said in finding.message


@pytest.mark.parametrize("line", [
    "reload-on-rss = 512", "reload-on-as = 65536", "limit-as = 32", "reload-on-rss = 0",
    "cheaper-rss-limit-soft = 1073741824", "reload-on-rss = 2G",  # unit: value-not-integer's
    "reload-on-rss = $(RSS)",
])
def test_memory_limit_quiet(line: str) -> None:
    assert lint("memory-limit-unit-confusion", ini(*APP, line)) == []


# -- cheaper-algo-unknown --------------------------------------------------------------------


def test_cheaper_algo_unknown_on_2_0() -> None:
    finding = only("cheaper-algo-unknown", ini(*CHEAPER, "cheaper-algo = spare2"))
    assert (finding.line, finding.code) == (5, "UWA020")
    assert "uWSGI 2.0.30 has no such algorithm" in finding.message
    assert "falling back to spare" in finding.message


def test_cheaper_algo_from_a_plugin_that_is_not_loaded() -> None:
    finding = only("cheaper-algo-unknown", ini(*CHEAPER, "cheaper-algo = backlog2"))
    assert "the `cheaper_backlog2` plugin, which is not loaded" in finding.message
    assert finding.fix is not None and "`plugins = cheaper_backlog2`" in finding.fix


@pytest.mark.parametrize(("text", "version"), [
    (ini(*CHEAPER, "cheaper-algo = busyness"), "2.0.30"),
    (ini(*CHEAPER, "cheaper-algo = spare"), "2.0.30"),
    (ini(*CHEAPER, "cheaper-algo = spare2"), "2.1"),
    (ini(*CHEAPER, "plugins = cheaper_backlog2", "cheaper-algo = backlog2"), "2.0.30"),
    (ini(*CHEAPER, "cheaper-algo = $(ALGO)"), "2.0.30"),
])
def test_cheaper_algo_quiet(text: str, version: str) -> None:
    assert lint("cheaper-algo-unknown", text, version) == []


# -- cheaper-backlog-on-unix-socket ----------------------------------------------------------


def test_cheaper_backlog_on_unix_socket() -> None:
    finding = only("cheaper-backlog-on-unix-socket", ini(
        *CHEAPER, "socket = /run/app.sock", "cheaper-algo = backlog"))
    assert (finding.line, finding.code) == (6, "UWA021")
    assert "`/run/app.sock`" in finding.message and "never adds workers" in finding.message


@pytest.mark.parametrize("text", [
    ini(*CHEAPER, "socket = 127.0.0.1:3031", "cheaper-algo = backlog"),
    ini(*CHEAPER, "socket = /run/app.sock", "socket = :3031", "cheaper-algo = backlog"),
    ini(*CHEAPER, "socket = /run/app.sock", "cheaper-algo = busyness"),
    ini(*CHEAPER, "socket = $(SOCK)", "cheaper-algo = backlog"),
])
def test_cheaper_backlog_quiet(text: str) -> None:
    assert lint("cheaper-backlog-on-unix-socket", text) == []


# -- busyness-options-without-busyness -------------------------------------------------------


def test_busyness_options_without_busyness() -> None:
    finding = only("busyness-options-without-busyness", ini(
        *CHEAPER, "cheaper-busyness-max = 60", "cheaper-busyness-min = 20"))
    assert (finding.line, finding.code) == (5, "UWA022")
    assert "no `cheaper-algo` (the default is `spare`)" in finding.message
    assert "`cheaper-busyness-max`, `cheaper-busyness-min`" in finding.message


def test_busyness_options_with_another_algorithm() -> None:
    finding = only("busyness-options-without-busyness", ini(
        *CHEAPER, "cheaper-algo = backlog", "cheaper-busyness-max = 60"))
    assert "with `cheaper-algo = backlog`" in finding.message


@pytest.mark.parametrize("text", [
    ini(*CHEAPER, "cheaper-algo = busyness", "cheaper-busyness-max = 60"),
    ini(*CHEAPER, "cheaper-algo = $(ALGO)", "cheaper-busyness-max = 60"),
    ini(*CHEAPER),
])
def test_busyness_quiet(text: str) -> None:
    assert lint("busyness-options-without-busyness", text) == []
