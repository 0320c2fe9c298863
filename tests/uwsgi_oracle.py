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

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pytest_uwsgi_lint.magic import table_for
from pytest_uwsgi_lint.reader import LineKind, read_ini

UWSGI_VERSION = "2.0.30"
TIMEOUT = 20.0
_MASKED = ("/tmp", "/run", "/var/log", "/dev/shm")
_SAFE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# Arguments appended to every --show-config run, and the entries uWSGI prints for them.
FRAMING_ARGS = ("--show-config", "--logto", "/dev/stderr", "--chdir", "/nonexistent")
_FRAMING_TAIL = b"show-config = true\nlogto = /dev/stderr\nchdir = /nonexistent\n"
SHOW_CONFIG_HEAD = b"\n;uWSGI instance configuration\n[uwsgi]\n"
SHOW_CONFIG_FOOT = b";end of configuration\n\n"

# Config sources that run a command, reach the network or read something other than a file
# (core/io.c ``uwsgi_check_scheme``), and the ``@()`` reader that accepts all of them.
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
# ``stats-push`` exits when its pusher is unknown; the cron handlers reject or cut their value.
RENAMED_KEYS = frozenset({
    "plugin", "plugins", "need-plugin", "need-plugins", "plugin-dir", "plugins-dir",
    "logto", "logto2", "logger", "logger-req", "req-logger", "threaded-logger",
    "daemonize", "daemonize2",
    "strict", "get", "dump-options", "version", "python-version", "help", "usage", "exit",
    "cflags", "dot-h", "config-py", "print-sym", "print-symbol",
    "stats-push", "cron", "cron2", "unique-cron",
})
RENAMED_PREFIXES = ("log-", "logger-", "logto", "daemonize")
RENAME_PREFIX = b"oracle-renamed-"

_SANDBOX = r"""
set -eu
keep=$1
shift
mount --make-rprivate /
awk '$5 != "/proc" {print $5}' /proc/self/mountinfo | while read -r point; do
  mount -o remount,bind,ro "$(printf '%b' "$point")"
done
hide() {
  cd "$1"
  mount -t tmpfs -o "mode=$2,size=64m" oracle "$1"
  old_ifs=$IFS
  IFS=:
  for path in $keep; do
    case $path in "$1"/*)
      mkdir -p "$path"
      mount --no-canonicalize --bind ".${path#"$1"}" "$path"
      mount -o remount,bind,ro "$path";;
    esac
  done
  IFS=$old_ifs
  cd /
}
for masked in /tmp /run /var/log; do
  if [ -d "$masked" ]; then hide "$masked" 1777; fi
done
cd /dev
mount -t tmpfs -o mode=755,size=1m oracle /dev
for node in null zero full random urandom; do
  : > "/dev/$node"
  mount --no-canonicalize --bind "./$node" "/dev/$node"
done
cd /
ln -s /proc/self/fd /dev/fd
ln -s fd/0 /dev/stdin
ln -s fd/1 /dev/stdout
ln -s fd/2 /dev/stderr
mkdir /dev/shm
mount -t tmpfs -o mode=1777,size=16m oracle /dev/shm
mount -o remount,ro /dev
for point in /proc/sys /proc/sysrq-trigger /proc/irq /proc/bus /proc/fs; do
  if [ -e "$point" ]; then
    mount --bind "$point" "$point"
    mount -o remount,bind,ro "$point"
  fi
done
mkdir -p /tmp/oracle-cwd
cd "${ORACLE_CWD:-/tmp/oracle-cwd}"
exec "$@" </dev/null
"""


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
    words = first[2:].split()
    return os.fsdecode(words[0]) if words else None


def binary_path(uwsgi: str) -> str:
    """What uWSGI reports as ``%b``: the executable the kernel runs (``/proc/self/exe``)."""
    return os.path.realpath(_interpreter(uwsgi) or uwsgi)


def _keep_paths(uwsgi: str, extra: Sequence[str]) -> list[str]:
    """Host directories under a masked mount point that must stay visible in the sandbox."""
    candidates = {os.path.dirname(os.path.dirname(os.path.abspath(uwsgi))), *extra}
    interpreter = _interpreter(uwsgi)
    if interpreter:
        candidates.add(os.path.dirname(os.path.dirname(interpreter)))
        candidates.add(os.path.dirname(os.path.dirname(os.path.realpath(interpreter))))
    for prefix in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix):
        candidates.add(prefix)
    resolved = sorted({os.path.realpath(p) for p in candidates} | set(candidates))
    masked = [p for p in resolved if any(p.startswith(m + "/") for m in _MASKED)]
    keep: list[str] = []
    for path in masked:
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
    for tool in ("unshare", "timeout", "mount", "sh", "awk"):
        if shutil.which(tool, path=_SAFE_PATH) is None:
            raise OracleUnavailable(f"`{tool}` is not installed")
    env = {"PATH": _SAFE_PATH}
    extra = [os.path.abspath(path) for path in expose]
    if cwd is not None:
        env["ORACLE_CWD"] = os.path.abspath(cwd)
        extra.append(env["ORACLE_CWD"])
    command = [
        "unshare", "-m", "-n", "-p", "-f", "--kill-child", "--mount-proc",
        "sh", "-c", _SANDBOX, "oracle-sandbox", ":".join(_keep_paths(uwsgi, extra)),
        "timeout", "-s", "KILL", str(int(timeout)), uwsgi, *args,
    ]
    try:
        done = subprocess.run(
            command, stdin=subprocess.DEVNULL, capture_output=True, env=env,
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


def _key_refused(key: str) -> bool:
    return key in REFUSED_KEYS or key.startswith(REFUSED_PREFIXES)


def _key_renamed(key: str) -> bool:
    return key in RENAMED_KEYS or key.startswith(RENAMED_PREFIXES)


def check_safe(data: bytes) -> None:
    """Raise :class:`Refused` when ``data`` names a scheme, ``@(`` or a refused option."""
    for text in REFUSED_TEXT:
        if text in data:
            raise Refused(f"contains {text.decode()!r}")
    for line in read_ini(data).lines:
        if line.kind is LineKind.OPTION and _key_refused(line.key):
            raise Refused(f"line {line.line} sets `{line.key}`, which acts beyond the process")


def prepare_copy(data: bytes) -> bytes:
    """The bytes uWSGI and our reader are both given: ``data`` with risky keys renamed.

    Keys are renamed in every section by inserting :data:`RENAME_PREFIX` where the key starts,
    so no line moves. A renamed key must be written literally: one that ``%`` magic builds
    from other bytes is refused, since renaming its source bytes would not be reliable.
    """
    check_safe(data)
    lines = data.split(b"\n")
    for line in read_ini(data).lines:
        if line.kind is not LineKind.OPTION or not _key_renamed(line.key):
            continue
        source = lines[line.line - 1]
        start = line.column - 1
        written = source[start : start + len(line.key.encode("utf-8", "surrogateescape"))]
        if written.decode("utf-8", "surrogateescape") != line.key:
            raise Refused(f"line {line.line}: key `{line.key}` is built by % magic")
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
