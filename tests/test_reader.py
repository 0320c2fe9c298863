"""The reader against uWSGI 2.0.30's measured behaviour (reference: uwsgi-ini-semantics §1-§3.2,
iniparse-notes §3 and §7.2). Every expectation is what uWSGI printed with ``--show-config`` (or
what core/ini.c and ``magic_sub`` do), written out by hand, never taken from the reader.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pytest_uwsgi_lint.magic import MagicEvent, first_pair_past, table_for
from pytest_uwsgi_lint.reader import (
    MAX_LINES,
    MAX_MAGIC_PAIRS,
    MAX_SIZE,
    Budget,
    LineKind,
    read_ini,
    split_section_spec,
)
from pytest_uwsgi_lint.values import atoi, is_plain_integer, strtoul, uwsgi_true

Row = tuple[str, str, int]


def read(data: bytes, section: str = "uwsgi", table: dict[bytes, bytes] | None = None) -> list[Row]:
    """(key, value, first line) of every entry uWSGI exports from ``section``."""
    return [(e.key, e.value, e.line) for e in read_ini(data, "t.ini", section, table).entries]


# The 42 differential cases of iniparse-notes §3, with uWSGI's column. Cases 06, 22, 36 and 37
# are shown at the reading stage: uWSGI's column there also holds what later passes did (the
# cron2 handler cut its value, ``%()`` placeholders, the ``for`` loop, the include).
CASE_TABLE = {b"n": b"22_percent", b"e": b"ini", b"d": b"/cases/"}
DIFFERENTIAL = [
    ("01-baseline", b"[uwsgi]\nmaster = true\nprocesses = 4\n",
     [("master", "true", 2), ("processes", "4", 3)]),
    ("02-duplicate-keys",
     b"[uwsgi]\nprocesses = 2\nattach-daemon = /bin/true one\nprocesses = 4\n"
     b"attach-daemon = /bin/true two\nfoo = first\nfoo = second\n",
     [("processes", "2", 2), ("attach-daemon", "/bin/true one", 3), ("processes", "4", 4),
      ("attach-daemon", "/bin/true two", 5), ("foo", "first", 6), ("foo", "second", 7)]),
    ("03-duplicate-sections", b"[uwsgi]\nfoo = a\nbar = c\n[other]\nfoo = b\n[uwsgi]\nfoo = d\n",
     [("foo", "a", 2), ("bar", "c", 3), ("foo", "d", 7)]),
    ("04-inline-semicolon",
     b"[uwsgi]\nmaster = false ; disabled on purpose\nfoo = bar ;comment\n"
     b"baz = qux;notacomment\nsemi = a ; b ; c\n",
     [("master", "false ; disabled on purpose", 2), ("foo", "bar ;comment", 3),
      ("baz", "qux;notacomment", 4), ("semi", "a ; b ; c", 5)]),
    ("05-inline-hash", b"[uwsgi]\nfoo = bar # comment\nprocesses = 4 # four workers\nbaz = qux#x\n",
     [("foo", "bar # comment", 2), ("processes", "4 # four workers", 3), ("baz", "qux#x", 4)]),
    ("06-equals-in-values",
     b"[uwsgi]\nenv = DJANGO_SETTINGS_MODULE=mysite.settings\n"
     b"cron2 = minute=-5,unique=1 /bin/true\nfoo = a = b = c\n",
     [("env", "DJANGO_SETTINGS_MODULE=mysite.settings", 2),
      ("cron2", "minute=-5,unique=1 /bin/true", 3), ("foo", "a = b = c", 4)]),
    ("07-semicolons", b"[uwsgi]\nfoo = ^/static/(.*)$;static:/srv/$1\nbar = a;b;c\nbaz = x ;y\n",
     [("foo", "^/static/(.*)$;static:/srv/$1", 2), ("bar", "a;b;c", 3), ("baz", "x ;y", 4)]),
    ("08-underscores", b"[uwsgi]\nenable_threads = true\nmax_requests = 100\nmax-requests = 200\n",
     [("enable_threads", "true", 2), ("max_requests", "100", 3), ("max-requests", "200", 4)]),
    ("09-case", b"[uwsgi]\nMaster = true\nPROCESSES = 2\nfoo = lower\nFOO = upper\n",
     [("Master", "true", 2), ("PROCESSES", "2", 3), ("foo", "lower", 4), ("FOO", "upper", 5)]),
    ("10-indented-spaces", b"[uwsgi]\n  master = true\n    processes = 2\n  foo = bar\n",
     [("master", "true", 2), ("processes", "2", 3), ("foo", "bar", 4)]),
    ("11-indented-tabs", b"[uwsgi]\n\tmaster = true\n\tfoo = bar\n\t\tbaz = qux\n",
     [("master", "true", 2), ("foo", "bar", 3), ("baz", "qux", 4)]),
    ("12-bare-keys", b"[uwsgi]\nmaster\nvacuum\nfoo\nprocesses = 2\n",
     [("master", "", 2), ("vacuum", "", 3), ("foo", "", 4), ("processes", "2", 5)]),
    ("13-colon", b"[uwsgi]\nprocesses: 4\nfoo : bar\nbaz:qux = zap\n",
     [("processes: 4", "", 2), ("foo : bar", "", 3), ("baz:qux", "zap", 4)]),
    ("14-empty-values", b"[uwsgi]\nmaster =\nfoo = \nbar=\n",
     [("master", "", 2), ("foo", "", 3), ("bar", "", 4)]),
    ("15-crlf", b"[uwsgi]\r\nmaster = true\r\nfoo = bar\r\nbaz = qux\r\n",
     [("master", "true", 2), ("foo", "bar", 3), ("baz", "qux", 4)]),
    ("16-bom", b"\xef\xbb\xbf[uwsgi]\nmaster = true\nfoo = bar\n", []),
    ("17-invalid-utf8", b"[uwsgi]\nfoo = caf\xe9\nbar = \xff\xfe\nbaz = ok\n",
     [("foo", "caf\udce9", 2), ("bar", "\udcff\udcfe", 3), ("baz", "ok", 4)]),
    ("18-indented-continuation",
     b"[uwsgi]\nattach-daemon = /bin/echo one\n    two three\nfoo = a\n  b\n  c\nbar = z\n",
     [("attach-daemon", "/bin/echo one", 2), ("two three", "", 3), ("foo", "a", 4),
      ("b", "", 5), ("c", "", 6), ("bar", "z", 7)]),
    ("19-long-value", b"[uwsgi]\nfoo = " + b"x" * 100_000 + b"\nmaster = true\n",
     [("foo", "x" * 100_000, 2), ("master", "true", 3)]),
    ("20-no-header", b"master = true\nfoo = bar\n", []),
    ("22-percent",
     b"[uwsgi]\nfoo = 100%% sure\nbar = 50% off\nbaz = %z-%n-%e\nqux = %d\nph = %(foo)\n"
     b"raw = %%(foo)\n",
     [("foo", "100% sure", 2), ("bar", "50off", 3), ("baz", "-22_percent-ini", 4),
      ("qux", "/cases/", 5), ("ph", "%(foo)", 6), ("raw", "%(foo)", 7)]),
    ("23-percent-end-of-line", b"[uwsgi]\nfoo = ends with %\nbar = next\nbaz = last\n",
     [("foo", "ends with bar = next", 2), ("baz", "last", 4)]),
    ("24-quotes", b"[uwsgi]\nfoo = \"bar\"\nbaz = 'qux'\nenv = \"A=1\"\nempty = \"\"\n",
     [("foo", '"bar"', 2), ("baz", "'qux'", 3), ("env", '"A=1"', 4), ("empty", '""', 5)]),
    ("25-header-comment", b"[uwsgi] ; main section\nfoo = bar\n[uwsgi]\nbaz = qux\n",
     [("baz", "qux", 4)]),
    ("26-header-variants",
     b"[UWSGI]\na = 1\n[ uwsgi ]\nb = 2\n[uwsgi\nc = 3\n[uwsgi]]\nd = 4\n[uwsgi] x\ne = 5\n"
     b"[uwsgi]\nf = 6\n",
     [("f", "6", 12)]),
    ("27-whitespace", b"[uwsgi]\nfoo=bar\nbaz   =   qux   \n\tq\t=\tz\t\nmy key = v\n",
     [("foo", "bar", 2), ("baz", "qux", 3), ("q", "z", 4), ("my key", "v", 5)]),
    ("28-indented-comments",
     b"[uwsgi]\nfoo = bar\n    ; indented semicolon comment\n\t# indented hash\nbaz = qux\n",
     [("foo", "bar", 2), ("baz", "qux", 5)]),
    ("29-rem-keys", b"[uwsgi]\nrem-header = Server\nremap-modifier = 1:0\nremote = x\nfoo = bar\n",
     [("rem-header", "Server", 2), ("remap-modifier", "1:0", 3), ("remote", "x", 4),
      ("foo", "bar", 5)]),
    ("30-default-section", b"[DEFAULT]\nfoo = default\n[uwsgi]\nbar = baz\n", [("bar", "baz", 4)]),
    ("31-empty-key", b"[uwsgi]\n= orphan value\nfoo = bar\n",
     [("", "orphan value", 2), ("foo", "bar", 3)]),
    ("32-colon-before-equals",
     b"[uwsgi]\nfoo:bar = baz\naddr = 127.0.0.1:9999\nsocket : /tmp/x.sock\n",
     [("foo:bar", "baz", 2), ("addr", "127.0.0.1:9999", 3), ("socket : /tmp/x.sock", "", 4)]),
    ("33-unicode-whitespace",
     b"[uwsgi]\n\xc2\xa0foo = nbsp\n\x0cbar = ff\n\x0bbaz = vt\nqux = end\xc2\xa0\n",
     [("\xa0foo", "nbsp", 2), ("\x0cbar", "ff", 3), ("\x0bbaz", "vt", 4), ("qux", "end\xa0", 5)]),
    ("34-cr-only", b"[uwsgi]\rfoo = bar\rbaz = qux\r", []),
    ("35-nul", b"[uwsgi]\nfoo = a\x00b\nbar = c\n", [("foo", "a", 2), ("bar", "c", 3)]),
    ("36-for-logic", b"[uwsgi]\nfor = a b\nfoo = item-%(_)\nendfor =\n",
     [("for", "a b", 2), ("foo", "item-%(_)", 3), ("endfor", "", 4)]),
    ("37-include-via-magic", b"[uwsgi]\nfoo = before\nini = %dinc.ini\nbar = after\n",
     [("foo", "before", 2), ("ini", "/cases/inc.ini", 3), ("bar", "after", 4)]),
    ("38-backslash", b"[uwsgi]\nfoo = a \\\nbar = b\n", [("foo", "a \\", 2), ("bar", "b", 3)]),
    ("39-no-final-newline", b"[uwsgi]\nfoo = bar\nbaz = qux",
     [("foo", "bar", 2), ("baz", "qux", 3)]),
    ("40-comment-styles", b"[uwsgi]\n; semicolon\n# hash\nrem classic\n// slashes\nfoo = bar\n",
     [("rem classic", "", 4), ("// slashes", "", 5), ("foo", "bar", 6)]),
    ("41-indented-header", b"  [uwsgi]\nfoo = bar\n", [("foo", "bar", 2)]),
    ("42-indent-after-comment", b"[uwsgi]\nfoo = a\n; comment\n\n  b\nbar = c\n",
     [("foo", "a", 2), ("b", "", 5), ("bar", "c", 6)]),
]


@pytest.mark.parametrize(("data", "expected"), [c[1:] for c in DIFFERENTIAL],
                         ids=[c[0] for c in DIFFERENTIAL])
def test_differential_case(data: bytes, expected: list[Row]) -> None:
    assert read(data, table=CASE_TABLE) == expected


def test_differential_case_21_other_section() -> None:
    data = b"[uwsgi]\nfoo = from-uwsgi\n[other]\nfoo = from-other\nbar = only-other\n"
    assert read(data, "other") == [("foo", "from-other", 4), ("bar", "only-other", 5)]


# uwsgi-ini-semantics §1, one row of its table each.
GRAMMAR = [
    ("final-line-without-newline", b"[uwsgi]\nk1 = a\nk1 = last",
     [("k1", "a", 2), ("k1", "last", 3)]),
    ("whitespace-inside-kept", b"[uwsgi]\n\t my key \t=\t a  b \t\n",
     [("my key", "a  b", 2)]),
    ("blank-lines-skipped", b"[uwsgi]\n\n \t \r\nfoo = bar\n\n", [("foo", "bar", 4)]),
    ("comment-only-first-character", b"[uwsgi]\n ;x = 1\n\t#y = 2\nkey1 = value ; not a comment\n",
     [("key1", "value ; not a comment", 4)]),
    ("header-last-byte-dropped", b"[uwsgix\nfoo = read\n", [("foo", "read", 2)]),
    ("header-with-comment", b"[uwsgi] ; c\nfoo = lost\n", []),
    ("header-double-bracket", b"[uwsgi]]\nfoo = lost\n", []),
    ("header-inner-spaces", b"[ uwsgi ]\nfoo = lost\n", []),
    ("header-outer-whitespace", b" \t[uwsgi] \t\r\nfoo = read\n", [("foo", "read", 2)]),
    ("first-equals-splits", b"[uwsgi]\nkey7 = a=b=c\nkey8: colon\n",
     [("key7", "a=b=c", 2), ("key8: colon", "", 3)]),
    ("no-equals-empty-value", b"[uwsgi]\nkey5\n", [("key5", "", 2)]),
    ("empty-key", b"[uwsgi]\n= value\n", [("", "value", 2)]),
    ("quotes-kept", b'[uwsgi]\nkey6 = "quoted value"\n', [("key6", '"quoted value"', 2)]),
    ("backslash-literal", b"[uwsgi]\nb = foo \\\nc = d\n", [("b", "foo \\", 2), ("c", "d", 3)]),
    ("nul-ends-line", b"[uwsgi]\nfoo = a\x00 = b\n\x00bar = 1\nbaz = c\x00\n",
     [("foo", "a", 2), ("baz", "c", 4)]),
    ("bom-before-comment", b"\xef\xbb\xbf; note\n[uwsgi]\nfoo = bar\n", [("foo", "bar", 3)]),
    ("long-value", b"[uwsgi]\nfoo = " + b"v" * 2_000_000 + b"\n", [("foo", "v" * 2_000_000, 2)]),
    ("case-sensitive-section", b"[UWSGI]\nfoo = lost\n[Uwsgi]\nbar = lost\n", []),
    ("case-kept-in-keys", b"[uwsgi]\nKey1 = a\nMASTER = b\n",
     [("Key1", "a", 2), ("MASTER", "b", 3)]),
    ("duplicate-keys-in-order", b"[uwsgi]\nkey1 = a\nkey1 = b\n",
     [("key1", "a", 2), ("key1", "b", 3)]),
    ("every-uwsgi-block", b"[uwsgi]\nkey1 = a\n[x]\nkey9 = no\n[uwsgi]\nkey10 = b\n",
     [("key1", "a", 2), ("key10", "b", 6)]),
    ("keys-before-header-ignored", b"foo = lost\n[uwsgi]\nbar = read\n", [("bar", "read", 3)]),
    ("header-alone-is-empty-section", b"[\nfoo = lost\n[uwsgi]\nbar = read\n",
     [("bar", "read", 4)]),
    ("no-name-normalisation", b"[uwsgi]\nno_orphans = 1\nNo-Orphans = 1\nmaster_process = 1\n",
     [("no_orphans", "1", 2), ("No-Orphans", "1", 3), ("master_process", "1", 4)]),
    ("short-names-are-keys", b"[uwsgi]\nM = true\np = 2\n", [("M", "true", 2), ("p", "2", 3)]),
]


@pytest.mark.parametrize(("data", "expected"), [g[1:] for g in GRAMMAR],
                         ids=[g[0] for g in GRAMMAR])
def test_grammar(data: bytes, expected: list[Row]) -> None:
    assert read(data) == expected


def test_empty_section_name_is_never_the_default() -> None:
    assert read(b"foo = bar\n[]\nbaz = qux\n", "") == [("foo", "bar", 1), ("baz", "qux", 3)]


# §3.2: magic before line splitting.
MAGIC = [
    ("unknown-pairs-vanish", b"[uwsgi]\nfoo = a%zb%qc\n", [("foo", "abc", 2)]),
    ("double-percent", b"[uwsgi]\nfoo = 100%% sure\n", [("foo", "100% sure", 2)]),
    ("percent-paren-kept", b"[uwsgi]\nfoo = %(bar)\n", [("foo", "%(bar)", 2)]),
    ("percent-newline-joins", b"[uwsgi]\nlog-format = 100%\nworkers = 4\n",
     [("log-format", "100workers = 4", 2)]),
    ("percent-space", b"[uwsgi]\nfoo = 50% of disk\n", [("foo", "50of disk", 2)]),
    ("date-format", b"[uwsgi]\ncron = 0 0 -1 -1 -1 date +%Y-%m-%d\n",
     [("cron", "0 0 -1 -1 -1 date +--/etc/app/", 2)]),
    ("escaped-date-format", b"[uwsgi]\nfoo = date +%%Y\n", [("foo", "date +%Y", 2)]),
    ("magic-in-keys", b"[uwsgi]\nk%zey = v\n", [("key", "v", 2)]),
    ("magic-in-headers", b"[uws%zgi]\nfoo = bar\n", [("foo", "bar", 2)]),
    ("magic-in-comments", b"[uwsgi]\n; ends with %\nfoo = swallowed\nbar = read\n",
     [("bar", "read", 4)]),
    ("magic-in-other-sections", b"[other]\nfoo = %\n[uwsgi]\nbar = joined into other\n", []),
    ("percent-crlf-keeps-line", b"[uwsgi]\r\nfoo = a%\r\nbar = b\r\n",
     [("foo", "a", 2), ("bar", "b", 3)]),
    ("percent-eats-nul", b"[uwsgi]\nfoo = a%\x00b\n", [("foo", "ab", 2)]),
    ("percent-at-end-of-file", b"[uwsgi]\nfoo = x%", [("foo", "x", 2)]),
    ("odd-run", b"[uwsgi]\nfoo = %%%\nbar = b\n", [("foo", "%bar = b", 2)]),
]


@pytest.mark.parametrize(("data", "expected"), [m[1:] for m in MAGIC], ids=[m[0] for m in MAGIC])
def test_magic_pass(data: bytes, expected: list[Row]) -> None:
    assert read(data, table={b"d": b"/etc/app/"}) == expected


def test_joined_lines_keep_their_source_span() -> None:
    data = b"[uwsgi]\na = x%\ny%\nz\nb = 1\n"
    ini = read_ini(data)
    assert ini.joined_lines == [2, 3]
    assert [(e.key, e.value, e.line, e.end_line) for e in ini.entries] == [
        ("a", "xyz", 2, 4), ("b", "1", 5, 5)]
    assert ini.entries[0].raw == b"a = x%\ny%\nz"


def test_joined_comment_hides_the_next_line() -> None:
    ini = read_ini(b"[uwsgi]\n# note %\nfoo = bar\nbaz = qux\n")
    comment = ini.lines[1]
    assert (comment.kind, comment.line, comment.end_line) == (LineKind.COMMENT, 2, 3)
    assert [(e.key, e.line) for e in ini.entries] == [("baz", 4)]


def test_magic_events_say_where_and_what() -> None:
    ini = read_ini(b"[uwsgi]\nfoo = %z-%n\n  bar = 100%%\n", magic_table={b"n": b"app"})
    assert ini.magic == [
        MagicEvent(2, 7, b"z", b""),
        MagicEvent(2, 10, b"n", b"app"),
        MagicEvent(3, 12, b"%", b"%"),
    ]


def test_magic_event_for_a_swallowed_newline() -> None:
    ini = read_ini(b"[uwsgi]\nfoo = a%\nb = c\nd = %(e)\n")
    assert ini.magic == [MagicEvent(2, 8, b"\n", b""), MagicEvent(4, 5, b"(", b"%(")]


def test_magic_event_at_end_of_file() -> None:
    assert read_ini(b"[uwsgi]\nfoo = x%").magic == [MagicEvent(2, 8, b"", b"")]


def test_nul_lines_are_recorded() -> None:
    ini = read_ini(b"[uwsgi]\nfoo = a\x00b\nbar = c\n\x00\n")
    assert ini.nul_lines == [2, 4]
    assert [(line.kind, line.line) for line in ini.lines[3:]] == [(LineKind.BLANK, 4)]


def test_cr_only_file_is_one_line() -> None:
    ini = read_ini(b"[uwsgi]\rfoo = bar\rbaz = qux\r")
    assert ini.cr_only
    assert not ini.section_found
    assert [(line.kind, line.section) for line in ini.lines] == [
        (LineKind.HEADER, "uwsgi]\rfoo = bar\rbaz = qu")]


@pytest.mark.parametrize("data", [b"[uwsgi]\r\nfoo = bar\r\n", b"\r", b"", b"[uwsgi]\nfoo = bar\r"])
def test_not_cr_only(data: bytes) -> None:
    assert not read_ini(data).cr_only


def test_bom_hides_the_header() -> None:
    ini = read_ini(b"\xef\xbb\xbf[uwsgi]\nfoo = bar\n")
    assert ini.starts_with_bom
    assert not ini.section_found
    assert ini.header() is None
    first = ini.lines[0]
    assert (first.kind, first.key, first.value, first.section) == (
        LineKind.OPTION, "\ufeff[uwsgi]", "", "")


def test_header_is_the_first_line_that_opens_the_section() -> None:
    ini = read_ini(b"[uwsgi] ; c\nfoo = lost\n  [uwsgix\nbar = read\n[uwsgi]\n")
    header = ini.header()
    assert header is not None
    assert (header.line, header.column, header.text) == (3, 3, "[uwsgix")
    assert [line.section for line in ini.lines if line.kind is LineKind.HEADER] == [
        "uwsgi] ; ", "uwsgi", "uwsgi"]


def test_entry_positions_and_raw_bytes() -> None:
    ini = read_ini(b"[uwsgi]\n\t  processes = 4 \r\n", "app.ini")
    entry = ini.entries[0]
    assert (entry.path, entry.line, entry.end_line, entry.column) == ("app.ini", 2, 2, 4)
    assert entry.raw == b"\t  processes = 4 \r"


def test_lines_classify_every_line() -> None:
    ini = read_ini(b"top = 1\n\n; c\n[uwsgi]\nk = v\n[x]\ny\n")
    assert [(line.kind, line.line, line.section) for line in ini.lines] == [
        (LineKind.OPTION, 1, ""), (LineKind.BLANK, 2, ""), (LineKind.COMMENT, 3, ""),
        (LineKind.HEADER, 4, "uwsgi"), (LineKind.OPTION, 5, "uwsgi"),
        (LineKind.HEADER, 6, "x"), (LineKind.OPTION, 7, "x")]


@pytest.mark.parametrize("data", [b"", b"  \n\t\n\r\n", b"\x00\x00", b"%", b"%%%%%", b"["])
def test_empty_reads(data: bytes) -> None:
    assert read(data) == []


@pytest.mark.parametrize(("spec", "expected"), [
    ("f.ini:dev", ("f.ini", "dev")),
    ("f.ini", ("f.ini", "uwsgi")),
    ("f.ini:", ("f.ini", "uwsgi")),
    ("dir:x/f.ini:dev", ("dir:x/f.ini", "dev")),
    ("/a:b/f.ini", ("/a", "b/f.ini")),
    (":sect", ("", "sect")),
    ("exec://cat /x/a.ini:dev", ("exec://cat /x/a.ini", "dev")),
    ("http://host:8080/x.ini", ("http://host:8080/x.ini", "uwsgi")),
    ("http://host:8080/x.ini:prod", ("http://host:8080/x.ini", "prod")),
    ("https://host:8080/x.ini", ("https://host", "8080/x.ini")),
])
def test_section_spec_split(spec: str, expected: tuple[str, str]) -> None:
    assert split_section_spec(spec) == expected


def test_file_magic_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """§3.2's table, for ``sub/dir/my.app.ini:uwsgi`` read from ``tmp_path``."""
    (tmp_path / "sub" / "dir").mkdir(parents=True)
    (tmp_path / "sub" / "dir" / "my.app.ini").write_bytes(b"")
    monkeypatch.chdir(tmp_path)
    table = table_for("sub/dir/my.app.ini", "uwsgi", "2.0.30")
    full = os.path.realpath(tmp_path / "sub" / "dir" / "my.app.ini").encode()
    parts = [p for p in full.split(b"/") if p][:-1]
    expected = {
        b"p": full, b"d": full.rsplit(b"/", 1)[0] + b"/", b"s": b"my.app.ini", b"n": b"my.app",
        b"e": b"ini", b"c": b"dir", b"x": b"uwsgi", b"o": b"sub/dir/my.app.ini",
        b"0": parts[0], str(len(parts) - 1).encode(): b"dir", b"V": b"2.0.30",
        b"i": str(os.lstat("sub/dir/my.app.ini").st_ino).encode(),
        b"O": b"sub/dir/my.app.ini", b"D": full.rsplit(b"/", 1)[0] + b"/", b"N": b"my.app",
        b"v": os.getcwd().encode(), b"[": b"\x1b",
    }
    assert {k: table[k] for k in expected} == expected
    assert len(table[b"j"]) == 8 and table[b"j"] == table[b"J"]


def test_user_magic_ignores_login_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    import pwd

    monkeypatch.setenv("LOGNAME", "somebody-else")
    monkeypatch.setenv("USER", "somebody-else")
    table = table_for("-", "", "2.0.30")
    assert table[b"U"] == pwd.getpwuid(os.getuid()).pw_name.encode()
    assert table[b"u"] == str(os.getuid()).encode()


# §2: values as uWSGI converts them.
@pytest.mark.parametrize("text", [
    "", "true", "1", "yes", "on", "00", "n", "disabled", "2", '"false"', "'no'",
    "false ; comment", "false ", " 0", "nope", "offf"])
def test_true_values(text: str) -> None:
    assert uwsgi_true(text)


@pytest.mark.parametrize("text", ["false", "FALSE", "False", "0", "no", "NO", "nO", "off", "Off"])
def test_false_values(text: str) -> None:
    assert not uwsgi_true(text)


def test_trimmed_zero_reads_false() -> None:
    (entry,) = read_ini(b"[uwsgi]\nmaster =    0\n").entries
    assert not uwsgi_true(entry.value)


def test_inline_comment_after_false_reads_true() -> None:
    (entry,) = read_ini(b"[uwsgi]\nmaster = false ; c\n").entries
    assert uwsgi_true(entry.value)


@pytest.mark.parametrize(("text", "expected"), [
    ("4", 4), ("4abc", 4), ("abc", 0), ("", 0), ("-3", -3), ("+5", 5), (" \t\n\v\f\r12", 12),
    ("\xa05", 0), ("0x10", 0), ("1e3", 1), ("007", 7), ("- 3", 0), ("\u0663", 0),
    ("2147483647", 2147483647), ("2147483648", -2147483648), ("4294967297", 1),
    ("99999999999999999999", -1), ("-99999999999999999999", 0),
])
def test_atoi(text: str, expected: int) -> None:
    assert atoi(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("42", 42), ("  42x", 42), ("+7", 7), ("abc", 0), ("", 0), ("-1", 2**64 - 1),
    ("18446744073709551615", 2**64 - 1), ("18446744073709551616", 2**64 - 1),
    ("-18446744073709551615", 1), ("-18446744073709551616", 2**64 - 1), ("-0", 0),
])
def test_strtoul(text: str, expected: int) -> None:
    assert strtoul(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("12", True), ("0", True), ("-1", False), ("", False), ("1 ", False), ("\u0661\u0662", False),
    ("4k", False)])
def test_plain_integer(text: str, expected: bool) -> None:
    assert is_plain_integer(text) is expected


def test_the_reader_stops_at_the_line_bound() -> None:
    data = b"[uwsgi]\n" + b"x = 1\n" * MAX_LINES + b"tail = 1\n"
    ini = read_ini(data)
    assert len(ini.lines) == MAX_LINES and ini.entries[-1].line == MAX_LINES
    assert (ini.unread_from, ini.unread_because) == (MAX_LINES + 1, "100,000 lines")
    assert len(ini.source) == MAX_LINES and ini.data == data  # the bytes stay whole for fixes
    assert ini.spent == Budget(MAX_LINES, 0, len(b"[uwsgi]\n" + b"x = 1\n" * (MAX_LINES - 1)))


@pytest.mark.parametrize(
    ("data", "pairs", "size", "past"),
    [
        (b"a%x\nb%x\n", 5, 100, None),
        (b"a%x\nb%x\n", 1, 100, (5, True)),
        (b"a%x\nb%x\n", 5, 12, (5, False)),  # 1 + 10 + 1, then the second one passes 12
        (b"a%%\nb%(\n", 5, 8, None),  # `%%` and `%(` keep their length, at most
    ],
)
def test_the_first_percent_pair_past_a_bound(
    data: bytes, pairs: int, size: int, past: tuple[int, bool] | None
) -> None:
    assert first_pair_past(data, len(data), pairs, size, {b"x": b"S" * 10}) == past


def test_the_reader_stops_before_the_line_with_too_many_percent_pairs() -> None:
    data = b"[uwsgi]\na = %d\nb = " + b"%n" * MAX_MAGIC_PAIRS + b"\nc = 1\n"
    ini = read_ini(data, "/srv/app.ini", magic_table={b"d": b"/srv/"})
    assert [(e.key, e.value) for e in ini.entries] == [("a", "/srv/")]
    assert (ini.unread_from, ini.unread_because) == (3, "100,000 `%` pairs")
    assert ini.spent == Budget(2, 1, len(b"[uwsgi]\na = /srv/\n"))  # the size after `%`


def test_a_file_within_the_bounds_is_read_whole() -> None:
    data = b"[uwsgi]\n" + b"x = %d\n" * (MAX_LINES - 1)
    ini = read_ini(data, "/srv/app.ini", magic_table={b"d": b"/srv/"})
    assert ini.unread_from == 0 and len(ini.entries) == MAX_LINES - 1
    assert ini.spent == Budget(MAX_LINES, MAX_LINES - 1, len(data.replace(b"%d", b"/srv/")))


@pytest.mark.parametrize(
    ("budget", "entries", "because"),
    [
        (Budget(lines=3), ["a", "b"], "100,000 lines"),  # the header and two options
        (Budget(pairs=2), ["a"], "100,000 `%` pairs"),  # b's line holds the third pair
        (Budget(size=len(b"[uwsgi]\na = %d\nb = %d") + 1), ["a"], f"{MAX_SIZE:,} bytes"),
    ],
)
def test_the_reader_stops_where_what_is_left_of_the_config_bounds_runs_out(
    budget: Budget, entries: list[str], because: str
) -> None:
    """Lines cut by a bound are never read in part: the cut falls at a line start."""
    data = b"[uwsgi]\na = %d\nb = %d%d\nc = 1\n"
    ini = read_ini(data, "/srv/app.ini", magic_table={b"d": b"/srv/"}, budget=budget)
    assert [e.key for e in ini.entries] == entries
    assert ini.unread_because == because and ini.unread_from == len(entries) + 2


def test_budget_arithmetic_and_the_bound_it_runs_out_of() -> None:
    left = Budget().minus(Budget(MAX_LINES - 1, 5, 10))
    assert left == Budget(1, MAX_MAGIC_PAIRS - 5, MAX_SIZE - 10) and left.exhausted() == ""
    assert left.minus(Budget(1, 0, 0)).exhausted() == "100,000 lines"
    assert Budget(pairs=0).exhausted() == "100,000 `%` pairs"
    assert Budget(size=-3).exhausted() == f"{MAX_SIZE:,} bytes"
