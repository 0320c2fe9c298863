"""The pre-commit hook, run by pre-commit itself against a throwaway repository.

``pre-commit try-repo`` installs this project into a fresh hook environment (from the package
registry, as a user's pre-commit would) and runs the hook on the files of a scratch git
repository: a bad uWSGI config must fail it, and ordinary ``.ini`` files such as
``pytest.ini`` and ``tox.ini`` must pass silently.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOOD = (ROOT / "examples" / "good" / "app.ini").read_text()
BAD = GOOD + "lazy-apps = false ; not yet\n"


def _pre_commit() -> list[str]:
    found = shutil.which("pre-commit", path=os.path.dirname(sys.executable))
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pre-commit is part of the test extra and must run in CI")
        pytest.skip("pre-commit is not installed")
    return [found]


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def _try_repo(repo: Path, home: Path) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    return subprocess.run(
        [*_pre_commit(), "try-repo", str(ROOT), "uwsgi-lint", "--all-files", "--verbose"],
        cwd=repo, env=environment, capture_output=True, text=True, timeout=900, check=False,
    )


@pytest.fixture(scope="module")
def consumer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("consumer")
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "ci@example.invalid")
    _git(repo, "config", "user.name", "CI")
    (repo / "deploy").mkdir()
    (repo / "deploy" / "good.ini").write_text(GOOD)
    (repo / "pytest.ini").write_text("[pytest]\naddopts = -q\n")
    (repo / "tox.ini").write_text("[tox]\nenvlist = py311\n")
    return repo


def test_hook_fails_on_a_bad_config_and_ignores_other_ini_files(
    consumer: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    home = tmp_path_factory.mktemp("pre-commit-home")
    (consumer / "deploy" / "bad.ini").write_text(BAD)
    _git(consumer, "add", "-A")
    failing = _try_repo(consumer, home)
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert f"deploy/bad.ini:{BAD.count(chr(10))}:" in failing.stdout
    assert "inline-comment" in failing.stdout
    assert "pytest.ini" not in failing.stdout.split("uwsgi-lint", 1)[-1]
    assert "tox.ini" not in failing.stdout.split("uwsgi-lint", 1)[-1]

    (consumer / "deploy" / "bad.ini").unlink()
    _git(consumer, "add", "-A")
    passing = _try_repo(consumer, home)
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert "Passed" in passing.stdout


def test_a_file_named_like_an_option_is_linted_not_obeyed(
    consumer: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """pre-commit appends file names after the hook's arguments: without `--`, a committed
    ``--write-baseline=zz.ini`` would record every finding into zz.ini and pass the hook."""
    home = tmp_path_factory.mktemp("pre-commit-home")
    trap = consumer / "--write-baseline=zz.ini"
    trap.write_text(BAD)
    (consumer / "deploy" / "bad.ini").write_text(BAD)
    _git(consumer, "add", "-A")
    try:
        result = _try_repo(consumer, home)
        assert result.returncode == 1, result.stdout + result.stderr
        assert "--write-baseline=zz.ini:" in result.stdout
        assert "deploy/bad.ini:" in result.stdout
        assert not (consumer / "zz.ini").exists()
    finally:
        trap.unlink()
        (consumer / "deploy" / "bad.ini").unlink()
        _git(consumer, "add", "-A")
