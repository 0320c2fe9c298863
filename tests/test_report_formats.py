"""SARIF that GitHub code scanning accepts, GitHub workflow annotations, and file names no
format can carry as they are."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes

import jsonschema
import pytest

from pytest_uwsgi_lint.engine import Settings, lint_paths
from pytest_uwsgi_lint.findings import Finding
from pytest_uwsgi_lint.registry import all_rules
from pytest_uwsgi_lint.report import format_github, format_json, format_sarif, format_text

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())
BAD = "[uwsgi]\nmodule = app\nmaster = false ; off\ninclude = exec://cat x.ini\n"


@pytest.fixture
def findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Finding]:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "app.ini").write_text(BAD)
    found = lint_paths(["configs"], Settings())
    assert found
    return found


def _sarif(findings: list[Finding]) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(format_sarif(findings, all_rules(), "0.1.0"))
    return document


def test_sarif_validates_against_the_official_schema(findings: list[Finding]) -> None:
    jsonschema.validate(_sarif(findings), SCHEMA)


def test_sarif_has_every_field_github_requires(findings: list[Finding]) -> None:
    document = _sarif(findings)
    assert document["$schema"] and document["version"] == "2.1.0"
    run = document["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] and driver["rules"]
    ids = [rule["id"] for rule in driver["rules"]]
    assert len(ids) == len(set(ids)) == len(all_rules())
    for rule in driver["rules"]:
        for field in ("shortDescription", "fullDescription", "help"):
            assert rule[field]["text"].strip(), (rule["id"], field)
        assert rule["help"]["markdown"].startswith("## What it does")
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
        assert len(rule["properties"]["tags"]) <= 20
        if "security" in rule["properties"]["tags"]:
            assert 0.1 <= float(rule["properties"]["security-severity"]) <= 10.0
    assert len(run["results"]) == len(findings)
    for result in run["results"]:
        assert result["message"]["text"]
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == "configs/app.ini"
        region = location["region"]
        assert region["startLine"] >= 1 and region["endLine"] >= region["startLine"]
        assert region["startColumn"] >= 1 and region["endColumn"] >= 1
        assert result["partialFingerprints"]["primaryLocationLineHash"]


def test_sarif_fingerprints_survive_moved_lines(tmp_path: Path, findings: list[Finding]) -> None:
    before = {r["ruleId"]: r["partialFingerprints"] for r in _sarif(findings)["runs"][0]["results"]}
    (tmp_path / "configs" / "app.ini").write_text("; a new comment\n\n" + BAD)
    moved = lint_paths(["configs"], Settings())
    after = {r["ruleId"]: r["partialFingerprints"] for r in _sarif(moved)["runs"][0]["results"]}
    assert before == after
    assert [f.line for f in moved] != [f.line for f in findings]


def test_github_annotations(findings: list[Finding]) -> None:
    lines = format_github(findings).splitlines()
    assert len(lines) == len(findings)
    first = findings[0]
    assert lines[0].startswith(
        f"::{ {'error': 'error', 'warning': 'warning', 'info': 'notice'}[first.severity.value]} "
        f"file=configs/app.ini,line={first.line},col={first.column},endLine={first.end_line},"
    )
    assert f"title={first.code} {first.name}::" in lines[0]


def test_github_annotation_escaping() -> None:
    from pytest_uwsgi_lint.findings import Severity

    finding = Finding("a,b:c.ini", 1, 1, 1, 2, "UWC001", "inline-comment", Severity.WARNING,
                      "100% sure\nsecond line")
    line = format_github([finding])
    assert "file=a%2Cb%3Ac.ini" in line
    assert line.endswith("::100%25 sure\\nsecond line")


def test_github_format_is_chosen_under_github_actions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from pytest_uwsgi_lint.cli import run

    (tmp_path / "app.ini").write_text(BAD)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    run(["app.ini"])
    assert capsys.readouterr().out.startswith("::")
    run(["--format", "text", "app.ini"])
    assert capsys.readouterr().out.startswith("app.ini:")
    monkeypatch.delenv("GITHUB_ACTIONS")
    run(["app.ini"])
    assert capsys.readouterr().out.startswith("app.ini:")


ODD_NAMES = ["new\nline.ini", os.fsdecode(b"latin-\xe9.ini"), "blank, colon: 100%.ini"]


@pytest.fixture
def odd_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Finding]:
    """Findings in files whose names no output format can take as they are."""
    monkeypatch.chdir(tmp_path)
    for name in ODD_NAMES:
        (tmp_path / name).write_text("[uwsgi]\nharikari = 30\n")
    found = lint_paths(["."], Settings(select=("unknown-option",)))
    assert sorted({f.path for f in found}) == sorted(f"./{name}" for name in ODD_NAMES)
    return found


def test_odd_file_names_keep_text_to_one_line_per_finding(odd_findings: list[Finding]) -> None:
    lines = format_text(odd_findings).splitlines()
    assert len(lines) == 2 * len(ODD_NAMES)  # each finding and its fix
    shown = sorted(line.split(":")[0] for line in lines if not line.startswith(" "))
    assert shown == ["blank, colon", "latin-\\xe9.ini", "new\\nline.ini"]


def test_odd_file_names_are_encodable_json(odd_findings: list[Finding]) -> None:
    text = format_json(odd_findings, "2.0.30", len(ODD_NAMES))
    text.encode("utf-8")  # no lone surrogate: the byte that is not UTF-8 is an escape
    assert '"path": "latin-\\udce9.ini"' in text
    paths = sorted(item["path"] for item in json.loads(text)["findings"])
    assert paths == sorted(ODD_NAMES)


def test_json_tells_a_name_that_is_not_utf8_from_its_escaped_spelling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``bad<FF>.ini`` and a file really named ``bad\\xff.ini`` get different paths, and each
    gives the file's bytes back."""
    monkeypatch.chdir(tmp_path)
    names = [b"bad\xff.ini", b"bad\\xff.ini"]
    for name in names:
        (tmp_path / os.fsdecode(name)).write_text("[uwsgi]\nharikari = 30\n")
    found = lint_paths(["."], Settings(select=("unknown-option",)))
    document = json.loads(format_json(found, "2.0.30", len(names)))
    assert sorted(os.fsencode(item["path"]) for item in document["findings"]) == sorted(names)


def test_odd_file_names_are_valid_sarif_uris(odd_findings: list[Finding]) -> None:
    document = _sarif(odd_findings)
    jsonschema.validate(document, SCHEMA)
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in document["runs"][0]["results"]]
    assert all(re.fullmatch(r"[A-Za-z0-9\-._~/%]+", uri) for uri in uris), uris
    assert sorted(unquote_to_bytes(uri) for uri in uris) == sorted(
        os.fsencode(name) for name in ODD_NAMES)


def test_odd_file_names_in_github_annotations(odd_findings: list[Finding]) -> None:
    lines = format_github(odd_findings).splitlines()
    assert len(lines) == len(ODD_NAMES)
    files = sorted(line.split("file=")[1].split(",line=")[0] for line in lines)
    assert files == ["blank%2C colon%3A 100%25.ini", "latin-\\xe9.ini", "new%0Aline.ini"]


# Keys with terminal escapes: an OSC 8 hyperlink, erase-line and cursor-up sequences, a carriage
# return, DEL, a C1 CSI (U+009B) and a byte that is not UTF-8; and ordinary non-ASCII text.
HOSTILE = (
    b"[uwsgi]\nmaster = true\n"
    b"abc\x1b]8;;http://evil/\x1b\\click = 1\n"
    b"procesess\x1b[2K\x1b[1A\rx = 4\n"
    b"x\x7f\xc2\x9b31m = 1\n"
    b"bad\xff = 1\n"
    b"caf\xc3\xa9-\xe6\x97\xa5\xe6\x9c\xac = 1\n"
    b"vacuum = false ; off\x1b[2K\n"
)
SHOWN_KEYS = [
    "`abc\\x1b]8;;http://evil/\\x1b\\click`",
    "`procesess\\x1b[2K\\x1b[1A\\rx`",
    "`x\\x7f\\x9b31m`",
    "`bad\\xff`",
    "`café-日本`",  # untouched
    "`; off\\x1b[2K`",
]


@pytest.fixture
def hostile_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Finding]:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.ini").write_bytes(HOSTILE)
    found = lint_paths(["app.ini"], Settings(select=("unknown-option", "inline-comment")))
    assert len(found) == 6
    return found


def _controls(text: str) -> list[str]:
    """The control characters of ``text`` other than the newlines between lines."""
    return [c for c in text if c != "\n" and (c < " " or "\x7f" <= c <= "\x9f")]


def test_text_escapes_control_characters_in_messages_and_fixes(
    hostile_findings: list[Finding],
) -> None:
    text = format_text(hostile_findings)
    assert _controls(text) == []
    for key in SHOWN_KEYS:
        assert key in text
    assert "    fix: move `; off\\x1b[2K` to its own line" in text


def test_github_escapes_control_characters_in_messages(hostile_findings: list[Finding]) -> None:
    text = format_github(hostile_findings)
    assert _controls(text) == []
    assert len(text.splitlines()) == len(hostile_findings)
    for key in SHOWN_KEYS:
        assert key in text


def test_json_and_sarif_keep_messages_exact(hostile_findings: list[Finding]) -> None:
    messages = sorted(f.message for f in hostile_findings)
    assert any("\x1b]8;;http://evil/" in m for m in messages)
    document = json.loads(format_json(hostile_findings, "2.0.30", 1))
    assert sorted(item["message"] for item in document["findings"]) == messages
    results = _sarif(hostile_findings)["runs"][0]["results"]
    assert sorted(result["message"]["text"] for result in results) == messages
