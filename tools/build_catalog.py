"""Generate ``pytest_uwsgi_lint/catalog/options.json`` from the uWSGI option facts.

The facts in ``tools/uwsgi-facts/`` were extracted from uWSGI's source:

- ``options-2.0.30.json`` and ``options-2.1-dev.json``: every entry of the option tables (core
  and plugins) of release 2.0.30 and of the development branch, with handler, target, flags,
  shortcut and the ``#if`` conditions around it;
- ``first-seen.json``: the 92 release tags in date order;
- ``history.json``: the runs of release tags (in version order) that declare each option name,
  those where its handler is ``uwsgi_opt_deprecated``, and the plugin directories
  (``plugins/NAME``) of every tag. This script writes it with ``--scan``;
- ``pyuwsgi-2.0.30-dump-options.txt``: what the pyuwsgi 2.0.30 wheel's binary lists.

This script only reshapes the facts into the compact form the linter loads; no help text is
copied. Usage::

    python tools/build_catalog.py                       # rewrite the catalog
    python tools/build_catalog.py --check               # exit 1 if the committed catalog is stale
    python tools/build_catalog.py --scan UWSGI_GIT_DIR  # refresh history.json, then rewrite

``--scan`` reads the release tags of a clone of unbit/uwsgi with ``git grep``: an option is
declared where a line holds ``{"name", no_argument`` (or ``required_``/``optional_``, with an
optional ``(char *)`` cast as the C++ plugins write it). On 2.0.30 and on the development
branch this finds exactly the names of the option tables.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
FACTS = Path(__file__).resolve().parent / "uwsgi-facts"
OUTPUT = ROOT / "pytest_uwsgi_lint" / "catalog" / "options.json"

STABLE = "2.0.30"
DEVELOPMENT = "2.1-dev"
DEPRECATED = "uwsgi_opt_deprecated"

#: How uWSGI turns the text of a value into a setting, by handler.
KINDS = {
    "uwsgi_opt_true": "flag",
    "uwsgi_opt_false": "inverse-flag",
    "uwsgi_opt_set_int": "int",
    "uwsgi_opt_set_rawint": "int",
    "uwsgi_opt_set_16bit": "uint",
    "uwsgi_opt_set_64bit": "uint",
    "uwsgi_opt_set_megabytes": "megabytes",
    "uwsgi_opt_set_str": "string",
    "uwsgi_opt_set_str_spaced": "string",
    "uwsgi_opt_logic": "logic",
    "uwsgi_opt_noop": "noop",
    DEPRECATED: "deprecated",
}

#: Handlers that look at the option's name to decide what to do (``route`` and
#: ``final-route`` share handler and target but feed different chains), so sharing a target
#: does not make their options aliases. Checked in the 2.0.30 and development sources; the
#: ``end*`` no-ops have no target at all.
NAME_DISPATCH = frozenset({
    "uwsgi_opt_add_daemon",
    "uwsgi_opt_add_route",
    "uwsgi_opt_add_shared_socket",
    "uwsgi_opt_ini_paste",
    "uwsgi_opt_legion_hook",
    "uwsgi_opt_load_plugin",
    "uwsgi_opt_noop",
    "uwsgi_opt_plshell",
    "uwsgi_opt_pyshell",
    "uwsgi_opt_rbshell",
    "uwsgi_opt_sni",
})

_DECLARATION = re.compile(
    r'\{\s*(?:\(char\s*\*\)\s*)?"([^"]+)"\s*,\s*(?:no|required|optional)_argument'
)
_GREP = r'\{\s*(\(char\s*\*\)\s*)?"[^"]+"\s*,\s*(no|required|optional)_argument'
_SOURCES = ("*.c", "*.h", "*.cc", "*.cpp")


def kind_of(handler: str) -> str:
    """The value kind; any handler that adds to a list accumulates every occurrence."""
    if handler in KINDS:
        return KINDS[handler]
    if "_add_" in handler or handler.endswith("_add"):
        return "list"
    return "special"


def plugin_of(entry: dict[str, Any]) -> str:
    parts = str(entry["file"]).split("/")
    return parts[1] if parts[0] == "plugins" else ""


def flags_of(entry: dict[str, Any]) -> list[str]:
    return sorted({f.strip() for f in str(entry["flags"]).split("|") if f.strip() not in ("", "0")})


def _negate(condition: str) -> str:
    """The condition of an ``#else`` branch, written as the directive it amounts to."""
    test = condition[: -len(" [else]")]
    if test.startswith("#ifdef "):
        return "#ifndef " + test[len("#ifdef "):]
    if test.startswith("#ifndef "):
        return "#ifdef " + test[len("#ifndef "):]
    return f"#if !({test[len('#if '):]})"


def conditions(entries: Sequence[dict[str, Any]]) -> list[str]:
    """The build conditions of a name in one table, merged over its declarations.

    A name declared in both branches of an ``#if``/``#else`` (``mimefile``) or once without
    condition exists in every build; an ``#else``-only declaration (``ugreen``) needs the
    negated test.
    """
    sets = [list(e["cond"]) for e in entries]
    if any(not s for s in sets):
        return []
    seen = {c for s in sets for c in s}
    both = {c for c in seen if c + " [else]" in seen}
    kept = [c for c in sets[0] if c.removesuffix(" [else]") not in both]
    return [_negate(c) if c.endswith(" [else]") else c for c in kept]


def alias_groups(table: Iterable[dict[str, Any]]) -> list[list[str]]:
    """Names uWSGI treats identically: same handler, target and flags, and a handler that
    does not branch on the name (``processes``/``workers``, ``chmod-socket``/``chmod``)."""
    groups: dict[tuple[str, str, str, str], list[str]] = {}
    for entry in table:
        if entry["func"] in NAME_DISPATCH:
            continue
        key = (plugin_of(entry), str(entry["func"]), str(entry["data"]), str(entry["flags"]))
        names = groups.setdefault(key, [])
        if entry["name"] not in names:
            names.append(entry["name"])
    return [names for names in groups.values() if len(names) > 1]


def ranges(present: Iterable[str], order: Sequence[str]) -> list[list[str]]:
    """Runs of consecutive releases (in version order) as ``[first, last]`` pairs."""
    wanted = set(present)
    runs: list[list[str]] = []
    previous = False
    for tag in order:
        if tag in wanted:
            if previous:
                runs[-1][1] = tag
            else:
                runs.append([tag, tag])
        previous = tag in wanted
    return runs


def _by_name(table: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    named: dict[str, list[dict[str, Any]]] = {}
    for entry in table:
        named.setdefault(entry["name"], []).append(entry)
    return named


def _record(entries: Sequence[dict[str, Any]]) -> dict[str, Any]:
    entry = entries[0]
    return {
        "kind": kind_of(entry["func"]),
        "handler": entry["func"],
        "flags": flags_of(entry),
        "plugin": plugin_of(entry),
        "cond": conditions(entries),
        "short": entry["short"].strip("'") if entry["short"] != "0" else "",
    }


def build(facts: Path) -> dict[str, Any]:
    stable = _by_name(json.loads((facts / "options-2.0.30.json").read_text()))
    development = _by_name(json.loads((facts / "options-2.1-dev.json").read_text()))
    tags: list[str] = json.loads((facts / "first-seen.json").read_text())["tags"]
    history = json.loads((facts / "history.json").read_text())
    pyuwsgi = (facts / "pyuwsgi-2.0.30-dump-options.txt").read_text().split()
    order = sorted(tags, key=Version)
    present: dict[str, list[list[str]]] = history["present"]
    deprecated: dict[str, list[list[str]]] = history["deprecated"]

    options: dict[str, dict[str, Any]] = {}
    for name in sorted(set(stable) | set(development)):
        mine = stable.get(name) or development[name]
        record = options[name] = _record(mine)
        record["in"] = [t for t, table in ((STABLE, stable), (DEVELOPMENT, development))
                        if name in table]
        record["releases"] = present.get(name, [])
        record["first"] = record["releases"][0][0] if record["releases"] else DEVELOPMENT
        if name in stable and name in development:
            changed = {k: v for k, v in _record(development[name]).items() if record[k] != v}
            if changed:
                record["dev"] = changed
        stale = list(deprecated.get(name, []))
        if development.get(name, [{}])[0].get("func") == DEPRECATED:
            stale.append([DEVELOPMENT, DEVELOPMENT])
        if stale:
            record["deprecated"] = stale
    for table in (stable, development):
        for names in alias_groups(e for entries in table.values() for e in entries):
            for name in names:
                known = options[name].setdefault("aliases", [])
                known.extend(n for n in names if n != name and n not in known)
    historic = {name: runs for name, runs in sorted(present.items()) if name not in options}
    declaring = {plugin_of(e) for table in (stable, development)
                 for entries in table.values() for e in entries}
    return {
        "releases": order,
        "pyuwsgi-2.0.30": sorted(pyuwsgi),
        "options": options,
        "historic": historic,
        "plugins": sorted((set(history["plugins"]) | declaring) - {""}),
    }


def render(catalog: dict[str, Any]) -> str:
    return json.dumps(catalog, indent=0, sort_keys=True, separators=(",", ":")) + "\n"


def _declared(repo: Path, tag: str) -> dict[str, bool]:
    """Option names declared at ``tag``, each with whether its handler is deprecated there."""
    found = subprocess.run(
        ["git", "-C", str(repo), "grep", "-h", "-E", _GREP, tag, "--", *_SOURCES],
        capture_output=True, text=True, errors="replace", check=False,
    )
    if found.returncode not in (0, 1):
        raise SystemExit(f"git grep failed at {tag}: {found.stderr.strip()}")
    names: dict[str, bool] = {}
    for line in found.stdout.splitlines():
        for name in _DECLARATION.findall(line):
            names[name] = names.get(name, False) or DEPRECATED in line
    return names


def _plugin_directories(repo: Path, tag: str) -> list[str]:
    """The plugins the source tree bundles at ``tag`` (its ``plugins/NAME`` directories)."""
    found = subprocess.run(
        ["git", "-C", str(repo), "ls-tree", "-d", "--name-only", tag, "plugins/"],
        capture_output=True, text=True, errors="replace", check=False,
    )
    if found.returncode != 0:
        raise SystemExit(f"git ls-tree failed at {tag}: {found.stderr.strip()}")
    return [line.split("/", 1)[1] for line in found.stdout.splitlines()]


def scan(repo: Path, facts: Path) -> None:
    """Rewrite ``history.json`` from the release tags of a uWSGI git clone."""
    tags: list[str] = json.loads((facts / "first-seen.json").read_text())["tags"]
    present: dict[str, list[str]] = {}
    deprecated: dict[str, list[str]] = {}
    plugins: set[str] = set()
    for tag in sorted(tags, key=Version):
        for name, stale in _declared(repo, tag).items():
            present.setdefault(name, []).append(tag)
            if stale:
                deprecated.setdefault(name, []).append(tag)
        plugins.update(_plugin_directories(repo, tag))
    order = sorted(tags, key=Version)
    history: dict[str, Any] = {
        kind: {name: ranges(releases, order) for name, releases in table.items()}
        for kind, table in (("present", present), ("deprecated", deprecated))
    }
    history["plugins"] = sorted(plugins)
    (facts / "history.json").write_text(render(history))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--facts", type=Path, default=FACTS)
    parser.add_argument("--check", action="store_true", help="fail if the catalog is stale")
    parser.add_argument("--scan", type=Path, metavar="UWSGI_GIT_DIR",
                        help="refresh history.json from the release tags of a uWSGI clone")
    args = parser.parse_args(argv)
    if args.scan:
        scan(args.scan, args.facts)
    text = render(build(args.facts))
    if args.check:
        if OUTPUT.read_text() != text:
            print(f"{OUTPUT.relative_to(ROOT)} is stale: run python tools/build_catalog.py")
            return 1
        return 0
    OUTPUT.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
