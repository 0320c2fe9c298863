"""A byte-level port of uWSGI's ini reader (``core/ini.c`` in 2.0.30).

uWSGI has no quoting, no inline comments and no continuation lines; it splits on ``\\n`` only,
strips only space, tab and CR, takes any line starting with ``[`` as a header by dropping its
last byte, and splits options at the first ``=``. The ``%`` magic pass runs on the whole buffer
first. Every classified line keeps its source line span and raw bytes, so rules can point at
what the author wrote and say what uWSGI read.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

from pytest_uwsgi_lint.magic import MagicEvent, first_pair_past, substitute
from pytest_uwsgi_lint.sources import MAX_BYTES

DEFAULT_SECTION = "uwsgi"
#: How much the linter reads for one config, over every file it loads (a file included twice
#: counts twice): a file of a million lines, or a big file included again and again, would
#: otherwise take minutes and gigabytes. The largest hand-written configs have a few hundred
#: lines. Past a bound the rest is not read, and the file-too-large rule says so.
MAX_LINES = 100_000
MAX_MAGIC_PAIRS = 100_000
MAX_SIZE = MAX_BYTES
# How messages name each bound.
_LINES_BOUND = f"{MAX_LINES:,} lines"
_PAIRS_BOUND = f"{MAX_MAGIC_PAIRS:,} `%` pairs"
_SIZE_BOUND = f"{MAX_SIZE:,} bytes"
_EXPANDED_BOUND = f"{_SIZE_BOUND} once its `%` pairs are replaced"
_BLANKS = b" \t\r"
BOM = b"\xef\xbb\xbf"
# The config-source schemes uWSGI 2.0.30 registers (``uwsgi_setup_schemes``, core/io.c).
_SCHEME_PREFIXES = tuple(f"{name}://" for name in (
    "emperor", "http", "data", "sym", "section", "fd", "exec", "call", "callint"))


def decode(raw: bytes) -> str:
    """Bytes to text without losing anything: invalid UTF-8 survives as surrogates."""
    return raw.decode("utf-8", "surrogateescape")


def encode(text: str) -> bytes:
    """The inverse of :func:`decode`."""
    return text.encode("utf-8", "surrogateescape")


class LineKind(enum.Enum):
    BLANK = "blank"
    COMMENT = "comment"
    HEADER = "header"
    OPTION = "option"


class Line(NamedTuple):
    """One line as uWSGI classified it, after the magic pass.

    ``line``/``end_line`` are 1-based source lines (they differ when a ``%`` swallowed a
    newline); ``column`` is where the content starts; ``text`` is the stripped line;
    ``section`` is the section it belongs to (for a header: the name it opens). Lines and
    entries are named tuples: a file has as many of them as lines, and tuples are built
    several times faster than frozen dataclasses.
    """

    kind: LineKind
    line: int
    end_line: int
    column: int
    text: str
    section: str
    key: str = ""
    value: str = ""


class Entry(NamedTuple):
    """One option of the asked section, in file order, as uWSGI exports it.

    The loader fills the last two: ``chain`` names the ``file:line`` include lines that led
    here (outermost first), and ``condition`` the logic block whose outcome the linter could
    not know (empty when the option certainly applies).
    """

    key: str
    value: str
    path: str
    line: int
    end_line: int
    column: int
    raw: bytes
    chain: tuple[str, ...] = ()
    condition: str = ""


class Budget(NamedTuple):
    """Lines, ``%`` pairs and bytes: what is left of a config's bounds, or what one file used."""

    lines: int = MAX_LINES
    pairs: int = MAX_MAGIC_PAIRS
    size: int = MAX_SIZE

    def minus(self, spent: Budget) -> Budget:
        return Budget(self.lines - spent.lines, self.pairs - spent.pairs, self.size - spent.size)

    def exhausted(self) -> str:
        """The bound nothing is left of, as messages name it; empty while all have room."""
        if self.lines <= 0:
            return _LINES_BOUND
        if self.pairs <= 0:
            return _PAIRS_BOUND
        return _SIZE_BOUND if self.size <= 0 else ""


#: A config's bounds before anything is read, and what reading nothing uses of them.
WHOLE = Budget()
NOTHING = Budget(0, 0, 0)


@dataclass
class IniFile:
    """What uWSGI reads from one file for one section, with everything a rule may need."""

    path: str
    section: str
    data: bytes
    lines: list[Line] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    magic: list[MagicEvent] = field(default_factory=list)
    joined_lines: list[int] = field(default_factory=list)
    nul_lines: list[int] = field(default_factory=list)
    #: The first source line left unread (0 when the whole file was read), and the bound
    #: reading it would have passed (``100,000 lines``...).
    unread_from: int = 0
    unread_because: str = ""
    #: What reading the file took from the config's bounds.
    spent: Budget = NOTHING

    @property
    def section_found(self) -> bool:
        """uWSGI's ``got_section``: at least one option line in the asked section."""
        return bool(self.entries)

    @property
    def cr_only(self) -> bool:
        """A file with CR line ends and no LF: uWSGI sees one single line."""
        return b"\r" in self.data.strip(_BLANKS) and b"\n" not in self.data

    @property
    def starts_with_bom(self) -> bool:
        return self.data.startswith(BOM)

    def header(self) -> Line | None:
        """The first header line that opens the asked section, if any."""
        for line in self.lines:
            if line.kind is LineKind.HEADER and line.section == self.section:
                return line
        return None

    @cached_property
    def source(self) -> list[bytes]:
        """The raw source lines that were read, split on LF only as uWSGI does (CR kept)."""
        lines = self.data.split(b"\n", self.unread_from - 1 if self.unread_from else -1)
        return lines[: self.unread_from - 1] if self.unread_from else lines

    def source_lines(self, first: int, last: int) -> bytes:
        """Raw source bytes of lines ``first``..``last`` (1-based, inclusive), without LF."""
        return b"\n".join(self.source[first - 1 : last])


def split_section_spec(spec: str) -> tuple[str, str]:
    """``file.ini:section`` the way uWSGI splits it: at the last ``:``; empty means ``uwsgi``.

    For a scheme source (``exec://…``, ``http://host:port/…``) only a ``:`` after the last
    ``/`` counts, so a port is not a section (``uwsgi_ini_config`` in core/ini.c).
    """
    after = spec.rfind("/") + 1 if spec.startswith(_SCHEME_PREFIXES) else 0
    colon = spec.rfind(":", after)
    if colon < 0:
        return spec, DEFAULT_SECTION
    return spec[:colon], spec[colon + 1 :] or DEFAULT_SECTION


def _line_spans(count: int, joined: list[int], total: int) -> list[tuple[int, int]]:
    """Map each line of the substituted buffer to its source line span."""
    if not joined:
        return [(n, n) for n in range(1, count + 1)]
    swallowed = set(joined)
    spans = []
    start = 1
    for _ in range(count):
        end = start
        while end in swallowed and end < total:
            end += 1
        spans.append((start, end))
        start = end + 1
    return spans


def _readable_end(
    data: bytes, budget: Budget, magic_table: Mapping[bytes, bytes]
) -> tuple[int, str]:
    """How many bytes of ``data`` the linter reads (whole lines) within ``budget``, before
    and after the ``%`` pass, and the bound that stopped it, if one did."""
    end, because = len(data), ""
    if end > budget.size:
        end, because = data.rfind(b"\n", 0, budget.size) + 1, _SIZE_BOUND
    if data.count(b"\n", 0, end) + (not data.endswith(b"\n", 0, end)) > budget.lines:
        end, because = 0, _LINES_BOUND
        for _ in range(budget.lines):
            end = data.index(b"\n", end) + 1
    if b"%" in data:
        past = first_pair_past(data, end, budget.pairs, budget.size, magic_table)
        if past is not None:
            pair, by_count = past
            end = data.rfind(b"\n", 0, pair) + 1
            because = _PAIRS_BOUND if by_count else _EXPANDED_BOUND
    return end, because


def read_ini(
    data: bytes,
    path: str = "<string>",
    section: str = DEFAULT_SECTION,
    magic_table: Mapping[bytes, bytes] | None = None,
    budget: Budget = WHOLE,
) -> IniFile:
    """Read ``data`` as uWSGI reads an ini file and select ``section``, as far as ``budget``
    (what is left of the config's bounds) goes. Never raises."""
    result = IniFile(path=path, section=section, data=data)
    table = magic_table or {}
    end, result.unread_because = _readable_end(data, budget, table)
    readable = data if end == len(data) else data[:end]
    if readable is not data:
        result.unread_from = readable.count(b"\n") + 1
    text, result.magic, result.joined_lines = substitute(readable, table)
    raw_lines = text.split(b"\n")
    if raw_lines and raw_lines[-1] == b"":
        raw_lines.pop()
    total = readable.count(b"\n") + (0 if readable.endswith(b"\n") or not readable else 1)
    result.spent = Budget(total, len(result.magic), max(len(readable), len(text)))
    spans = _line_spans(len(raw_lines), result.joined_lines, max(total, 1))
    asked = section
    current = ""
    substituted = text is not readable  # else each line is its own source line
    lines, entries = result.lines, result.entries
    option, header, comment, blank = (
        LineKind.OPTION, LineKind.HEADER, LineKind.COMMENT, LineKind.BLANK)
    for raw, (first, last) in zip(raw_lines, spans):
        written = raw
        if b"\0" in raw:
            result.nul_lines.append(first)
            raw = raw.split(b"\0", 1)[0]
        stripped = raw.strip(_BLANKS)
        if not stripped:
            column = len(raw) - len(raw.lstrip(_BLANKS)) + 1
            lines.append(Line(blank, first, last, column, "", current))
            continue
        column = raw.index(stripped[0]) + 1
        first_byte = stripped[0]
        if first_byte == 0x5B:  # [
            current = decode(stripped[1:-1])
            kind = header
        elif first_byte == 0x3B or first_byte == 0x23:  # ; #
            kind = comment
        else:
            key_raw, _, value_raw = stripped.partition(b"=")
            key = decode(key_raw.rstrip(_BLANKS))
            value = decode(value_raw.strip(_BLANKS))
            shown = decode(stripped)
            lines.append(Line(option, first, last, column, shown, current, key, value))
            if current == asked:
                source = result.source_lines(first, last) if substituted else written
                entries.append(Entry(key, value, path, first, last, column, source))
            continue
        lines.append(Line(kind, first, last, column, decode(stripped), current))
    return result


__all__ = [
    "BOM",
    "DEFAULT_SECTION",
    "MAX_LINES",
    "MAX_MAGIC_PAIRS",
    "MAX_SIZE",
    "WHOLE",
    "Budget",
    "Entry",
    "IniFile",
    "Line",
    "LineKind",
    "decode",
    "encode",
    "read_ini",
    "split_section_spec",
]
