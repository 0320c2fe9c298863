"""The Python API in a uwsgiconf user's unit test: lint what ``Section`` renders, and catch
uwsgiconf 2.4's known faulty output before it reaches a server."""

from __future__ import annotations

import pytest

from pytest_uwsgi_lint import Settings, lint_text, load_text

uwsgiconf = pytest.importorskip("uwsgiconf.config", reason="uwsgiconf is in the test extra")


def _rendered(build: object) -> str:
    section = uwsgiconf.Section()
    build(section)  # type: ignore[operator]
    text: str = section.as_configuration().format()
    return text


def test_legion_attach_daemon2_does_not_exist() -> None:
    text = _rendered(lambda s: s.master_process.attach_process("/usr/bin/w", for_legion=True))
    assert "legion-attach-daemon2 = cmd=/usr/bin/w" in text
    found = [f for f in lint_text(text) if f.name == "unknown-option"]
    assert len(found) == 1
    assert "`legion-attach-daemon2` is not an option" in found[0].message


def test_keyval_booleans_set_to_false_are_on() -> None:
    text = _rendered(lambda s: s.master_process.attach_process(
        "/usr/bin/w", new_pid_ns=False, control=False))
    flagged = {f.name: f.message for f in lint_text(text)}
    assert "`ns_pid=False` turns ns_pid ON" in flagged["daemon-flag-value-ignored"]
    daemon = load_text(text).master_process.daemons[0]
    assert daemon.new_pid_ns is True and daemon.control is True  # what uWSGI will do


def test_unique_false_is_rendered_as_unique_on() -> None:
    """uwsgiconf writes ``unique=1`` for ``unique=False``; the text then really says "unique",
    so no rule can know the intent, but the model tells a unit test what uWSGI will run."""
    text = _rendered(lambda s: s.master_process.add_cron_task("/usr/bin/job", minute=-5,
                                                              unique=False))
    assert "cron2 = minute=-5,unique=1 /usr/bin/job" in text
    task = load_text(text).master_process.cron_tasks[0]
    assert task.unique is True and task.minute == -5 and task.command == "/usr/bin/job"


def test_a_clean_uwsgiconf_section_lints_clean_at_error_level() -> None:
    def build(section: object) -> None:
        section.master_process.set_basic_params(enable=True)  # type: ignore[attr-defined]
        section.set_basic_params(strict_config=True)  # type: ignore[attr-defined]

    errors = [f for f in lint_text(_rendered(build), Settings()) if f.severity.value == "error"]
    assert errors == []
