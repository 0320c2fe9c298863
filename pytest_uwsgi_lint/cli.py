"""The ``uwsgi-lint`` command: a CI gate and pre-commit hook over the same engine as the plugin.

Exit codes: 0 nothing at or above ``--fail-on``, 1 findings, 2 usage error or a named path
that cannot be read, 3 a bug in uwsgi-lint (a rule or a load crashed; the other files are still
linted).
No input, however broken, prints a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Callable, TextIO

from pytest_uwsgi_lint import __version__, catalog
from pytest_uwsgi_lint.baseline import BaselineError, new_findings, read_baseline, write_baseline
from pytest_uwsgi_lint.binary import BinaryError
from pytest_uwsgi_lint.discovery import expand_paths, looks_like_uwsgi
from pytest_uwsgi_lint.engine import (
    FILE_UNREADABLE,
    FileReport,
    Settings,
    lint_bytes,
    lint_source,
    split_spec,
)
from pytest_uwsgi_lint.findings import Finding, Severity
from pytest_uwsgi_lint.fixes import (
    FixOutcome,
    UnwritableFile,
    fix_file,
    unified_diff,
    write_atomically,
)
from pytest_uwsgi_lint.reader import decode, encode
from pytest_uwsgi_lint.registry import Rule, all_rules, find_rule
from pytest_uwsgi_lint.report import (
    format_finding,
    format_github,
    format_json,
    format_sarif,
    format_text,
    one_line,
    relative,
    shown_path,
)
from pytest_uwsgi_lint.settings_file import (
    DEPLOYMENTS,
    SettingsError,
    find_settings,
    to_settings,
)
from pytest_uwsgi_lint.sources import UnreadableSource, forget_directories, real_path

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
_EXIT_INTERRUPTED = 130
_EXIT_BROKEN_PIPE = 141

# The machine-readable formats: (findings, settings, number of files linted) -> document.
FORMATS: dict[str, Callable[[Sequence[Finding], Settings, int], str]] = {
    "text": lambda findings, settings, files: format_text(findings),
    "json": lambda findings, settings, files: format_json(
        findings, settings.reported_version, files),
    "sarif": lambda findings, settings, files: format_sarif(findings, all_rules(), __version__),
    "github": lambda findings, settings, files: format_github(findings),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="uwsgi-lint",
        description="Lint uWSGI .ini files exactly as uWSGI reads them.",
        epilog="Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage error or a named "
        "path that cannot be read, 3 internal error (a bug in uwsgi-lint).",
    )
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH[:section]",
        help="config files (always linted), directories (their *.ini files with a [uwsgi] "
        "header, recursively) or - for standard input; default: the current directory",
    )
    parser.add_argument(
        "--select", action="append", metavar="RULES",
        help="only these rules: codes, code prefixes (UWM) or names, comma-separated",
    )
    parser.add_argument(
        "--ignore", action="append", metavar="RULES",
        help="skip these rules: codes, code prefixes or names, comma-separated",
    )
    parser.add_argument(
        "--uwsgi-version", metavar="VERSION",
        help=f"the uWSGI version the configs run on (default: {catalog.NEWEST_RELEASE})",
    )
    parser.add_argument(
        "--uwsgi-binary", metavar="PATH",
        help="lint against this uWSGI binary's own version and option list (it is asked "
        "with --version and --dump-options only; the answer is cached)",
    )
    parser.add_argument(
        "--extend-select", action="append", metavar="RULES",
        help="add these rules to the selection (of the settings file or --select)",
    )
    parser.add_argument(
        "--deployment", choices=DEPLOYMENTS,
        help="how uWSGI is run; some rules depend on it (default: plain)",
    )
    parser.add_argument(
        "--env", action="append", metavar="NAME=VALUE", default=[],
        help="an environment variable uWSGI will see, for $(NAME) and if-env (repeatable); "
        "undeclared variables stay unknown",
    )
    parser.add_argument(
        "--only-uwsgi-files", action="store_true",
        help="skip named files that have no [uwsgi]-like header, as directory walks do "
        "(for pre-commit, which names every *.ini file)",
    )
    parser.add_argument(
        "--format", choices=tuple(FORMATS),
        help="output format (default: github under GitHub Actions, text elsewhere)",
    )
    parser.add_argument(
        "--fail-on", choices=[s.value for s in Severity],
        help="the lowest severity that makes the exit code 1 (default: warning)",
    )
    parser.add_argument(
        "--exit-zero", action="store_true",
        help="exit 0 even when there are findings (usage and internal errors still count)",
    )
    changes = parser.add_mutually_exclusive_group()
    changes.add_argument(
        "--fix", action="store_true",
        help="apply the safe fixes in place, then report what is left",
    )
    changes.add_argument(
        "--diff", action="store_true",
        help="print the safe fixes as a unified diff instead of applying them",
    )
    baseline = parser.add_mutually_exclusive_group()
    baseline.add_argument(
        "--baseline", metavar="FILE", type=_file_path,
        help="report only the findings that FILE does not record",
    )
    baseline.add_argument(
        "--write-baseline", metavar="FILE", type=_file_path,
        help="record every current finding in FILE (to adopt the linter on old configs)",
    )
    parser.add_argument("--list-rules", action="store_true", help="print every rule and exit")
    parser.add_argument("--explain", metavar="RULE", help="print a rule's documentation and exit")
    parser.add_argument(
        "--show-config", metavar="FILE[:section]",
        help="print the options as uWSGI will see them, in the shape of uwsgi --show-config",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    return parser


# Where each command-line setting came from, for the messages of a bad value.
_ORIGINS = {
    key: f"--{key}"
    for key in ("select", "ignore", "extend-select", "deployment", "env", "uwsgi-version",
                "uwsgi-binary", "fail-on")
}


def _selectors(values: Sequence[str] | None) -> tuple[str, ...]:
    """``--select a,b --select c`` as ``(a, b, c)``."""
    return tuple(s.strip() for value in values or () for s in value.split(",") if s.strip())


def _settings(parser: argparse.ArgumentParser, args: argparse.Namespace) -> Settings:
    """The nearest settings file's settings, overridden by the command line; a bad value (a
    selector that matches no rule included) is a usage error naming where it came from."""
    env = {}
    for item in args.env:
        name, equal, value = item.partition("=")
        if not equal or not name:
            parser.error(f"--env: expected NAME=VALUE, got {item!r}")
        env[name] = value
    overrides = {
        "select": list(_selectors(args.select)) or None,
        "ignore": list(_selectors(args.ignore)) or None,
        "extend-select": list(_selectors(args.extend_select)) or None,
        "deployment": args.deployment,
        "env": env or None,
        "uwsgi-version": args.uwsgi_version,
        "uwsgi-binary": args.uwsgi_binary,
        "fail-on": args.fail_on,
    }
    try:
        found = find_settings()
        settings = to_settings(found, overrides, _ORIGINS)
        _ = settings.target  # probe --uwsgi-binary now: a bad one is a usage error
    except SettingsError as error:
        parser.error(str(error))
    except BinaryError as error:
        parser.error(f"--uwsgi-binary: {error}")
    return settings


def _file_path(text: str) -> Path:
    """A baseline's path: an empty one would be taken for the current directory."""
    if not text:
        raise argparse.ArgumentTypeError("an empty path names no file")
    return Path(text)


def _check_paths(parser: argparse.ArgumentParser, specs: Sequence[str | None]) -> None:
    """A path with no file in it (``""``, ``:prod``) is a usage error: it names nothing that
    could be read, and a finding about it would have no file to point at."""
    for spec in specs:
        if spec is None:
            continue
        path, section = split_spec(spec)
        if not spec:
            parser.error("an empty path names no file: give a config file, a directory, or - "
                         "for standard input")
        if not path:
            parser.error(f"{spec!r} names the section [{section}] but no file: write FILE{spec}")


def _targets(paths: Sequence[str], settings: Settings) -> Iterator[tuple[str, bool]]:
    """Each spec to lint, once, and whether the user named it (rather than a directory walk).

    A directory named like a config (``app.ini``) is taken as a config that cannot be read,
    since that is what the user asked for, not walked. ``exclude`` applies to walks only.
    """
    seen: set[tuple[str, str]] = set()
    for arg in paths:
        named_dir = arg.endswith(".ini") and os.path.isdir(arg)
        specs = iter((arg,)) if named_dir else expand_paths([arg], settings.excluded)
        for spec in specs:
            path, section = split_spec(spec)
            identity = (path if path == "-" else real_path(path), section)
            if identity not in seen:  # `a.ini`, `./a.ini` and a walk reaching it: one file
                seen.add(identity)
                yield spec, spec == arg


def _unreadable(report: FileReport) -> bool:
    """The file itself could not be read (not one it includes)."""
    return any(f.name == FILE_UNREADABLE and f.path == report.path for f in report.findings)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary(findings: Sequence[Finding], files: int) -> str:
    """``Found 3 problems (1 error, 2 warnings) in 2 files.``, or that all is clean."""
    if not findings:
        return f"No problems found in {_plural(files, 'file')}."
    counts = [
        _plural(n, severity.value)
        for severity in Severity
        if (n := sum(1 for f in findings if f.severity is severity))
    ]
    paths = {f.path for f in findings}
    return (
        f"Found {_plural(len(findings), 'problem')} ({', '.join(counts)}) "
        f"in {_plural(len(paths), 'file')}."
    )


def list_rules(rules: Sequence[Rule]) -> str:
    """One aligned row per rule: code, name, severity, summary."""
    rows = [("CODE", "NAME", "SEVERITY", "SUMMARY")]
    rows += [(r.code, r.name, r.severity.value, r.summary) for r in rules]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths)) + "  " + row[3]
        for row in rows
    )


def explain(found: Rule) -> str:
    tags = f"; tags: {', '.join(found.tags)}" if found.tags else ""
    header = f"# {found.code} {found.name}\n\nDefault severity: {found.severity.value}{tags}"
    return f"{header}\n\n{found.doc}"


def _fixed(spec: str, report: FileReport, settings: Settings) -> FixOutcome | None:
    """What the safe fixes change in the file ``spec`` names; None when nothing is fixable."""
    if spec == "-" or report.ini is None or not any(f.edits for f in report.findings):
        return None
    path, section = split_spec(spec)
    return fix_file(
        path, report.ini.data, lambda data: lint_bytes(data, path, section, settings).findings
    )


def _report_fixes(outcomes: Sequence[FixOutcome], verb: str, err: TextIO) -> None:
    for outcome in outcomes:
        for finding, reason in outcome.refused:
            err.write(f"{shown_path(outcome.path)}:{finding.line}: {finding.name} not fixed: "
                      f"{one_line(reason)}\n")
    changed = [o for o in outcomes if o.changed]
    count = sum(len(o.applied) for o in changed)
    if changed:
        err.write(f"{verb} {_plural(count, 'problem')} in {_plural(len(changed), 'file')}.\n")


def _lint(args: argparse.Namespace, settings: Settings, out: TextIO, err: TextIO) -> int:
    known: frozenset[str] = frozenset()
    if args.baseline is not None:
        try:
            known = read_baseline(args.baseline)
        except BaselineError as error:
            err.write(f"uwsgi-lint: {error}\n")
            return EXIT_USAGE
    # Only the findings and a few facts are kept per file, not its report: a report holds
    # the bytes and lines of every file read, and memory must stay flat in the file count.
    found: list[Finding] = []
    files = 0
    crashed = unreadable = unwritable = False
    outcomes: list[FixOutcome] = []
    for spec, named in _targets(args.paths or ["."], settings):
        if named and args.only_uwsgi_files and spec != "-" and not looks_like_uwsgi(spec):
            continue
        report = lint_source(spec, settings)
        outcome = _fixed(spec, report, settings) if args.fix or args.diff else None
        if outcome is not None:
            outcomes.append(outcome)
            if args.fix and outcome.changed:
                try:
                    write_atomically(outcome.path, outcome.fixed, outcome.original)
                except UnwritableFile as error:
                    err.write(f"uwsgi-lint: cannot write {shown_path(outcome.path)}: {error}\n")
                    unwritable = True
                    outcome.fixed = outcome.original  # not written, so not counted as fixed
                report = lint_source(spec, settings)
        files += 1
        found.extend(report.findings)
        crashed = crashed or report.crashed
        unreadable = unreadable or (named and _unreadable(report))
    findings = sorted(
        found, key=lambda f: (relative(f.path), f.line, f.column, f.code, f.message)
    )
    if args.write_baseline is not None:
        try:
            count = write_baseline(args.write_baseline, findings)
        except BaselineError as error:
            err.write(f"uwsgi-lint: {error}\n")
            unwritable = True
        else:
            err.write(f"Recorded {_plural(count, 'finding')} in {args.write_baseline}.\n")
            findings = []
    elif args.baseline is not None:
        findings = new_findings(findings, known)
    if args.diff:
        _write_bytes(out, "".join(unified_diff(o) for o in outcomes if o.changed))
        _report_fixes(outcomes, "Would fix", err)
    elif args.format == "text":
        for finding in findings:  # one at a time: the whole text may be as big as the findings
            out.write(format_finding(finding) + "\n")
        out.write(summary(findings, files) + "\n")
    else:
        document = FORMATS[args.format](findings, settings, files)
        out.write(document + "\n" if document else "")
    if args.fix:
        _report_fixes(outcomes, "Fixed", err)
    if not files:
        err.write("uwsgi-lint: warning: no uWSGI config found (*.ini with a [uwsgi] header)\n")
    if crashed:
        err.write("uwsgi-lint: a rule, or the loading of a file, crashed (see the "
                  "internal-error findings); this is a bug in uwsgi-lint, please report it with "
                  "the file\n")
        return EXIT_INTERNAL
    if unwritable or unreadable:
        return EXIT_USAGE
    if args.diff:
        return EXIT_FINDINGS if any(o.changed for o in outcomes) else EXIT_CLEAN
    if not args.exit_zero and any(settings.fails(f) for f in findings):
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _write_bytes(out: TextIO, text: str) -> None:
    """``text`` with the bytes that are not UTF-8 written back as they were in the files (a
    patch must match them), where ``out`` takes bytes."""
    buffer = getattr(out, "buffer", None)
    if buffer is None:
        out.write(text)
        return
    out.flush()
    buffer.write(encode(text))
    buffer.flush()


def _show_config(spec: str, settings: Settings, err: TextIO) -> int:
    from pytest_uwsgi_lint.show_config import render_spec

    try:
        shown = render_spec(spec, settings)
    except UnreadableSource as error:
        err.write(f"uwsgi-lint: {split_spec(spec)[0]} {error}\n")
        return EXIT_USAGE
    if sys.stdout.isatty():  # like `ls`: escaped for a terminal, uWSGI's exact bytes elsewhere
        sys.stdout.write("\n".join(one_line(line) for line in decode(shown).split("\n")))
        return EXIT_CLEAN
    sys.stdout.flush()
    sys.stdout.buffer.write(shown)
    sys.stdout.buffer.flush()
    return EXIT_CLEAN


def run(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and do what it asks; returns the exit code (argparse exits 2 itself)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.format is None:  # annotations on the pull request when run by GitHub Actions
        args.format = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    out, err = sys.stdout, sys.stderr
    if args.version:
        out.write(f"uwsgi-lint {__version__} ({_plural(len(all_rules()), 'rule')}; "
                  f"default uWSGI {catalog.NEWEST_RELEASE})\n")
        return EXIT_CLEAN
    if args.list_rules:
        out.write(list_rules(all_rules()) + "\n")
        return EXIT_CLEAN
    if args.explain is not None:
        found = find_rule(args.explain) or find_rule(args.explain.upper())
        if found is None:
            parser.error(f"--explain: no rule is called {args.explain} (see --list-rules)")
        out.write(explain(found) + "\n")
        return EXIT_CLEAN
    _check_paths(parser, [*args.paths, args.show_config])
    if args.show_config is not None and args.paths:
        parser.error(f"--show-config shows one config and lints none: "
                     f"{shown_path(args.paths[0])} would be ignored")
    settings = _settings(parser, args)
    forget_directories()  # a run called again in one process resolves links afresh
    if args.show_config is not None:
        return _show_config(args.show_config, settings, err)
    return _lint(args, settings, out, err)


def _quiet_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so the final flush cannot complain."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def main(argv: Sequence[str] | None = None) -> int:
    """The console script: like :func:`run`, but an interrupt, a closed pipe or an
    unexpected exception ends the process quietly with a clear exit code."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    try:
        return run(argv)
    except KeyboardInterrupt:
        return _EXIT_INTERRUPTED
    except BrokenPipeError:
        _quiet_stdout()
        return _EXIT_BROKEN_PIPE
    except Exception as error:  # the last line of defence: never a traceback
        sys.stderr.write(f"uwsgi-lint: internal error ({type(error).__name__}: {error}); "
                         "this is a bug in uwsgi-lint, please report it\n")
        return EXIT_INTERNAL


__all__ = ["EXIT_CLEAN", "EXIT_FINDINGS", "EXIT_INTERNAL", "EXIT_USAGE", "main", "run"]
