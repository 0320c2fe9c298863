"""pytest plugin: ``pytest --uwsgi-lint`` collects uWSGI configs as test items, one per file.

The plugin is a thin face over the engine. It decides which files become items (paths named
on the command line always, ``*.ini`` files that look like uWSGI configs inside directories),
lints in ``runtest`` and never during collection, and remembers each outcome (a pass, or the
failure text) in pytest's cache so that an unchanged file is not linted again with the same
settings and plugin version: its stored outcome is replayed. Under pytest-xdist the workers
hand their outcomes to the controller, which alone writes the cache, once, when the session
ends.

Importing this module stays cheap for the many test runs that never use it: the engine is
imported only when ``--uwsgi-lint`` is given.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import warnings
from collections.abc import Generator, Iterable, Iterator, Sequence
from dataclasses import fields
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import pytest

if TYPE_CHECKING:
    from _pytest._code.code import TerminalRepr

    from pytest_uwsgi_lint.findings import Finding
    from pytest_uwsgi_lint.model import Config
    from pytest_uwsgi_lint.settings import Settings

MARKER = "uwsgi_lint"
ITEM_NAME = "uwsgi-lint"
CACHE_KEY = "uwsgi-lint/outcomes"
WORKER_OUTPUT_KEY = "uwsgi_lint_outcomes"

SETTINGS: pytest.StashKey[Settings] = pytest.StashKey()
# (key, paths the load read with the top file first, failure text or None for a pass)
Outcome = tuple[str, tuple[str, ...], Optional[str]]

# (command-line flag, pytest ini option = option dest, settings-file key, help). A flag given
# on the command line beats the ini option, which beats the project's settings file.
_SETTING_OPTIONS = (
    ("--uwsgi-lint-select", "uwsgi_lint_select", "select",
     "rules to check: comma-separated codes, code prefixes or names (default: all)"),
    ("--uwsgi-lint-ignore", "uwsgi_lint_ignore", "ignore",
     "rules to leave out: comma-separated codes, code prefixes or names"),
    ("--uwsgi-version", "uwsgi_version", "uwsgi-version",
     "uWSGI version the configs are meant for (default: the newest release)"),
    ("--uwsgi-lint-fail-on", "uwsgi_lint_fail_on", "fail-on",
     "lowest finding severity that fails an item: error, warning or info (default: warning)"),
)
# The binary is a command-line choice only (the user's own arguments or PYTEST_ADDOPTS): the
# ini option is declared so that setting it is refused with a reason, not ignored as unknown.
_BINARY_FLAG = "--uwsgi-binary"
_BINARY_INI = "uwsgi_binary"
_LIST_KEYS = ("select", "ignore")
_SEVERITIES = ("error", "warning", "info")
# ``%`` values that can change with nothing in the key changing: ``%t``/``%T`` (the start
# time, which the linter takes from the config's modification time) and the inode numbers
# (a file rewritten with the same bytes gets new ones).
_VOLATILE_MAGIC = frozenset((b"t", b"T", b"i", b"I"))
# Whose code the settings digest covers (the rules are their own package: see pyproject).
_PACKAGES = ("pytest_uwsgi_lint", "pytest_uwsgi_lint.rules")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("uwsgi-lint")
    group.addoption(
        "--uwsgi-lint", action="store_true", default=False, help="lint uWSGI .ini configs"
    )
    for flag, name, key, text in _SETTING_OPTIONS:
        extra: dict[str, Any] = {"choices": _SEVERITIES} if key == "fail-on" else {}
        group.addoption(flag, dest=name, default=None, help=text, **extra)
        if key in _LIST_KEYS:
            parser.addini(name, text, type="args", default=[])
        else:
            parser.addini(name, text, type="string", default="")
    group.addoption(
        _BINARY_FLAG, dest=_BINARY_INI, default=None,
        help="uWSGI binary whose version and option list to lint against (asked with --version "
        "and --dump-options only; cached); on the command line or in PYTEST_ADDOPTS only",
    )
    parser.addini(_BINARY_INI, "not accepted: name the binary with --uwsgi-binary on the "
                  "command line", type="string", default="")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{MARKER}: a uWSGI config linted by pytest-uwsgi-lint")
    if config.getoption("uwsgi_lint"):
        config.stash[SETTINGS] = build_settings(config)
        session = LintSession(config)
        config.stash[_SESSION] = session
        config.pluginmanager.register(session, "uwsgi-lint-session")


def _given(config: pytest.Config, name: str, flag: str) -> tuple[list[str], str] | None:
    """The raw value of a pytest-level setting and where it came from, command line first."""
    value = config.getoption(name)
    if value is not None:
        return [value], flag
    value = config.getini(name)
    if value:
        return ([value] if isinstance(value, str) else [str(v) for v in value]), name
    return None


def _selectors(values: Sequence[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _binary(config: pytest.Config) -> str | None:
    """The ``--uwsgi-binary`` the user gave; refused when a file in the repository (the ini
    option, or the flag in ``addopts``) names it, as the plugin would run that program."""
    from pytest_uwsgi_lint.settings_file import COMMAND_LINE_ONLY

    reason = COMMAND_LINE_ONLY["uwsgi-binary"]
    if config.getini(_BINARY_INI):
        raise pytest.UsageError(f"{_BINARY_INI} is refused: {reason}")
    addopts = config.getini("addopts")
    if any(arg == _BINARY_FLAG or arg.startswith(f"{_BINARY_FLAG}=") for arg in addopts):
        raise pytest.UsageError(f"{_BINARY_FLAG} in addopts is refused: {reason}")
    value: str | None = config.getoption(_BINARY_INI)
    return value


def build_settings(config: pytest.Config) -> Settings:
    """The project's settings file (``[tool.uwsgi-lint]``...), overridden by pytest ini options,
    overridden by command-line flags; a bad value (a selector that matches no rule included)
    is a usage error naming where it came from, not a traceback."""
    from pytest_uwsgi_lint.binary import BinaryError
    from pytest_uwsgi_lint.settings_file import SettingsError, find_settings, to_settings

    overrides: dict[str, Any] = {"uwsgi-binary": _binary(config)}
    origins: dict[str, str] = {"uwsgi-binary": _BINARY_FLAG}
    for flag, name, key, _ in _SETTING_OPTIONS:
        given = _given(config, name, flag)
        if given is None:
            continue
        values, origins[key] = given
        if key in _LIST_KEYS:
            overrides[key] = _selectors(values)
        else:
            overrides[key] = values[0].strip().lower() if key == "fail-on" else values[0].strip()
    try:
        found = find_settings(config.invocation_params.dir)
        settings = to_settings(found, overrides, origins)
        _ = settings.target  # probe --uwsgi-binary now: a bad one is a usage error
    except SettingsError as error:
        raise pytest.UsageError(str(error)) from None
    except BinaryError as error:
        raise pytest.UsageError(f"{_BINARY_FLAG}: {error}") from None
    return settings


def code_stamp(packages: Sequence[str] = _PACKAGES) -> str:
    """A hash of the names and bytes of the linter's own code and data (its ``.py`` and
    ``.json`` files). The rules a selector picks, and what each one says, follow from them:
    a development install keeps its version number while its rules change. Contents, not
    modification times, so that a cache restored into a fresh install of the same release
    still replays."""
    directories: set[str] = set()
    for name in packages:
        spec = importlib.util.find_spec(name)
        found = spec.submodule_search_locations if spec is not None else None
        directories.update(os.path.realpath(d) for d in found or ())
    combined = hashlib.sha256()
    for directory in sorted(directories):
        for root, dirs, files in os.walk(directory):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(f for f in files if f.endswith((".py", ".json"))):
                path = os.path.join(root, name)
                with open(path, "rb") as handle:
                    data = handle.read()
                combined.update(os.fsencode(os.path.relpath(path, directory)) + b"\0")
                combined.update(hashlib.sha256(data).digest())
    return combined.hexdigest()


@lru_cache(maxsize=1)
def _running_code_stamp() -> str:
    """The stamp of the code this process runs, worked out once: a module edited after the
    process imported it is not the code that runs (two sessions in one process)."""
    return code_stamp()


def _read_each(path: str, data: bytes, others: Sequence[str]) -> Iterator[tuple[str, bytes]]:
    """``path`` (read as ``data``), then each other file as it is now, one at a time: a load
    reads at most 10 MiB in all, plus the file that crossed the bound, so past twice that
    (a cache file written by hand) the key cannot match and reading stops."""
    from pytest_uwsgi_lint.sources import MAX_BYTES, read_source

    left = 2 * MAX_BYTES - len(data)
    yield path, data
    for other in others:
        content = read_source(other, max(left, 0))
        left -= len(content)
        yield other, content


def settings_digest(settings: Settings) -> str:
    """What a lint outcome depends on besides the files read and the working directory (which
    each key adds): the plugin version and code, every setting, the uWSGI targeted, and this
    machine's ``%`` values (host name, CPU count, user: ``%h``...). The selected rules follow
    from the settings and the code, so the digest is made without loading a rule."""
    import pytest_uwsgi_lint
    from pytest_uwsgi_lint.magic import global_table

    machine = global_table(settings.uwsgi_version)
    identity = {
        "plugin": pytest_uwsgi_lint.__version__,
        "code": _running_code_stamp(),
        "settings": [f"{f.name}={getattr(settings, f.name)!r}" for f in fields(settings)],
        "uwsgi": settings.target.fingerprint,
        "magic": sorted(repr(item) for item in machine.items() if item[0] not in _VOLATILE_MAGIC),
    }
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()


class LintFailure(Exception):
    """An item's findings at or above the threshold; its text is the CLI's report."""


def _outcome(value: Any) -> Outcome | None:
    """A stored outcome ``[key, [paths read], failure text or null]``; None when malformed."""
    if isinstance(value, (list, tuple)) and len(value) == 3:
        key, paths, failure = value
        well_formed = isinstance(paths, (list, tuple)) and all(isinstance(p, str) for p in paths)
        text = failure is None or isinstance(failure, str)
        if isinstance(key, str) and well_formed and paths and text:
            return key, tuple(paths), failure
    return None


def _stored_outcomes(cache: pytest.Cache | None) -> Any:
    """What the cache holds for the plugin; nothing when it cannot be read back (pytest's own
    reader lets a JSON nested thousands deep, which a restored cache may hold, raise)."""
    if cache is None:
        return {}
    try:
        return cache.get(CACHE_KEY, {})
    except RecursionError:
        return {}


def _outcomes(stored: Any) -> dict[str, Outcome]:
    if not isinstance(stored, dict):
        return {}
    checked = {nodeid: _outcome(value) for nodeid, value in stored.items()}
    return {k: v for k, v in checked.items() if isinstance(k, str) and v is not None}


def _replayable(config: Config) -> bool:
    """Whether the outcome for ``config`` depends only on the files it read (their paths as
    given and as resolved, their bytes) and on what the settings digest covers, so that it
    may be stored and replayed. The loader knows when it also looked elsewhere: an ``@()``
    read, an ``if-exists`` test, an include it did not read or met in a cycle. Paths that are
    not valid UTF-8 cannot be stored in pytest's cache (JSON) or sent between xdist nodes."""
    files = config.files
    loaded = config.loaded
    return bool(files) and loaded is not None and not (
        loaded.outside
        or any(event.char in _VOLATILE_MAGIC for source in files for event in source.magic)
        or not all(_encodable(source.path) for source in files)
    )


def _encodable(path: str) -> bool:
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _nameable(parent: pytest.Collector, path: Path) -> bool:
    """Whether pytest can name an item for ``path``; if not, a warning says that the file is
    left to the command. A node id must be valid UTF-8: pytest's cache writes the ids it ran,
    and pytest-xdist sends them between processes, and both fail on a file name that is not
    (a traceback at the end of the run, an INTERNALERROR under xdist). Each xdist worker
    walks the tree and warns, as it does for any warning met while collecting: that way
    ``-W error`` makes every worker collect the same error."""
    if _encodable(parent.nodeid) and _encodable(path.name):
        return True
    from pytest_uwsgi_lint.report import shown_path

    warning = pytest.PytestWarning("uwsgi-lint: not collected: the file name is not valid "
                                   "UTF-8, which pytest cannot name a test by; lint it with "
                                   "the uwsgi-lint command")
    warnings.warn_explicit(warning, category=None, filename=shown_path(str(path)), lineno=1)
    return False


def _relative(path: str, cwd: str) -> str:
    """``report.relative(path)`` for the absolute, normalised path of an item, without path
    arithmetic in the usual case of a file below the working directory."""
    below = cwd.rstrip(os.sep) + os.sep
    if path.startswith(below):
        return path[len(below):]
    from pytest_uwsgi_lint import report

    return report.relative(path)


class LintSession:
    """One test session with ``--uwsgi-lint``: settings, stored outcomes, new outcomes.

    The cache maps a file's node id to the files its load read, a key over their paths and
    contents plus the settings digest, and the failure text (None for a pass), so a changed
    file or include, changed settings or a new plugin version all miss.
    """

    def __init__(self, config: pytest.Config) -> None:
        from pytest_uwsgi_lint.sources import forget_directories

        forget_directories()
        self.config = config
        self.settings = config.stash[SETTINGS]
        self.digest = settings_digest(self.settings)
        self.cache: pytest.Cache | None = getattr(config, "cache", None)
        self.known = _outcomes(_stored_outcomes(self.cache))
        self.outcomes: dict[str, Outcome] = {}
        self.walked: set[str] = set()  # real paths of the configs collected in walks
        self.mark = getattr(pytest.mark, MARKER)  # built once, not per item

    def key(self, cwd: str, sources: Iterable[tuple[str, bytes]]) -> str:
        """Over the digest, the working directory (relative includes and the paths in the
        failure text depend on it) and, for every file read, its path as given, the path it
        resolves to (``%d`` and the include paths built from it follow links: switching a
        ``current`` link to another release changes them) and its bytes."""
        from pytest_uwsgi_lint.sources import real_path

        combined = hashlib.sha256(f"{self.digest}\0{cwd}".encode(errors="surrogateescape"))
        for path, data in sources:
            named, resolved = os.fsencode(path), os.fsencode(real_path(path))
            combined.update(b"\0".join((named, resolved, hashlib.sha256(data).digest())))
        return combined.hexdigest()

    def _stored(self, nodeid: str, cwd: str, path: str, data: bytes) -> Outcome | None:
        """The outcome stored for ``nodeid`` if ``path`` (read as ``data``) and every file
        its load read are as they were, from the same directory and settings; else None."""
        from pytest_uwsgi_lint.sources import MAX_LOADS, UnreadableSource

        known = self.known.get(nodeid)
        if known is None or known[1][0] != path or len(known[1]) > MAX_LOADS + 1:
            return None  # no load reads more files: not an outcome this plugin stored
        key, paths, _ = known
        try:
            current = self.key(cwd, _read_each(path, data, paths[1:]))
        except UnreadableSource:
            return None
        return known if current == key else None

    def check(self, nodeid: str, path: Path) -> None:
        """Lint ``path``, or replay its stored outcome when nothing it depends on changed;
        raise :class:`LintFailure` with the findings when it fails."""
        from pytest_uwsgi_lint.sources import UnreadableSource, read_source

        cwd = os.getcwd()
        spec = _relative(str(path), cwd)  # a file, never ``file:section``
        try:
            data = read_source(spec)
        except UnreadableSource:  # the engine words the finding; nothing is stored
            from pytest_uwsgi_lint import engine

            failure = self._failure(engine.lint_source(spec, self.settings).findings)
        else:
            stored = self._stored(nodeid, cwd, spec, data)
            if stored is None:  # the engine (and with it every rule) loads on first use
                from pytest_uwsgi_lint import engine
                from pytest_uwsgi_lint.reader import DEFAULT_SECTION

                config, findings = engine.load_and_lint(data, spec, DEFAULT_SECTION, self.settings)
                failure = self._failure(findings)
                if self.cache is not None and config is not None and _replayable(config):
                    read = config.files
                    key = self.key(cwd, ((f.path, f.data) for f in read))
                    self.outcomes[nodeid] = (key, tuple(f.path for f in read), failure)
            else:
                self.outcomes[nodeid] = stored
                failure = stored[2]
        if failure is not None:
            raise LintFailure(failure)

    def _failure(self, findings: Sequence[Finding]) -> str | None:
        """The CLI's report of ``findings`` when one reaches the threshold, else None."""
        from pytest_uwsgi_lint import report

        if any(self.settings.fails(f) for f in findings):
            return report.format_text(findings)
        return None

    # -- collection ---------------------------------------------------------------------

    def pytest_collect_file(
        self, file_path: Path, parent: pytest.Collector
    ) -> UwsgiLintFile | None:
        """Named files whatever their extension (Python sources aside); in directories, uWSGI
        ``*.ini`` files that the settings' ``exclude`` leaves in."""
        from pytest_uwsgi_lint.discovery import looks_like_uwsgi

        if parent.session.isinitpath(file_path):
            if file_path.suffix == ".py":  # a test module named with the option in addopts
                return None
        elif (
            file_path.suffix != ".ini"
            or self.settings.excluded(str(file_path))
            or not looks_like_uwsgi(str(file_path))
            or not self._first_sight(file_path)
        ):
            return None
        if not _nameable(parent, file_path):
            return None
        return UwsgiLintFile.from_parent(parent, path=file_path)

    def _first_sight(self, file_path: Path) -> bool:
        """Whether a walk meets this config (or unlistable folder) for the first time: pytest
        follows links to folders, so `conf/self -> .` would make one config dozens of items."""
        from pytest_uwsgi_lint.sources import real_path

        real = real_path(str(file_path))
        if real in self.walked:
            return False
        self.walked.add(real)
        return True

    @pytest.hookimpl(tryfirst=True, optionalhook=True)
    def pytest_collect_directory(
        self, path: Path, parent: pytest.Collector
    ) -> pytest.File | None:
        """A directory named ``*.ini`` on the command line is a config that cannot be read. So
        is a directory that cannot be listed, unless a path named on the command line lies
        below it (pytest then looks for that path in it itself)."""
        session = parent.session
        named = session.isinitpath(path)
        by_user = parent.config.args_source is pytest.Config.ArgsSource.ARGS
        if named and by_user and path.suffix == ".ini":
            return UwsgiLintFile.from_parent(parent, path=path)
        if named or not session.isinitpath(path, with_parents=True):
            return self._unlistable(path, parent)
        return None

    def _unlistable(self, path: Path, parent: pytest.Collector) -> pytest.File | None:
        """For a directory that cannot be listed and that ``exclude`` leaves in, an item that
        fails as the command reports it (pytest would stop its whole collection there), or
        nothing when a link led to it before; None for the directories pytest walks."""
        if os.access(path, os.R_OK | os.X_OK) or self.settings.excluded(str(path)):
            return None
        if self._first_sight(path):
            return UwsgiLintFile.from_parent(parent, path=path)
        return _MetAgain.from_parent(parent, path=path)

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection(self, session: pytest.Session) -> None:
        """Note named paths that are neither files nor directories (a FIFO, a device)."""
        if session.config.option.pyargs:
            return
        base = session.config.invocation_params.dir
        unusual = []
        for arg in session.config.args:
            path = Path(os.path.abspath(base / arg.split("::")[0]))
            if path.exists() and not path.is_file() and not path.is_dir():
                unusual.append(path)
        if unusual:  # else no collector pays for the hook below
            session.config.pluginmanager.register(_UnusualPaths(unusual))

    # -- reporting and cache ------------------------------------------------------------

    def pytest_report_header(self, config: pytest.Config) -> str:
        settings = self.settings
        cache = "on" if self.cache is not None else "off (no cacheprovider)"
        return (
            f"uwsgi-lint: {settings.target.label}, {len(settings.rules)} rules, "
            f"fail on {settings.fail_on.value}, cache {cache}"
        )

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: object | None) -> None:
        """On the xdist controller: take the outcomes a worker stored."""
        self.outcomes.update(_outcomes(getattr(node, "workeroutput", {}).get(WORKER_OUTPUT_KEY)))

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """A worker hands its outcomes over; the controller writes the cache, once."""
        workeroutput = getattr(session.config, "workeroutput", None)
        if workeroutput is not None:
            workeroutput[WORKER_OUTPUT_KEY] = self.outcomes
        elif self.cache is not None:
            merged = {**self.known, **self.outcomes}
            if merged != self.known:
                self.cache.set(CACHE_KEY, merged)


_SESSION: pytest.StashKey[LintSession] = pytest.StashKey()


class _UnusualPaths:
    """Gives each named FIFO or device an item: pytest's directory walk sees only regular
    files and directories."""

    def __init__(self, paths: list[Path]) -> None:
        self.paths = paths

    @pytest.hookimpl(hookwrapper=True)
    def pytest_make_collect_report(
        self, collector: pytest.Collector
    ) -> Generator[None, Any, None]:
        outcome = yield
        if not isinstance(collector, getattr(pytest, "Directory", ())):
            return
        collected: pytest.CollectReport = outcome.get_result()
        if collected.passed:
            for path in self.paths:
                if path.parent == collector.path:
                    collected.result.append(UwsgiLintFile.from_parent(collector, path=path))


class _MetAgain(pytest.File):
    """A directory that cannot be listed, reached again through a link: its item is there
    already, and pytest must not try to list it."""

    def collect(self) -> Iterator[pytest.Item | pytest.Collector]:
        return iter(())


class UwsgiLintFile(pytest.File):
    """A uWSGI config; it holds one item, so a file is one test."""

    def collect(self) -> Iterator[pytest.Item | pytest.Collector]:
        yield UwsgiLintItem.from_parent(self, name=ITEM_NAME)


class UwsgiLintItem(pytest.Item):
    """Lints its file when run; fails with the findings as the CLI prints them."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.add_marker(self.config.stash[_SESSION].mark)

    def runtest(self) -> None:
        self.config.stash[_SESSION].check(self.nodeid, self.path)

    def repr_failure(
        self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None
    ) -> str | TerminalRepr:
        if isinstance(excinfo.value, LintFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[os.PathLike[str] | str, int | None, str]:
        return self.path, None, f"{ITEM_NAME} {self.nodeid.rpartition('::')[0]}"


__all__ = [
    "CACHE_KEY",
    "ITEM_NAME",
    "MARKER",
    "SETTINGS",
    "LintFailure",
    "LintSession",
    "UwsgiLintFile",
    "UwsgiLintItem",
    "build_settings",
    "settings_digest",
]
