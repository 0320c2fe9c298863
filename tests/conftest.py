"""Shared fixtures: the sandboxed uWSGI oracle."""

from __future__ import annotations

import os

import pytest
import uwsgi_oracle


@pytest.fixture(scope="session")
def oracle() -> str:
    """The uwsgi binary the oracle runs; oracle tests skip locally without it, fail in CI."""
    return uwsgi_oracle.require(ci=os.environ.get("CI") == "true")


@pytest.fixture
def user_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    """Login variables naming someone else: uWSGI takes ``%U`` from the password database."""
    for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.setenv(name, "somebody-else")
