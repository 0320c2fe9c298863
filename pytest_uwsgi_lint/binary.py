"""Ask the user's own uWSGI binary which version it is and which options its build has.

Only two commands are ever run, ``PATH --version`` and ``PATH --dump-options``, with no config
and without any ``UWSGI_*`` variable in the environment (uWSGI turns those into options).

The answer is kept for the life of the process, and for a native executable (ELF or Mach-O)
also in the user cache directory, keyed on what actually runs: the file's real path (symlinks
such as ``current -> releases/N`` or Debian alternatives resolved) and its device, inode,
size, modification and change times, so a switched, replaced or rewritten binary is asked
again. Anything else, above all a ``#!`` script (a pyenv or asdf shim, an ``exec
.../uwsgi "$@"`` wrapper, pyuwsgi's entry point), can start another uWSGI tomorrow without
changing itself, so it is asked again on every run.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from packaging.version import Version

TIMEOUT = 60
_CACHE_FORMAT = 2
# ELF, then Mach-O (32 and 64 bits, both byte orders, universal).
_NATIVE_MAGIC = frozenset({
    b"\x7fELF",
    b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
})
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")
_VERSION = re.compile(r"^(\d+(?:\.\d+)+)(.*)$")


class BinaryError(ValueError):
    """The binary could not be asked; the message says why, in the user's terms."""


@dataclass(frozen=True)
class Build:
    """What one uWSGI binary reported about itself."""

    path: str
    version_text: str
    options: frozenset[str]

    @property
    def version(self) -> Version:
        return parse_reported_version(self.version_text)


def parse_reported_version(text: str) -> Version:
    """``2.0.30``, ``2.0.21-debian`` or ``2.1-dev-6cbb2177`` as a comparable version."""
    found = _VERSION.match(text.strip())
    if found is None:
        raise BinaryError(f"reported version {text!r}, which is not a uWSGI version")
    number, rest = found.groups()
    if "dev" in rest:
        return Version(f"{number}.dev0")
    return Version(number)


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/pytest-uwsgi-lint``, or ``~/.cache/pytest-uwsgi-lint``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "pytest-uwsgi-lint"


def clean_environment() -> dict[str, str]:
    """This process's environment without the variables uWSGI would read as options."""
    return {k: v for k, v in os.environ.items() if not k.upper().startswith("UWSGI_")}


def _locate(path: str) -> str:
    found = path if os.sep in path else shutil.which(path)
    if found is None or not os.path.exists(found):
        raise BinaryError(f"{path} does not exist")
    if os.path.isdir(found) or not os.access(found, os.X_OK):
        raise BinaryError(f"{found} is not an executable file")
    return os.path.abspath(found)


def _ask(path: str, flag: str) -> str:
    try:
        done = subprocess.run(
            [path, flag],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            env=clean_environment(),
            timeout=TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise BinaryError(f"{path} {flag} did not finish within {TIMEOUT} seconds") from None
    except OSError as error:
        raise BinaryError(f"{path} could not be run: {error.strerror or error}") from None
    output = done.stdout.decode("utf-8", "replace")
    if done.returncode != 0 or not output.strip():
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
        raise BinaryError(
            f"{path} {flag} failed (exit status {done.returncode})"
            + (f": {detail[0]}" if detail else "")
        )
    return output


def _ask_binary(path: str) -> Build:
    version = _ask(path, "--version").strip().splitlines()[0].strip()
    parse_reported_version(version)
    names = [line.strip() for line in _ask(path, "--dump-options").splitlines() if line.strip()]
    if not all(_NAME.match(n) for n in names):
        raise BinaryError(f"{path} --dump-options printed something that is not an option list")
    return Build(path, version, frozenset(names))


@dataclass(frozen=True)
class _Identity:
    """Which file would run, and whether its answer may outlive the process."""

    real_path: str
    # device, inode, size, mtime_ns and ctime_ns: the change time is the one field a rewrite
    # in place cannot set back, as os.utime does the modification time.
    fields: tuple[int, ...]
    native: bool


def _is_native(real_path: str, mode: int) -> bool:
    """Whether the file is a compiled executable, which runs itself rather than another."""
    if not stat.S_ISREG(mode):
        return False
    try:
        with open(real_path, "rb") as handle:
            return handle.read(4) in _NATIVE_MAGIC
    except OSError:
        return False


def _identify(located: str) -> _Identity:
    real_path = os.path.realpath(located)
    try:
        found = os.stat(real_path)
    except OSError as error:
        raise BinaryError(f"{located} could not be examined: {error.strerror or error}") from None
    fields = (found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns)
    return _Identity(real_path, fields, _is_native(real_path, found.st_mode))


def _cache_file(identity: _Identity) -> Path:
    key = "\0".join([identity.real_path, *map(str, identity.fields)])
    digest = hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()
    return cache_dir() / f"binary-{digest[:32]}.json"


def _load_cached(file: Path, path: str, identity: _Identity) -> Build | None:
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        if (data["format"], data["real_path"], data["identity"]) != (
            _CACHE_FORMAT, identity.real_path, list(identity.fields)
        ):
            return None
        return Build(path, str(data["version"]), frozenset(map(str, data["options"])))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _store(file: Path, build: Build, identity: _Identity) -> None:
    """Write the cache entry atomically; a cache that cannot be written is no error."""
    data = {
        "format": _CACHE_FORMAT,
        "real_path": identity.real_path,
        "identity": list(identity.fields),
        "version": build.version_text,
        "options": sorted(build.options),
    }
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=file.parent, prefix=".binary-", suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
        os.replace(temporary, file)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)


def _cached_or_asked(located: str, identity: _Identity) -> Build:
    """A native binary's answer from an earlier run, else the binary's own answer."""
    if not identity.native:
        return _ask_binary(located)
    file = _cache_file(identity)
    cached = _load_cached(file, located, identity)
    if cached is not None:
        return cached
    build = _ask_binary(located)
    _store(file, build, identity)
    return build


# The answers of this process, by the path named and the identity of the file it runs.
_PROBED: dict[tuple[str, _Identity], Build] = {}


def probe(path: str) -> Build:
    """The version and option list of the uWSGI binary at ``path`` (a path or a command name
    looked up in ``PATH``), asked once per process; a native binary's answer also serves
    later runs while the file is unchanged."""
    located = _locate(path)
    key = (located, _identify(located))
    build = _PROBED.get(key)
    if build is None:
        build = _PROBED[key] = _cached_or_asked(*key)
    return build


__all__ = [
    "TIMEOUT",
    "BinaryError",
    "Build",
    "cache_dir",
    "clean_environment",
    "parse_reported_version",
    "probe",
]
