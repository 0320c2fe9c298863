"""Every real config of the corpus goes through every rule: no crash, no internal error, and the
same findings every time, in this process and in others with a different hash seed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_uwsgi_lint.engine import INTERNAL_ERROR, Settings, lint_source

CORPUS = Path(__file__).parent / "corpus" / "real"
FILES = sorted(path.name for path in CORPUS.glob("*.ini"))
VERSIONS = ("2.0.30", "2.1-dev")

# Lints the whole corpus and prints every finding as JSON, for the cross-process check.
_LINT_ALL = """
import json, sys
from pytest_uwsgi_lint.engine import Settings, lint_source
settings = Settings(select=("ALL",), uwsgi_version=sys.argv[2])
out = []
for path in sys.argv[3:]:
    out.extend(f.as_dict() for f in lint_source(sys.argv[1] + "/" + path, settings).findings)
print(json.dumps(out))
"""


def test_corpus_is_all_there() -> None:
    assert len(FILES) >= 237


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name", FILES)
def test_lints_cleanly_and_deterministically(name: str, version: str) -> None:
    settings = Settings(select=("ALL",), uwsgi_version=version)
    first = lint_source(str(CORPUS / name), settings)
    assert not first.unreadable
    crashes = [f.message for f in first.findings if f.name == INTERNAL_ERROR]
    assert crashes == []
    again = lint_source(str(CORPUS / name), Settings(select=("ALL",), uwsgi_version=version))
    assert [f.as_dict() for f in again.findings] == [f.as_dict() for f in first.findings]


@pytest.mark.parametrize("version", VERSIONS)
def test_findings_do_not_depend_on_the_hash_seed(version: str) -> None:
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", _LINT_ALL, str(CORPUS), version, *FILES],
            capture_output=True, env=env, check=True, timeout=600,
        )
        outputs.append(json.loads(done.stdout))
    assert outputs[0] == outputs[1]
    assert outputs[0]
