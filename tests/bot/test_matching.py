"""The matcher on a small table of its own, and on the shipped table."""

from __future__ import annotations

from datetime import date

import pytest

from bot.answers import Outcome, SourceInfo
from bot.core import FactBot
from bot.matching import FactIndex
from bot.normalize import Normalizer
from bot.settings import Settings
from bot.store import ClaimRecord, FactRecord

SOURCE = SourceInfo(id="900", file="900_test.txt", title="Test document", speaker="Ministry",
                    speaker_role="", publisher="", date=date(2022, 1, 10), kind="statement",
                    cited_as="the Ministry")
ALIASES = {"csto": ["ОДКБ", "collective security treaty organization"],
           "troops": ["peacekeepers", "soldiers", "contingent"],
           "lpg": ["liquefied petroleum gas", "liquefied gas"],
           "astana": ["nur-sultan", "nursultan"]}


def _fact(fact_id: str, questions: list[str], says: str = "something was said",
          tags: tuple[str, ...] = ()) -> FactRecord:
    return FactRecord(id=fact_id, headline=questions[0], short="", questions=tuple(questions),
                      tags=tags, event_date=None, sources_differ=False,
                      claims=(ClaimRecord(source=SOURCE, says=says, quote=says),))


@pytest.fixture(scope="module")
def index() -> FactIndex:
    facts = [
        _fact("troops", ["how many CSTO troops were sent", "csto troop numbers"],
              "the CSTO sent about 2,500 troops"),
        _fact("lpg-price", ["how much did LPG cost", "gas price per liter"],
              "LPG rose to 110-120 tenge"),
        _fact("capital", ["situation in Astana", "is the capital stable"]),
        _fact("curfew", ["curfew hours", "is there a curfew"], "a curfew from 11 p.m. to 7 a.m."),
        _fact("emergency", ["when was the state of emergency declared"]),
    ]
    return FactIndex(facts, Normalizer(ALIASES))


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How many ОДКБ peacekeepers?", "troops"),
        ("collective security treaty organization soldiers", "troops"),
        ("price of liquefied petroleum gas", "lpg-price"),
        ("what's happening in Nur-Sultan", "capital"),
        ("CURFEW HOURS!!!", "curfew"),
        ("curfw hours", "curfew"),
        ("“curfew” hours", "curfew"),
        ("2500 troops", "troops"),
    ],
)
def test_normalised_and_aliased_questions_find_their_fact(index: FactIndex, question: str,
                                                         expected: str) -> None:
    best = index.search(question)[0]
    assert best.fact.id == expected
    assert best.answers and best.score >= Settings().match_answer_threshold


def test_numbers_match_with_or_without_grouping() -> None:
    normalizer = Normalizer()
    assert normalizer.terms("2,500 troops").content == normalizer.terms("2500 troops").content


@pytest.mark.parametrize("question", ["how many people in kazakhstan", "what happened",
                                      "tell me about the country", "???", ""])
def test_generic_and_stop_words_carry_no_match(index: FactIndex, question: str) -> None:
    matches = index.search(question)
    assert not matches or matches[0].score < 50


def test_unknown_words_pull_a_match_down(index: FactIndex) -> None:
    plain = index.search("curfew")[0].score
    diluted = index.search("curfew rules for skateboard parks in Lisbon")[0].score
    assert diluted < plain and diluted < 72


def test_autocomplete_reads_the_last_word_as_a_prefix(index: FactIndex) -> None:
    assert index.search("csto tro", prefix=True)[0].fact.id == "troops"
    assert index.search("curf", prefix=True)[0].fact.id == "curfew"


def test_every_shipped_fact_answers_its_own_question_forms(shared_core: FactBot) -> None:
    """Each fact's own phrasings reach it (or a fact saying the same); none goes unanswered."""
    misses = []
    for fact in shared_core.index.facts:
        for question in fact.questions[:3]:
            answer = shared_core.match(question)
            if answer.outcome is not Outcome.ANSWER:
                misses.append((fact.id, question, answer.outcome.value))
    assert len(misses) <= len(shared_core.index.facts) * 3 // 20, misses


def test_conflicting_sources_are_all_shown(shared_core: FactBot) -> None:
    conflicts = [f for f in shared_core.index.facts if f.sources_differ]
    assert conflicts
    for fact in conflicts:
        answer = shared_core.answer_for(fact.id)
        assert answer is not None and answer.sources_differ
        assert answer.text is not None and answer.text.startswith("Sources differ")
        for claim in fact.claims:
            assert claim.says.rstrip(".") in answer.text
        assert len(answer.to_json()["claims"]) == len(fact.claims)


def test_every_answer_is_attributed_never_in_the_bots_own_voice(shared_core: FactBot) -> None:
    for fact in shared_core.index.facts:
        answer = shared_core.answer_for(fact.id)
        assert answer is not None and answer.text is not None
        for claim in answer.claims:
            assert claim.text.startswith("According to ")
            assert claim.citation.quote and claim.citation.source.file.endswith(".txt")


@pytest.mark.parametrize(
    "question",
    ["who won the 2018 football world cup", "recipe for banana bread",
     "what is the capital of France", "how do I reset my password", "asdfghjkl",
     "hello", "ok thanks bye"],
)
def test_questions_outside_the_table_are_not_answered(shared_core: FactBot,
                                                      question: str) -> None:
    assert shared_core.match(question).outcome is not Outcome.ANSWER


def test_a_question_asking_for_a_figure_is_not_answered_without_one(shared_core: FactBot
                                                                    ) -> None:
    """"How many members does the CSTO have" matches a fact with no figure: suggest at most."""
    answer = shared_core.match("how many members does the CSTO have")
    assert answer.outcome is not Outcome.ANSWER


def test_a_question_covering_little_of_any_fact_form_is_not_answered(shared_core: FactBot
                                                                    ) -> None:
    """Sharing one word with a fact ("police") is not enough to answer for it."""
    assert shared_core.match("how many police officers are in Kazakhstan").outcome \
        is not Outcome.ANSWER
    assert shared_core.match("who is the president of Russia").outcome is not Outcome.ANSWER
