"""The documents as sentences with offsets, and who speaks in each part of them."""

from __future__ import annotations

import pytest

from bot.documents import Document, Voice, attribution_conflicts, load_documents
from bot.facttable import FactTable, fold_whitespace, load_fact_table
from bot.settings import DEFAULT_SEEDS_DIR


@pytest.fixture(scope="module")
def table() -> FactTable:
    return load_fact_table(DEFAULT_SEEDS_DIR)


@pytest.fixture(scope="module")
def documents(table: FactTable) -> dict[str, Document]:
    return {document.source.id: document for document in load_documents(table)}


def _sentence(document: Document, opening: str) -> tuple[Voice, str]:
    sentence = next(s for s in document.sentences if s.text.startswith(opening))
    return sentence.voice, sentence.speaker


def test_every_sentence_is_its_documents_text_at_its_offsets(documents: dict[str, Document]
                                                             ) -> None:
    """A sentence's text is the document's text between its offsets, whitespace folded."""
    for document in documents.values():
        assert document.sentences
        for sentence in document.sentences:
            assert sentence.text == fold_whitespace(document.text[sentence.start : sentence.end])
            assert sentence.source_id == document.source.id


@pytest.mark.parametrize(("source_id", "sentence"), [
    ("003", "JEDDAH (UNA-OIC) – The Ambassador of the Republic of Kazakhstan to the Kingdom of "
            "Saudi Arabia, Permanent Representative of Kazakhstan to the OIC, H.E. Mr. Berik "
            "Aryn, affirmed that"),
    ("003", "Against the background of mass riots, President of Kazakhstan announced a state of "
            "emergency from January 5 to January 19, 2022 throughout the country, and a curfew is "
            "imposed from 11 p.m. to 7 a.m."),
    ("002", "Official Statement on the events in Kazakhstan by Special Representative of the "
            "President of the Republic of Kazakhstan for International Cooperation Erzhan "
            "Kazykhan"),
])
def test_abbreviations_and_broken_lines_do_not_split_sentences(
        documents: dict[str, Document], source_id: str, sentence: str) -> None:
    """'H.E. Mr.', 'p.m.' and a heading broken over lines stay within one sentence."""
    assert any(s.text.startswith(sentence) for s in documents[source_id].sentences)


@pytest.mark.parametrize("source_id", ["003", "004"])
def test_every_question_of_an_interview_is_the_interviewers(documents: dict[str, Document],
                                                             source_id: str) -> None:
    """Each question of an interview is in the interviewer's voice, named after the interviewee."""
    document = documents[source_id]
    questions = [s for s in document.sentences if s.text.endswith("?")]
    assert len(questions) >= 5
    for question in questions:
        assert question.voice is Voice.INTERVIEWER, question.text
        assert question.speaker == f"the interviewer of {document.source.speaker}"


def test_answers_are_the_interviewees(documents: dict[str, Document]) -> None:
    """The answers, labelled or not, are the ambassador's."""
    assert _sentence(documents["004"], "The police did not use any force.") == (
        Voice.SPEAKER, "Barlybay Sadykov")
    assert _sentence(documents["004"], "Ambassador: Almaty was attacked") == (
        Voice.SPEAKER, "Barlybay Sadykov")
    assert _sentence(documents["003"], "According to the latest data, 164 people") == (
        Voice.SPEAKER, "Berik Aryn")


def test_interview_headline_introduction_and_thanks_are_the_interviewers(
        documents: dict[str, Document]) -> None:
    """Before the first question and from the closing thanks on, the interviewer speaks."""
    interviewer = (Voice.INTERVIEWER, "the interviewer of Barlybay Sadykov")
    document = documents["004"]
    assert _sentence(document, "We decided to look into the situation") == interviewer
    assert _sentence(document, "Thank you Ambassador for your interview.") == interviewer
    assert _sentence(document, "Leave a Reply") == interviewer
    assert _sentence(documents["003"], "In an interview with the Union of OIC News Agencies") \
        == (Voice.INTERVIEWER, "the interviewer of Berik Aryn")


def test_a_report_quoting_the_speaker_gives_the_quotation_to_the_speaker(
        documents: dict[str, Document]) -> None:
    """The quoted words in 003's lead are Aryn's; a three-word scare quote in 004 stays."""
    lead = documents["003"]
    quoted = lead.text.index("will help stabilize the situation")
    passage = lead.passage_at(quoted)
    assert passage.voice is Voice.SPEAKER and passage.reported
    assert passage.speaker == "Berik Aryn"
    assert lead.passage_at(lead.text.index("He said that The Kazakh")).voice is Voice.INTERVIEWER
    scare = documents["004"]
    assert scare.passage_at(scare.text.index("from the first-hand")).voice is Voice.INTERVIEWER


def test_the_unsigned_introduction_of_002_is_not_the_statement(documents: dict[str, Document]
                                                               ) -> None:
    """002's reposting introduction is named as the table names it; from the title on, Kazykhan."""
    document = documents["002"]
    assert _sentence(document, "The story that ran this week") == (
        Voice.PUBLISHER, "the unsigned introduction published with Erzhan Kazykhan's statement")
    assert _sentence(document, "Here is an official statement")[0] is Voice.PUBLISHER
    assert _sentence(document, "Official Statement on the events") == (
        Voice.SPEAKER, "Erzhan Kazykhan")
    assert _sentence(document, "According to the latest data, 18 law enforcement") == (
        Voice.SPEAKER, "Erzhan Kazykhan")


@pytest.mark.parametrize("source_id", ["000", "001"])
def test_statements_without_introduction_are_all_the_speakers(documents: dict[str, Document],
                                                              source_id: str) -> None:
    """The MFA's statement and commentary are the MFA's from first line to last."""
    document = documents[source_id]
    assert {s.speaker for s in document.sentences} == {document.source.speaker}


def test_layout_agrees_with_every_speaker_the_table_names(table: FactTable,
                                                          documents: dict[str, Document]) -> None:
    """Each claim with a `speaker:` override stands where the layout finds that speaker."""
    overridden = {(f.id, c.quote) for f in table.facts for c in f.claims if c.speaker}
    assert len(overridden) >= 10
    conflicts = attribution_conflicts(table, list(documents.values()))
    assert [str(c) for c in conflicts if (c.fact_id, c.quote) in overridden] == []


def test_the_table_never_gives_a_speakers_own_passage_to_someone_else(
        table: FactTable, documents: dict[str, Document]) -> None:
    """Where the layout hears the speaker, the table's claims name the speaker too."""
    conflicts = attribution_conflicts(table, list(documents.values()))
    assert [str(c) for c in conflicts if c.layout.voice is Voice.SPEAKER] == []
