"""Benchmarks of uwsgi-lint, printed as ratios measured in one run.

Usage: ``python benchmarks/run.py [--quick] [--seed N] [--only a,b,...] [--reps N]``

The machine this runs on may be shared and noisy, so every case measures its baseline and its
subject interleaved, several times, and reports the medians and the median of the paired
ratios (subject / baseline) next to the load average. Nothing here asserts a time.

Cases:

(a) linting N files in-process vs the stdlib ``configparser`` merely parsing them;
(b) ``pytest --uwsgi-lint`` on N files vs pytest running one empty item per file;
(c) a cached ``pytest --uwsgi-lint`` re-run vs the cold run that filled the cache, and (c')
    vs the empty items of (b);
(d) ``pytest --uwsgi-lint -n 2`` (pytest-xdist) vs serial;
(e) in-process linting of N vs 10 N files, each in a fresh process: time per file and peak
    resident memory;
(f) the ``uwsgi-lint`` command on N files vs ``uwsgi --strict --ini F --get master`` run
    once per file (the real uWSGI; per-file times).
"""

from __future__ import annotations

import argparse
import configparser
import importlib.util
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from configs import generate, unsafe_text  # noqa: E402

CASES = "abcdef"
TARGETS = {"a": 0.75, "b": 1.3, "c": 0.5, "e-time": 1.2, "e-memory": 1.2}


@dataclass(frozen=True)
class Plan:
    files: int
    reps: int
    uwsgi_files: int
    seed: int


@dataclass(frozen=True)
class Row:
    case: str
    what: str
    baseline: str
    subject: str
    ratio: float | None
    note: str = ""

    def verdict(self) -> str:
        target = TARGETS.get(self.case)
        if target is None or self.ratio is None:
            return ""
        return f"<= {target:g} {'ok' if self.ratio <= target else 'MISS'}"


def _seconds(value: float) -> str:
    if value >= 1:
        return f"{value:.2f} s"
    if value >= 1e-3:
        return f"{value * 1e3:.2f} ms"
    return f"{value * 1e6:.0f} us"


def _clock(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def interleaved(
    baseline: Callable[[], object], subject: Callable[[], object], reps: int
) -> tuple[list[float], list[float]]:
    """Times of ``reps`` runs of each, alternating which goes first."""
    base: list[float] = []
    subj: list[float] = []
    for rep in range(reps):
        if rep % 2:
            subj.append(_clock(subject))
            base.append(_clock(baseline))
        else:
            base.append(_clock(baseline))
            subj.append(_clock(subject))
    return base, subj


def paired_ratio(base: Sequence[float], subj: Sequence[float]) -> float:
    return statistics.median(s / b for b, s in zip(base, subj))


def timed_row(case: str, what: str, base: Sequence[float], subj: Sequence[float],
              per: int = 1, note: str = "") -> Row:
    return Row(case, what, _seconds(statistics.median(base) / per),
               _seconds(statistics.median(subj) / per), paired_ratio(base, subj), note)


# -- the cases ----------------------------------------------------------------------------


def case_a(paths: list[Path], warm: list[Path], plan: Plan) -> Row:
    """In-process: every selected rule over each file vs configparser reading it."""
    from pytest_uwsgi_lint.engine import Settings, lint_source

    settings = Settings()
    errors: list[configparser.Error] = []

    def parse(files: list[Path]) -> None:
        errors.clear()
        for path in files:
            parser = configparser.ConfigParser(interpolation=None, strict=False)
            try:
                parser.read(path, encoding="utf-8")
            except configparser.Error as error:
                errors.append(error)

    def lint(files: list[Path]) -> None:
        for path in files:
            lint_source(str(path), settings)

    parse(warm)
    lint(warm)  # imports the rules and loads the catalog: a one-off, not per file
    base, subj = interleaved(lambda: parse(paths), lambda: lint(paths), plan.reps)
    note = f"{len(settings.rules)} rules; configparser refused {len(errors)} files"
    return timed_row("a", f"lint vs configparser, {len(paths)} files, per file",
                     base, subj, len(paths), note)


def child_env(bytecode: Path) -> dict[str, str]:
    """The environment of the measured processes: no pytest or uWSGI settings from outside,
    this directory importable (the baseline plugin), and bytecode cached in ``bytecode`` as
    in any installed package, even where ``PYTHONDONTWRITEBYTECODE`` is set."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST_", "UWSGI_")) and k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(HERE), env.get("PYTHONPATH"))))
    env["PYTHONPYCACHEPREFIX"] = str(bytecode)
    return env


# pytest runs with no plugin loaded from entry points (``PYTEST_DISABLE_PLUGIN_AUTOLOAD``): each
# side names its one plugin, so the ratios show what linting adds to pytest itself rather
# than to whatever else is installed (a plugin that is slow to import shrinks the ratio).
LINT = ("-p", "pytest_uwsgi_lint.plugin", "--uwsgi-lint")
EMPTY = ("-p", "baseline_plugin")
NO_CACHE = ("-p", "no:cacheprovider")
XDIST = ("-p", "xdist.plugin", "-n", "2")


def _pytest(args: Sequence[str], directory: str, cwd: Path, ok: Sequence[int] = (0, 1)) -> None:
    """Run pytest on one directory; it must run one item per file there."""
    command = [sys.executable, "-m", "pytest", "-q", *args, directory]
    env = {**child_env(cwd / "bytecode"), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    summary = done.stdout.rstrip().rpartition("\n")[2]
    items = sum(int(n) for n in re.findall(r"(\d+) (?:passed|failed)", summary))
    files = sum(1 for _ in (cwd / directory).rglob("*.ini"))
    if done.returncode not in ok or items != files:
        raise RuntimeError(f"{' '.join(command)} exited {done.returncode} with {items} items "
                           f"for {files} files:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")


def case_b(root: Path, plan: Plan) -> Row:
    base, subj = interleaved(partial(_pytest, [*NO_CACHE, *EMPTY], "configs", root, (0,)),
                             partial(_pytest, [*NO_CACHE, *LINT], "configs", root), plan.reps)
    return timed_row("b", f"pytest --uwsgi-lint vs empty items, {plan.files} files", base, subj)


def case_c(root: Path, plan: Plan) -> list[Row]:
    """The cached re-run against the cold run, and against the empty items of (b): (b) at
    most 1.3 and (c) at most 0.5 together need a cached run at most 0.65 times the empty one,
    which the second row measures."""
    cold: list[float] = []
    cached: list[float] = []
    empty: list[float] = []
    for rep in range(plan.reps):
        cache = root / f"cache{rep}"
        args = ["-o", f"cache_dir={cache}", *LINT]
        empty.append(_clock(partial(_pytest, [*NO_CACHE, *EMPTY], "configs", root, (0,))))
        cold.append(_clock(partial(_pytest, args, "configs", root)))
        cached.append(_clock(partial(_pytest, args, "configs", root)))
        shutil.rmtree(cache, ignore_errors=True)
    return [
        timed_row("c", f"cached re-run vs cold run, {plan.files} files", cold, cached,
                  note="passes and failures are both replayed from the cache"),
        timed_row("c'", f"cached re-run vs empty items, {plan.files} files", empty, cached,
                  note="targets (b) and (c) both met would put this at 0.65 or less"),
    ]


def case_d(root: Path, plan: Plan) -> Row:
    if importlib.util.find_spec("xdist") is None:
        return Row("d", "-n 2 vs serial", "-", "-", None, "skipped: pytest-xdist is missing")
    serial = [*NO_CACHE, *LINT]
    base, subj = interleaved(partial(_pytest, serial, "configs", root),
                             partial(_pytest, [*serial, *XDIST], "configs", root), plan.reps)
    return timed_row("d", f"-n 2 vs serial, {plan.files} files", base, subj,
                     note=f"{os.cpu_count()} CPUs")


def lint_worker(directory: str) -> None:
    """Run in a fresh process by case (e): lint a tree, print time and peak memory."""
    from pytest_uwsgi_lint.engine import lint_paths, lint_source

    lint_source(str(next(Path(directory).rglob("*.ini"))))  # one-off imports and catalog
    start = time.perf_counter()
    findings = lint_paths([directory])
    seconds = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    files = sum(1 for _ in Path(directory).rglob("*.ini"))
    print(json.dumps({"seconds": seconds, "files": files, "peak_kib": peak_kib,
                      "findings": len(findings)}))


def _lint_in_fresh_process(directory: Path, root: Path) -> dict[str, float]:
    command = [sys.executable, str(Path(__file__).resolve()), "--lint-worker", str(directory)]
    done = subprocess.run(command, env=child_env(root / "bytecode"), capture_output=True,
                          text=True, check=True)
    result: dict[str, float] = json.loads(done.stdout)
    return result


def case_e(root: Path, plan: Plan) -> list[Row]:
    large = root / "large"
    generate(large, plan.files * 10, plan.seed)
    small: list[dict[str, float]] = []
    big: list[dict[str, float]] = []
    for rep in range(plan.reps):
        order = (small, big) if rep % 2 == 0 else (big, small)
        for runs in order:
            runs.append(_lint_in_fresh_process(root / "configs" if runs is small else large, root))
    per_small = [r["seconds"] / r["files"] for r in small]
    per_big = [r["seconds"] / r["files"] for r in big]
    mem_small = [r["peak_kib"] for r in small]
    mem_big = [r["peak_kib"] for r in big]
    sizes = f"{int(small[0]['files'])} vs {int(big[0]['files'])} files"
    return [
        timed_row("e-time", f"time per file, {sizes}", per_small, per_big),
        Row("e-memory", f"peak RSS, {sizes}", f"{statistics.median(mem_small) / 1024:.1f} MiB",
            f"{statistics.median(mem_big) / 1024:.1f} MiB", paired_ratio(mem_small, mem_big),
            "whole process: interpreter, catalog, rules and the findings returned"),
    ]


def _cli(directory: str, root: Path) -> None:
    """The ``uwsgi-lint`` command installed beside this Python, on one directory."""
    found = shutil.which("uwsgi-lint", path=str(Path(sys.executable).parent))
    command = [found] if found else [sys.executable, "-m", "pytest_uwsgi_lint"]
    done = subprocess.run([*command, directory], cwd=root, env=child_env(root / "bytecode"),
                          capture_output=True, check=False)
    if done.returncode not in (0, 1):
        raise RuntimeError(f"uwsgi-lint exited {done.returncode}: {done.stderr[-2000:]!r}")


def find_uwsgi() -> str | None:
    beside = Path(sys.executable).parent / "uwsgi"
    return str(beside) if beside.is_file() else shutil.which("uwsgi")


def case_f(root: Path, paths: list[Path], plan: Plan) -> Row:
    uwsgi = find_uwsgi()
    if uwsgi is None:
        return Row("f", "uwsgi-lint vs uwsgi --get", "-", "-", None, "skipped: no uwsgi binary")
    sample = paths[: plan.uwsgi_files]
    unsafe = [f"{p}: {line}" for p in sample for line in unsafe_text(p.read_text())]
    if unsafe:  # the generator promises otherwise; never run uWSGI on such a file
        raise RuntimeError("refusing to run uwsgi on: " + "; ".join(unsafe[:5]))
    empty = root / "empty-cwd"
    empty.mkdir(exist_ok=True)
    clean_env = {"PATH": os.environ.get("PATH", os.defpath)}  # no UWSGI_* options

    def ask_uwsgi() -> None:
        for path in sample:
            subprocess.run([uwsgi, "--strict", "--ini", str(path), "--get", "master"],
                           cwd=empty, env=clean_env, stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=60, check=False)

    base, subj = interleaved(ask_uwsgi, partial(_cli, "configs", root), plan.reps)
    per_base = [t / len(sample) for t in base]
    per_subj = [t / plan.files for t in subj]
    return timed_row("f", f"uwsgi-lint on {plan.files} files vs uwsgi per file ({len(sample)}),"
                     " per file", per_base, per_subj)


# -- the table ----------------------------------------------------------------------------


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def print_table(rows: Sequence[Row]) -> None:
    header = ("case", "what", "baseline", "subject", "ratio", "target")
    table = [header] + [
        (r.case, r.what, r.baseline, r.subject,
         "-" if r.ratio is None else f"{r.ratio:.2f}", r.verdict())
        for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    for r in rows:
        if r.note:
            print(f"  ({r.case}) {r.note}")


def warm_up(root: Path, only: str) -> None:
    """Run each kind of measured process once on other files, so that every measured run
    finds its bytecode cached as a user's installed packages do."""
    if set(only) & set("bcd"):
        _pytest([*NO_CACHE, *EMPTY], "warm-up", root, (0,))
        _pytest([*NO_CACHE, *LINT], "warm-up", root)
    if "d" in only and importlib.util.find_spec("xdist") is not None:
        _pytest([*NO_CACHE, *LINT, *XDIST], "warm-up", root)
    if "e" in only:
        _lint_in_fresh_process(root / "warm-up", root)
    if "f" in only:
        _cli("warm-up", root)


def run(plan: Plan, only: str) -> list[Row]:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="uwsgi-lint-bench-") as temp:
        root = Path(temp)
        (root / "pytest.ini").write_text("[pytest]\n")  # pytest's rootdir: not the project's
        paths = generate(root / "configs", plan.files, plan.seed)
        warm = generate(root / "warm-up", 25, plan.seed + 1)
        warm_up(root, only)
        if "a" in only:
            rows.append(case_a(paths, warm, plan))
        if "b" in only:
            rows.append(case_b(root, plan))
        if "c" in only:
            rows.extend(case_c(root, plan))
        if "d" in only:
            rows.append(case_d(root, plan))
        if "e" in only:
            rows.extend(case_e(root, plan))
        if "f" in only:
            rows.append(case_f(root, paths, plan))
    return rows


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="small sizes and two repetitions: a smoke test, not a measurement")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated configs")
    parser.add_argument("--only", default=CASES, help="comma-separated cases to run (a-f)")
    parser.add_argument("--reps", type=int, help="repetitions per case (default 3, quick 2)")
    parser.add_argument("--lint-worker", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.only = args.only.replace(",", "").replace(" ", "")
    if not args.only or set(args.only) - set(CASES):
        parser.error(f"--only takes cases among {', '.join(CASES)}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.lint_worker:
        lint_worker(args.lint_worker)
        return 0
    plan = Plan(files=50 if args.quick else 1000, reps=args.reps or (2 if args.quick else 3),
                uwsgi_files=10 if args.quick else 100, seed=args.seed)
    print(f"uwsgi-lint benchmarks: seed {plan.seed}, {plan.files} files, {plan.reps} repetitions,"
          f" Python {platform.python_version()}, {os.cpu_count()} CPUs, load average {_load()}")
    rows = run(plan, args.only)
    print_table(rows)
    print(f"ratio = median over repetitions of subject/baseline; load average now {_load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
