"""Ask the user's own uWSGI binary which version it is and which options its build has.

Only two commands are ever run, ``PATH --version`` and ``PATH --dump-options``, with no config
and without any ``UWSGI_*`` variable in the environment (uWSGI turns those into options). The
answer is cached in the user cache directory under the binary's path, size and modification
time, so a rebuilt or replaced binary is asked again and an unchanged one never twice.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from packaging.version import Version

TIMEOUT = 60
_CACHE_FORMAT = 1
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


def _cache_file(path: str, stat: os.stat_result) -> Path:
    key = f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}".encode("utf-8", "surrogateescape")
    return cache_dir() / f"binary-{hashlib.sha256(key).hexdigest()[:32]}.json"


def _load_cached(file: Path, path: str, stat: os.stat_result) -> Build | None:
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        if (data["format"], data["path"], data["size"], data["mtime_ns"]) != (
            _CACHE_FORMAT, path, stat.st_size, stat.st_mtime_ns
        ):
            return None
        return Build(path, str(data["version"]), frozenset(map(str, data["options"])))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _store(file: Path, build: Build, stat: os.stat_result) -> None:
    """Write the cache entry atomically; a cache that cannot be written is no error."""
    data = {
        "format": _CACHE_FORMAT,
        "path": build.path,
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
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


def probe(path: str) -> Build:
    """The version and option list of the uWSGI binary at ``path`` (a path or a command name
    looked up in ``PATH``), from the cache when the binary has not changed."""
    located = _locate(path)
    stat = os.stat(located)
    file = _cache_file(located, stat)
    cached = _load_cached(file, located, stat)
    if cached is not None:
        return cached
    build = _ask_binary(located)
    _store(file, build, stat)
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
