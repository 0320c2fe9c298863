"""``python -m pytest_uwsgi_lint``: the same as the ``uwsgi-lint`` command."""

from __future__ import annotations

import sys

from pytest_uwsgi_lint.cli import main

if __name__ == "__main__":
    sys.exit(main())
