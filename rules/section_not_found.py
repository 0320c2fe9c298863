'''section-not-found: uWSGI finds no section to read in the file, and ignores all of it.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.findings import Edit, Hit, Severity, shown
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.reader import BOM, IniFile, Line, LineKind, decode, encode
from pytest_uwsgi_lint.registry import rule

SHOWN = 3
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def _header_text(line: Line) -> str | None:
    """The text of a line uWSGI took, or nearly took, for a header (a BOM hides one)."""
    text = line.text.lstrip(decode(BOM))
    return text if text.startswith("[") else None


def _near_miss(text: str, line: Line, asked: str) -> str | None:
    """Why a header that was meant to open ``asked`` opens something else, if it was."""
    name, bracket, rest = text[1:].partition("]")
    if name.strip().lower() != asked.lower():
        return None
    problems = []
    if line.kind is not LineKind.HEADER:
        problems.append("a UTF-8 BOM comes before it, so uWSGI does not see a header there")
    elif not bracket:
        problems.append("it has no closing `]`, and uWSGI drops the last character whatever "
                        f"it is, opening section `{shown(line.section)}`")
    elif rest:
        problems.append("text follows the `]`, and uWSGI drops only the last character, "
                        f"opening section `{shown(line.section)}`")
    if bracket and name != name.strip():
        problems.append("blanks inside the brackets are part of the name")
    if name.strip() != asked:
        problems.append(
            f"section names are case-sensitive: `{shown(name.strip())}` is not `{asked}`")
    return "; ".join(problems) or None


def _reason(ini: IniFile) -> tuple[str, str | None, Line | None]:
    """Why uWSGI finds no option in the asked section, how to fix it, and where it shows."""
    asked = ini.section
    if ini.data.startswith(UTF16_BOMS):
        return ("it is encoded in UTF-16, and uWSGI reads bytes, so it sees no `[` header "
                "and no `=` where they were written"), "save it as UTF-8 without a BOM", None
    if ini.cr_only:
        return ("its lines end in CR only, and uWSGI splits lines on LF, so the whole file "
                "is one single line"), "convert the line ends to LF (or CRLF)", None
    for line in ini.lines:
        text = _header_text(line)
        why = None if text is None else _near_miss(text, line, asked)
        if text is not None and why:
            fix = "save the file without the BOM" if line.kind is not LineKind.HEADER else (
                f"write the header as `[{asked}]`, with any comment on its own line")
            return f"line {line.line} (`{shown(text)}`) does not open `[{asked}]`: {why}", fix, line
    header = ini.header()
    if header is not None:
        return (f"the `[{asked}]` header on line {header.line} has no option lines under it",
                None, header)
    unheaded = [line for line in ini.lines if line.kind is LineKind.OPTION and not line.section]
    if unheaded:
        return (f"there is no `[{asked}]` header, and the options from line "
                f"{unheaded[0].line} come before any header, where uWSGI ignores them"), \
            f"add `[{asked}]` above them", unheaded[0]
    sections = list(dict.fromkeys(
        line.section for line in ini.lines if line.kind is LineKind.HEADER))
    if sections:
        named = ", ".join(f"`[{shown(s)}]`" for s in sections[:SHOWN])
        return (f"the file has {named} but no `[{asked}]`; uWSGI reads only the section it is "
                f"asked for"), f"start uWSGI with `--ini file.ini:{shown(sections[0])}`", None
    return "the file has no option lines at all", None, None


@rule("UWE002", "section-not-found", Severity.ERROR, tags=("syntax", "loading"))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags a file in which uWSGI finds no option line in the section it reads (`[uwsgi]`, or
    the one named as `file.ini:section`), and says why: a UTF-8 BOM before the header,
    `[uWSGI]` or `[ uwsgi ]`, text after the `]`, a missing `]`, CR-only line ends, UTF-16
    encoding, an empty section, options before any header, or only other sections.

    ## Why is this bad?
    uWSGI matches section names exactly (`core/ini.c` in 2.0.30): it takes any line that
    starts with `[` as a header and drops its last character blindly, so `[uwsgi] ; main`
    opens a section named `uwsgi] ; mai`. It splits lines on LF only and does not skip a
    BOM. When no option line lands in the asked section, uWSGI prints a "Can't find
    section" warning and carries on without anything from this file: no socket, no app, or
    the defaults of whatever else was loaded. A file with no option lines at all is reported
    as a warning, since nothing written is lost.

    ## Example
    ```ini
    [uWSGI]
    master = true
    socket = /run/app.sock
    ```

    ## Use instead
    ```ini
    [uwsgi]
    master = true
    socket = /run/app.sock
    ```
    """
    ini = config.source
    if ini.section_found:
        return
    reason, fix, line = _reason(ini)
    written = ini.cr_only or any(line.kind is LineKind.OPTION for line in ini.lines)
    edit = None if line is None else _edit(ini, line)
    yield Hit(
        f"uWSGI finds no option in section `[{ini.section}]` of this file, warns \"Can't find "
        f"section\" and ignores the whole file: {reason}",
        line=line.line if line else 1,
        column=line.column if line else 1,
        fix=fix,
        severity=Severity.ERROR if written else Severity.WARNING,
        path=ini.path,
        edits=() if edit is None else (edit,),
    )


def _edit(ini: IniFile, line: Line) -> Edit | None:
    """The certain repairs: drop a UTF-8 BOM before the header on line 1, or fix the case of
    a header that differs from the asked section only by case."""
    raw = ini.source_lines(line.line, line.end_line).rstrip(b"\r")
    if line.line != line.end_line:
        return None
    if line.line == 1 and raw.startswith(BOM):
        rest = raw[len(BOM):]
        if rest.strip(b" \t").lower() == f"[{ini.section}]".encode():
            return Edit(ini.path, 1, 1, (rest.replace(rest.strip(b" \t"), _header(ini)),))
        return None
    stripped = raw.strip(b" \t")
    if line.kind is LineKind.HEADER and stripped.lower() == _header(ini).lower():
        return Edit(ini.path, line.line, line.line, (raw.replace(stripped, _header(ini)),))
    return None


def _header(ini: IniFile) -> bytes:
    return b"[" + encode(ini.section) + b"]"
