"""Key lists of thousands of items (``attach-daemon2``, ``cron2``) cost a bounded number of
near-name searches and item objects, and keep uWSGI's exact split.

A generated value can hold millions of items; a near-name search compares a key with every key
name, and one object per item is hundreds of bytes. These tests count both (no timings).
"""

from __future__ import annotations

import difflib
from typing import Any
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rule_helpers import ini, lint

from pytest_uwsgi_lint import kvlist
from pytest_uwsgi_lint.engine import MAX_HITS_PER_RULE, load_text
from pytest_uwsgi_lint.findings import Hit
from pytest_uwsgi_lint.kvlist import MAX_GUESSED, KvItem, split_items
from pytest_uwsgi_lint.registry import find_rule

#: Items in one value: thousands of searches took seconds before the bounds.
MANY = 20_000


def reference_split(text: str) -> list[tuple[str, str | None, str]]:
    """``uwsgi_kvlist_parse`` (core/utils.c, 2.0.30) character by character: text, key, value
    of each item."""
    pieces: list[str] = []
    current: list[str] = []
    escaped = False
    for char in text:
        if char == "," and not escaped:
            pieces.append("".join(current))
            current = []
        elif char == "\\" and not escaped:
            escaped = True
        else:
            current.append(char)
            escaped = False
    if current:
        pieces.append("".join(current))
    return [_reference_key(piece) for piece in pieces]


def _reference_key(piece: str) -> tuple[str, str | None, str]:
    key: list[str] = []
    escaped = False
    for index, char in enumerate(piece):
        if char == "=" and not escaped:
            return piece, "".join(key), piece[index + 1 :]
        if char == "\\" and not escaped:
            escaped = True
        elif escaped:
            escaped = False
        else:
            key.append(char)
    return piece, None, ""


@given(st.text(alphabet="a=,\\ ", max_size=60))
def test_split_is_uwsgi_split(text: str) -> None:
    with mock.patch.object(kvlist, "_SLICE", 3):  # cut the text in many slices
        items = list(split_items(text))
    assert [(i.text, i.key, i.value) for i in items] == reference_split(text)
    assert [i.index for i in items] == list(range(len(items)))


@pytest.fixture
def searched(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The words given to a near-name search (answers remembered earlier are not searched)."""
    words: list[str] = []
    real = difflib.get_close_matches

    def counting(word: str, *args: Any, **kwargs: Any) -> list[str]:
        words.append(word)
        return real(word, *args, **kwargs)

    monkeypatch.setattr(difflib, "get_close_matches", counting)
    return words


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[KvItem]:
    """Every key-list item object built."""
    items: list[KvItem] = []

    def counting(*args: Any) -> KvItem:
        items.append(KvItem(*args))
        return items[-1]

    monkeypatch.setattr(kvlist, "KvItem", counting)
    return items


def test_a_command_cut_by_thousands_of_items_searches_once(
    searched: list[str], built: list[KvItem]
) -> None:
    text = ini("master = true", "attach-daemon2 = cmd=echo," + "a=," * MANY)
    comma = lint("daemon-command-comma", text)
    assert len(comma) == 1 and comma[0].message.startswith(
        "the unescaped comma ends the command: uWSGI runs `echo` and drops `a=,a=,")
    assert lint("daemon-unknown-key", text) == []  # the cut items are the comma's finding
    assert searched.count("a") <= 1
    assert len(built) <= 2  # the command item, once per lint


def test_thousands_of_distinct_unknown_daemon_keys(searched: list[str]) -> None:
    keys = ",".join(f"zz{i}=" for i in range(3 * MAX_GUESSED))
    findings = lint("daemon-unknown-key", ini(f"attach-daemon2 = {keys},cmd=echo"))
    assert len(findings) == MAX_HITS_PER_RULE + 1
    assert findings[0].message == "`zz0=`: `zz0` is not an attach-daemon2 key, uWSGI ignores it"
    assert len(searched) <= MAX_GUESSED and len(set(searched)) == len(searched)


def test_cut_commands_share_one_bound_per_config(searched: list[str]) -> None:
    lines = [f"attach-daemon2 = cmd=echo,{','.join(f'yy{n}x{i}' for i in range(600))}"
             for n in range(4)]
    findings = lint("daemon-command-comma", ini(*lines))
    assert len(findings) == 4
    assert len(searched) <= MAX_GUESSED


def test_a_cron2_key_list_of_thousands_of_items_searches_once(
    searched: list[str], built: list[KvItem], monkeypatch: pytest.MonkeyPatch
) -> None:
    placed: list[str] = []
    real = Hit.at

    def counting(entry: Any, message: str, **extra: Any) -> Hit:
        placed.append(message)
        return real(entry, message, **extra)

    monkeypatch.setattr(Hit, "at", counting)
    findings = lint("cron-unknown-key", ini("cron2 = " + "a=," * MANY + "b=, echo"))
    assert [f.message for f in findings] == [
        "`a=`: `a` is not a cron2 key; uWSGI ignores it",
        "`b=`: `b` is not a cron2 key; uWSGI ignores it",
    ]
    assert searched.count("a") <= 1
    assert len(placed) == 1  # the line is measured once, not once per finding
    assert len(built) == 2  # one item per distinct text, not one per item


def test_the_cron2_rule_bounds_its_own_searches(searched: list[str]) -> None:
    keys = ",".join(f"zz{i}=1" for i in range(3 * MAX_GUESSED))
    config = load_text(ini(f"cron2 = {keys} echo"))
    rule = find_rule("cron-unknown-key")
    assert rule is not None
    hits = list(rule.check(config))  # every hit, whatever a consumer keeps
    assert len(hits) == 3 * MAX_GUESSED
    assert len(searched) <= MAX_GUESSED


def test_a_key_too_long_to_be_near_a_name_is_not_searched(searched: list[str]) -> None:
    key = "ab" * 50_000  # difflib would index each of its characters
    findings = lint("cron-unknown-key", ini(f"cron2 = {key}=1 echo"))
    assert len(findings) == 1 and "is not a cron2 key; uWSGI ignores it" in findings[0].message
    assert searched == []
