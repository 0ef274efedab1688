"""Whatever arrives, the matcher answers or declines: it never raises."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.answers import Outcome
from bot.core import FactBot
from bot.normalize import Normalizer

ANY_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=400)
HOSTILE = st.sampled_from([
    "", " ", "\n\t", "\x00\x01\x1b[31m", "🤔🔥💥" * 50, "مرحبا كم عدد القوات", "שלום",
    "'; DROP TABLE facts; --", "<script>alert(1)</script>", "<b>csto</b> troops",
    "@everyone how many troops", "x" * 100_000, "csto " * 20_000, "\u202eevil\u202c",
    "%s %d {0} {question}", "NULL", "\\", "ＣＳＴＯ ｔｒｏｏｐｓ",
])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ANY_TEXT)
def test_normalizer_handles_any_text(text: str) -> None:
    terms = Normalizer({"csto": ["ОДКБ"]}).terms(text)
    assert all(term and " " not in term for term in terms.content)


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(question=st.one_of(ANY_TEXT, HOSTILE))
def test_match_always_returns_a_well_formed_answer(shared_core: FactBot, question: str) -> None:
    answer = shared_core.match(question)
    assert answer.outcome in set(Outcome)
    payload = answer.to_json()
    assert payload["answered"] == answer.answered
    assert answer.answered == (answer.outcome in {Outcome.ANSWER, Outcome.PASSAGE,
                                                  Outcome.QUOTE})
    if answer.answered:
        assert payload["citations"] and payload["answer"]
    else:
        assert payload["answer"] is None and payload["citations"] == []
    assert len(answer.suggestions) <= 3


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(["csto troops", "curfew", "state of emergency", "death toll"]),
       st.sampled_from(["?", "!!", "...", " :)", "?!"]))
def test_case_and_surrounding_punctuation_do_not_change_the_answer(
    shared_core: FactBot, question: str, punctuation: str
) -> None:
    plain = shared_core.match(question)
    shouted = shared_core.match(f"  {question.upper()}{punctuation}")
    assert plain.fact_id == shouted.fact_id


@pytest.mark.parametrize("digit", ["❶", "⑴", "²", "٣", "₅", "Ⅻ"])
def test_digits_of_every_script_are_read_not_fatal(shared_core: FactBot, digit: str) -> None:
    """Characters that pass isdigit() but not int() ("❶") never crash a question."""
    for question in (digit, f"how many {digit} troops", f"{digit * 3} killed"):
        assert shared_core.match(question).outcome is not None
