"""The loader follows includes, logic blocks and placeholders as uWSGI 2.0.30 does (expected
values measured with the real binary), and never runs, fetches or waits on anything."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from pytest_uwsgi_lint import engine
from pytest_uwsgi_lint.engine import Settings, lint_paths, lint_source, lint_text
from pytest_uwsgi_lint.findings import Finding, Severity
from pytest_uwsgi_lint.loader import (
    MAX_FOR_ITEMS,
    MAX_LOADS,
    MAX_OPTIONS,
    MAX_ROUTED,
    VALUE_NOT_READ,
    Loaded,
    load,
)
from pytest_uwsgi_lint.placeholders import MAX_VALUE_BYTES
from pytest_uwsgi_lint.reader import MAX_LINES, MAX_SIZE


def _load(path: Path, **kwargs: object) -> Loaded:
    return load(path.read_bytes(), str(path), env_complete=True, **kwargs)  # type: ignore[arg-type]


def _pairs(loaded: Loaded) -> list[tuple[str, str]]:
    return [(e.key, e.value) for e in loaded.entries]


def _lint(path: Path, *names: str, **settings: object) -> list[Finding]:
    chosen = Settings(select=names, **settings)  # type: ignore[arg-type]
    return lint_source(str(path), chosen).findings


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A base config with an include, a section include, an inherit and every expansion."""
    (tmp_path / "sub").mkdir()
    (tmp_path / "base.ini").write_text(
        "[uwsgi]\nprocs = 4\nhere = %d\ninclude = %dsub/inc.ini\nb = %(later)\n"
        "c = %(procs + 1)\nd = %(procs cores)\ncores = 2\nfor = a b\nsock = /tmp/%(_).sock\n"
        "endfor\nif-opt = procs=4\nyes = %(_)\nendif\nif-env = NOPE\nno = 1\nendif\n"
        "set-ph = ph=hello\ngreet = %(ph)\ninherit = %dsub/parent.ini\nlater = L\n"
        "foo = first\nfoo = second\ne = %(foo)\nund = %(undefined_key)\n[other]\nx = 1\n"
        "[uwsgi]\ntail = t\n"
    )
    (tmp_path / "sub" / "inc.ini").write_text("[uwsgi]\ninc = %n-%c\nini = %dother.ini:sec\n")
    (tmp_path / "sub" / "other.ini").write_text("[sec]\nfromsec = 1\n")
    (tmp_path / "sub" / "parent.ini").write_text("[uwsgi]\nhere = parent\npx = %(procs)\n")
    return tmp_path


def test_multi_file_config_reads_as_uwsgi_shows_it(tree: Path) -> None:
    """Expected list: the real uWSGI's --show-config for this tree (framing options removed)."""
    d = f"{tree}/"
    assert _pairs(_load(tree / "base.ini")) == [
        ("procs", "4"), ("here", d), ("include", f"{d}sub/inc.ini"), ("inc", "inc-sub"),
        ("ini", f"{d}sub/other.ini:sec"), ("fromsec", "1"), ("b", "L"), ("c", "5"),
        ("d", "42"), ("cores", "2"), ("for", "a b"), ("sock", "/tmp/a.sock"),
        ("sock", "/tmp/b.sock"), ("endfor", ""), ("if-opt", "procs=4"), ("yes", "4"),
        ("endif", ""), ("if-env", "NOPE"), ("endif", ""), ("set-ph", "ph=hello"),
        ("ph", "hello"), ("greet", "hello"), ("inherit", f"{d}sub/parent.ini"),
        ("later", "L"), ("foo", "first"), ("foo", "second"), ("e", "first"),
        ("und", "%(undefined_key)"), ("tail", "t"), ("here", "parent"), ("px", "%(procs)"),
    ]


def test_entries_keep_their_file_line_and_include_chain(tree: Path) -> None:
    loaded = _load(tree / "base.ini")
    fromsec = next(e for e in loaded.entries if e.key == "fromsec")
    assert fromsec.path.endswith("sub/other.ini")
    assert fromsec.line == 2
    assert fromsec.chain == (f"{tree}/base.ini:4", f"{tree}/sub/inc.ini:3")
    assert [f.path for f in loaded.files][1:] == [
        f"{tree}/sub/inc.ini", f"{tree}/sub/other.ini", f"{tree}/sub/parent.ini"
    ]


def test_inherited_scalars_win_and_stay_unexpanded(tree: Path) -> None:
    from pytest_uwsgi_lint.model import Config

    loaded = _load(tree / "base.ini")
    config = Config(loaded.entries, loaded.files[0], loaded=loaded)
    here = config.last("here")
    assert here is not None and here.value == "parent"
    assert config.last("px") is not None and config.last("px").value == "%(procs)"  # type: ignore[union-attr]


def test_undeclared_environment_keeps_blocks_conditional(tmp_path: Path) -> None:
    config = tmp_path / "app.ini"
    config.write_text("[uwsgi]\nif-env = PROD\nmaster = false\nendif =\nsocket = $(SOCK)\n")
    unknown = load(config.read_bytes(), str(config))
    master = next(e for e in unknown.entries if e.key == "master")
    assert master.condition == "if-env = PROD"
    assert ("socket", "$(SOCK)") in _pairs(unknown)
    declared = load(config.read_bytes(), str(config), env={"PROD": "1", "SOCK": "/run/a.sock"})
    assert ("master", "false") in _pairs(declared)
    assert next(e for e in declared.entries if e.key == "master").condition == ""
    assert ("socket", "/run/a.sock") in _pairs(declared)
    absent = load(config.read_bytes(), str(config), env={}, env_complete=True)
    assert "master" not in [e.key for e in absent.entries]


def test_options_of_a_conditional_include_are_conditional(tmp_path: Path) -> None:
    (tmp_path / "inner.ini").write_text("[uwsgi]\ninner = 1\n")
    config = tmp_path / "app.ini"
    config.write_text("[uwsgi]\nif-env = PROD\ninclude = %dinner.ini\nendif =\n")
    inner = next(e for e in load(config.read_bytes(), str(config)).entries if e.key == "inner")
    assert inner.condition == "if-env = PROD"


def test_conditional_findings_say_when(tmp_path: Path) -> None:
    config = tmp_path / "app.ini"
    config.write_text("[uwsgi]\nmaster = true\nif-env = DEBUG\nstrict = true\nend =\n")
    strict_only_in_debug = _lint(config, "logic-end-strict")
    assert [f.line for f in strict_only_in_debug] == [5]
    assert "only when `if-env = DEBUG` holds" in strict_only_in_debug[0].message
    config.write_text("[uwsgi]\nmaster = true\nif-env = DEBUG\ninclude = /nonexistent/x.ini\n"
                      "endif =\n")
    found = _lint(config, "include-not-found")
    assert [f.line for f in found] == [4]
    assert "only when `if-env = DEBUG` holds" in found[0].message


def test_a_missing_absolute_include_may_be_a_file_of_the_host(tmp_path: Path) -> None:
    """``/etc/uwsgi/base.ini`` is often a file of the host or the image, not of the checkout:
    missing here, it is a warning that says so; missing beside the config, an error."""
    config = tmp_path / "app.ini"
    config.write_text("[uwsgi]\nmaster = true\ninclude = /nonexistent/base.ini\n"
                      "include = local.ini\n")
    found = _lint(config, "include-not-found")
    assert [(f.line, f.severity) for f in found] == [(3, Severity.WARNING), (4, Severity.ERROR)]
    assert found[0].message == (
        "`include = /nonexistent/base.ini`: /nonexistent/base.ini (does not exist) cannot be "
        "loaded on this machine; unless it exists where uWSGI runs (a file of the host or the "
        "image), uWSGI exits at start-up")
    (tmp_path / "dir.ini").mkdir()  # there, but not a config: an error wherever it runs
    config.write_text(f"[uwsgi]\nmaster = true\nconfig = {tmp_path}/dir.ini\n")
    assert [f.severity for f in _lint(config, "include-not-found")] == [Severity.ERROR]


def test_immediate_options_are_not_placeholder_expanded(tmp_path: Path) -> None:
    config = tmp_path / "app.ini"
    config.write_text("[uwsgi]\nincdir = /etc\ninclude = %(incdir)/x.ini\n")
    found = _lint(config, "include-not-found")
    assert len(found) == 1 and "%(incdir)/x.ini" in found[0].message


def test_findings_in_included_files_point_there(tmp_path: Path) -> None:
    (tmp_path / "inc.ini").write_text("[uwsgi]\nx = 1\ninclude = /nonexistent/y.ini\n")
    top = tmp_path / "app.ini"
    top.write_text("[uwsgi]\nmaster = true\ninclude = %dinc.ini\n")
    found = _lint(top, "include-not-found")
    assert [(f.path, f.line) for f in found] == [(str(tmp_path / "inc.ini"), 3)]
    assert f"[included from {top}:3]" in found[0].message


def test_suppression_in_an_included_file(tmp_path: Path) -> None:
    (tmp_path / "inc.ini").write_text(
        "[uwsgi]\n; uwsgi-lint: disable=include-not-found\ninclude = /nonexistent/y.ini\n"
    )
    top = tmp_path / "app.ini"
    top.write_text("[uwsgi]\nmaster = true\ninclude = %dinc.ini\n")
    assert _lint(top, "include-not-found", "unused-suppression") == []


def test_cycles_and_depth_are_bounded(tmp_path: Path) -> None:
    (tmp_path / "a.ini").write_text("[uwsgi]\ninclude = %db.ini\n")
    (tmp_path / "b.ini").write_text("[uwsgi]\ninclude = %da.ini\n")
    found = _lint(tmp_path / "a.ini", "include-cycle")
    assert [(Path(f.path).name, f.line) for f in found] == [("b.ini", 2)]
    for index in range(100):
        (tmp_path / f"d{index}.ini").write_text(f"[uwsgi]\ninclude = %dd{index + 1}.ini\n")
    (tmp_path / "d100.ini").write_text("[uwsgi]\nmaster = true\n")
    deep = _lint(tmp_path / "d0.ini", "include-cycle")
    assert len(deep) == 1 and "deeper than 32" in deep[0].message
    assert Path(deep[0].path).name == "d32.ini"


def test_inherit_cycle_is_reported_once(tmp_path: Path) -> None:
    (tmp_path / "a.ini").write_text("[uwsgi]\nmaster = true\ninherit = %da.ini\n")
    found = _lint(tmp_path / "a.ini", "include-cycle")
    assert len(found) == 1


def test_section_include_and_missing_section(tmp_path: Path) -> None:
    (tmp_path / "base.ini").write_text("[prod]\nprocesses = 8\n")
    top = tmp_path / "app.ini"
    top.write_text("[uwsgi]\nmaster = true\ninclude = %dbase.ini:prod\nini = %dbase.ini:prod\n")
    assert [f.line for f in _lint(top, "include-section-unsupported")] == [3]
    assert ("processes", "8") in _pairs(_load(top))


def test_nested_logic_and_for_bound(tmp_path: Path) -> None:
    config = tmp_path / "app.ini"
    config.write_text("[uwsgi]\nmaster = true\nfor-times = 20000\nsocket = /run/%(_).sock\n"
                      "endfor =\n")
    loaded = _load(config)
    assert sum(1 for e in loaded.entries if e.key == "socket") == 10_000
    assert [e.kind for e in loaded.events] == ["for-too-long"]


# -- never run, fetch, or wait ---------------------------------------------------------------


@pytest.fixture
def no_side_effects(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail the test if linting tries to start a process or open a socket."""

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"the linter tried a side effect: {args!r}")

    for target, name in ((subprocess, "Popen"), (os, "system"), (os, "fork"),
                         (os, "execv"), (os, "execvp"), (os, "posix_spawn"),
                         (socket, "socket"), (socket, "getaddrinfo"),
                         (socket, "create_connection")):
        monkeypatch.setattr(target, name, forbidden)
    yield


def test_exec_sources_are_never_run(tmp_path: Path, no_side_effects: None) -> None:
    canary = tmp_path / "canary"
    config = tmp_path / "app.ini"
    config.write_text(
        "[uwsgi]\nmaster = true\n"
        f"include = exec://touch {canary}-include\n"
        f"ini = exec://touch {canary}-ini\n"
        f"inherit = exec://touch {canary}-inherit\n"
        f"secret = @(exec://touch {canary}-at)\n"
        f"other = @(call://uwsgi_fork)\n"
    )
    found = _lint(config, "exec-in-config", "config-source-not-read")
    assert not list(tmp_path.glob("canary*"))
    assert sorted({f.line for f in found if f.name == "exec-in-config"}) == [3, 4, 5, 6, 7]


def test_http_include_never_connects(tmp_path: Path) -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.2)
    port = server.getsockname()[1]
    connections = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connections.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    config = tmp_path / "app.ini"
    config.write_text(
        f"[uwsgi]\nmaster = true\ninclude = http://127.0.0.1:{port}/app.ini\n"
        f"x = @(http://127.0.0.1:{port}/secret)\n"
    )
    found = _lint(config, "config-source-not-read")
    stop.set()
    thread.join()
    server.close()
    assert connections == []
    assert [f.line for f in found] == [3, 4]


def test_fifo_include_does_not_hang(tmp_path: Path) -> None:
    """A naive reader would block forever opening a FIFO with no writer."""
    fifo = tmp_path / "pipe.ini"
    os.mkfifo(fifo)
    config = tmp_path / "app.ini"
    config.write_text(f"[uwsgi]\nmaster = true\ninclude = {fifo}\nx = @({fifo})\n")
    script = (
        "import sys; from pytest_uwsgi_lint.engine import lint_source, Settings;"
        "fs = lint_source(sys.argv[1], Settings(select=('config-source-not-read',))).findings;"
        "print(len(fs), all('pipe.ini` was not read' in f.message for f in fs))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(config)], capture_output=True, text=True, timeout=120
    )
    assert done.stdout.split() == ["2", "True"], done.stderr


def test_start_time_magic_is_the_top_config_mtime(tmp_path: Path) -> None:
    """``%t``/``%T`` are the time uWSGI starts: the linter uses the top config's modification
    time, for every file it includes, so that an unchanged tree reads the same on every run."""
    top, included = tmp_path / "top.ini", tmp_path / "inc.ini"
    top.write_bytes(b"[uwsgi]\nprocname = %t %T\ninclude = %dinc.ini\n")
    included.write_bytes(b"[uwsgi]\nlogto = /var/log/%t.log\n")
    os.utime(top, (1_700_000_000.25, 1_700_000_000.25))
    os.utime(included, (1_600_000_000, 1_600_000_000))
    loaded = load(top.read_bytes(), str(top))
    values = {e.key: e.value for e in loaded.entries}
    assert values["procname"] == "1700000000 1700000000250000"
    assert values["logto"] == "/var/log/1700000000.log"
    assert load(top.read_bytes(), str(top)).entries == loaded.entries


def test_an_include_tree_that_fans_out_stops_at_the_load_bound(tmp_path: Path) -> None:
    for index in range(20):  # 2**20 loads if nothing stopped it
        (tmp_path / f"f{index}.ini").write_bytes(
            f"[uwsgi]\ninclude = %df{index + 1}.ini\ninclude = %df{index + 1}.ini\n".encode())
    (tmp_path / "f20.ini").write_bytes(b"[uwsgi]\nprocesses = 2\n")
    top = tmp_path / "f0.ini"
    loaded = load(top.read_bytes(), str(top))
    assert len(loaded.files) == MAX_LOADS + 1  # the top file and the bounded includes
    assert [e.kind for e in loaded.events] == ["include-too-many"]


def test_loops_are_bounded_but_keep_every_option() -> None:
    items = " ".join(f"i{n}" for n in range(MAX_FOR_ITEMS + 5))
    loaded = load(f"[uwsgi]\nfor = {items}\nsocket = /run/%(_).sock\nendfor =\n".encode(), "x")
    sockets = [e.value for e in loaded.entries if e.key == "socket"]
    assert len(sockets) == MAX_FOR_ITEMS and sockets[-1] == f"/run/i{MAX_FOR_ITEMS - 1}.sock"
    assert [(e.kind, e.detail) for e in loaded.events] == [("for-too-long", "10005")]
    body = "".join(f"env = K{n}=%(_)\n" for n in range(MAX_ROUTED // MAX_FOR_ITEMS + 3))
    loaded = load(f"[uwsgi]\nfor-times = {MAX_FOR_ITEMS}\n{body}endfor =\n".encode(), "x")
    assert len(loaded.entries) == MAX_ROUTED + 3 + 2  # the last lines once, with the opener
    assert {e.value.partition("=")[0] for e in loaded.entries if e.key == "env"} == {
        f"K{n}" for n in range(MAX_ROUTED // MAX_FOR_ITEMS + 3)}
    assert [(e.kind, e.detail) for e in loaded.events] == [
        ("loop-expansion-capped", "100,000 options")]


def test_loops_are_bounded_by_the_size_of_the_values_they_make() -> None:
    """A 100 kB line in a 300-item loop would be 30 MB of values (10 GB at 10,000 items):
    the items that fit are expanded, then the line is exported once."""
    items = " ".join(f"item{n:03}" for n in range(300))
    value = "%(_)" + "x" * 100_000
    loaded = load(f"[uwsgi]\nfor = {items}\nenv = {value}\nendfor =\n".encode(), "x")
    envs = [e.value for e in loaded.entries if e.key == "env"]
    assert len(envs) == 1 and envs[0] == "item000" + "x" * 100_000
    assert [(e.kind, e.detail) for e in loaded.events] == [
        ("loop-expansion-capped", "10 MiB of values")]
    fits = load(f"[uwsgi]\nfor = {items}\nenv = %(_){'x' * 30_000}\nendfor =\n".encode(), "x")
    assert len([e for e in fits.entries if e.key == "env"]) == 300 and not fits.events


def test_an_expansion_past_the_size_bound_is_not_called_a_loop() -> None:
    big = "a" * (MAX_VALUE_BYTES // 2 + 1)
    loaded = load(f"[uwsgi]\nx = {big}\nenv = K=%(x)%(x)\npythonpath = /%(pythonpath)\n"
                  .encode(), "x")
    assert [(e.kind, e.entry.key, e.detail) for e in loaded.events] == [
        ("expansion-too-large", "env", "%(x)"), ("placeholder-loop", "pythonpath", "%(pythonpath)")]


def test_a_file_read_with_at_ends_at_its_first_nul(tmp_path: Path) -> None:
    (tmp_path / "v.txt").write_bytes(b"abc\0def\n")
    loaded = load(f"[uwsgi]\nprocname = @({tmp_path}/v.txt)\n".encode(), str(tmp_path / "x.ini"))
    assert [e.value for e in loaded.entries] == ["abc"]  # uWSGI keeps a C string


@pytest.mark.parametrize("source", ["/dev/zero", "/proc/self/status", "fifo.ini"])
def test_sources_uwsgi_could_read_but_the_linter_does_not_are_not_called_missing(
    tmp_path: Path, source: str
) -> None:
    os.mkfifo(tmp_path / "fifo.ini")
    path = source if source.startswith("/") else str(tmp_path / source)
    for line, kind in ((f"procname = @({path})", VALUE_NOT_READ),
                       (f"ini = {path}", "config-source-not-read")):
        loaded = load(f"[uwsgi]\n{line}\n".encode(), str(tmp_path / "x.ini"))
        assert [(e.kind, e.detail) for e in loaded.events] == [(kind, path)]


@pytest.mark.parametrize("source", ["//proc/self/environ", "/./proc/self/environ",
                                    "/proc/1/../self/environ", "leak.txt", "linked/environ"])
def test_files_of_the_linters_own_process_are_not_read_however_they_are_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str
) -> None:
    """A config committed with a link to ``/proc/self/environ`` would put the linter's own
    environment (CI secrets) in its findings."""
    (tmp_path / "leak.txt").symlink_to("/proc/self/environ")
    (tmp_path / "linked").symlink_to("/proc/self")
    monkeypatch.chdir(tmp_path)
    for line, kind in ((f"procname = @({source})", VALUE_NOT_READ),
                       (f"ini = {source}", "config-source-not-read")):
        loaded = load(f"[uwsgi]\n{line}\n".encode(), "x.ini")
        assert [(e.kind, e.detail) for e in loaded.events] == [(kind, source)]
        assert [e.value for e in loaded.entries] == [line.partition(" = ")[2]]


def test_a_link_to_a_process_file_beside_the_config_is_not_read(tmp_path: Path) -> None:
    """Not found from the working directory, the include is taken from the config's folder;
    the link there is refused all the same."""
    (tmp_path / "leak.ini").symlink_to("/proc/self/environ")
    loaded = load(b"[uwsgi]\ninclude = leak.ini\n", str(tmp_path / "x.ini"))
    assert [(e.kind, e.detail) for e in loaded.events] == [
        ("include-relative-path", "leak.ini"),
        ("config-source-not-read", str(tmp_path / "leak.ini"))]


def test_a_value_read_through_at_does_not_hide_missing_options() -> None:
    """``@(exec://...)`` fills one value and cannot add options, unlike an include that is not
    read: the rules that rely on an option's absence still speak."""
    config = "[uwsgi]\nmaster = true\nmodule = app\n"
    read = lint_text(config + "home = @(exec://echo /venv)\n")
    assert {"harakiri-missing", "sigterm-reloads", "workers-run-as-root"} <= {
        f.name for f in read}
    note = next(f for f in read if f.name == "config-source-not-read")
    assert note.message.endswith("`home` is checked with the reference as written, while "
                                 "uWSGI puts what it reads there")
    included = lint_text(config + "include = exec://echo\n")
    assert {f.name for f in included} == {"config-source-not-read", "exec-in-config"}


def test_a_file_included_again_and_again_stops_at_the_line_bound() -> None:
    """Each load of the file counts, whole (10,203 lines): the 10th reading is cut, the next
    never starts, and the event names the include line it would have come from."""
    data = b"[uwsgi]\nmaster = true\n" + b"ini = :big\n" * 200 + b"[big]\n" + b"x = 1\n" * 10_000
    loaded = load(data, "/nonexistent/app.ini")
    total = data.count(b"\n")
    whole = MAX_LINES // total  # the top file's reading, then 8 includes (lines 3 to 10)
    assert whole == 9
    cut = [ini.unread_from for ini in loaded.files]
    assert cut == [0] * whole + [MAX_LINES - whole * total + 1]
    assert sum(ini.spent.lines for ini in loaded.files) == MAX_LINES
    events = [(e.kind, e.detail, e.entry.line) for e in loaded.events]
    assert events == [("config-too-large", "100,000 lines", 3 + whole)]


def test_a_big_value_included_again_and_again_stops_at_the_size_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "long.ini").write_bytes(b"[uwsgi]\nprocname = " + b"x" * (4 * 1024**2) + b"\n")
    monkeypatch.chdir(tmp_path)
    loaded = load(b"[uwsgi]\n" + b"include = long.ini\n" * 100, "app.ini")
    reads = [(ini.path, ini.unread_from) for ini in loaded.files]
    # the third reading stops before the value's line, never inside it; then nothing more
    assert reads == [("app.ini", 0), ("long.ini", 0), ("long.ini", 0), ("long.ini", 2)]
    assert [e.value for e in loaded.entries].count("x" * 4 * 1024**2) == 2
    assert sum(ini.spent.size for ini in loaded.files) <= MAX_SIZE
    events = [(e.kind, e.detail, e.entry.line) for e in loaded.events]
    assert events == [("config-too-large", f"{MAX_SIZE:,} bytes", 5)]


@pytest.mark.parametrize("reference", ["%(big)", "@(big.txt)"])
def test_expansions_stop_when_the_configs_work_runs_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reference: str
) -> None:
    """A thousand references to a 1 MB value took minutes; the values past 10 MiB stay as
    written, and one event says where expanding stopped."""
    big = "x" * 1_000_000
    (tmp_path / "big.txt").write_text(big)
    monkeypatch.chdir(tmp_path)
    data = f"[uwsgi]\nbig = {big}\n" + f"procname = {reference}\n" * 1_000
    loaded = load(data.encode(), "app.ini")
    values = [e.value for e in loaded.entries if e.key == "procname"]
    expanded = values.count(big)
    assert 5 <= expanded <= 11 and values[expanded:] == [reference] * (1_000 - expanded)
    assert [(e.kind, e.detail, e.entry.line) for e in loaded.events] == [
        ("expansion-stopped", "10 MiB of values and `@()` reads", expanded + 3)]


def test_a_long_rescan_stops_expanding() -> None:
    """Each substitution scans the value again from its start: 1,000 of them over 20,000
    symbols would examine twenty million characters."""
    value = "$" * 20_000 + "$(EMPTY)" * 1_000
    loaded = load(f"[uwsgi]\nx = {value}\n".encode(), "/nonexistent/app.ini", env={"EMPTY": ""})
    assert [e.value for e in loaded.entries] == [value]
    assert [(e.kind, e.detail) for e in loaded.events] == [
        ("expansion-stopped", "5,000,000 steps of expansion")]


def test_a_self_reference_after_a_big_value_stops_expanding_soon() -> None:
    """Each substitution builds the whole value again: a self-reference behind a 1 MB
    placeholder copied a gigabyte per line, minutes for a 1 MB config. The loop is still
    named; the lines after it stay as written."""
    data = "[uwsgi]\ny = B%(y)\npad = " + "P" * 1_000_000 + "\n" + "x = %(pad)%(y)\n" * 20
    loaded = load(data.encode(), "/nonexistent/app.ini")
    events = [(e.kind, e.entry.line) for e in loaded.events]
    assert events[0] == ("placeholder-loop", 2)
    assert events[-1][0] == "expansion-stopped" and events[-1][1] <= 8
    assert [kind for kind, _ in events[1:-1]] == ["placeholder-loop"] * (len(events) - 2)
    assert [e.value for e in loaded.entries[events[-1][1] - 2 :]] == ["%(pad)%(y)"] * (
        24 - events[-1][1])


def test_percent_pairs_that_grow_past_the_size_bound_are_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``%x`` is the section name, as long as the include line makes it: 20,000 of them with a
    1 KB name would be 20 MB after the ``%`` pass (99,000 with a 1 MB name, 99 GB)."""
    (tmp_path / "b.ini").write_bytes(b"[uwsgi]\nmaster = true\nx = " + b"%x" * 20_000 + b"\n")
    monkeypatch.chdir(tmp_path)
    loaded = load(b"[uwsgi]\nini = b.ini:" + b"S" * 1_000 + b"\n", "app.ini")
    included = loaded.files[1]
    assert (included.unread_from, included.unread_because) == (
        3, f"{MAX_SIZE:,} bytes once its `%` pairs are replaced")
    assert [e.key for e in loaded.entries] == ["ini"]  # the section is not [uwsgi]
    assert sum(ini.spent.size for ini in loaded.files) <= MAX_SIZE


def test_options_past_the_option_bound_are_not_kept() -> None:
    """Lines and loops each stay within their own bounds, yet add up past the options' one:
    ``set-placeholder`` lines add two options each."""
    lines = b"".join(b"set-ph = k%d=v\n" % i for i in range(MAX_LINES // 2))
    loop = b"for-times = 10000\n" + b"".join(b"env = K%d=%%(_)\n" % i for i in range(10)) + (
        b"endfor =\n")
    loaded = load(b"[uwsgi]\n" + loop + lines, "/nonexistent/app.ini")
    assert len(loaded.entries) == MAX_OPTIONS
    assert [(e.kind, e.detail) for e in loaded.events] == [
        ("config-too-large", f"{MAX_OPTIONS:,} options")]


def test_a_link_switched_between_two_runs_is_followed(tmp_path: Path) -> None:
    """``current -> releases/N``: each run resolves ``%d`` afresh, even in one process."""
    for release, extra in (("1", "master = true\n"), ("2", "processes = 2\n")):
        (tmp_path / "releases" / release).mkdir(parents=True)
        (tmp_path / "releases" / release / "app.ini").write_text(
            "[uwsgi]\nmodule = app:application\ninclude = %dlocal.ini\n")
        (tmp_path / "releases" / release / "local.ini").write_text("[uwsgi]\n" + extra)
    current = tmp_path / "current"
    settings = Settings(select=("master-not-enabled",))
    found = []
    for release in ("1", "2"):
        if current.is_symlink():
            current.unlink()
        current.symlink_to(f"releases/{release}")
        found.append([f.name for f in lint_paths([str(current / "app.ini")], settings)])
    assert found == [[], ["master-not-enabled"]]


def test_the_declared_environment_is_made_once_for_every_config(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    """A settings file may declare 400,000 variables: copying them for each config took 90 ms
    a config. Every load gets the same read-only table."""
    tables: list[Mapping[str, str]] = []
    real_load = load

    def recorded(*args: Any, **named: Any) -> Loaded:
        tables.append(named["env"])
        return real_load(*args, **named)

    monkeypatch.setattr(engine, "load", recorded)
    settings = Settings(env=(("PORT", "8000"),))
    for _ in range(2):
        socket = engine.load_text("[uwsgi]\nsocket = :$(PORT)\n", settings).last("socket")
        assert socket is not None and socket.value == ":8000"
    assert tables[0] is tables[1] and dict(tables[0]) == {"PORT": "8000"}
    with pytest.raises(TypeError):
        tables[0]["PORT"] = "1"  # type: ignore[index]
