"""Follow what uWSGI follows — ``ini``, ``include``, ``inherit``, ``config``, logic blocks,
``set``/``set-placeholder`` and the ``$()``/``@()``/``%()`` passes — without running anything.

This mirrors uWSGI 2.0.30's start-up timeline (``core/uwsgi.c`` ``uwsgi_setup``): each file is
magic-substituted and parsed, and every option is exported in order; immediate options (the
loaders, ``set``, logic openers) act at once; then the three expansion passes run over the
options that are not configured yet; last, ``inherit`` files are appended, unexpanded.

Anything that would execute, fetch or block is never done: scheme sources (``exec://``,
``http://``, ...), stdin, ``@(exec://...)``, non-regular files, unknowable logic conditions.
They become :class:`LoadEvent` records for the rules, and an option whose logic block cannot be
decided is kept with its ``condition`` so rules do not report it as certain.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from pytest_uwsgi_lint import catalog
from pytest_uwsgi_lint.magic import first_file_aliases, start_time, table_for
from pytest_uwsgi_lint.placeholders import (
    ExpansionLoop,
    Work,
    WorkExhausted,
    apply_pass,
    manage_placeholder,
)
from pytest_uwsgi_lint.reader import (
    DEFAULT_SECTION,
    MAX_SIZE,
    WHOLE,
    Budget,
    Entry,
    IniFile,
    read_ini,
)
from pytest_uwsgi_lint.sources import (
    MAX_LOADS,
    PROCESS_FILES,
    UnreadableSource,
    read_source,
    real_path,
)
from pytest_uwsgi_lint.values import atoi

MAX_DEPTH = 32

MAX_FOR_ITEMS = 10_000
#: Options that loop bodies may add in all (items times lines), and the size of their values
#: (a 1 MB line in a 10,000-item loop is 10 GB); past either, the rest of each body is
#: exported once instead of once per item.
MAX_ROUTED = 100_000
MAX_ROUTED_SIZE = MAX_SIZE
#: Options one config may add in all, whatever adds them: besides the lines read (see
#: ``reader.MAX_LINES``), ``set``-style lines add two options each, and loop bodies more.
MAX_OPTIONS = 200_000
SCHEMES = ("exec", "http", "https", "call", "callint", "fd", "data", "sym", "section", "emperor")
EXECUTING_SCHEMES = ("exec", "call", "callint")
TERMINATORS = frozenset({"end", "endfor", "endif", "end-if", "end-for"})
_SETTERS = frozenset({"set", "set-placeholder", "set-ph"})
_OTHER_FORMATS = (".xml", ".yaml", ".yml", ".json", ".js")


def _of_this_process(path: str) -> bool:
    """A file of the reading process: what uWSGI would read there is not what the linter's
    own process would (``/proc/sys/...`` describes the host, and is read like ``%k``). Matched
    on the path as written and as it resolves, which ``//proc/self``, ``/./proc/self`` or a
    link to ``/proc/self/environ`` would otherwise get past."""
    return bool(PROCESS_FILES.match(path) or PROCESS_FILES.match(real_path(path)))


def scheme_of(source: str) -> str:
    """The URL scheme uWSGI would dispatch ``source`` to, or ``""`` for a plain path."""
    name, sep, _ = source.partition("://")
    return name if sep and name in SCHEMES else ""


@dataclass(frozen=True)
class LoadEvent:
    """Something the loader met that a rule reports: ``kind`` names that rule."""

    kind: str
    entry: Entry
    detail: str
    #: The file the event is about, when it is one that was looked for and not found.
    missing: str = ""


@dataclass
class Exported:
    """One option in uWSGI's export list, with the state its passes depend on."""

    entry: Entry
    configured: bool
    inherited: bool


@dataclass
class Block:
    """An open logic block: the values each option inside is exported with."""

    opener: Entry
    items: list[str | None]
    condition: str


#: Events that depend on files the load did not read: whether they exist, what they are, or
#: where a link leads (a cycle through a link is gone once the link is a file).
#: A source an ``@()`` reads for one value: unlike an include, it cannot add options, so its
#: absence does not make the model incomplete; only that value stays as written.
VALUE_NOT_READ = "value-source-not-read"
OUTSIDE_EVENTS = frozenset({"include-not-found", "include-relative-path", "config-source-not-read",
                            VALUE_NOT_READ, "include-cycle"})


@dataclass
class Loaded:
    """The configuration uWSGI will run, with every file read and every event met.
    ``outside`` tells whether it also depends on files that were not read (``@()`` reads,
    ``if-exists`` tests, the events above), so that the bytes read do not settle it."""

    entries: list[Entry]
    files: list[IniFile]
    events: list[LoadEvent]
    outside: bool = False


@dataclass
class _Frame:
    key: tuple[str, str]
    chain: tuple[str, ...]


@dataclass
class Loader:
    """One uWSGI start-up, emulated. ``env`` holds the variables the user declared; any other
    ``$(VAR)`` or ``if-env`` stays unknown rather than taking this machine's value, unless
    ``env_complete`` says the declared variables are the whole environment."""

    env: Mapping[str, str] = field(default_factory=dict)
    env_complete: bool = False
    uwsgi_version: str = catalog.NEWEST_RELEASE
    exported: list[Exported] = field(default_factory=list)
    #: The first exported option of each key, which ``%(key)`` and ``if-opt`` read; a map, so
    #: a config with thousands of references is not scanned once per reference.
    first_exported: dict[str, Exported] = field(default_factory=dict)
    files: list[IniFile] = field(default_factory=list)
    events: list[LoadEvent] = field(default_factory=list)
    loads: int = 0  # include attempts, read or not: a bound on the work, not on the files
    budget: Budget = WHOLE  # what is left of the lines, `%` pairs and bytes to read
    stopped: str = ""  # the bound a file was cut at: nothing after it is read
    work: Work = field(default_factory=Work)  # what expansions may still cost
    reported: set[str] = field(default_factory=set)  # the kinds `_event_once` has reported
    outside: bool = False  # see `Loaded.outside`
    routed: int = 0
    routed_size: int = 0
    block: Block | None = None
    last_file: str | None = None
    stack: list[_Frame] = field(default_factory=list)
    pending_inherits: list[Entry] = field(default_factory=list)
    inheriting: bool = False
    logic_running: bool = False
    contents: dict[str, bytes] = field(default_factory=dict)
    first_round: dict[bytes, bytes] = field(default_factory=dict)
    top: tuple[str, str] = ("", DEFAULT_SECTION)  # the first file loaded, and its section
    started: float | None = None  # what `%t` stands for, worked out for the first `%` met

    # -- reading files -------------------------------------------------------------------

    def load_top(self, data: bytes, path: str, section: str) -> Loaded:
        """Load the top-level config (already read) and everything it pulls in."""
        self.top = (path, section)
        self.stack.append(_Frame((real_path(path), section), ()))
        self._parse(data, path, section, chain=())
        self.stack.pop()
        if self.block is not None:
            self._event("logic-block-unclosed", self.block.opener, self.block.condition)
        self._expand()
        self._inherit()
        return Loaded([e.entry for e in self.exported], self.files, self.events, self.outside)

    def _event(self, kind: str, entry: Entry, detail: str, missing: str = "") -> None:
        self.events.append(LoadEvent(kind, entry, detail, missing))
        self.outside = self.outside or kind in OUTSIDE_EVENTS

    def _event_once(self, kind: str, entry: Entry, detail: str) -> None:
        """An event for a bound reached: the first time only, however often it is hit."""
        if kind not in self.reported:
            self.reported.add(kind)
            self._event(kind, entry, detail)

    def _table(self, path: str, section: str) -> dict[bytes, bytes]:
        """The ``%`` table for a file; ``%O %D ...`` hold the values of the first file."""
        top, top_section = self.top
        if self.started is None:  # one start time for every file of the instance
            self.started = start_time(top)
        started = self.started
        if (path, section) == self.top:
            return table_for(path, _shown(section), self.uwsgi_version, started=started)
        if not self.first_round:
            self.first_round = first_file_aliases(
                table_for(top, _shown(top_section), self.uwsgi_version, started=started))
        return table_for(path, _shown(section), self.uwsgi_version, self.first_round, started)

    def _parse(
        self, data: bytes, path: str, section: str, chain: tuple[str, ...], condition: str = ""
    ) -> None:
        """Read one file; its options inherit the condition of the line that included it. The
        ``%`` table (paths, inode, user...) is only worked out for a file that has a ``%``."""
        table = self._table(path, section) if b"%" in data else None
        ini = read_ini(data, path, section, table, self.budget)
        self.budget = self.budget.minus(ini.spent)
        self.stopped = self.stopped or ini.unread_because
        self.files.append(ini)
        self.contents[path] = data  # `ini = :section` reads it again: from memory
        self.last_file = path
        for entry in ini.entries:
            if chain or condition:
                entry = entry._replace(chain=chain, condition=condition)
            self._export(entry, routed=False)

    def _resolve(self, source: str, via: Entry) -> str | None:
        """A path relative to uWSGI's working directory, with the config's folder as a
        fallback the user is told about; None (and an event) when found in neither."""
        if os.path.isabs(source) or os.path.lexists(source):
            return source
        beside = os.path.join(os.path.dirname(via.path), source)
        if os.path.lexists(beside):
            self._event("include-relative-path", via, source)
            return beside
        self._event("include-not-found", via, source)
        return None

    def _not_read(self, source: str, via: Entry, kind: str = "config-source-not-read") -> bool:
        """Scheme sources, stdin and files of the reading process are reported as ``kind``,
        never read (``exec://`` runs a shell; ``/proc/self/...`` would describe the linter's
        process)."""
        scheme = scheme_of(source)
        if not scheme and source != "-" and not _of_this_process(source):
            return False
        self._event(kind, via, source)
        if scheme in EXECUTING_SCHEMES:
            self._event("exec-in-config", via, source)
        return True

    def _follow(self, source: str, via: Entry, how: str) -> None:
        """``ini``/``include``/``inherit``/``config`` = ``source``, as uWSGI dispatches it:
        ``ini`` always parses ini, ``config`` only plugin configurators (``.lua``, ``.js``),
        the others by extension."""
        if self._not_read(source, via):
            return
        if how == "config":
            kind = "config-source-not-read" if source.endswith((".lua", ".js")) else (
                "include-not-found")
            self._event(kind, via, source)
            return
        if how != "ini":
            if source.endswith(_OTHER_FORMATS):
                self._event("config-source-not-read", via, source)
                return
            if not source.endswith(".ini"):
                head, colon, _ = source.rpartition(":")
                kind = "include-section-unsupported" if colon and head.endswith(".ini") else (
                    "include-not-found")
                self._event(kind, via, source)
                return
        path, colon, section = source.rpartition(":")
        if not colon:
            path, section = source, DEFAULT_SECTION
        section = section or DEFAULT_SECTION
        if colon and not path:
            if self.last_file is None:
                self._event("include-not-found", via, source)
                return
            path = self.last_file
        else:
            resolved = self._resolve(path, via)
            if resolved is None:
                return
            path = resolved
        self._load_file(path, section, via)

    def _load_file(self, path: str, section: str, via: Entry) -> None:
        key = (real_path(path), section)
        chain = (*via.chain, f"{via.path}:{via.line}")
        if any(frame.key == key for frame in self.stack):
            self._event("include-cycle", via, path)
            return
        if self._past_a_bound(via, path):
            # Not read, so no cache key can cover the file, though whether it was found
            # decided what is reported: the outcome depends on something outside the files.
            self.outside = True
            return
        self.loads += 1
        data = self.contents.get(path)
        if data is None:
            try:
                data = read_source(path)
            except UnreadableSource as error:
                self._unreadable(via, path, error)
                return
        self.stack.append(_Frame(key, chain))
        try:
            self._parse(data, path, section, chain, via.condition)
        finally:
            self.stack.pop()

    def _past_a_bound(self, via: Entry, path: str) -> bool:
        """Whether loading one more file would pass a bound of the config (and the event
        saying so, the first time for the bounds that count in all)."""
        if len(self.stack) > MAX_DEPTH:  # the top file plus 32 nested includes
            self._event("include-too-deep", via, path)
            return True
        if len(self.exported) >= MAX_OPTIONS:
            return True  # the bound on options is reached: nothing more would be kept
        bound = self.stopped or self.budget.exhausted()
        if bound:
            self._event_once("config-too-large", via, bound)
            return True
        if self.loads >= MAX_LOADS:
            self._event_once("include-too-many", via, path)
            return True
        return False

    # -- exporting options ---------------------------------------------------------------

    def _export(self, entry: Entry, routed: bool) -> None:
        """``add_exported_option_do``: route through an open logic block, then append and
        run what is immediate. While a routed option's handler runs (an ``include`` inside a
        block), uWSGI's ``logic_opt_running`` is set, so what it exports is neither routed
        nor able to close the block."""
        if not routed and not self.logic_running:
            if entry.key in TERMINATORS:
                self.block = None
            elif self.block is not None:
                self._route(entry, self.block)
                return
        if len(self.exported) >= MAX_OPTIONS:
            self._event_once("config-too-large", entry, f"{MAX_OPTIONS:,} options")
            return
        option = catalog.lookup(entry.key)
        immediate = option is not None and option.immediate
        exported = Exported(entry, immediate, self.inheriting)
        self.exported.append(exported)
        self.first_exported.setdefault(entry.key, exported)
        if immediate and option is not None:
            self._immediate(entry, option)

    def _route(self, entry: Entry, block: Block) -> None:
        items = block.items
        size = _routed_size(entry.value, items)
        if len(items) > 1:
            bound = ""
            if self.routed + len(items) > MAX_ROUTED:
                bound = f"{MAX_ROUTED:,} options"
            elif self.routed_size + size > MAX_ROUTED_SIZE:
                bound = f"{MAX_ROUTED_SIZE // 1024**2} MiB of values"
            if bound:
                self._event_once("loop-expansion-capped", block.opener, bound)
                items = items[:1]
                size = _routed_size(entry.value, items)
        self.routed += len(items)
        self.routed_size += size
        self.logic_running = True
        try:
            for item in items:
                value = entry.value if item is None else entry.value.replace("%(_)", item)
                condition = entry.condition or block.condition
                self._export(entry._replace(value=value, condition=condition), routed=True)
        finally:
            self.logic_running = False

    def _immediate(self, entry: Entry, option: catalog.Option) -> None:
        name = option.canonical
        if option.kind == "logic":
            if self.block is not None:
                self._event("logic-block-nested", entry, self.block.opener.key)
                return
            self.block = self._open_block(entry, name)
        elif name in ("ini", "include", "config"):
            self._follow(entry.value, entry, name)
        elif name in _SETTERS:
            key, equal, value = entry.value.partition("=")
            if equal:
                self._export(entry._replace(key=key, value=value), routed=True)
                if name != "set":  # a placeholder only: no handler, no expansion
                    self.exported[-1].configured = True

    # -- logic blocks --------------------------------------------------------------------

    def _open_block(self, opener: Entry, name: str) -> Block:
        arg = opener.value
        unknown = Block(opener, [None], f"{opener.key} = {arg}")
        negated = name.startswith("if-not-")
        test = name.replace("if-not-", "if-")
        if name == "for":
            items: list[str | None] = [t for t in arg.split(" ") if t]
            if len(items) > MAX_FOR_ITEMS:
                self._event("for-too-long", opener, str(len(items)))
                del items[MAX_FOR_ITEMS:]
            return Block(opener, items, "")
        if name == "for-times":
            count = atoi(arg)
            if count > MAX_FOR_ITEMS:
                self._event("for-too-long", opener, str(count))
                count = MAX_FOR_ITEMS
            return Block(opener, [str(i) for i in range(1, count + 1)], "")
        if test in ("if-opt", "if-env"):
            name_part, equal, expected = arg.partition("=")
            known, found = self._lookup_for_logic(test, name_part)
            if not known:
                return unknown
            present = found is not None
            matches = present and (not equal or found == expected)
            if negated:
                return Block(opener, [] if matches else [found if present else None], "")
            return Block(opener, [found] if matches else [], "")
        if test in ("if-exists", "if-file", "if-dir") and os.path.isabs(arg):
            checks = {"if-exists": lambda p: os.access(p, os.R_OK), "if-file": os.path.isfile,
                      "if-dir": os.path.isdir}
            holds = bool(checks[test](arg))
            self.outside = True
            return Block(opener, [arg] if holds != negated else [], "")
        return unknown

    def _lookup_for_logic(self, test: str, name: str) -> tuple[bool, str | None]:
        """Whether the value ``if-opt``/``if-env`` compares is known, and that value (None
        when absent). An undeclared variable or a conditional option is not known."""
        if test == "if-env":
            return self.env_complete or name in self.env, self.env.get(name)
        item = self.first_exported.get(name)
        return (True, None) if item is None else (not item.entry.condition, item.entry.value)

    # -- after parsing -------------------------------------------------------------------

    def _expand(self) -> None:
        """The ``$``, ``@`` and ``%`` passes over options not configured yet, in order, until
        the config's expansion :class:`Work` runs out: then the rest stays as written."""
        for symbol, hook in (("$", self._env_hook), ("@", self._file_hook),
                             ("%", self._placeholder_hook)):
            for index, item in enumerate(self.exported):
                if item.configured or item.inherited or symbol + "(" not in item.entry.value:
                    continue
                self._current = item.entry
                try:
                    if self.work.exhausted():
                        raise WorkExhausted
                    value, unresolved = apply_pass(item.entry.value, symbol, hook, self.work)
                except ExpansionLoop as loop:
                    kind = "expansion-too-large" if loop.too_large else "placeholder-loop"
                    self._event(kind, item.entry, f"{symbol}({loop.key})")
                    continue
                except WorkExhausted:
                    self._event("expansion-stopped", item.entry, self.work.exhausted())
                    return
                if symbol == "%":
                    for key in unresolved:
                        if key != "_":
                            self._event("placeholder-undefined", item.entry, key)
                if value != item.entry.value:
                    self.work.size -= len(value)
                self.exported[index].entry = item.entry._replace(value=value)

    _current: Entry | None = None

    def _env_hook(self, name: str) -> str | None:
        return self.env.get(name)

    def _file_hook(self, source: str) -> str | None:
        assert self._current is not None
        via = self._current
        self.outside = True
        if self._not_read(source, via, VALUE_NOT_READ):
            return None
        try:
            data = read_source(source)
        except UnreadableSource as error:
            self._unreadable(via, source, error, VALUE_NOT_READ)
            return None
        self.work.size -= len(data)
        text = data.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")  # a C string
        return text[:-1] if text.endswith(("\n", "\r")) else text

    def _unreadable(self, via: Entry, path: str, error: UnreadableSource,
                    kind: str = "config-source-not-read") -> None:
        """A missing file makes uWSGI exit; one the linter only chose not to read (a FIFO, a
        device, a file past the size bound, the kernel's log, a file a read would wait on) is
        reported as not read (``kind``)."""
        if error.present:
            self._event(kind, via, path)
        else:
            missing = "" if os.path.lexists(path) else path
            self._event("include-not-found", via, f"{path} ({error})", missing)

    def _placeholder_hook(self, key: str) -> str | None:
        return manage_placeholder(key, self._first_value, self.work)

    def _first_value(self, key: str) -> str | None:
        item = self.first_exported.get(key)
        return None if item is None else item.entry.value

    def _inherit(self) -> None:
        """``inherit`` runs in ``uwsgi_configure``: its options come after all others."""
        self.inheriting = True
        queue = [item.entry for item in self.exported if item.entry.key == "inherit"]
        inherited: set[str] = set()
        seen = 0
        while seen < len(queue):
            via = queue[seen]
            seen += 1
            if via.value in inherited:
                self._event("include-cycle", via, via.value)
                continue
            inherited.add(via.value)
            before = len(self.exported)
            self._follow(via.value, via, "inherit")
            queue.extend(
                item.entry for item in self.exported[before:] if item.entry.key == "inherit"
            )


def _routed_size(value: str, items: list[str | None]) -> int:
    """The length of the values a loop body line becomes, one per item (``%(_)`` replaced)."""
    refs = value.count("%(_)")
    return sum(len(value) + (0 if item is None else refs * (len(item) - 4)) for item in items)


def _shown(section: str) -> str:
    """The section as ``%x`` shows it: empty for the default one."""
    return section if section != DEFAULT_SECTION else ""


def load(
    data: bytes,
    path: str,
    section: str = DEFAULT_SECTION,
    env: Mapping[str, str] | None = None,
    uwsgi_version: str = catalog.NEWEST_RELEASE,
    env_complete: bool = False,
) -> Loaded:
    """The configuration uWSGI would run when started with ``--ini path:section``."""
    loader = Loader(env=env or {}, env_complete=env_complete, uwsgi_version=uwsgi_version)
    return loader.load_top(data, path, section)


__all__ = [
    "EXECUTING_SCHEMES",
    "MAX_LOADS",
    "OUTSIDE_EVENTS",
    "LoadEvent",
    "Loaded",
    "Loader",
    "load",
    "scheme_of",
]
