"""pytest-uwsgi-lint: lint uWSGI ini files exactly as uWSGI reads them.

The Python API is :func:`lint_paths` and :func:`lint_text`, which return :class:`Finding`
objects, and :func:`load_text`, which returns the typed model (``Config``) of a config.
Importing this package is cheap: the option catalog and the rules load on first use.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = [
    "Finding",
    "Settings",
    "Severity",
    "__version__",
    "lint_paths",
    "lint_text",
    "load_text",
]


def __getattr__(name: str) -> Any:
    if name in ("lint_paths", "lint_text", "load_text", "Settings"):
        from pytest_uwsgi_lint import engine

        return getattr(engine, name)
    if name in ("Finding", "Severity"):
        from pytest_uwsgi_lint import findings

        return getattr(findings, name)
    raise AttributeError(name)
