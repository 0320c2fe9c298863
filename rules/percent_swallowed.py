'''percent-swallowed: uWSGI's `%` pass eats a `%` that was meant literally.'''

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from itertools import groupby

from pytest_uwsgi_lint.findings import Hit, Severity, shown
from pytest_uwsgi_lint.magic import MagicEvent
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.reader import Entry, IniFile, Line, LineKind, decode
from pytest_uwsgi_lint.registry import rule

# What each magic variable of 2.0.30 becomes (core/uwsgi.c: config_magic_table_fill and
# uwsgi_setup); every other `%X` pair is deleted.
MEANINGS = {
    "p": "the config file's path", "d": "the config file's directory",
    "s": "the config file's name", "n": "the config file's name without extension",
    "e": "the config file's extension", "c": "the config directory's name",
    "x": "the section name", "o": "the config file name as given",
    "i": "the config file's inode", "j": "a hash of the config file's path",
    "v": "the working directory", "h": "the host name", "k": "the CPU count",
    "u": "the user id", "U": "the user name", "g": "the group id", "G": "the group name",
    "V": "the uWSGI version", "t": "the time in seconds", "T": "the time in microseconds",
    "b": "the uWSGI binary's path", "[": "an ESC character",
    **{str(n): "a component of the config directory's path" for n in range(10)},
    **{c: "a property of the first config file" for c in "ODSPCENXIJ"},
}
KEPT = (b"%", b"(")
STRFTIME_OPTIONS = frozenset({"log-date", "logdate"})
SEPARATORS = b"-:/. _T,"
SHOWN = 5


def _pair(event: MagicEvent) -> str:
    char = event.char
    if char == b"":
        return "`%` at the end of the file"
    names = {b" ": "`%` plus a space", b"\t": "`%` plus a tab", b"\r": "`%` plus a CR"}
    return names.get(char, f"`%{decode(char)}`")


def _effect(event: MagicEvent) -> str:
    meaning = MEANINGS.get(decode(event.char))
    return f"{_pair(event)} becomes {meaning}" if meaning else f"{_pair(event)} is deleted"


def _runs(ini: IniFile, events: list[MagicEvent]) -> Iterator[list[MagicEvent]]:
    """Pairs written together (`%Y%m%d`, `%H:%M:%S`): adjacent or one separator apart."""
    run: list[MagicEvent] = []
    for event in events:
        if run and not (
            event.line == run[-1].line
            and event.column - run[-1].column <= 3
            and all(b in SEPARATORS for b in _between(ini, run[-1], event))
        ):
            yield run
            run = []
        run.append(event)
    if run:
        yield run


def _between(ini: IniFile, left: MagicEvent, right: MagicEvent) -> bytes:
    return ini.source[left.line - 1][left.column + 1 : right.column - 1]


def _byte(ini: IniFile, line: int, index: int) -> bytes:
    text = ini.source[line - 1]
    return text[index : index + 1] if 0 <= index < len(text) else b""


def _literal(ini: IniFile, run: list[MagicEvent], strftime: bool) -> bool:
    """Whether the author meant these `%` literally rather than as magic variables."""
    first = run[0]
    if strftime or _byte(ini, first.line, first.column - 2) == b"+":
        return True
    for event in run:
        if decode(event.char) not in MEANINGS:
            return True
        after = _byte(ini, event.line, event.column + 1)
        if event.char.isdigit() and after and after in b"0123456789abcdefABCDEF":
            return True  # URL percent-encoding such as %20 or %2F
    return False


def _by_line(ini: IniFile) -> dict[int, list[MagicEvent]]:
    """The pairs that replaced something, by source line (``%%``, ``%(`` and joins left out)."""
    found: dict[int, list[MagicEvent]] = {}
    for event in ini.magic:
        if event.char not in (*KEPT, b"\n"):
            found.setdefault(event.line, []).append(event)
    return found


def _eaten(ini: IniFile, entry: Entry, by_line: dict[int, list[MagicEvent]]) -> list[MagicEvent]:
    events = [e for n in range(entry.line, entry.end_line + 1) for e in by_line.get(n, ())]
    strftime = entry.key in STRFTIME_OPTIONS
    return [e for run in _runs(ini, events) if _literal(ini, run, strftime) for e in run]


def _doubled(ini: IniFile, events: list[MagicEvent]) -> str:
    """The first affected source line with each eaten `%` doubled."""
    line = events[0].line
    text = ini.source[line - 1]
    pieces, start = [], 0
    for event in events:
        if event.line == line:
            pieces.append(text[start : event.column - 1] + b"%")
            start = event.column - 1
    pieces.append(text[start:])
    return decode(b"".join(pieces).strip(b" \t\r"))


def _eaten_hit(ini: IniFile, entry: Entry, events: list[MagicEvent]) -> Hit:
    effects = list(dict.fromkeys(_effect(e) for e in events))
    said = ", ".join(effects[:SHOWN]) + (f" and {len(effects) - SHOWN} more" if len(
        effects) > SHOWN else "")
    last = events[-1]
    return Hit(
        f"`{shown(entry.key)}`: uWSGI's `%` pass runs before anything else reads the file, so "
        f"{said}; uWSGI reads `{shown(entry.value)}`",
        line=events[0].line,
        column=events[0].column,
        end_line=last.line,
        end_column=last.column + 2,
        fix=f"write `%%` for a literal `%`: `{shown(_doubled(ini, events))}`",
        path=ini.path,
    )


def _source_text(ini: IniFile, number: int) -> str:
    """Source line ``number`` (1-based) without its blanks; empty past the end."""
    return decode(ini.source[number - 1].strip(b" \t\r")) if number <= len(ini.source) else ""


def _join_hit(ini: IniFile, line: Line, joins: list[MagicEvent]) -> Hit | None:
    """One finding for a run of lines that `%` line ends merged into ``line``."""
    first, last = joins[0].line + 1, joins[-1].line + 1
    swallowed = [_source_text(ini, n) for n in range(first, last + 1)]
    if not (line.section == ini.section or any(t.startswith("[") for t in swallowed)):
        return None
    written = [t for t in swallowed if t]
    if not written and line.kind is not LineKind.OPTION:
        return None  # a comment merged with blank lines changes nothing
    what = "comment" if line.kind is LineKind.COMMENT else "value"
    if not written:
        lost, severity = "the `%` itself vanishes", Severity.WARNING
    elif first == last:
        lost = (f"line {first} (`{shown(written[0])}`) becomes part of this {what} and is "
                "never read on its own")
        severity = Severity.ERROR
    else:
        lost = (f"lines {first}-{last} (from `{shown(written[0])}`) become part of this "
                f"{what} and are never read on their own")
        severity = Severity.ERROR
    reads = ""
    if line.kind is LineKind.OPTION:
        reads = f"; uWSGI reads `{shown(f'{line.key} = {line.value}')}`"
    return Hit(
        f"line {joins[0].line} ends in `%`, and uWSGI's `%` pass deletes it together with the "
        f"line end: {lost}{reads}",
        line=joins[0].line,
        column=joins[0].column,
        end_column=joins[0].column + 1,
        fix="write `%%` for a literal `%` at the end of a line",
        severity=severity,
        path=ini.path,
    )


def _join_hits(ini: IniFile) -> Iterator[Hit]:
    joins = [event for event in ini.magic if event.char == b"\n"]
    if not joins:
        return
    containing: dict[int, Line] = {
        n: line for line in ini.lines for n in range(line.line, line.end_line + 1)
    }
    for line, group in groupby(joins, key=lambda event: containing.get(event.line)):
        hit = None if line is None else _join_hit(ini, line, list(group))
        if hit is not None:
            yield hit


@rule("UWC004", "percent-swallowed", Severity.WARNING, tags=("syntax", "correctness"))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags a `%` that uWSGI's magic-variable pass deletes or replaces where a literal `%` was
    meant: `date +%Y%m%d` in a cron or daemon command, `50% off`, URL escapes such as `%20`,
    and above all a `%` at the end of a line. Deliberate magic variables such as
    `socket = %d/app.sock` or `logto = /var/log/%n.log` are left alone.

    ## Why is this bad?
    Before splitting lines, uWSGI replaces `%` and the byte after it in the whole file
    (`magic_sub`, `core/utils.c` in 2.0.30): `%d` becomes the config directory, `%s` the
    file name, and every pair it does not know, `%Y` or `% ` included, is deleted. Only `%%`
    (a literal `%`) and `%(` (placeholders) survive. A `%` at the end of a line eats the line
    end, so the next line, an option or a section header, becomes part of this value and
    silently disappears.

    ## Example
    ```ini
    [uwsgi]
    master = true
    cron = 0 3 -1 -1 -1 tar czf /backup/db-$(date +%Y%m%d).tgz /srv/db
    log-format = 100%
    processes = 4
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    cron = 0 3 -1 -1 -1 tar czf /backup/db-$(date +%%Y%%m%%d).tgz /srv/db
    log-format = 100%%
    processes = 4
    socket = %d/app.sock
    logto = /var/log/uwsgi/%n.log
    ```
    """
    touched = [ini for ini in config.files if ini.magic]
    if not touched:  # most configs: no `%` at all
        return
    done: set[tuple[str, str]] = set()
    chains = {entry.path: entry.chain for entry in reversed(config.entries)}
    for ini in touched:
        if (ini.path, ini.section) in done:
            continue
        done.add((ini.path, ini.section))
        hits = [*_join_hits(ini)]
        by_line = _by_line(ini)
        if by_line:  # else only `%%`, `%(` and line joins: nothing was eaten
            hits.extend(
                _eaten_hit(ini, e, eaten) for e in ini.entries
                if (e.line in by_line or e.end_line != e.line)  # else no pair on its line
                and (eaten := _eaten(ini, e, by_line))
            )
        yield from (replace(hit, chain=chains.get(ini.path, ())) for hit in hits)
