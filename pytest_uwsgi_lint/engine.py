"""From a path or bytes to findings: read, model, run the selected rules, apply suppressions.

The CLI, the pytest plugin and the Python API are thin faces over :func:`lint_source`. A rule
or a load that raises is a bug in the linter: it becomes an ``internal-error`` finding and the
run goes on with the other rules and files.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from pytest_uwsgi_lint import suppression
from pytest_uwsgi_lint.findings import Finding, Hit, printable
from pytest_uwsgi_lint.loader import Loaded, load
from pytest_uwsgi_lint.memo import remember
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.reader import DEFAULT_SECTION, IniFile, split_section_spec
from pytest_uwsgi_lint.registry import Rule, find_rule
from pytest_uwsgi_lint.settings import Settings
from pytest_uwsgi_lint.sources import UnreadableSource, forget_directories, read_source

INTERNAL_ERROR = "internal-error"
FILE_UNREADABLE = "file-unreadable"
UNUSED_SUPPRESSION = "unused-suppression"


@dataclass
class FileReport:
    """The outcome for one linted source."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    ini: IniFile | None = None
    sources: list[IniFile] = field(default_factory=list)  # every file the load read, top first

    @property
    def crashed(self) -> bool:
        return any(f.name == INTERNAL_ERROR for f in self.findings)

    @property
    def unreadable(self) -> bool:
        return any(f.name == FILE_UNREADABLE for f in self.findings)


def _finding(rule: Rule, hit: Hit, path: str) -> Finding:
    return Finding(
        path=hit.path or path,
        line=hit.line,
        column=hit.column,
        end_line=hit.end_line or hit.line,
        end_column=hit.end_column or hit.column,
        code=rule.code,
        name=rule.name,
        severity=hit.severity or rule.severity,
        message=_shared(_clipped(printable(hit.full_message()))),
        fix=None if hit.fix is None else _shared(_clipped(printable(hit.fix))),
        edits=hit.edits,
    )


# Most messages are the same in every file ("strict mode is off..."): a run over thousands of
# files keeps one copy of each, so memory grows with the findings, not with their text.
_TEXTS: dict[str, str] = {}


def _shared(text: str) -> str:
    found = _TEXTS.get(text)
    return remember(_TEXTS, text, text, 4096) if found is None else found


#: The longest message or fix text shown: they quote what the config says, which may be a
#: key or value of megabytes.
MAX_MESSAGE = 2_000


def _clipped(text: str) -> str:
    if len(text) <= MAX_MESSAGE:
        return text
    half = MAX_MESSAGE // 2
    return f"{text[:half]} […{len(text) - 2 * half:,} characters left out…] {text[-half:]}"


def _meta(name: str, path: str, message: str, line: int = 1, column: int = 1) -> Finding:
    found = find_rule(name)
    assert found is not None, name
    return _finding(found, Hit(message, line, column), path)


def _crash(what: str, path: str) -> Finding:
    """The ``internal-error`` finding for the exception being handled: ``what`` crashed."""
    detail = traceback.format_exc(limit=-1).strip().splitlines()[-1]
    return _meta(INTERNAL_ERROR, path, f"{what} crashed ({detail}); this is a bug in "
                 "uwsgi-lint, please report it")


#: Findings one rule may report in one config: a generated file with a million made-up keys
#: would otherwise produce a million findings, and gigabytes of them. Repeats are not counted,
#: but a rule stops being read after ``MAX_HITS_READ`` hits, repeated or not.
MAX_HITS_PER_RULE = 1_000
MAX_HITS_READ = 100 * MAX_HITS_PER_RULE


def _beyond(hit: Hit, listed: int) -> Hit:
    """The finding that stands for all those past the bound, placed at the first of them."""
    counted = f"{listed:,} finding{'' if listed == 1 else 's'}"
    return replace(hit, message=f"this rule stopped after {counted} in this config (repeats "
                   "aside): the rest, from here on, are not listed", fix=None, edits=())


def _bounded(rule: Rule, hits: Iterable[Hit], path: str) -> list[Finding]:
    """The distinct findings of ``hits`` (a loop body can repeat one), at most
    :data:`MAX_HITS_PER_RULE` of them, then one that stands for the rest."""
    found: dict[Finding, None] = {}
    for read, hit in enumerate(hits, 1):
        finding = _finding(rule, hit, path)
        if finding in found:
            if read < MAX_HITS_READ:
                continue
        elif len(found) < MAX_HITS_PER_RULE:
            found[finding] = None
            continue
        found[_finding(rule, _beyond(hit, len(found)), path)] = None
        break
    return list(found)


def lint_config(config: Config, settings: Settings) -> list[Finding]:
    """Run the selected rules over a loaded config and apply each file's suppressions."""
    ini = config.source
    raw: list[Finding] = []
    woken_by = settings.woken_by
    woken = {name for option in config.names() for name in woken_by.get(option, ())}
    for rule in settings.rules:
        if rule.name == UNUSED_SUPPRESSION or (rule.needs and rule.name not in woken):
            continue
        try:
            raw.extend(_bounded(rule, rule.check(config), ini.path))
        except Exception:  # a bug in a rule must not stop the run
            raw.append(_crash(f"rule {rule.name}", ini.path))
    kept = [finding for finding in raw if not settings.ignored_here(finding)]
    parsed = []
    for source in config.files:
        suppressions = suppression.parse(source)
        kept = suppression.apply(kept, suppressions, source.path)
        parsed.append((suppressions, source.path))
    unused = find_rule(UNUSED_SUPPRESSION)
    if unused is not None and UNUSED_SUPPRESSION in settings.selected:
        hits = (hit for found, path in parsed for hit in _unused(found, settings.selected, path))
        kept.extend(_bounded(unused, hits, ini.path))
    return sorted(set(kept), key=Finding.sort_key)  # a loop body can repeat one finding


def _unused(
    suppressions: Iterable[suppression.Suppression], selected: frozenset[str], path: str
) -> Iterable[Hit]:
    for item in suppressions:
        for name in item.names:
            if name in item.used:
                continue
            if find_rule(name) is None:
                message = f"suppression names `{name}`, which is not a rule"
            elif name in selected:
                message = f"suppression of `{name}` is unused: nothing to silence here"
            else:
                continue
            yield Hit(message, item.line, item.column, path=path)


def load_spec(data: bytes, path: str, section: str, settings: Settings) -> Loaded:
    """What uWSGI would load from ``data`` read at ``path``, with the user's declared env."""
    return load(
        data,
        path,
        section,
        env=settings.env_table,
        uwsgi_version=settings.reported_version,
        env_complete=settings.env_complete,
    )


def lint_bytes(
    data: bytes, path: str, section: str = DEFAULT_SECTION, settings: Settings | None = None
) -> FileReport:
    """Lint config bytes that came from ``path`` (used for messages and ``%`` magic)."""
    config, findings = load_and_lint(data, path, section, settings or Settings())
    if config is None:
        return FileReport(path, findings)
    return FileReport(path, findings, config.source, config.files)


def load_and_lint(
    data: bytes, path: str, section: str, settings: Settings
) -> tuple[Config | None, list[Finding]]:
    """The config and its findings; a load that raises (a bug in the loader) gives no config
    and an ``internal-error`` finding instead, so a run goes on with the next file."""
    try:
        config = load_config(data, path, section, settings)
    except Exception:
        crash = _crash(f"loading {path}", path)
        return None, [] if settings.ignored_here(crash) else [crash]
    return config, lint_config(config, settings)


def load_config(
    data: bytes, path: str, section: str = DEFAULT_SECTION, settings: Settings | None = None
) -> Config:
    """The typed model of what uWSGI would run from ``data`` (read at ``path``)."""
    settings = settings or Settings()
    loaded = load_spec(data, path, section, settings)
    return Config(
        loaded.entries, loaded.files[0], settings.version, loaded, settings.deployment,
        target=settings.target,
    )


def load_text(text: str, settings: Settings | None = None, path: str = "<string>") -> Config:
    """The model of a config given as text: ``load_text(t).master_process.cron_tasks``..."""
    return load_config(text.encode("utf-8", "surrogateescape"), path, settings=settings)


def lint_source(spec: str, settings: Settings | None = None) -> FileReport:
    """Lint ``file.ini`` or ``file.ini:section``; never raises for anything the file holds."""
    settings = settings or Settings()
    path, section = split_spec(spec)
    try:
        data = read_source(path)
    except UnreadableSource as error:
        return FileReport(path, [_meta(FILE_UNREADABLE, path, f"{path} {error}")])
    return lint_bytes(data, path, section, settings)


def split_spec(spec: str) -> tuple[str, str]:
    """A path as given, unless it does not exist and ends in ``:section`` (uWSGI's syntax)."""
    if spec == "-" or os.path.lexists(spec) or ":" not in spec:
        return spec, DEFAULT_SECTION
    return split_section_spec(spec)


def lint_text(text: str, settings: Settings | None = None, path: str = "<string>") -> list[Finding]:
    """Lint a config given as text, e.g. uwsgiconf's ``Section.as_configuration().format()``."""
    return lint_bytes(text.encode("utf-8", "surrogateescape"), path, settings=settings).findings


def lint_paths(paths: Sequence[str], settings: Settings | None = None) -> list[Finding]:
    """Lint files (``file.ini[:section]``) and directories (their uWSGI ``*.ini`` files)."""
    from pytest_uwsgi_lint.discovery import expand_paths

    forget_directories()
    settings = settings or Settings()
    findings: list[Finding] = []
    for spec in expand_paths(paths, settings.excluded):
        findings.extend(lint_source(spec, settings).findings)
    return findings


__all__ = [
    "FileReport",
    "Settings",
    "lint_bytes",
    "lint_config",
    "lint_paths",
    "lint_source",
    "lint_text",
    "load_and_lint",
    "load_config",
    "load_text",
    "split_spec",
]
