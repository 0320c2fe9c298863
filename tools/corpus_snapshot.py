"""Write or check the reviewed findings on the real-config corpus.

``tests/corpus/expected-findings.json`` holds, for every file of ``tests/corpus/real/``, the
findings the linter reports with default settings (``file -> ["LINE CODE name", ...]``). Each
was read by a person; the snapshot makes any change in findings on real configs show up in
review. A finding a maintainer would call wrong is a bug to fix in the rule, not a line to
keep here.

    python tools/corpus_snapshot.py            # rewrite the snapshot after reviewing the diff
    python tools/corpus_snapshot.py --check    # exit 1 when the linter disagrees with it
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus" / "real"
SNAPSHOT = ROOT / "tests" / "corpus" / "expected-findings.json"
#: Where the configs are linted as if they lived, so that ``%d``, ``%p`` and the findings that
#: depend on them are the same wherever the repository is checked out (``/tmp/...`` would
#: make every ``%d``-relative socket a socket in /tmp).
VIRTUAL_HOME = "/nonexistent/corpus"


def findings(name: str) -> list[str]:
    """One corpus file's findings (``LINE CODE name``), linted from the repository root."""
    from pytest_uwsgi_lint.engine import Settings, lint_bytes

    os.chdir(ROOT)  # relative includes resolve from the working directory, as in uWSGI
    data = (CORPUS / name).read_bytes()
    report = lint_bytes(data, f"{VIRTUAL_HOME}/{name}", settings=Settings())
    return [f"{f.line} {f.code} {f.name}" for f in report.findings]


def current() -> dict[str, list[str]]:
    """The findings on every corpus file now."""
    return {path.name: findings(path.name) for path in sorted(CORPUS.glob("*.ini"))}


def render(snapshot: dict[str, list[str]]) -> str:
    return json.dumps(snapshot, indent=1, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the snapshot is stale")
    args = parser.parse_args(argv)
    text = render(current())
    if args.check:
        if SNAPSHOT.read_text() != text:
            print(f"{SNAPSHOT.relative_to(ROOT)} differs from the findings: review and rerun "
                  "python tools/corpus_snapshot.py")
            return 1
        return 0
    SNAPSHOT.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
