"""Our reader against the real uWSGI: its ``--show-config`` and ours must match byte for byte.

Each config is run through the sandboxed pyuwsgi binary (see ``uwsgi_oracle``) and read by
:func:`read_ini` from the same private copy with the same ``%`` values; :func:`render` must
print exactly the block uWSGI printed. Real configs that need what the reader leaves to the
loader (includes, placeholders, logic blocks, option definitions), that are unsafe to run or
that use the clock (``%t``/``%T``) are not compared; the selection test counts them.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import uwsgi_oracle

from pytest_uwsgi_lint import catalog
from pytest_uwsgi_lint.engine import Settings
from pytest_uwsgi_lint.reader import DEFAULT_SECTION, read_ini
from pytest_uwsgi_lint.show_config import render, render_spec
from pytest_uwsgi_lint.sources import UnreadableSource

CORPUS = Path(__file__).parent / "corpus" / "real"
TRICKY = Path(__file__).parent / "data" / "tricky"

LOADING_KEYS = frozenset({
    "ini", "include", "inherit", "config", "json", "js", "yaml", "yml", "xml", "xmlconfig",
    "sqlite", "sqlite3", "ldap",
})
DEFINING_KEYS = frozenset({"set", "set-placeholder", "set-ph", "declare-option", "declare-option2"})
BLOCK_ENDS = frozenset({"end", "endif", "end-if", "endfor", "end-for"})
PLACEHOLDERS = ("%(", "$(", "@(")
MIN_COMPARED = 140


def exclusion(data: bytes) -> str | None:
    """Why a real config is not compared with uWSGI's reading of it, or None."""
    entries = read_ini(data).entries
    keys = {entry.key for entry in entries}
    if keys & LOADING_KEYS:
        return "loads another config (ini/include/inherit/config/json/yaml/xml)"
    if any(mark in e.key + e.value for e in entries for mark in PLACEHOLDERS):
        return "uses %()/$()/@() placeholders"
    logic = {k for k in keys if (o := catalog.lookup(k)) and o.handler == "uwsgi_opt_logic"}
    if logic or keys & BLOCK_ENDS:
        return "has if-*/for logic blocks"
    if keys & DEFINING_KEYS:
        return "defines options or placeholders (set/set-placeholder/declare-option)"
    try:
        uwsgi_oracle.check_safe(data)
    except uwsgi_oracle.Refused as refused:
        return f"unsafe to run ({refused})"
    if any(event.char in (b"t", b"T") for event in read_ini(data).magic):
        return "uses the clock (%t/%T)"
    return None


CORPUS_FILES = sorted(path.name for path in CORPUS.glob("*.ini"))
EXCLUDED = {name: why for name in CORPUS_FILES if (why := exclusion((CORPUS / name).read_bytes()))}
COMPARED = [name for name in CORPUS_FILES if name not in EXCLUDED]


def assert_reads_as_uwsgi(data: bytes, name: str, section: str | None = None) -> None:
    shown = uwsgi_oracle.show_config(data, name, section)
    ini = read_ini(shown.data, shown.path, section or DEFAULT_SECTION, shown.magic_table)
    assert render(ini) == shown.block


def test_corpus_selection_keeps_most_real_configs() -> None:
    reasons = Counter(why.split(" (", 1)[0] if why.startswith("unsafe") else why
                      for why in EXCLUDED.values())
    summary = "\n".join(
        [f"compared with uWSGI: {len(COMPARED)} of {len(CORPUS_FILES)} real configs"]
        + [f"  not compared, {why}: {count}" for why, count in reasons.most_common()]
        + [f"    {name}: {why}" for name, why in EXCLUDED.items() if why.startswith("unsafe")]
    )
    print(summary)
    assert len(CORPUS_FILES) >= 237
    assert len(COMPARED) >= MIN_COMPARED, summary


@pytest.mark.oracle
@pytest.mark.parametrize("name", COMPARED)
def test_real_config_reads_as_uwsgi(oracle: str, name: str) -> None:
    assert_reads_as_uwsgi((CORPUS / name).read_bytes(), name)


TRICKY_FILES = sorted(path.name for path in TRICKY.glob("*.ini"))
SECTIONS = [("other_section.ini", "other"), ("other_section.ini", "")]
GENERATED = {
    "long_line.ini": b"[uwsgi]\nfoo = " + b"x" * 100_000 + b"\nmaster = true\n",
    "long_key.ini": b"[uwsgi]\n" + b"k" * 100_000 + b" = v\nbar = baz\n",
}
# uWSGI appends a NUL to the buffer and a final ``%`` eats it: the last value then runs into
# whatever bytes follow in memory (core/utils.c ``magic_sub``), so it is compared apart.
READS_PAST_BUFFER = "percent_at_end_of_file.ini"


@pytest.mark.oracle
@pytest.mark.usefixtures("oracle", "user_elsewhere")
@pytest.mark.parametrize("name", [n for n in TRICKY_FILES if n != READS_PAST_BUFFER])
def test_tricky_config_reads_as_uwsgi(name: str) -> None:
    assert_reads_as_uwsgi((TRICKY / name).read_bytes(), name)


@pytest.mark.oracle
@pytest.mark.usefixtures("oracle")
@pytest.mark.parametrize(("name", "section"), SECTIONS)
def test_tricky_section_reads_as_uwsgi(name: str, section: str) -> None:
    assert_reads_as_uwsgi((TRICKY / name).read_bytes(), name, section)


@pytest.mark.oracle
@pytest.mark.usefixtures("oracle")
@pytest.mark.parametrize("name", sorted(GENERATED))
def test_generated_config_reads_as_uwsgi(name: str) -> None:
    assert_reads_as_uwsgi(GENERATED[name], name)


@pytest.mark.oracle
@pytest.mark.usefixtures("oracle")
def test_final_percent_reads_past_the_buffer() -> None:
    data = (TRICKY / READS_PAST_BUFFER).read_bytes()
    shown = uwsgi_oracle.show_config(data, READS_PAST_BUFFER)
    ours = [(e.key.encode(), e.value.encode()) for e in read_ini(shown.data).entries]
    assert ours == [(b"foo", b"bar"), (b"last", b"x")]
    assert shown.entries[:-1] == ours[:-1]
    key, value = shown.entries[-1]
    assert key == b"last"
    assert value.startswith(b"x")


@pytest.mark.oracle
@pytest.mark.usefixtures("oracle")
def test_risky_keys_are_renamed_for_both_readers() -> None:
    shown = uwsgi_oracle.show_config((TRICKY / "renamed_keys.ini").read_bytes())
    keys = [key for key, _ in shown.entries]
    prefix = uwsgi_oracle.RENAME_PREFIX
    assert keys == [prefix + b"logto", prefix + b"plugins", prefix + b"strict",
                    prefix + b"daemonize", b"foo"]


@pytest.mark.oracle
@pytest.mark.usefixtures("oracle")
def test_render_spec_prints_what_uwsgi_prints(tmp_path: Path) -> None:
    config = tmp_path / "site.app.ini"
    config.write_bytes(b"[uwsgi]\nfoo = x\n[dev]\nhere = %d|%n|%e|%p|%s|%c|%x|%o|%j|%i|%O\n"
                       b"bar = 50% off\n")
    spec = f"{config}:dev"
    _, _, stderr = uwsgi_oracle.run_uwsgi(
        ["--ini", spec, *uwsgi_oracle.FRAMING_ARGS], expose=[tmp_path])
    block, _ = uwsgi_oracle.parse_show_config(stderr, spec)
    assert render_spec(spec, Settings()) == block


def test_render_spec_reports_an_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(UnreadableSource):
        render_spec(str(tmp_path / "missing.ini"), Settings())


@pytest.mark.parametrize(("ci", "outcome"), [(True, pytest.fail.Exception),
                                             (False, pytest.skip.Exception)])
def test_missing_oracle_fails_in_ci_and_skips_elsewhere(
    monkeypatch: pytest.MonkeyPatch, ci: bool, outcome: type[BaseException]
) -> None:
    monkeypatch.setattr(uwsgi_oracle, "unavailable_reason", lambda: "no unshare here")
    with pytest.raises(outcome, match="no unshare here"):
        uwsgi_oracle.require(ci)


# The harness's own safety checks (no uWSGI run needed).
@pytest.mark.parametrize("data", [
    b"[uwsgi]\nini = exec://cat x.ini\n",
    b"[other]\ninclude = http://example.com/x.ini\n",
    b"[uwsgi]\nfoo = @(/etc/hostname)\n",
    b"[uwsgi]\nexec-asap = touch /x\n",
    b"[uwsgi]\nhook-pre-jail = exec:touch /x\n",
    b"[uwsgi]\n  plugin-dir = x\nneed-app\ndlopen = ./x.so\n",
    b"[uwsgi]\nfoo = a%\n# exec://hidden in a comment, joined into foo\n",
    b"[uwsgi]\nex%hec-asap = x\n",
    b"[uwsgi]\nexec%\n-asap = x\n",
    b"[uwsgi]\nset = exec-asap=touch /x\n",
    b"[uwsgi]\nwait-for-socket = /run/x.sock\n",
])
def test_harness_refuses(data: bytes) -> None:
    with pytest.raises(uwsgi_oracle.Refused):
        uwsgi_oracle.check_safe(data)


@pytest.mark.parametrize("data", [
    b"[uwsgi]\n# see https://uwsgi-docs.readthedocs.io/\n; exec://not an option\nfoo = bar\n",
    b"[uwsgi]\nk%zey = unknown letters expand to nothing\n%%odd = 1\n",
    b"[uwsgi]\nmount = /app=app.py\nemperor = /etc/vassals\n",
])
def test_harness_accepts(data: bytes) -> None:
    uwsgi_oracle.check_safe(data)


def test_renaming_keeps_every_line_in_place() -> None:
    data = b"[uwsgi]\n  logto = /x\nlog-master = true\r\nlo%zgto = y\nfoo = logto\n"
    copy = uwsgi_oracle.prepare_copy(data)
    assert copy == (b"[uwsgi]\n  oracle-renamed-logto = /x\noracle-renamed-log-master = true\r\n"
                    b"oracle-renamed-lo%zgto = y\nfoo = logto\n")
