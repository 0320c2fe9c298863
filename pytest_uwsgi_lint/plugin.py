"""pytest plugin: ``pytest --uwsgi-lint`` collects uWSGI configs as test items."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("uwsgi-lint")
    group.addoption(
        "--uwsgi-lint", action="store_true", default=False, help="lint uWSGI .ini configs"
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "uwsgi_lint: a uWSGI config linted by pytest-uwsgi-lint")
