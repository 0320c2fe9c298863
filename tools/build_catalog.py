"""Generate ``pytest_uwsgi_lint/catalog/options.json`` from the uWSGI option facts.

The facts in ``tools/uwsgi-facts/`` were extracted from the uWSGI source tables (2.0.30 and the
2.1 development branch) and from the release tags; this script only reshapes them into the
compact form the linter loads. No help text is copied. Run it after updating the facts:

    python tools/build_catalog.py            # rewrite the catalog
    python tools/build_catalog.py --check    # exit 1 if the committed catalog is stale
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FACTS = Path(__file__).resolve().parent / "uwsgi-facts"
OUTPUT = ROOT / "pytest_uwsgi_lint" / "catalog" / "options.json"

MASTER_FLAGS = ("UWSGI_OPT_MASTER", "UWSGI_OPT_LOG_MASTER", "UWSGI_OPT_REQ_LOG_MASTER")
DEVELOPMENT = "2.1-dev"

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
    "uwsgi_opt_deprecated": "deprecated",
}


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


def alias_key(entry: dict[str, Any]) -> tuple[str, str, str] | None:
    """Entries sharing handler and target are aliases (``processes``/``workers``)."""
    if entry["data"] in ("NULL", "0"):
        return None
    return (plugin_of(entry), str(entry["func"]), str(entry["data"]))


def build(facts: Path) -> dict[str, Any]:
    stable = json.loads((facts / "options-2.0.30.json").read_text())
    development = json.loads((facts / "options-2.1-dev.json").read_text())
    history = json.loads((facts / "first-seen.json").read_text())
    pyuwsgi = (facts / "pyuwsgi-2.0.30-dump-options.txt").read_text().split()
    first_seen: dict[str, str] = history["first_seen"]

    options: dict[str, dict[str, Any]] = {}
    for release, table in (("2.0.30", stable), (DEVELOPMENT, development)):
        for entry in table:
            name = entry["name"]
            record = options.get(name)
            if record is None:
                record = options[name] = {
                    "kind": kind_of(entry["func"]),
                    "handler": entry["func"],
                    "flags": flags_of(entry),
                    "plugin": plugin_of(entry),
                    "cond": [c for c in entry["cond"] if "[else]" not in c],
                    "first": first_seen.get(name, DEVELOPMENT),
                    "short": entry["short"].strip("'") if entry["short"] != "0" else "",
                    "in": [],
                }
            if release not in record["in"]:
                record["in"].append(release)
            if release == DEVELOPMENT and entry["func"] == "uwsgi_opt_deprecated":
                record["deprecated"] = DEVELOPMENT
    groups: dict[tuple[str, str, str], list[str]] = {}
    for entry in stable + development:
        key = alias_key(entry)
        if key is not None and entry["name"] not in groups.setdefault(key, []):
            groups[key].append(entry["name"])
    for names in groups.values():
        if len(names) > 1:
            for name in names:
                options[name]["aliases"] = [n for n in names if n != name]
    return {
        "releases": history["tags"],
        "pyuwsgi-2.0.30": sorted(pyuwsgi),
        "options": dict(sorted(options.items())),
    }


def render(catalog: dict[str, Any]) -> str:
    return json.dumps(catalog, indent=0, sort_keys=True, separators=(",", ":")) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facts", type=Path, default=FACTS)
    parser.add_argument("--check", action="store_true", help="fail if the catalog is stale")
    args = parser.parse_args(argv)
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
