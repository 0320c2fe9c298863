"""Run the real uWSGI (the pyuwsgi 2.0.30 wheel) as the oracle, without letting it touch anything.

uWSGI is a server: given a config it loads plugins, runs hooks, writes pid files and opens
sockets. The oracle tests only want what it *read*, so every run happens

* with a clean environment (uWSGI turns every ``UWSGI_*`` variable into an option),
* inside ``unshare -m -n -p -f --kill-child --mount-proc``: a private mount, network (loopback
  only) and pid namespace, so nothing it starts outlives the run,
* on a read-only view of every mount, with private tmpfs on ``/tmp``, ``/run``, ``/var/log``
  and ``/dev/shm``, a minimal ``/dev`` (no disks) and ``/proc/sys``, ``/proc/sysrq-trigger``
  read-only,
* from an empty working directory, stdin ``/dev/null``, under ``timeout``.

For ``--show-config`` the config is first checked and copied (:func:`prepare_copy`): a config
is refused if it could run, fetch or load anything, and keys that would hide the printed
config, stop uWSGI before it prints, or rewrite a value before printing are renamed in the
copy, which both readers then read. ``--logto /dev/stderr --chdir /nonexistent`` is appended:
in 2.0.30 ``show_config()`` runs in ``uwsgi_setup`` and the failing ``chdir()`` in
``uwsgi_start`` stops the instance before it binds a socket or forks a worker.

Hooks that run before that ``chdir()`` (core/uwsgi.c and core/utils.c in 2.0.30): the
``*-asap`` family (``hook-asap``, ``exec-asap``, ``call-asap``, ``mount-asap``,
``umount-asap``) before the config is printed; the ``*-pre-jail``, ``*-in-jail``,
``*-post-jail``, ``*-as-root`` and ``refork*`` families after it. The other ``exec-*``,
``call-*`` and ``hook-*`` options run later, but a config holding any of them is refused
all the same.
"""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

# The project is imported inside the functions that use it: this file is also the sandbox's
# entry point, which starts without site-packages (``python -I -S``) to start fast.

UWSGI_VERSION = "2.0.30"
TIMEOUT = 20.0
_HIDDEN = ("/tmp", "/run", "/var/log")
SAFE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# Arguments appended to every --show-config run, and the entries uWSGI prints for them.
FRAMING_ARGS = ("--show-config", "--logto", "/dev/stderr", "--chdir", "/nonexistent")
_FRAMING_TAIL = b"show-config = true\nlogto = /dev/stderr\nchdir = /nonexistent\n"
SHOW_CONFIG_HEAD = b"\n;uWSGI instance configuration\n[uwsgi]\n"
SHOW_CONFIG_FOOT = b";end of configuration\n\n"

# Config sources that run a command, reach the network or read something other than a file
# (core/io.c ``uwsgi_check_scheme``), and the ``@()`` reader that accepts all of them; refused
# in any option line.
REFUSED_TEXT = (
    b"exec://", b"http://", b"https://", b"call://", b"callint://", b"fd://", b"data://",
    b"sym://", b"section://", b"emperor://", b"@(",
)

# Options with effects beyond the process: code loading, signals, network and DNS, file locks
# and writes, privilege changes, option definitions that can reach any handler, re-execution,
# namespaces and cgroups, Python scripts run by the python plugin, and waits that would only
# end at the timeout.
REFUSED_KEYS = frozenset({
    "dlopen", "autoload", "build-plugin", "ini-paste", "ini-paste-logged",
    "stop", "reload", "pause", "suspend", "resume", "signal",
    "connect-and-read", "resolve",
    "flock", "flock-wait", "flock2", "flock-wait2", "immediate-uid", "immediate-gid",
    "early-envdir", "file-write", "binary-append-data", "extract", "inject-before",
    "inject-after", "for-readline", "for-glob", "if-exists", "ifexists", "if-not-exists",
    "if-file", "if-not-file", "if-dir", "ifdir", "if-directory", "if-not-dir",
    "set", "declare-option", "declare-option2", "blacklist", "whitelist",
    "fallback-config", "privileged-binary-patch", "privileged-binary-patch-arg",
    "unprivileged-binary-patch", "unprivileged-binary-patch-arg", "early-emperor",
    "pivot-root", "pivot_root", "ns", "py", "python", "pyrun", "pyshell", "pyshell-oneshot",
})
REFUSED_PREFIXES = (
    "exec-", "call-", "hook-", "mount-", "umount-", "refork", "wait-for-", "setns",
    "cgroup", "namespace", "ns-",
)

# Options renamed in the private copy. Plugin loading (``plugin = python3`` is in a fifth of
# real configs) is made inert this way rather than refused. The logging options redirect,
# filter or re-encode the log the config is printed to; ``daemonize`` detaches and
# ``strict``, ``get``, ``dump-options``, ``version``, ``python-version``, ``help``, ``exit``,
# ``cflags``, ``dot-h``, ``config-py``, ``print-sym`` stop before the config is printed;
# ``stats-push`` exits when its pusher is unknown, ``spooler`` when its directory is missing;
# the cron handlers reject or cut their value.
RENAMED_KEYS = frozenset({
    "plugin", "plugins", "need-plugin", "need-plugins", "plugin-dir", "plugins-dir",
    "logto", "logto2", "logger", "logger-req", "req-logger", "threaded-logger",
    "daemonize", "daemonize2",
    "strict", "get", "dump-options", "version", "python-version", "help", "usage", "exit",
    "cflags", "dot-h", "config-py", "print-sym", "print-symbol",
    "stats-push", "spooler", "cron", "cron2", "unique-cron",
})
RENAMED_PREFIXES = ("log-", "logger-", "logto", "daemonize")
RENAME_PREFIX = b"oracle-renamed-"

# The bytes after ``%`` that the magic table ever fills (``config_magic_table_fill`` and
# ``uwsgi_setup`` in core/uwsgi.c), as a set of one-byte strings.
MAGIC_LETTERS = frozenset(bytes([b]) for b in b"oOxXpPsSdDjJiIcCeEnN0123456789bvhtTVk[uUgG")

# mount(2) flags (linux/mount.h) and the per-mount options that a read-only remount keeps.
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC, _MS_REMOUNT = 1, 2, 4, 8, 32
_MS_BIND, _MS_REC, _MS_PRIVATE = 4096, 16384, 1 << 18
_KEPT_OPTIONS = {b"nosuid": _MS_NOSUID, b"nodev": _MS_NODEV, b"noexec": _MS_NOEXEC,
                 b"noatime": 1024, b"nodiratime": 2048, b"relatime": 1 << 21}
_DEVICES = ("null", "zero", "full", "random", "urandom")
_PROC_READ_ONLY = ("/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus", "/proc/fs")
_DEFAULT_CWD = "/tmp/oracle-cwd"
_SANDBOX_FLAG = "--oracle-sandbox"


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str = "") -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mount.argtypes = [ctypes.c_char_p] * 3 + [ctypes.c_ulong, ctypes.c_char_p]
    encoded = [None if v is None else os.fsencode(v) for v in (source, target, fstype, data)]
    if libc.mount(encoded[0], encoded[1], encoded[2], flags, encoded[3] or None) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"mount {target}: {os.strerror(error)}")


def _read_only_everywhere() -> None:
    """Remount every mount of this namespace read-only (the fresh /proc excepted)."""
    with open("/proc/self/mountinfo", "rb") as handle:
        table = [row.split() for row in handle]
    for fields in table:
        point = re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m.group(1), 8)]), fields[4])
        if point == b"/proc":
            continue
        kept = sum(_KEPT_OPTIONS.get(option, 0) for option in fields[5].split(b","))
        _mount(None, os.fsdecode(point), None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | kept)


def _hide(directory: str, data: str, keep: Sequence[str]) -> int:
    """Cover ``directory`` with a fresh tmpfs; re-expose ``keep`` paths under it read-only.

    Returns a descriptor of the covered directory, from which more entries can be bound.
    """
    old = os.open(directory, os.O_PATH | os.O_DIRECTORY)
    _mount("oracle", directory, "tmpfs", _MS_NOSUID | _MS_NODEV, data)
    for path in keep:
        if path.startswith(directory + "/"):
            os.makedirs(path)
            _mount(f"/proc/self/fd/{old}{path[len(directory):]}", path, None, _MS_BIND)
            _mount(None, path, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY)
    return old


def _sandbox_main(keep_list: str, cwd: str, command: Sequence[str]) -> None:
    """Run inside fresh namespaces: lock the file system down, then exec ``command``."""
    keep = [path for path in keep_list.split(":") if path]
    _mount(None, "/", None, _MS_REC | _MS_PRIVATE)
    _read_only_everywhere()
    for directory in _HIDDEN:
        if os.path.isdir(directory):
            os.close(_hide(directory, "mode=1777,size=64m", keep))
    old_dev = _hide("/dev", "mode=755,size=1m", ())
    for name in _DEVICES:
        os.close(os.open(f"/dev/{name}", os.O_CREAT | os.O_WRONLY, 0o666))
        _mount(f"/proc/self/fd/{old_dev}/{name}", f"/dev/{name}", None, _MS_BIND)
    os.close(old_dev)
    os.symlink("/proc/self/fd", "/dev/fd")
    for number, name in enumerate(("stdin", "stdout", "stderr")):
        os.symlink(f"fd/{number}", f"/dev/{name}")
    os.mkdir("/dev/shm")
    _mount("oracle", "/dev/shm", "tmpfs", _MS_NOSUID | _MS_NODEV, "mode=1777,size=16m")
    _mount(None, "/dev", None, _MS_REMOUNT | _MS_RDONLY | _MS_NOSUID, "mode=755,size=1m")
    for path in _PROC_READ_ONLY:
        if os.path.exists(path):
            _mount(path, path, None, _MS_BIND)
            _mount(None, path, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY)
    os.makedirs(_DEFAULT_CWD, exist_ok=True)
    os.chdir(cwd or _DEFAULT_CWD)
    os.dup2(os.open("/dev/null", os.O_RDONLY), 0)
    os.execvp(command[0], list(command))


class OracleUnavailable(RuntimeError):
    """The uwsgi binary or the sandbox cannot be used on this machine."""


class Refused(ValueError):
    """The config is not safe to hand to uWSGI; the message says which text made it so."""


class NoShowConfig(RuntimeError):
    """uWSGI stopped before printing its configuration (the message holds its last words)."""


def find_uwsgi() -> str | None:
    """The ``uwsgi`` next to the running interpreter, else the one on PATH."""
    beside = Path(sys.executable).parent / "uwsgi"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("uwsgi")


def _interpreter(script: str) -> str | None:
    """The interpreter named by a script's ``#!`` line (pyuwsgi installs a Python script)."""
    with open(script, "rb") as handle:
        first = handle.readline(4096)
    if not first.startswith(b"#!"):
        return None
    words = [os.fsdecode(word) for word in first[2:].split()]
    if len(words) > 1 and os.path.basename(words[0]) == "env":
        return shutil.which(words[1])
    return words[0] if words else None


def binary_path(uwsgi: str) -> str:
    """What uWSGI reports as ``%b``: the executable the kernel runs (``/proc/self/exe``)."""
    return os.path.realpath(_interpreter(uwsgi) or uwsgi)


def _keep_paths(uwsgi: str, extra: Sequence[str]) -> list[str]:
    """Host directories under a hidden mount point that must stay visible in the sandbox."""
    candidates = {os.path.dirname(os.path.dirname(os.path.abspath(uwsgi))), *extra}
    interpreter = _interpreter(uwsgi)
    if interpreter:
        candidates.add(os.path.dirname(os.path.dirname(interpreter)))
        candidates.add(os.path.dirname(os.path.dirname(os.path.realpath(interpreter))))
    for prefix in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix):
        candidates.add(prefix)
    resolved = sorted({os.path.realpath(p) for p in candidates} | set(candidates))
    keep: list[str] = []
    for path in resolved:
        if path.startswith("/dev/"):
            raise OracleUnavailable(f"cannot expose {path!r} in the sandbox's private /dev")
        if not any(path.startswith(hidden + "/") for hidden in _HIDDEN):
            continue
        if ":" in path:
            raise OracleUnavailable(f"cannot expose {path!r} in the sandbox (it contains ':')")
        if os.path.isdir(path) and not any(path.startswith(k + "/") for k in keep):
            keep.append(path)
    return keep


def run_uwsgi(
    args: Sequence[str],
    cwd: str | os.PathLike[str] | None = None,
    timeout: float = TIMEOUT,
    expose: Sequence[str | os.PathLike[str]] = (),
) -> tuple[int, bytes, bytes]:
    """Run ``uwsgi ARGS`` in the sandbox and return ``(returncode, stdout, stderr)``.

    ``cwd`` is a host directory uWSGI runs in; it stays visible, read-only, at the same path,
    so paths relative to it or inside it work. Without it uWSGI runs in an empty directory.
    ``expose`` lists more host directories to keep visible (read-only). The caller must not
    pass a config that :func:`check_safe` would refuse.
    """
    uwsgi = find_uwsgi()
    if uwsgi is None:
        raise OracleUnavailable("no uwsgi binary next to the interpreter or on PATH (pyuwsgi)")
    for tool in ("unshare", "timeout"):
        if shutil.which(tool, path=SAFE_PATH) is None:
            raise OracleUnavailable(f"`{tool}` is not installed")
    extra = [os.path.abspath(path) for path in expose]
    if cwd is not None:
        extra.append(os.path.abspath(cwd))
    command = [
        "unshare", "-m", "-n", "-p", "-f", "--kill-child", "--mount-proc",
        sys.executable, "-I", "-S", os.path.abspath(__file__), _SANDBOX_FLAG,
        ":".join(_keep_paths(uwsgi, extra)), os.path.abspath(cwd) if cwd is not None else "",
        "timeout", "-s", "KILL", str(int(timeout)), uwsgi, *args,
    ]
    try:
        done = subprocess.run(
            command, stdin=subprocess.DEVNULL, capture_output=True, env={"PATH": SAFE_PATH},
            timeout=timeout + 10, check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise OracleUnavailable(f"the sandboxed uwsgi did not stop within {timeout}s") from error
    return done.returncode, done.stdout, done.stderr


@lru_cache(maxsize=1)
def unavailable_reason() -> str | None:
    """Why the oracle cannot run here (``None`` when it can): checked once per process."""
    try:
        rc, out, err = run_uwsgi(["--version"])
    except (OracleUnavailable, OSError) as error:
        return str(error)
    if rc != 0 or out.strip() != UWSGI_VERSION.encode():
        detail = (err or out).decode("utf-8", "replace").strip()[-500:]
        return f"sandboxed `uwsgi --version` failed (rc={rc}): {detail}"
    return None


def require(ci: bool) -> str:
    """The uwsgi binary for an oracle test: skip when it cannot run here, but fail in CI,
    where a skipped oracle would let the comparison silently vanish."""
    import pytest

    reason = unavailable_reason()
    if reason is not None:
        if ci:
            pytest.fail(f"the uWSGI oracle must run in CI: {reason}")
        pytest.skip(f"uWSGI oracle unavailable: {reason}")
    binary = find_uwsgi()
    assert binary is not None
    return binary


def _key_refused(key: str) -> bool:
    return key in REFUSED_KEYS or key.startswith(REFUSED_PREFIXES)


def _key_renamed(key: str) -> bool:
    return key in RENAMED_KEYS or key.startswith(RENAMED_PREFIXES)


def _spelled_by_magic(key: bytes) -> bool:
    """Whether a ``%`` pair in the raw key could expand to text (or eat what follows it).

    Pairs with a byte uWSGI never fills expand to nothing, and ``%%``/``%(`` to themselves, so
    such keys read the same whatever the table holds.
    """
    index = key.find(b"%")
    while index >= 0:
        pair = key[index + 1 : index + 2]
        if not pair or pair in MAGIC_LETTERS:
            return True
        index = key.find(b"%", index + 2)
    return False


def check_safe(data: bytes) -> None:
    """Raise :class:`Refused` unless every option line of ``data`` is inert.

    An option is refused when ``%`` magic spells part of its key (it could then spell any
    option), when the key is one of the refused options, or when its bytes, before or after
    the magic pass, contain a scheme or ``@(``. Comment lines are inert whatever they hold:
    only a ``%`` swallowing the newline before them could make them part of an option, and
    the joined line is then checked as an option.
    """
    from pytest_uwsgi_lint.reader import LineKind, encode, read_ini

    source = data.split(b"\n")
    for line in read_ini(data).lines:
        if line.kind is not LineKind.OPTION:
            continue
        raw = b"\n".join(source[line.line - 1 : line.end_line])
        first = source[line.line - 1][line.column - 1 :]
        if _spelled_by_magic(first.split(b"=", 1)[0]):
            raise Refused(f"line {line.line}: the key is spelled with % magic")
        if _key_refused(line.key):
            raise Refused(f"line {line.line} sets `{line.key}`, which acts beyond the process")
        for text in REFUSED_TEXT:
            if text in raw or text in encode(line.text):
                raise Refused(f"line {line.line} contains {text.decode()!r}")


def prepare_copy(data: bytes) -> bytes:
    """The bytes uWSGI and our reader are both given: ``data`` with risky keys renamed.

    Keys are renamed in every section by inserting :data:`RENAME_PREFIX` where the key starts,
    so no line moves (:func:`check_safe` has made sure no key is spelled by magic).
    """
    from pytest_uwsgi_lint.reader import LineKind, read_ini

    check_safe(data)
    lines = data.split(b"\n")
    for line in read_ini(data).lines:
        if line.kind is LineKind.OPTION and _key_renamed(line.key):
            start = line.column - 1
            source = lines[line.line - 1]
            lines[line.line - 1] = source[:start] + RENAME_PREFIX + source[start:]
    return b"\n".join(lines)


@dataclass(frozen=True)
class ShowConfig:
    """What uWSGI printed for one private copy of a config, and how to read that copy alike."""

    path: str
    section: str | None
    data: bytes
    block: bytes
    entries: list[tuple[bytes, bytes]]
    magic_table: dict[bytes, bytes] = field(repr=False)
    stderr: bytes = field(repr=False)


def parse_show_config(stderr: bytes, spec: str) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    """The block of ``--show-config`` without the harness's own options, and its entries.

    The block opens with the ``ini`` option of ``spec`` and closes with the options of
    :data:`FRAMING_ARGS`; both are dropped, so what is left is what the config file gave.
    """
    head = SHOW_CONFIG_HEAD + b"ini = " + os.fsencode(spec) + b"\n"
    start = stderr.find(head)
    if start < 0:
        last = stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        raise NoShowConfig(" | ".join(last) or "no output")
    start += len(head)
    end = stderr.find(_FRAMING_TAIL + SHOW_CONFIG_FOOT, start)
    if end < 0 or (end > start and stderr[end - 1 : end] != b"\n"):
        raise NoShowConfig("the configuration block is not terminated as expected")
    body = stderr[start:end]
    entries = []
    for row in body.split(b"\n")[:-1]:
        key, separator, value = row.partition(b" = ")
        if not separator:
            raise NoShowConfig(f"unexpected line in the configuration block: {row[:200]!r}")
        entries.append((key, value))
    return SHOW_CONFIG_HEAD + body + SHOW_CONFIG_FOOT, entries


def reader_magic_table(path: str, section: str | None, cwd: str, uwsgi: str) -> dict[bytes, bytes]:
    """The ``%`` table uWSGI uses for ``path`` when run from ``cwd`` as the first config.

    ``%x`` is the section only when the spec names one; ``%v`` and ``%b`` are the sandbox's
    working directory and the executable uWSGI reports. ``%t``/``%T`` differ on every run.
    """
    from pytest_uwsgi_lint.magic import table_for

    table = table_for(path, section if section is not None else "", UWSGI_VERSION)
    table[b"v"] = os.fsencode(cwd)
    table[b"b"] = os.fsencode(binary_path(uwsgi))
    return table


def show_config(
    data: bytes, name: str = "config.ini", section: str | None = None
) -> ShowConfig:
    """Run uWSGI's ``--show-config`` on a private copy of ``data`` read as ``name[:section]``.

    Raises :class:`Refused` for unsafe configs, :class:`OracleUnavailable` when the sandbox
    cannot run, and :class:`NoShowConfig` when uWSGI exits before printing.
    """
    if "/" in name or ":" in name or name in ("", ".", ".."):
        raise ValueError(f"not a plain file name: {name!r}")
    copy = prepare_copy(data)
    uwsgi = find_uwsgi()
    if uwsgi is None:
        raise OracleUnavailable("no uwsgi binary next to the interpreter or on PATH (pyuwsgi)")
    with tempfile.TemporaryDirectory(prefix="uwsgi-oracle-") as scratch:
        root = os.path.realpath(scratch)
        config_dir = os.path.join(root, "config")
        cwd = os.path.join(root, "cwd")
        os.mkdir(config_dir)
        os.mkdir(cwd)
        path = os.path.join(config_dir, name)
        with open(path, "wb") as handle:
            handle.write(copy)
        spec = path if section is None else f"{path}:{section}"
        table = reader_magic_table(path, section, cwd, uwsgi)
        _, _, stderr = run_uwsgi(["--ini", spec, *FRAMING_ARGS], cwd=cwd, expose=[root])
    block, entries = parse_show_config(stderr, spec)
    return ShowConfig(path, section, copy, block, entries, table, stderr)


if __name__ == "__main__" and sys.argv[1:2] == [_SANDBOX_FLAG]:
    try:
        _sandbox_main(sys.argv[2], sys.argv[3], sys.argv[4:])
    except OSError as failure:
        sys.stderr.write(f"oracle sandbox: {failure}\n")
        sys.exit(125)
