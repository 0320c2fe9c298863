"""Attached daemons as uWSGI 2.0.30 registers them (core/daemons.c).

The legacy options take a command line: ``smart-*`` variants first take ``pidfile[,freq]`` and
a space, ``legion-*`` variants first take a legion name and a space. ``attach-daemon2`` takes a
``key=value`` list whose quirks matter: a flag key is on whenever it is present (``control=0``
is on), numbers go through ``atoi`` (``uid=www-data`` is 0, "do not change"), ``legion`` is not
a key at all, and an unescaped comma in the command starts a new item. uwsgiconf's
``legion-attach-daemon2`` is no uWSGI option; it is modelled so rules can name it.
"""

from __future__ import annotations

import signal
from collections.abc import Iterable
from dataclasses import dataclass, replace

from pytest_uwsgi_lint.kvlist import (
    Guess,
    KvItem,
    KvList,
    first_guesses,
    parse_kvlist,
    remembered,
    split_quoted,
)
from pytest_uwsgi_lint.reader import Entry
from pytest_uwsgi_lint.values import atoi, has_expansion

LEGACY_OPTIONS = (
    "attach-daemon",
    "attach-control-daemon",
    "smart-attach-daemon",
    "smart-attach-daemon2",
    "legion-attach-daemon",
    "legion-smart-attach-daemon",
    "legion-smart-attach-daemon2",
)
KEYVAL_OPTIONS = ("attach-daemon2", "legion-attach-daemon2")
DAEMON_OPTIONS = (*LEGACY_OPTIONS, *KEYVAL_OPTIONS)
NOT_AN_OPTION = "legion-attach-daemon2"

#: Every key ``uwsgi_opt_add_daemon2`` accepts, mapped to the setting it fills.
DAEMON2_KEYS = {
    "command": "command", "cmd": "command", "exec": "command",
    "freq": "freq",
    "pidfile": "pidfile",
    "control": "control",
    "daemonize": "daemonize", "daemon": "daemonize",
    "touch": "touch",
    "stopsignal": "stopsignal", "stop_signal": "stopsignal",
    "reloadsignal": "reloadsignal", "reload_signal": "reloadsignal",
    "stdin": "stdin",
    "uid": "uid",
    "gid": "gid",
    "ns_pid": "ns_pid",
    "chdir": "chdir",
    "max_throttle": "max_throttle",
    "notifypid": "notifypid",
}
#: Keys added after ``attach-daemon2`` itself (2.0), with the first release that reads them.
KEY_SINCE = {"ns_pid": "2.0.1", "chdir": "2.0.6", "max_throttle": "2.0.17.1",
             "notifypid": "2.0.19"}
#: Settings that are on when their key is present, whatever the value.
PRESENCE_FLAGS = ("control", "daemonize", "stdin", "ns_pid", "notifypid")
#: Settings whose value goes through ``atoi``.
NUMERIC_KEYS = ("freq", "stopsignal", "reloadsignal", "uid", "gid", "max_throttle")
DEFAULT_FREQ = 10
_SYNONYMS = {
    "user": "uid", "group": "gid", "cwd": "chdir", "dir": "chdir", "workdir": "chdir",
    "pid_file": "pidfile", "stdin_honour": "stdin", "honour_stdin": "stdin",
    "new_pid_ns": "ns_pid", "touch_reload": "touch", "broken_counter": "freq",
    "signal_stop": "stopsignal", "signal_reload": "reloadsignal",
}
_SMART = ("smart-attach-daemon", "smart-attach-daemon2", "legion-smart-attach-daemon",
          "legion-smart-attach-daemon2")
_WRITES_PIDFILE = ("smart-attach-daemon2", "legion-smart-attach-daemon2")


@dataclass(frozen=True)
class AttachedDaemon:
    """One attached daemon under uwsgiconf's names (``broken_counter`` is ``freq``,
    ``honour_stdin`` is ``stdin``, ``new_pid_ns`` is ``ns_pid``...), with uWSGI's values.

    ``keys`` holds the ``attach-daemon2`` item uWSGI kept for each setting, so a rule can quote
    what was written; ``command_tail`` the positions of the items an unescaped comma cut off the
    command (a range: a value may hold millions of them).
    """

    command: str
    for_legion: bool
    broken_counter: int
    pidfile: str | None
    control: bool
    daemonize: bool
    touch_reload: tuple[str, ...]
    signal_stop: int
    signal_reload: int
    honour_stdin: bool
    uid: int
    gid: int
    new_pid_ns: bool
    change_dir: str | None
    entry: Entry
    legion: str | None = None
    max_throttle: int = 0
    notify_pid: bool = False
    kvlist: KvList | None = None
    command_tail: range = range(0)
    fatal: str | None = None
    symbolic: bool = False

    @property
    def form(self) -> str:
        """The option as written."""
        return self.entry.key

    @property
    def option_exists(self) -> bool:
        """False for uwsgiconf's ``legion-attach-daemon2``, which uWSGI never reads."""
        return self.form != NOT_AN_OPTION

    @property
    def keyval(self) -> bool:
        """An ``attach-daemon2`` line uWSGI parsed as a key list and accepted."""
        return self.kvlist is not None and self.option_exists and self.fatal is None

    @property
    def keys(self) -> dict[str, KvItem]:
        """The kept ``attach-daemon2`` item per setting (empty for the legacy options)."""
        return dict(self.kvlist.found) if self.kvlist is not None else {}

    @property
    def dropped(self) -> str:
        """The items an unescaped comma cut off the command, as uWSGI splits them."""
        return self.kvlist.joined(self.command_tail) if self.kvlist is not None else ""


def parse_daemons(entries: Iterable[Entry]) -> tuple[AttachedDaemon, ...]:
    """The daemons uWSGI registers for one config's ``*attach-daemon*`` entries, in order. The
    near-name searches that decide where a cut command ends are bounded per config."""
    guess = first_guesses(suggest_key)
    return tuple(
        _parse_keyval(entry, guess) if entry.key in KEYVAL_OPTIONS else _parse_legacy(entry)
        for entry in entries
    )


def parse_daemon(entry: Entry) -> AttachedDaemon:
    """The daemon uWSGI registers for one ``*attach-daemon*`` entry (or why it exits)."""
    return parse_daemons((entry,))[0]


def _daemon(entry: Entry, command: str) -> AttachedDaemon:
    """uWSGI's defaults: ``calloc`` zeroes, ``freq`` 10, SIGTERM to stop."""
    return AttachedDaemon(
        command=command, for_legion=False, broken_counter=DEFAULT_FREQ, pidfile=None,
        control=False, daemonize=False, touch_reload=(), signal_stop=int(signal.SIGTERM),
        signal_reload=0, honour_stdin=False, uid=0, gid=0, new_pid_ns=False, change_dir=None,
        entry=entry,
    )


def _parse_legacy(entry: Entry) -> AttachedDaemon:
    option, command = entry.key, entry.value
    legion: str | None = None
    # uWSGI compares the option's prefix using the *value's* length: a value shorter than
    # "legion-" is not split (SSL builds only; others do not know these options).
    if option.startswith("legion-") and len(command) >= len("legion-"):
        legion, space, rest = command.partition(" ")
        if not space:
            return replace(_daemon(entry, command), for_legion=True,
                           fatal=f"invalid legion daemon syntax: {command}",
                           symbolic=has_expansion(command))
        command = rest
    daemon = replace(
        _daemon(entry, command), legion=legion, for_legion=legion is not None,
        control=option == "attach-control-daemon", symbolic=has_expansion(legion or ""),
    )
    if option not in _SMART:
        return daemon
    pidfile, space, rest = command.partition(" ")
    if not space:
        return replace(daemon, fatal=f"invalid smart-attach-daemon syntax: {command}",
                       symbolic=has_expansion(entry.value))
    pidfile, comma, freq = pidfile.partition(",")
    return replace(
        daemon,
        command=rest,
        pidfile=pidfile,
        broken_counter=atoi(freq) if comma else DEFAULT_FREQ,
        daemonize=option in _WRITES_PIDFILE,
        symbolic=has_expansion(entry.value[: len(entry.value) - len(rest)]),
    )


def _parse_keyval(entry: Entry, guess: Guess) -> AttachedDaemon:
    found_list = parse_kvlist(entry.value, DAEMON2_KEYS)
    found = found_list.found

    def text(name: str) -> str | None:
        return found[name].value if name in found else None

    def number(name: str, default: int) -> int:
        written = text(name)
        return default if written is None else atoi(written)

    command = text("command")
    touch = text("touch")
    return replace(
        _daemon(entry, command or ""),
        for_legion=entry.key == NOT_AN_OPTION,
        broken_counter=number("freq", DEFAULT_FREQ),
        pidfile=text("pidfile"),
        control="control" in found,
        daemonize="daemonize" in found,
        touch_reload=split_quoted(touch) if touch is not None else (),
        signal_stop=number("stopsignal", int(signal.SIGTERM)),
        signal_reload=number("reloadsignal", 0),
        honour_stdin="stdin" in found,
        uid=number("uid", 0),
        gid=number("gid", 0),
        new_pid_ns="ns_pid" in found,
        change_dir=text("chdir"),
        max_throttle=number("max_throttle", 0),
        notify_pid="notifypid" in found,
        kvlist=found_list,
        command_tail=_command_tail(found_list, guess),
        fatal=None if command is not None else (
            f"--{entry.key}: you need to specify a 'command' key"),
        symbolic=has_expansion(entry.value),
    )


_SUGGESTIONS = remembered(DAEMON2_KEYS, _SYNONYMS)


def suggest_key(key: str) -> str | None:
    """The ``attach-daemon2`` key the author most likely meant by ``key`` (answers are kept
    for the run; bound the searches of one config with :func:`kvlist.first_guesses`)."""
    return _SUGGESTIONS(key)


def _command_tail(found: KvList, guess: Guess) -> range:
    """The positions of the items right after the command item that are no key of
    ``attach-daemon2``: text an unescaped comma cut off the command (a bare key name is a
    forgotten ``=``, not a cut; ``guess`` tells a misspelt key)."""
    item = found.found.get("command")
    if item is None:
        return range(0)
    start = stop = item.index + 1
    for index, text, key, _ in found.entries(start):
        if not text:
            continue  # ",," adds an empty item, which cuts nothing
        name = key if key is not None else text
        if name in DAEMON2_KEYS or name == "legion" or guess(name) is not None:
            break
        stop = index + 1
    return range(start, stop)


__all__ = [
    "DAEMON2_KEYS",
    "DAEMON_OPTIONS",
    "KEYVAL_OPTIONS",
    "KEY_SINCE",
    "LEGACY_OPTIONS",
    "NOT_AN_OPTION",
    "NUMERIC_KEYS",
    "PRESENCE_FLAGS",
    "AttachedDaemon",
    "parse_daemon",
    "parse_daemons",
    "suggest_key",
]
