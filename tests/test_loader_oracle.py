"""The loader against the real uWSGI: multi-file configs with includes, inherit, sections,
placeholders, logic blocks and magic variables print the same ``--show-config`` in both.

uWSGI runs in the oracle sandbox with only ``PATH`` in its environment, from the directory
that holds the config tree, so our loader is given the same: that directory as the working
directory and ``PATH`` as the complete environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pytest
import uwsgi_oracle

from pytest_uwsgi_lint.engine import Settings, load_spec
from pytest_uwsgi_lint.reader import encode, read_ini

CORPUS = Path(__file__).parent / "corpus" / "real"
_FRAMING = {b"show-config": b"true", b"logto": b"/dev/stderr", b"chdir": b"/nonexistent"}

TREES: dict[str, Mapping[str, str]] = {
    "include-inherit-sections": {
        "app.ini": "[uwsgi]\nprocs = 4\nhere = %d\ninclude = %dsub/inc.ini\nb = %(later)\n"
        "c = %(procs + 1)\nd = %(procs cores)\ncores = 2\nset-ph = ph=hello\ngreet = %(ph)\n"
        "inherit = %dsub/parent.ini\nlater = L\nfoo = first\nfoo = second\ne = %(foo)\n"
        "und = %(undefined_key)\n[other]\nx = 1\n[uwsgi]\ntail = t\n",
        "sub/inc.ini": "[uwsgi]\ninc = %n-%c-%e\nini = %dother.ini:sec\n",
        "sub/other.ini": "[sec]\nfromsec = 1\nfile = %s %x\n",
        "sub/parent.ini": "[uwsgi]\nhere = parent\npx = %(procs)\ninherit = %dgrand.ini\n",
        "sub/grand.ini": "[uwsgi]\ngrand = %(procs)\n",
    },
    "logic": {
        "app.ini": "[uwsgi]\nprocs = 4\nfor = a b c\nsock = /run/%(_).sock\nhttp = :80%(_)\n"
        "endfor\nif-opt = procs=4\nyes = %(_)\nendif\nif-opt = procs=5\nno = 1\nend-if\n"
        "if-not-opt = missing\nnotopt = 1\nendif\nif-env = PATH\npath-seen = 1\nendif\n"
        "if-not-env = NOPE\nnope-unset = %(_)\nendif\nfor-times = 3\nworker%(_) = %(_)\n"
        "endfor\nif-exists = %dapp.ini\nexists = %(_)\nendif\nif-not-file = %dnope\n"
        "nofile = 1\nendif\nif-dir = %dsub\nisdir = 1\nendif\n",
        "sub/keep.ini": "[uwsgi]\n",
    },
    "set-and-env": {
        "app.ini": "[uwsgi]\nset = procs=3\nplain = %(procs)\nenvpath = $(PATH)\n"
        "noenv = $(NO_SUCH_VAR)\nmixed = $(%(procs))\natfile = @(%dvalue.txt)\n"
        "self = %(self)x\nnested = %(plain plain)\nmath = %(procs * procs - 1 / 2)\n",
        "value.txt": "from-file\n",
    },
    "include-inside-a-block": {
        "app.ini": "[uwsgi]\nmaster = true\nif-env = PATH\ninclude = %dinner.ini\nendif =\n"
        "if-env = NOPE\ninclude = %dnever.ini\nendif =\nafter = 1\n",
        "inner.ini": "[uwsgi]\ninner = %(_)\nmore = 2\n",
    },
    "section-re-read": {
        "app.ini": "[uwsgi]\nini = %dinner.ini\nini = :extra\ntop = 1\n",
        "inner.ini": "[uwsgi]\ninner = 1\n[extra]\nextra = 1\n",
    },
}


def _ours(top: Path, cwd: Path) -> list[tuple[bytes, bytes]]:
    settings = Settings(env=(("PATH", uwsgi_oracle.SAFE_PATH),), env_complete=True)
    loaded = load_spec(top.read_bytes(), str(top), "uwsgi", settings)
    return [(encode(e.key), encode(e.value)) for e in loaded.entries]


def _theirs(top: Path, cwd: Path) -> list[tuple[bytes, bytes]]:
    """uWSGI's entries for ``top``, without the options the harness adds."""
    _, _, stderr = uwsgi_oracle.run_uwsgi(
        ["--ini", str(top), *uwsgi_oracle.FRAMING_ARGS], cwd=cwd, expose=[str(cwd)]
    )
    start = stderr.find(uwsgi_oracle.SHOW_CONFIG_HEAD)
    end = stderr.find(uwsgi_oracle.SHOW_CONFIG_FOOT, start)
    if start < 0 or end < 0:
        raise uwsgi_oracle.NoShowConfig(stderr.decode("utf-8", "replace")[-500:])
    body = stderr[start + len(uwsgi_oracle.SHOW_CONFIG_HEAD) : end]
    rows = [row.partition(b" = ") for row in body.split(b"\n")[:-1]]
    entries = [(key, value) for key, _, value in rows]
    assert entries[0] == (b"ini", os.fsencode(top))
    framing = [i for i, (k, v) in enumerate(entries) if _FRAMING.get(k) == v][:3]
    return [entry for i, entry in enumerate(entries[1:], 1) if i not in framing]


def _materialise(tree: Mapping[str, str], root: Path) -> Path:
    for name, text in tree.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root / "app.ini"


@pytest.mark.oracle
@pytest.mark.parametrize("name", sorted(TREES))
def test_multi_file_trees_match_uwsgi(
    name: str, tmp_path: Path, oracle: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    top = _materialise(TREES[name], tmp_path)
    monkeypatch.chdir(tmp_path)
    assert _ours(top, tmp_path) == _theirs(top, tmp_path)


def _corpus_candidates() -> list[Path]:
    """Corpus files that use placeholders, includes or logic (the plain ones are compared by
    the reader's oracle test)."""
    markers = (b"%(", b"$(", b"include", b"inherit", b"ini =", b"for", b"if-")
    chosen = []
    for path in sorted(CORPUS.glob("*.ini")):
        data = path.read_bytes()
        if any(marker in data for marker in markers):
            chosen.append(path)
    return chosen


@pytest.mark.oracle
def test_corpus_files_with_expansions_match_uwsgi(
    tmp_path: Path, oracle: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    compared, skipped = 0, {}
    monkeypatch.chdir(tmp_path)
    for source in _corpus_candidates():
        try:
            data = uwsgi_oracle.prepare_copy(source.read_bytes())
        except uwsgi_oracle.Refused as refusal:
            skipped[source.name] = f"unsafe: {refusal}"
            continue
        if not read_ini(data).entries:
            skipped[source.name] = "no [uwsgi] section"
            continue
        top = tmp_path / source.name
        top.write_bytes(data)
        try:
            theirs = _theirs(top, tmp_path)
        except uwsgi_oracle.NoShowConfig as stop:
            skipped[source.name] = f"uWSGI stopped: {str(stop)[-80:]}"
            continue
        assert _ours(top, tmp_path) == theirs, source.name
        compared += 1
    print(f"\ncompared {compared} corpus files with expansions; skipped {len(skipped)}")
    for name, reason in sorted(skipped.items()):
        print(f"  {name}: {reason}")
    assert compared >= 40
