"""Near-name suggestions: the letter filter that skips most candidates changes no answer."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_uwsgi_lint import catalog
from pytest_uwsgi_lint.suggest import distance, normalise, suggestions

NAMES = sorted(catalog.options())


def by_distance_alone(name: str) -> list[str]:
    """Every candidate within the allowed edits, by the edit distance only."""
    respelt = normalise(name)
    allowed = 1 if len(respelt) <= 4 else 2
    scored = sorted((distance(respelt, n, allowed), n) for n in NAMES)
    return [n for d, n in scored if d <= allowed][:3]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(NAMES), st.text(alphabet="abcdehikmnoprstux-", max_size=3),
       st.integers(min_value=0, max_value=30))
def test_the_letter_filter_changes_no_suggestion(name: str, noise: str, at: int) -> None:
    typo = name[:at] + noise + name[at + len(noise) // 2:]
    # nothing "exists": no respelling or reordering answers first, only the edit distance
    assert suggestions(typo, lambda n: False, NAMES) == by_distance_alone(typo)


def test_a_typo_gets_its_option() -> None:
    assert suggestions("harikari", lambda n: False, NAMES)[0] == "harakiri"
