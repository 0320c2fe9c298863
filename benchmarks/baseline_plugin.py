"""pytest plugin for the baseline of benchmark (b): one empty item per ``*.ini`` file.

pytest collects the same files as ``pytest --uwsgi-lint`` and runs an item per file that does
nothing, so the ratio isolates what linting adds to pytest's own per-item cost. The files are
chosen by suffix alone, without the plugin's look for a ``[uwsgi]`` header, which only makes
the baseline cheaper.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


class IniFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        yield EmptyItem.from_parent(self, name="empty")


class EmptyItem(pytest.Item):
    def runtest(self) -> None:
        """Nothing: the baseline measures pytest's cost per collected item."""

    def reportinfo(self) -> tuple[Path, None, str]:
        return self.path, None, self.name


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> IniFile | None:
    return IniFile.from_parent(parent, path=file_path) if file_path.suffix == ".ini" else None
