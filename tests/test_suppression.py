"""Suppression comments at scale: a comment line may name a rule, or made-up rules, a million
times; the work stays linear and the findings about it stay bounded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_uwsgi_lint import fingerprint, suppression
from pytest_uwsgi_lint.engine import (
    MAX_HITS_PER_RULE,
    MAX_HITS_READ,
    Settings,
    _bounded,
    lint_text,
)
from pytest_uwsgi_lint.findings import Hit
from pytest_uwsgi_lint.reader import read_ini
from pytest_uwsgi_lint.registry import find_rule

ALL = Settings(select=("ALL",))


def test_a_name_repeated_in_a_suppression_counts_once() -> None:
    ini = read_ini(b"[uwsgi]\n; uwsgi-lint: disable-file=" + b"UWC002," * 1_000 + b"UWC005\n")
    [found] = suppression.parse(ini)
    assert found.names == ["UWC002", "UWC005"] and found.target_line is None


def test_suppressions_silence_by_line_and_file_whatever_their_order() -> None:
    text = ("[uwsgi]\nmaster = true\n; uwsgi-lint: disable=unknown-option\nmastr = 1\n"
            "; uwsgi-lint: disable-file=UWC005\nprocesses = 4k\nmastr2 = 1\n")
    found = {(f.name, f.line) for f in lint_text(text, ALL)}
    assert ("unknown-option", 7) in found  # not the line the first comment names
    assert ("unknown-option", 4) not in found and not any(n == "value-not-integer"
                                                          for n, _ in found)


def test_every_suppression_that_silences_a_finding_is_used_once_looked_up() -> None:
    """Suppressions are looked up by line and name, not scanned per finding (90,000
    file-wide ones and 8,000 findings took over a minute): each one that names a silenced
    finding, by name or code, however many share it, counts as used."""
    lines = "; uwsgi-lint: disable-file=UWC002\n" * 3 + "; uwsgi-lint: disable=value-not-integer\n"
    text = f"[uwsgi]\nmaster = true\n{lines}processes = 4k\nmastr = 1\nmastr2 = 1\n"
    found = lint_text(text, ALL)
    assert not {f.name for f in found} & {"unknown-option", "value-not-integer",
                                          "unused-suppression"}


def test_made_up_names_in_a_suppression_give_a_bounded_number_of_findings() -> None:
    names = ",".join(f"made-up-{n}" for n in range(20_000))
    findings = lint_text(f"[uwsgi]\nmaster = true\n; uwsgi-lint: disable={names}\nx = 1\n", ALL)
    unused = [f for f in findings if f.name == "unused-suppression"]
    assert len(unused) == MAX_HITS_PER_RULE + 1
    assert sum("the rest, from here on, are not listed" in f.message for f in unused) == 1


def test_one_line_is_hashed_once_for_all_its_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "app.ini"
    names = ",".join(f"made-up-{n}" for n in range(3_000))
    path.write_text(f"[uwsgi]\nmaster = true\n; uwsgi-lint: disable={names}\nx = 1\n")
    findings = [f for f in lint_text(path.read_text(), ALL, str(path))
                if f.name == "unused-suppression"]
    calls: list[int] = []
    original = fingerprint.line_text

    def counting(lines: list[bytes], line: int) -> bytes:
        calls.append(line)
        return original(lines, line)

    monkeypatch.setattr(fingerprint, "line_text", counting)
    printed = fingerprint.fingerprints(findings)
    assert calls == [3]
    assert [p.rpartition(":")[2] for _, p in printed] == [str(n) for n in range(1, 1_002)]


def test_the_bound_on_findings_counts_distinct_ones() -> None:
    """A rule may repeat one finding: 1,100 `cron2` items naming 100 made-up keys are 100
    findings, with no word of a bound."""
    items = ",".join(f"made-up-{n % 100}=1" for n in range(1_100))
    findings = lint_text(f"[uwsgi]\nmaster = true\ncron2 = minute=0,{items} true\n", ALL)
    unknown = [f for f in findings if f.name == "cron-unknown-key"]
    assert len(unknown) == 100 and not any("not listed" in f.message for f in unknown)


def test_a_rule_repeating_one_finding_is_read_a_bounded_number_of_times() -> None:
    rule = find_rule("unknown-option")
    assert rule is not None
    read: list[int] = []

    def repeating() -> Iterator[Hit]:
        for n in range(10 * MAX_HITS_READ):
            read.append(n)
            yield Hit("the same thing", 2, 1)

    found = _bounded(rule, repeating(), "app.ini")
    assert [f.message for f in found] == [
        "the same thing",
        "this rule stopped after 1 finding in this config (repeats aside): the rest, from "
        "here on, are not listed"]
    assert len(read) == MAX_HITS_READ
