"""The quote check: a reporter pastes words, the bot says who said them and how they differ."""

from __future__ import annotations

import json

import pytest

from adapters.console.cli import main
from bot import texts
from bot.documents import Voice, load_documents
from bot.facttable import load_fact_table
from bot.quotecheck import QuoteChecker, quoted_passage
from bot.settings import DEFAULT_SEEDS_DIR, get_settings


@pytest.fixture(scope="module")
def checker() -> QuoteChecker:
    return QuoteChecker.from_fact_table(load_fact_table(DEFAULT_SEEDS_DIR))


def test_verbatim_quote_gives_speaker_document_date_and_exact_words(checker: QuoteChecker
                                                                   ) -> None:
    """A quote pasted word for word is found, verbatim, with its speaker and date."""
    check = checker.check("The police did not use any force.")
    assert check.found is not None
    assert check.verbatim and check.differences == ()
    assert check.found.words == "The police did not use any force"
    assert check.found.speaker == "Barlybay Sadykov"
    assert check.to_json()["source"] == "004_9ea326f9d610823b.txt"
    assert check.to_json()["date"] == "2022-01-15"
    assert check.verdict == texts.QUOTE_VERBATIM


def test_case_punctuation_and_quote_marks_do_not_break_verbatim(checker: QuoteChecker) -> None:
    """Capitals, straight for curly apostrophes and extra punctuation still count as verbatim."""
    check = checker.check('"THE PROTESTERS\' DEMANDS WERE  FULLY MET!!"')
    assert check.verbatim
    assert check.found is not None and check.found.words == "The protesters’ demands were fully met"


def test_digit_grouping_does_not_count_but_spelling_does(checker: QuoteChecker) -> None:
    """'2500' is '2,500'; 'stabilise' for 'stabilize' is a changed word, not verbatim."""
    assert checker.check("a peacekeeping force totaling approximately 2500 personnel").verbatim
    check = checker.check("will help stabilise the situation and create conditions for the "
                          "resumption of a broad constructive dialogue")
    assert not check.verbatim
    assert [str(d) for d in check.differences] == ["'stabilise' for 'stabilize'"]


@pytest.mark.parametrize(("pasted", "found", "differences"), [
    ("18 law enforcement officers were murdered by extremists and terrorists",
     "18 law enforcement officers were killed by extremists and terrorists",
     ["'murdered' for 'killed'"]),
    ("The police did not use any excessive force",
     "The police did not use any force", ["added 'excessive'"]),
    ("Almaty was attacked by 20,000 armed groups and terrorists",
     "Almaty was attacked by almost 20,000 armed groups and terrorists", ["missing 'almost'"]),
    ("18 police officers were killed by terrorists",
     "18 law enforcement officers were killed by extremists and terrorists",
     ["'police' for 'law enforcement'", "missing 'extremists and'"]),
    ("In Almaty, peaceful demonstrations have been hijacked by terrorist groups",
     "peaceful demonstrations in Almaty have been hijacked by terrorist groups",
     ["moved 'peaceful demonstrations'"]),
    ("Almaty was attacked by almost 20,000 armed groups and terrorists trained abroad",
     "Almaty was attacked by almost 20,000 armed groups and terrorists trained outside the "
     "country", ["'abroad' for 'outside the country'"]),
])
def test_altered_quote_is_found_with_what_differs(checker: QuoteChecker, pasted: str,
                                                  found: str, differences: list[str]) -> None:
    """A misremembered quote finds its source and says which words changed, were added or lost."""
    check = checker.check(pasted)
    assert check.found is not None and check.found.words == found
    assert not check.verbatim
    assert [str(d) for d in check.differences] == differences
    assert check.verdict == texts.QUOTE_DIFFERS.format(differences="; ".join(differences))


def test_a_dropped_negation_is_reported_not_hidden(checker: QuoteChecker) -> None:
    """Pasting 'there were clashes' against 'there were no clashes' reports the missing 'no'."""
    check = checker.check("there were clashes between the police and civilians")
    assert check.found is not None
    assert check.found.words == "there were no clashes between the police and civilians"
    assert [str(d) for d in check.differences] == ["missing 'no'"]


def test_every_interior_word_dropped_from_a_sentence_still_finds_its_document(
        checker: QuoteChecker) -> None:
    """Each document sentence of eight words or more, one middle word lost, is still found there."""
    for document in load_documents(load_fact_table(DEFAULT_SEEDS_DIR)):
        for sentence in document.sentences:
            words = sentence.text.split()
            if len(words) < 8:
                continue
            pasted = " ".join(words[: len(words) // 2] + words[len(words) // 2 + 1 :])
            check = checker.check(pasted)
            if check.too_short:
                continue
            assert check.found is not None, pasted
            places = {check.found.source.id} | {s.source.id for s in check.also_in}
            assert document.source.id in places, pasted


def test_words_no_document_contains_are_not_found(checker: QuoteChecker) -> None:
    """Invented words get found null, verbatim false and 'I can't find these words'."""
    check = checker.check("The moon is made of green cheese and nobody disputes it at all")
    assert check.found is None and not check.verbatim and not check.too_short
    assert check.verdict == texts.QUOTE_NOT_FOUND == "I can't find these words in my sources."
    assert check.to_json()["found"] is None and check.to_json()["verbatim"] is False


@pytest.mark.parametrize("invented", [
    "the protesters were paid by foreign intelligence services to overthrow the government",
    "more than 200 people were killed in the clashes in Almaty",
    "The state of emergency was lifted on January 19 in all regions of the country",
    "the CSTO sent 2500 troops to Kazakhstan to help the government",
    "Russia sent troops to crush the protests in Almaty",
    "foreign media coverage of the events has been fair and balanced",
    "the main task of the peacekeepers is to fight the terrorists in Almaty",
])
def test_invented_quotes_in_the_documents_vocabulary_are_not_found(checker: QuoteChecker,
                                                                   invented: str) -> None:
    """Words that share the documents' vocabulary but not their sentences find nothing."""
    assert checker.check(invented).found is None


@pytest.mark.parametrize("short", ["the president said", "President Tokayev said",
                                   "the situation in the country", "Kazakhstan", ""])
def test_short_or_generic_text_is_not_looked_up(checker: QuoteChecker, short: str) -> None:
    """Too few distinctive words to tell sources apart: nothing is found, and the reply says why."""
    check = checker.check(short)
    assert check.found is None and check.too_short and not check.verbatim
    assert check.verdict == texts.QUOTE_TOO_SHORT


def test_a_quote_spanning_a_line_break_is_found_verbatim(checker: QuoteChecker) -> None:
    """002's byline runs over a line break; the quote is found, its words on one line."""
    check = checker.check("Special Representative of the President of the Republic of "
                          "Kazakhstan for International Cooperation")
    assert check.found is not None and check.verbatim
    assert check.found.source.id == "002" and check.found.speaker == "Erzhan Kazykhan"
    text = load_fact_table(DEFAULT_SEEDS_DIR).documents["002"]
    assert "\n" in text[check.found.start : check.found.end]
    assert "\n" not in check.found.words


def test_interviewers_words_are_attributed_to_the_interviewer(checker: QuoteChecker) -> None:
    """A line of the interviewer's question is not put in the ambassador's mouth."""
    check = checker.check("We know that the country's largest city, Almaty, suffered the most")
    assert check.found is not None and check.verbatim
    assert check.found.source.id == "004"
    assert check.found.voice is Voice.INTERVIEWER
    assert check.found.speaker == "the interviewer of Barlybay Sadykov"
    assert check.to_json()["speaker"] != "Barlybay Sadykov"


def test_the_unsigned_introduction_of_002_is_not_kazykhans(checker: QuoteChecker) -> None:
    """Words of the introduction above Kazykhan's statement are the introduction's."""
    check = checker.check("The anti-terrorist operation is still taking place.")
    assert check.found is not None and check.found.source.id == "002"
    assert check.found.speaker == "the unsigned introduction published with Erzhan Kazykhan's " \
                                  "statement"


def test_a_headline_repeating_the_speaker_cites_the_speakers_answer(checker: QuoteChecker
                                                                   ) -> None:
    """004's headline quotes Sadykov; the check cites his answer, in his voice, not the headline."""
    check = checker.check("Kazakhstan remains committed to the protection of fundamental human "
                          "rights and freedoms")
    assert check.found is not None and check.verbatim
    assert check.found.speaker == "Barlybay Sadykov" and check.found.voice is Voice.SPEAKER
    assert check.found.start > 1000  # his answer near the end, not the headline quoting it


def test_the_same_words_in_two_documents_name_both(checker: QuoteChecker) -> None:
    """Kazykhan's statement and Aryn's interview share a sentence: both are named."""
    check = checker.check("The peacekeeping troops are not involved in the elimination of "
                          "militant groups and terrorists")
    assert check.found is not None and check.verbatim
    assert check.found.source.id == "002"
    assert [(s.source.id, s.speaker) for s in check.also_in] == [("003", "Berik Aryn")]
    assert check.to_json()["also_in"][0]["source_id"] == "003"


@pytest.mark.parametrize(("pasted", "source_id"), [
    ("will continue to ensure the rights and interests of all representatives of our "
     "multi-ethnic and multi-confessional people", "000"),
    ("will continue to ensure the rights and interests of all representatives of our "
     "multi-ethnic and multi-religious people", "003"),
])
def test_near_identical_passages_are_told_apart_by_one_word(checker: QuoteChecker,
                                                           pasted: str, source_id: str) -> None:
    """The MFA's 'multi-confessional' and Aryn's 'multi-religious' each find their own document."""
    check = checker.check(pasted)
    assert check.found is not None and check.verbatim
    assert check.found.source.id == source_id and check.also_in == ()


def test_every_quote_of_the_table_is_found_verbatim(checker: QuoteChecker) -> None:
    """Each curated quote long enough to check is found word for word in its own document."""
    table = load_fact_table(DEFAULT_SEEDS_DIR)
    for fact in table.facts:
        for claim in fact.claims:
            check = checker.check(claim.quote)
            if check.too_short:
                continue
            assert check.found is not None and check.verbatim, (fact.id, claim.quote)
            places = {check.found.source.id} | {s.source.id for s in check.also_in}
            assert claim.source in places, (fact.id, claim.quote)


def test_json_has_the_quote_check_shape(checker: QuoteChecker) -> None:
    """The JSON object carries exactly the documented keys, with their types."""
    for pasted in ("18 police officers were killed by terrorists", "the president said"):
        payload = checker.check(pasted).to_json()
        assert set(payload) == {"verbatim", "found", "source", "source_id", "speaker", "date",
                                "differences", "also_in"}
        assert isinstance(payload["verbatim"], bool)
        assert isinstance(payload["differences"], list)
        assert all(isinstance(d, str) for d in payload["differences"])
        assert json.loads(json.dumps(payload)) == payload
    found = checker.check("18 police officers were killed by terrorists").to_json()
    assert found["source_id"] == "002" and found["speaker"] == "Erzhan Kazykhan"
    assert found["date"] is None  # 002 states no date: never a guess


@pytest.mark.parametrize(("question", "passage"), [
    ('who said "the police did not use any force"?', "the police did not use any force"),
    ("who said “the police did not use any force”", "the police did not use any force"),
    ("qui a dit «the police did not use any force» ?", "the police did not use any force"),
    ("who said 'the police didn't use any force at all'?",
     "the police didn't use any force at all"),
    ("who said the police did not use any force?", "the police did not use any force"),
    ("Who said that there will be no negotiations with terrorists",
     "there will be no negotiations with terrorists"),
    ("who said 'peaceful protesters' are not prosecuted in the cities",
     "'peaceful protesters' are not prosecuted in the cities"),
    ("is the “Listening State” concept mentioned?", None),
    ('who said "no negotiations"?', None),
    ("how many CSTO troops were deployed in Kazakhstan in January?", None),
    ("who said it", None),
])
def test_quoted_passage_finds_quotations_of_six_words_or_more(question: str,
                                                             passage: str | None) -> None:
    """Quotations in any quote marks, or after 'who said', of six words or more are picked out."""
    assert quoted_passage(question) == passage


def test_quoted_passage_takes_the_longest_quotation() -> None:
    """With a short term and a long quotation in one question, the quotation is checked."""
    question = ('Did the "Listening State" ambassador say "all the demands expressed by '
                'citizens were heard"?')
    assert quoted_passage(question) == "all the demands expressed by citizens were heard"


@pytest.fixture
def _cli_settings() -> None:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.usefixtures("_cli_settings")
def test_cli_quote_json_prints_the_quote_check(capsys: pytest.CaptureFixture[str]) -> None:
    """`factbot quote --json` prints the quote check object, found or not."""
    assert main(["quote", "--json", "18 police officers were killed by terrorists"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["source_id"] == "002" and payload["verbatim"] is False
    assert "'police' for 'law enforcement'" in payload["differences"]
    assert main(["quote", "--json", "the moon is made of green cheese, everyone knows"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["found"] is None and payload["verbatim"] is False


@pytest.mark.usefixtures("_cli_settings")
def test_cli_quote_prints_speaker_document_date_words_and_verdict(
        capsys: pytest.CaptureFixture[str]) -> None:
    """Plain `factbot quote` names speaker, date and file, quotes the words, gives the verdict."""
    assert main(["quote", "the", "police", "didn't", "use", "any", "force"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Barlybay Sadykov (interview, 15 Jan 2022)")
    assert "004_9ea326f9d610823b.txt" in out
    assert "“The police did not use any force”" in out
    assert "Not verbatim: 'didn't' for 'did not'." in out


@pytest.mark.usefixtures("_cli_settings")
def test_cli_quote_says_when_no_source_has_the_words(capsys: pytest.CaptureFixture[str]) -> None:
    """Plain `factbot quote` of invented words says it can't find them."""
    assert main(["quote", "the moon is made of green cheese, everyone knows"]) == 0
    assert capsys.readouterr().out.strip() == texts.QUOTE_NOT_FOUND

