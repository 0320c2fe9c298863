"""The expansion scan: the same results as uWSGI's character-by-character loop, at a cost
bounded per config.

``apply_pass`` jumps over text that cannot change the scan's state. The reference below walks
every character exactly as ``uwsgi_apply_config_pass`` (core/utils.c in 2.0.30) does, C's
``continue`` running ``j++`` included; hypothesis checks that both agree on values made of the
characters that matter.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_uwsgi_lint.placeholders import (
    COPIED_BYTES_PER_STEP,
    MAX_EXPANSION_STEPS,
    ExpansionLoop,
    Lookup,
    Work,
    WorkExhausted,
    apply_pass,
    manage_placeholder,
)


def character_by_character(value: str, symbol: str, hook: Lookup) -> tuple[str, list[str]]:
    unresolved: list[str] = []
    state = depth = start = done = 0
    j = 0
    while j < len(value):
        char = value[j]
        if char == symbol:
            state = 1
        elif char == "(" and state == 1:
            state, depth, start = 2, 0, j + 1
        elif state > 1 and char == "(":
            state, depth = state + 1, depth + 1
        elif state > 1 and char == ")" and depth > 0:
            state, depth = state + 1, depth - 1
        elif state > 1 and char == ")" and state <= 2:
            state = 0
        elif state > 1 and char == ")":
            key = value[start : start + state - 2]
            found = hook(key)
            state = 0
            if found is None:
                unresolved.append(key)
            else:
                value = value[: start - 2] + found + value[start + len(key) + 1 :]
                done += 1
                if done > 1000:
                    raise ExpansionLoop(key)
                j = 0
        elif state > 1:
            state += 1
        else:
            state = 0
        j += 1
    return value, unresolved


TABLE = {"a": "A", "b": "%(a)", "ab": "", "(": "%", "x)": "y", "%(a": "q", "a%(a)": "%"}


def lookup(key: str) -> str | None:
    return TABLE.get(key)


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet="%$()ab x", max_size=40), st.sampled_from("%$"))
def test_the_scan_agrees_with_uwsgis_loop(value: str, symbol: str) -> None:
    try:
        expected: object = character_by_character(value, symbol, lookup)
    except ExpansionLoop as loop:
        expected = ("loop", loop.key)
    try:
        got: object = apply_pass(value, symbol, lookup)
    except ExpansionLoop as loop:
        got = ("loop", loop.key)
    assert got == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("%(a)", "A"),
        ("%(b)", "%(a)"),  # the substitution starts the value: scanned again from byte 2
        ("x%(b)", "xA"),
        ("%(a%(a))", "%(aA)"),  # a symbol inside a key starts a new one
        ("%((a))", "%((a))"),  # `(a)` is no name
        ("%(a", "%(a"),
    ],
)
def test_quirks(value: str, expected: str) -> None:
    assert apply_pass(value, "%", lookup)[0] == expected


def test_each_character_the_scan_stops_at_costs_a_step() -> None:
    work = Work()
    assert apply_pass("x" * 10_000 + "%(a)" + "y" * 10_000, "%", lookup, work)[0].count("A") == 1
    # the symbol, `(` and `)`, building the 20,001 characters of the new value (one step,
    # and one per 256 bytes), then the rescan from the second byte finds nothing
    assert MAX_EXPANSION_STEPS - work.steps == 3 + 1 + 20_001 // COPIED_BYTES_PER_STEP
    assert work.exhausted() == ""


def test_a_long_rescan_runs_out_of_work() -> None:
    """Each substitution scans the value again from its start: 1,000 of them over 10,000
    symbols would be ten million steps."""
    work = Work(steps=100_000)
    with pytest.raises(WorkExhausted):
        apply_pass("%" * 10_000 + "%(ab)" * 1_000, "%", lookup, work)
    assert work.exhausted() == "5,000,000 steps of expansion"
    assert Work(size=0).exhausted() == "10 MiB of values and `@()` reads"


def test_building_values_costs_work() -> None:
    """A self-reference behind a 1 MB value builds a megabyte a thousand times over."""
    work = Work()
    values = {"pad": "P" * 1_000_000, "y": "B%(y)"}
    with pytest.raises(ExpansionLoop):
        apply_pass("%(pad)%(y)", "%", values.get, work)
    assert MAX_EXPANSION_STEPS - work.steps > 1_000 * 1_000_000 // COPIED_BYTES_PER_STEP
    with pytest.raises(WorkExhausted):
        apply_pass("%(pad)%(y)", "%", values.get, work)
    pipeline = Work()
    assert manage_placeholder("a a", {"a": "x" * 2_560}.get, pipeline) == "x" * 5_120
    assert MAX_EXPANSION_STEPS - pipeline.steps == (1 + 10) + (1 + 20)


def test_a_pipeline_that_repeats_a_value_stops_at_the_size_bound() -> None:
    """``%(a a a ...)`` concatenates: 1,500 copies of 1 MB would be 1.5 GB."""
    big = "x" * 1_000_000
    with pytest.raises(ExpansionLoop) as stopped:
        manage_placeholder(" ".join(["a"] * 1_500), {"a": big}.get)
    assert stopped.value.too_large
    assert manage_placeholder("a a", {"a": "xy"}.get) == "xyxy"
