"""The catalog and the option-name rules against the real uWSGI 2.0.30 (the pyuwsgi wheel).

* Every option ``uwsgi --dump-options`` lists is in the catalog, as the stored facts say.
* ``uwsgi --strict --ini F --get master`` stops at the first key that is not an option of
  this build and names it; restricted to the build's own option list, the linter must name the
  same key first (or none when uWSGI accepts the file), on the real corpus and on generated
  configs full of typos, ``snake_case``, wrong case, 2.1-only, SSL-only and removed names.

These tests are never skipped in CI: a missing oracle there is a failure.
"""

from __future__ import annotations

import os
import random
import re
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

import pytest
import uwsgi_oracle

from pytest_uwsgi_lint import binary, catalog, engine
from pytest_uwsgi_lint.binary import Build
from pytest_uwsgi_lint.engine import Settings, lint_bytes
from pytest_uwsgi_lint.loader import load
from pytest_uwsgi_lint.reader import LineKind, read_ini
from pytest_uwsgi_lint.suggest import distance

CORPUS = sorted((Path(__file__).parent / "corpus" / "real").glob("*.ini"))
NAME_RULES = ("unknown-option", "option-not-in-version", "strict-with-placeholder")
SANDBOX_ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
GENERATED = 80
COMMENTED_OUT = frozenset({"strict", "plugin", "plugins", "need-plugin", "need-plugins"})
_VERDICT = re.compile(rb"\[strict-mode\] unknown config directive: ([^\n]*)\n")
pytestmark = pytest.mark.oracle


def need_oracle() -> None:
    reason = uwsgi_oracle.unavailable_reason()
    if reason is None:
        return
    if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
        pytest.fail(f"the uWSGI oracle must run in CI: {reason}")
    pytest.skip(reason)


@lru_cache(maxsize=1)
def dumped_options() -> tuple[str, ...]:
    rc, out, err = uwsgi_oracle.run_uwsgi(["--dump-options"])
    assert rc == 0, err
    return tuple(out.decode().split())


def test_dump_options_are_all_in_the_catalog() -> None:
    need_oracle()
    dumped = dumped_options()
    assert len(dumped) == len(set(dumped)) == 942
    assert set(dumped) == catalog.pyuwsgi_options()
    for name in dumped:
        option = catalog.lookup(name)
        assert option is not None and option.present_in("2.0.30"), name


def test_negative_integer_exits(tmp_path: Path) -> None:
    """What value-not-integer says about `processes = -2`, uWSGI does."""
    need_oracle()
    text = "[uwsgi]\nprocesses = -2\n"
    [finding] = engine.lint_text(text, Settings(select=("value-not-integer",)))
    (tmp_path / "f.ini").write_text(text)
    rc, _, err = uwsgi_oracle.run_uwsgi(["--ini", "f.ini", "--get", "master"], cwd=tmp_path)
    quoted = re.search(r"\(`(.*)`\)", finding.message)
    assert quoted is not None
    assert rc == 1 and quoted.group(1).encode() in err


# -- the strict verdict ----------------------------------------------------------------------


def strict_copy(data: bytes) -> bytes | None:
    """``data`` with its own ``strict`` and plugin-loading lines commented out and
    ``strict = true`` appended in a second ``[uwsgi]`` section, so the linter knows what
    ``--strict`` tells uWSGI and neither expects a plugin the sandbox cannot load; None when
    the config is not safe to run or the appended line would not read as its own option."""
    try:
        uwsgi_oracle.check_safe(data)
    except uwsgi_oracle.Refused:
        return None
    lines = data.split(b"\n")
    for line in read_ini(data).lines:
        if line.kind is LineKind.OPTION and line.key in COMMENTED_OUT:
            text = lines[line.line - 1]
            lines[line.line - 1] = text[: line.column - 1] + b";" + text[line.column - 1 :]
    copy = b"\n".join(lines) + b"\n[uwsgi]\nstrict = true\n"
    entries = read_ini(copy).entries
    if not entries or (entries[-1].key, entries[-1].value) != ("strict", "true"):
        return None
    return copy


def uwsgi_verdict(copy: bytes, directory: Path) -> tuple[str, str | None]:
    """``("rejected", key)``, ``("accepted", None)``, or ``("other", None)`` when uWSGI stopped
    for another reason (an include it cannot read, a value it refuses)."""
    directory.mkdir()
    (directory / "config.ini").write_bytes(copy)
    rc, _, err = uwsgi_oracle.run_uwsgi(
        ["--strict", "--ini", "config.ini", "--get", "master"], cwd=directory)
    found = _VERDICT.search(err)
    if found is not None:
        return "rejected", found.group(1).decode("utf-8", "surrogateescape")
    return ("accepted", None) if rc == 0 else ("other", None)


def lint_as_pyuwsgi(monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings that lint against exactly the pyuwsgi build, in the sandbox's environment."""
    build = Build("pyuwsgi", "2.0.30", frozenset(dumped_options()))
    monkeypatch.setattr(binary, "probe", lambda path: build)
    return Settings(select=NAME_RULES, uwsgi_binary="pyuwsgi", env=tuple(SANDBOX_ENV.items()),
                    env_complete=True)


def linter_verdict(copy: bytes, directory: Path, settings: Settings) -> tuple[str | None, bool]:
    """The first key, in uWSGI's export order, that the name rules reject or that is `end`
    (left to the logic rules); and whether every option is certain to be exported."""
    path = str(directory / "config.ini")
    report = lint_bytes(copy, path, settings=settings)
    loaded = load(copy, path, "uwsgi", env=SANDBOX_ENV, env_complete=True)
    flagged = {(f.path, f.line) for f in report.findings}
    certain = all(not e.condition for e in loaded.entries)
    for entry in loaded.entries:
        if (entry.path, entry.line) in flagged or entry.key == "end":
            return entry.key, certain
    return None, certain


def compare(datas: list[bytes], tmp_path: Path, settings: Settings) -> Counter[str]:
    """Both verdicts on every config; mismatches fail, the outcomes are tallied."""
    copies = [strict_copy(data) for data in datas]
    runnable = [(i, c) for i, c in enumerate(copies) if c is not None]
    with ThreadPoolExecutor(max_workers=8) as pool:
        verdicts = list(pool.map(lambda item: uwsgi_verdict(item[1], tmp_path / str(item[0])),
                                 runnable))
    tally: Counter[str] = Counter(refused=len(copies) - len(runnable))
    mismatches = []
    for (index, copy), (outcome, key) in zip(runnable, verdicts):
        ours, certain = linter_verdict(copy, tmp_path / str(index), settings)
        tally[outcome if certain else "conditional"] += 1
        if certain and outcome != "other" and ours != key:
            mismatches.append(f"#{index}: uWSGI {outcome} {key!r}, the linter {ours!r}")
    assert not mismatches, "\n".join(mismatches)
    return tally


def test_strict_verdict_on_the_corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    need_oracle()
    tally = compare([p.read_bytes() for p in CORPUS], tmp_path, lint_as_pyuwsgi(monkeypatch))
    assert tally["rejected"] >= 40 and tally["rejected"] + tally["accepted"] >= 150, tally


# -- generated configs -----------------------------------------------------------------------


def _safe(name: str) -> bool:
    try:
        uwsgi_oracle.check_safe(f"[uwsgi]\n{name} = 1\n".encode())
    except uwsgi_oracle.Refused:
        return False
    renamed = name in uwsgi_oracle.RENAMED_KEYS or name.startswith(uwsgi_oracle.RENAMED_PREFIXES)
    return not renamed


@lru_cache(maxsize=1)
def pools() -> dict[str, list[str]]:
    """Names to mix: plain settings the build has, and names it does not have."""
    built = set(dumped_options())
    options = catalog.options()
    known = sorted(n for n in built if options[n].scalar and not options[n].immediate
                   and _safe(n))
    return {
        "known": known,
        "development": sorted(n for n, o in options.items()
                              if o.in_releases == (catalog.DEVELOPMENT,) and _safe(n)),
        "ssl": sorted(n for n, o in options.items()
                      if o.present_in("2.0.30") and n not in built and o.scalar and _safe(n)),
        "historic": ["cluster", "proxy", "app", "erlang", "grunt"],
    }


def _typo(rng: random.Random, name: str) -> str:
    """One or two slips of the keyboard, kept away from the characters uWSGI treats specially."""
    letters = list(name)
    for _ in range(rng.choice((1, 2))):
        at = rng.randrange(len(letters))
        kind = rng.choice(("drop", "swap", "double", "change"))
        if kind == "drop" and len(letters) > 3:
            del letters[at]
        elif kind == "swap" and at + 1 < len(letters):
            letters[at], letters[at + 1] = letters[at + 1], letters[at]
        elif kind == "double":
            letters.insert(at, letters[at])
        else:
            letters[at] = rng.choice("abcdefghijklmnopqrstuvwxyz")
    return "".join(letters)


def _line(rng: random.Random, clean: bool) -> Iterator[str]:
    kinds = pools()
    known = rng.choice(kinds["known"])
    kind = rng.choice(("known", "set-placeholder") if clean else (
        "known", "known", "known", "typo", "snake", "case", "development", "ssl", "historic",
        "placeholder", "set-placeholder"))
    if kind == "typo":
        yield f"{_typo(rng, known)} = 1"
    elif kind == "snake" and "-" in known:
        yield f"{known.replace('-', '_')} = 1"
    elif kind == "case":
        yield f"{known.capitalize()} = 1"
    elif kind in ("development", "ssl", "historic") and kinds[kind]:
        yield f"{rng.choice(kinds[kind])} = 1"
    elif kind == "placeholder":
        name = f"ph{rng.randrange(100)}"
        yield f"{name} = value"
        yield f"chdir = /srv/%({name})"
    elif kind == "set-placeholder":
        name = f"sp{rng.randrange(100)}"
        yield f"set-placeholder = {name}=value"
        yield f"chdir = /srv/%({name})"
    else:
        yield f"{known} = 1"


def generated(seed: int) -> bytes:
    """A config of 2 to 8 random lines; every fourth one holds only names the build has."""
    rng = random.Random(seed)
    lines = [line for _ in range(rng.randrange(2, 9)) for line in _line(rng, seed % 4 == 0)]
    return ("[uwsgi]\n" + "\n".join(lines) + "\n").encode()


def test_generated_configs_mix_every_kind_of_name() -> None:
    """The generator does produce what the comparison needs: typos near real names, names
    only other builds or versions have, and clean files."""
    need_oracle()
    texts = [generated(seed).decode() for seed in range(GENERATED)]
    keys = [line.split(" = ")[0] for text in texts for line in text.splitlines()[1:]]
    built = set(dumped_options())
    assert any("_" in k for k in keys) and any(k[:1].isupper() for k in keys)
    assert any(k in pools()["development"] for k in keys)
    assert any(k in pools()["ssl"] for k in keys)
    assert any(k not in built and any(distance(k, n, 2) <= 2 for n in pools()["known"])
               for k in keys)


def test_strict_verdict_on_generated_configs(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    need_oracle()
    configs = [generated(seed) for seed in range(GENERATED)]
    tally = compare(configs, tmp_path, lint_as_pyuwsgi(monkeypatch))
    assert tally["rejected"] + tally["accepted"] == GENERATED, tally
    assert tally["accepted"] >= GENERATED // 4, tally
