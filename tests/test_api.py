"""The package's public names: importing it is cheap, and every name it lists resolves."""

from __future__ import annotations

import subprocess
import sys

import pytest

import pytest_uwsgi_lint


def _modules_after(statement: str) -> set[str]:
    """The project's modules loaded in a fresh interpreter after ``statement``."""
    script = (f"import sys; {statement}; "
              "print(*sorted(m for m in sys.modules if m.startswith('pytest_uwsgi_lint')))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    return set(done.stdout.split())


def test_importing_the_package_loads_neither_the_engine_nor_the_rules() -> None:
    assert _modules_after("import pytest_uwsgi_lint") == {"pytest_uwsgi_lint"}


def test_the_first_use_of_the_api_loads_the_engine() -> None:
    loaded = _modules_after("import pytest_uwsgi_lint; pytest_uwsgi_lint.lint_text")
    assert "pytest_uwsgi_lint.engine" in loaded


@pytest.mark.parametrize("name", pytest_uwsgi_lint.__all__)
def test_every_listed_name_resolves(name: str) -> None:
    assert getattr(pytest_uwsgi_lint, name) is not None


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="lint_everything"):
        pytest_uwsgi_lint.lint_everything  # noqa: B018


def test_lint_text_finds_a_typo_through_the_package() -> None:
    findings = pytest_uwsgi_lint.lint_text("[uwsgi]\nmaster = true\nharikari = 30\n")
    assert [f.name for f in findings if f.line == 3] == ["unknown-option"]
