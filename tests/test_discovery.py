"""Which files in a directory are taken as uWSGI configs, and how cheaply that is decided."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_uwsgi_lint import discovery, sources
from pytest_uwsgi_lint.discovery import CHUNK, expand_paths, looks_like_uwsgi

COMMENTS = b"".join(b"# a comment line of some length, number %d\n" % i for i in range(5000))
assert len(COMMENTS) > 3 * CHUNK


def whole_file_verdict(data: bytes) -> bool:
    """The header search over the whole file at once, as it was done before reading in chunks."""
    return discovery._UWSGI_HEADER.search(data) is not None


PIECES = st.sampled_from(
    [b"[", b"]", b"uwsgi", b"UWSGI", b"uwsgix", b"\n", b"\r", b" ", b"\t", b"\xef\xbb\xbf", b"x",
     b";", b"=", b"[uwsgi]", b"\r\n"]
)


@settings(max_examples=300, deadline=None)
@given(data=st.lists(PIECES, max_size=30).map(b"".join), chunk=st.integers(1, 12))
def test_reading_in_chunks_finds_what_a_whole_file_search_finds(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, chunk: int
) -> None:
    path = tmp_path_factory.mktemp("sniff") / "x.ini"
    path.write_bytes(data)
    assert looks_like_uwsgi(str(path), chunk) == whole_file_verdict(data)


@pytest.mark.parametrize("offset", [-7, -6, -3, -1, 0, 1, 50])
def test_a_late_header_is_found_even_across_a_chunk_boundary(tmp_path: Path, offset: int) -> None:
    """The header starts ``offset`` bytes from the end of the first chunk."""
    late = tmp_path / "late.ini"
    late.write_bytes(b"#" * (CHUNK + offset - 1) + b"\n[uwsgi]\nmaster = true\n")
    assert looks_like_uwsgi(str(late))
    assert looks_like_uwsgi(str(late)) == whole_file_verdict(late.read_bytes())
    plain = tmp_path / "plain.ini"
    plain.write_bytes(COMMENTS + b"[tox]\nenv_list = py3\n[uwsgix]\n")
    assert not looks_like_uwsgi(str(plain))


def test_reading_stops_at_the_first_header(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "big.ini"
    config.write_bytes(b"[uwsgi]\nmaster = true\n" + COMMENTS * 20)
    reads: list[int] = []
    original = os.read

    def counting(fd: int, size: int) -> bytes:
        reads.append(size)
        return original(fd, size)

    monkeypatch.setattr(os, "read", counting)  # as the sources module reads
    assert looks_like_uwsgi(str(config))
    assert reads == [CHUNK]


def test_what_cannot_be_read_is_taken_so_that_it_is_reported(tmp_path: Path) -> None:
    folder = tmp_path / "folder.ini"
    folder.mkdir()
    huge = tmp_path / "huge.ini"
    with huge.open("wb") as handle:
        handle.truncate(sources.MAX_BYTES + 1)  # sparse: nothing is written
    paths = [folder, huge, tmp_path / "missing.ini"]
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.ini")
        paths.append(tmp_path / "pipe.ini")  # never opened: a read would block
    for path in paths:
        assert looks_like_uwsgi(str(path)), path


def test_directory_walk_takes_uwsgi_configs_only(tmp_path: Path) -> None:
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "app.ini").write_text("[uwsgi]\nmaster = true\n")
    (tmp_path / "deploy" / "late.ini").write_bytes(COMMENTS + b"[uwsgi]\n")
    (tmp_path / "tox.ini").write_text("[tox]\nenv_list = py3\n")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "app.ini").write_text("[uwsgi]\n")
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / "app.ini").write_text("[uwsgi]\n")
    named = str(tmp_path / "tox.ini")
    found = list(expand_paths([str(tmp_path), named, "-"]))
    deploy = tmp_path / "deploy"
    assert found == [str(deploy / "app.ini"), str(deploy / "late.ini"), named, "-"]
    skipped = list(expand_paths([str(tmp_path)], lambda path: path.endswith("late.ini")))
    assert skipped == [str(deploy / "app.ini")]


def _os_walk(directory: str) -> list[str]:
    """What the standard library's walk gives, pruned the same way (the former walk)."""
    found: list[str] = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                         and d not in ("__pycache__", "node_modules", "site-packages"))
        found.extend(os.path.join(root, name) for name in sorted(files) if name.endswith(".ini"))
    return found


def test_the_walk_lists_what_os_walk_lists(tmp_path: Path) -> None:
    for name in ("b/z.ini", "b/a/y.ini", "a.ini", "c/.x/h.ini", "c/site-packages/s.ini",
                 "c/d/e/f.ini", "c/notes.txt", "c/B.ini"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("[uwsgi]\n")
    (tmp_path / "c" / "link").symlink_to(tmp_path / "b")  # a link to a folder: not walked
    (tmp_path / "c" / "gone.ini").symlink_to(tmp_path / "nowhere")  # reported, not skipped
    (tmp_path / "c" / "dir.ini").mkdir()  # a folder named like a config is walked into
    assert list(discovery.walk(str(tmp_path))) == _os_walk(str(tmp_path))


def test_a_tree_deeper_than_the_recursion_limit_is_walked(tmp_path: Path) -> None:
    """500 levels under a limit of 400 frames (as 1,100 levels under the default 1,000: a
    tree that deep here would break the recursive clean-up of pytest's own temporary
    folders)."""
    deep = tmp_path
    for _ in range(500):
        deep = deep / "d"
    deep.mkdir(parents=True)
    (deep / "app.ini").write_text("[uwsgi]\n")
    (tmp_path / "top.ini").write_text("[uwsgi]\n")
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(400)
    try:
        found = list(discovery.walk(str(tmp_path)))
    finally:
        sys.setrecursionlimit(limit)
    assert found == [str(tmp_path / "top.ini"), str(deep / "app.ini")]


def test_a_folder_that_cannot_be_listed_is_taken_so_that_it_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "locked").mkdir()
    (tmp_path / "open").mkdir()
    (tmp_path / "open" / "app.ini").write_text("[uwsgi]\n")
    listing = os.scandir

    def scandir(path: str) -> object:
        if path.endswith("locked"):
            raise PermissionError(13, "Permission denied", path)
        return listing(path)

    monkeypatch.setattr(os, "scandir", scandir)
    found = list(expand_paths([str(tmp_path)]))
    assert found == [str(tmp_path / "locked"), str(tmp_path / "open" / "app.ini")]
