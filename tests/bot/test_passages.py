"""Passage answers: a document's sentence, verbatim, when it answers the whole question."""

from __future__ import annotations

import pytest

from bot.core import FactBot
from bot.documents import Document, Voice, load_documents
from bot.facttable import FactTable, fold_whitespace, load_fact_table
from bot.passages import PassageHit, PassageIndex
from bot.settings import DEFAULT_SEEDS_DIR


@pytest.fixture(scope="module")
def table() -> FactTable:
    return load_fact_table(DEFAULT_SEEDS_DIR)


@pytest.fixture(scope="module")
def documents(table: FactTable) -> dict[str, Document]:
    return {document.source.id: document for document in load_documents(table)}


@pytest.fixture(scope="module")
def index(table: FactTable, documents: dict[str, Document]) -> PassageIndex:
    return PassageIndex.build(table, list(documents.values()))


def _hit(index: PassageIndex, question: str) -> PassageHit:
    hit = index.best(question)
    assert hit is not None, f"no passage for {question!r}"
    return hit


@pytest.mark.parametrize(("question", "source_id", "words"), [
    # 000, the MFA statement
    ("is the foreign ministry in constant contact with international partners", "000",
     "in constant contact with international partners"),
    ("what did the MFA say about the rights of the multi-ethnic people", "000",
     "multi-ethnic and multi-confessional people"),
    ("govt buildings attacked?", "000", "attacks on government buildings"),
    # 001, the MFA commentary
    ("will peaceful protesters be prosecuted", "001", "peaceful protesters are not prosecuted"),
    ("how many csto peacekeepres", "003", "the total number of the peacekeeping contingent"),
    # 002, Kazykhan's statement and its unsigned introduction
    ("eighteen officers killed - who said that", "002", "18 law enforcement officers"),
    ("beheadings??", "002", "two of young soldiers were beheaded"),
    ("did tokayev call for dialogue", "002", "He called for mutual trust and dialogue"),
    ("what triggered the protests", "002", "triggered by spike in the price"),
    # 003, Aryn's interview
    ("how many terrorists were arrested in almaty", "003", "70 terrorist and 30 looters"),
    ("did russian troops come to kazakhstan", "003", "arrived from Russia"),
    ("which countries did the peacekeepers come from", "003", "Armenia, Tajikistan"),
    ("more than six thousand people arrested - is that right", "003",
     "detained more than 6 thousand people"),
    # 004, Sadykov's interview
    ("who said the police did not use any force", "004", "The police did not use any force."),
    ("20k terrorists in almaty - who claims that", "004", "almost 20,000 armed groups"),
    ("when was the counter terror op launched", "004", "On January 6"),
    ("per sadykov, was there a shortage of food", "004", "There is no shortage of food."),
    ("per the ethiopia ambassador, is there a shortage of food", "004", "no shortage of food"),
    ("what exactly is the csto peacekeepers' mandate", "004", "Their main tasks"),
    ("who killed the police officers", "002", "killed by extremists and terrorists"),
    ("officers killed by terrorists", "002", "18 law enforcement officers were killed"),
])
def test_a_paraphrased_question_finds_its_sentence(index: PassageIndex, question: str,
                                                   source_id: str, words: str) -> None:
    """Reworded, misspelt or terse, a question finds the one sentence that answers it."""
    hit = _hit(index, question)
    assert (hit.source_id, words in hit.text) == (source_id, True)


@pytest.mark.parametrize("question", [
    # out of scope
    "who painted the Mona Lisa",
    "population of kazakhstan",
    "what language do kazakhs speak",
    "weather in nur-sultan",
    "thanks!",
    # a changed detail: another city, group or time
    "how many people were killed in shymkent",
    "how many peacekeepers were killed",
    "how many belarusian soldiers came",
    "when was the curfew lifted",
    "what were the results of the investigation",
    "when did the peacekeepers leave",
    # roles reversed
    "which countries did kazakhstan send troops to",
    "how many terrorists were killed",
    "how many police officers were detained",
    "did protesters use firearms",
    "how many civilians were killed by police",
    "protesters killed by police",
    # a cause of something else: "the recent tragedy … demonstrates … lead to violation"
    "per the ethiopia ambassador, what caused the protests",
    "how many armed criminals were arrested",
    "who released the detained protesters",
    # a figure that counts something else
    "how many protesters were released",
    "how many members does the csto have",
    # a source the documents do not have
    "what did the ambassador to turkey say about food",
    "what did the human rights council say",
    "per aryn, was there a shortage of food",
    "what did the OIC say about the unrest",
    "what were the csto troops' tasks in ethiopia",
    "who trained the terrorists",
])
def test_a_question_the_documents_do_not_answer_gets_no_passage(index: PassageIndex,
                                                                 question: str) -> None:
    """Out of scope, a changed detail, reversed roles or an unknown source: no passage."""
    assert index.best(question) is None


def test_side_by_side_words_must_stand_together(index: PassageIndex) -> None:
    """'Foreign minister' is not found in 'foreign media … the Government'."""
    assert index.best("who is kazakhstan's foreign minister") is None


def test_a_real_word_is_not_taken_for_a_typo(index: PassageIndex) -> None:
    """'contcat' is a typo of 'contact'; 'contract' is another word."""
    assert _hit(index, "is the foreign ministry in constant contcat with international "
                       "partners").source_id == "000"
    assert index.best("is the foreign ministry in constant contract with international "
                      "partners") is None


def test_when_asks_for_a_date_not_a_condition(index: PassageIndex) -> None:
    """'Declared … until the situation is stabilized' gives no date for 'when'."""
    hit = index.best("when was the state of emergency declared")
    assert hit is None or "January" in hit.text


def test_what_will_happen_does_not_answer_what_happened(index: PassageIndex) -> None:
    """The results 'will be presented': an answer to 'will they be', not to 'what were they'."""
    assert _hit(index, "will the results of the investigation be presented to the "
                       "international community").source_id in {"001", "004"}
    assert index.best("what were the results of the investigation") is None


def test_interviewer_questions_are_never_an_answer(index: PassageIndex,
                                                   documents: dict[str, Document]) -> None:
    """Asked word for word, an interviewer's question returns some answer, never itself."""
    questions = [s.text for d in documents.values() for s in d.sentences if s.text.endswith("?")]
    assert len(questions) >= 10
    for question in questions:
        for hit in index.confident(question, limit=5):
            assert not hit.text.endswith("?")


def test_the_interviewers_statement_is_attributed_to_the_interviewer(
        index: PassageIndex) -> None:
    """A sentence of the interviewer's text is given in the interviewer's name, not the
    ambassador's."""
    hit = _hit(index, "is kazakhstan on the human rights council")
    assert (hit.source_id, hit.voice, hit.speaker) == (
        "004", Voice.INTERVIEWER, "the interviewer of Barlybay Sadykov")


def test_a_named_publisher_selects_the_publishers_words(index: PassageIndex) -> None:
    """'The unsigned introduction' answers from 002's introduction, not Kazykhan's text."""
    hit = _hit(index, "what did the unsigned introduction say about fuel prices")
    assert (hit.source_id, hit.voice) == ("002", Voice.PUBLISHER)
    assert "rise in fuel prices" in hit.text


@pytest.mark.parametrize("question", [
    "how many csto peacekeepres", "did tokayev call for dialogue", "beheadings??",
    "is kazakhstan on the human rights council", "when was the counter terror op launched",
])
def test_a_passage_is_the_documents_own_words(index: PassageIndex,
                                              documents: dict[str, Document],
                                              question: str) -> None:
    """The sentence and its context stand verbatim in the document, at the given offsets."""
    hit = _hit(index, question)
    document = documents[hit.source_id]
    assert hit.text == fold_whitespace(document.text[hit.start:hit.end])
    folded = fold_whitespace(document.text)
    assert all(sentence in folded for sentence in hit.context)


def test_context_is_the_sentence_on_either_side_in_the_same_voice(index: PassageIndex) -> None:
    """A passage comes with its neighbours: 'He called for …' with the statement it follows."""
    hit = _hit(index, "did tokayev call for dialogue")
    assert hit.context_before is not None
    assert hit.context_before.startswith("In his January 4 statement, the President urged")
    assert hit.context_after is not None
    assert hit.context_after.startswith("Regretfully, peaceful demonstrations")


def test_an_interview_answer_is_given_without_its_label(index: PassageIndex,
                                                        documents: dict[str, Document]) -> None:
    """'Ambassador: ' is the layout's label, not the ambassador's words, nor in the offsets."""
    hit = _hit(index, "were the protests in western kazakhstan of an economic nature")
    assert hit.text == "The protests in Western Kazakhstan were of an economic nature."
    assert documents["004"].text[hit.start:hit.end] == hit.text


def test_context_never_reaches_across_an_interviewers_question(index: PassageIndex) -> None:
    """The first sentence of an answer has no context before it: that is the question."""
    hit = _hit(index, "were the protests in western kazakhstan of an economic nature")
    assert hit.context_before is None
    assert hit.context_after == ("On January 2, 2022, several demonstrations took place in "
                                 "Western Kazakhstan.")


def test_ask_answers_from_a_passage_when_no_fact_does(shared_core: FactBot) -> None:
    """With no confident fact, a document sentence answers: verbatim, attributed, marked
    as not curated, one citation and no fact id — and still recorded as a gap."""
    answer = shared_core.match("will the economic policy or investment climate change")
    payload = answer.to_json()
    assert payload["outcome"] == "passage" and payload["answered"] is True
    assert payload["fact_id"] is None and len(payload["citations"]) == 1
    assert payload["answer"].startswith("Not in the curated table")
    citation = payload["citations"][0]
    document = (DEFAULT_SEEDS_DIR / citation["source"]).read_text(encoding="utf-8")
    assert " ".join(citation["quote"].split()) in " ".join(document.split())


@pytest.mark.parametrize("question", [
    "who won the 2019 presidential election", "what did china say about the unrest",
    "how many protesters were killed by police", "recipe for plov",
])
def test_hard_out_of_scope_questions_still_end_in_dont_know(shared_core: FactBot,
                                                            question: str) -> None:
    """Neither a fact nor a passage answers questions the documents do not answer."""
    assert not shared_core.match(question).answered
