"""Coverage of the documents by the fact table: sentences, askable ones, cited ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from adapters.console.cli import main
from bot.core import FactBot
from bot.coverage import askable_signals, measure_coverage, split_sentences
from bot.facttable import load_fact_table
from bot.settings import DEFAULT_SEEDS_DIR, get_settings

# A dispatch as newsrooms receive them: a title broken over two lines,
# abbreviations, grouped numbers, quotes, an interview turn and boilerplate at the end.
DISPATCH = """Statement of the Ministry on the events
in the capital

A curfew runs from 11 p.m. to 7 a.m. in Almaty. H.E. Mr. Berik Aryn said so on Monday.
About 2,500 troops, or 2.5 thousand, arrived on January 6.
The minister condemned the attackers as “real terrorists.” Shops stayed open.
Ambassador: The police did not use firearms because the crowd was peaceful.
What happened next?
The weather was cold.
The Ministry will publish its findings. Prices fell by half.

Leave a Reply
"""


def _seed_folder(tmp_path: Path, quotes: list[str]) -> Path:
    """A one-document seed folder whose only fact quotes `quotes`."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "000_dispatch.txt").write_text(DISPATCH, encoding="utf-8")
    (seeds / "sources.yaml").write_text(yaml.safe_dump({"sources": [{
        "id": "000", "file": "000_dispatch.txt", "title": "Dispatch", "speaker": "The Ministry",
        "speaker_role": "Ministry", "publisher": "The Ministry", "cited_as": "the Ministry",
        "date": None, "kind": "statement"}]}), encoding="utf-8")
    (seeds / "facts.yaml").write_text(yaml.safe_dump({"facts": [{
        "id": "dispatch", "headline": "The dispatch", "questions": ["what does it say"],
        "claims": [{"source": "000", "says": "it says so", "quote": q} for q in quotes]}]}),
        encoding="utf-8")
    return seeds


def test_sentences_survive_abbreviations_numbers_quotes_and_line_breaks() -> None:
    """Abbreviations, grouped numbers and closing quotes do not cut a sentence short."""
    texts = [s.text for s in split_sentences(DISPATCH)]
    assert texts == [
        "A curfew runs from 11 p.m. to 7 a.m. in Almaty.",
        "H.E. Mr. Berik Aryn said so on Monday.",
        "About 2,500 troops, or 2.5 thousand, arrived on January 6.",
        "The minister condemned the attackers as “real terrorists.”",
        "Shops stayed open.",
        "The police did not use firearms because the crowd was peaceful.",
        "What happened next?",
        "The weather was cold.",
        "The Ministry will publish its findings.",
        "Prices fell by half.",
    ]


def test_a_sentence_ending_on_a_time_of_day_ends_there() -> None:
    """"7 a.m." closes a sentence when a new one follows."""
    texts = [s.text for s in split_sentences("The curfew ends at 7 a.m. Shops open at 9.")]
    assert texts == ["The curfew ends at 7 a.m.", "Shops open at 9."]


def test_sentence_offsets_point_into_the_whitespace_folded_document() -> None:
    """Each sentence's offsets select exactly its text from the folded document."""
    folded = " ".join(DISPATCH.split())
    for sentence in split_sentences(DISPATCH):
        assert folded[sentence.start:sentence.end] == sentence.text


@pytest.mark.parametrize(("sentence", "signals"), [
    ("About 2,500 troops arrived.", ("figure",)),
    ("Prices fell by half.", ("figure",)),
    ("The troops arrived on January 6.", ("figure", "date")),
    ("The troops arrived in Almaty.", ("name",)),
    ("The police did not shoot because the crowd was peaceful.", ("reason",)),
    ("The ministry condemned the attacks.", ("position",)),
    ("They may know the truth.", ()),
    ("The weather was cold.", ()),
    ("What happened in Almaty on January 6?", ()),
])
def test_askable_sentences_carry_a_figure_date_name_reason_or_position(
    sentence: str, signals: tuple[str, ...]
) -> None:
    """Each kind of content is recognised, and a question or small talk is not askable."""
    assert askable_signals(sentence) == signals


def test_a_name_the_document_uses_counts_at_the_start_of_a_sentence() -> None:
    """"Kazakhstan provides …" is askable once the document capitalises Kazakhstan mid-sentence."""
    assert askable_signals("Kazakhstan provides security.") == ()
    assert askable_signals("Kazakhstan provides security.", frozenset({"Kazakhstan"})) == (
        "name",)
    assert askable_signals("CSTO troops arrived.") == ("name",)


def test_a_sentence_is_cited_only_when_claims_quote_most_of_it(tmp_path: Path) -> None:
    """A whole sentence or its main clause cites it; a name lifted from it does not."""
    seeds = _seed_folder(tmp_path, [
        "A curfew runs from 11 p.m. to 7 a.m. in Almaty.",
        "did not use firearms because the crowd was peaceful.",
        "Berik Aryn",
    ])
    report = measure_coverage(load_fact_table(seeds))
    (document,) = report.documents
    assert document.total == 7
    assert [text for text, _ in document.uncited] == [
        "H.E. Mr. Berik Aryn said so on Monday.",
        "About 2,500 troops, or 2.5 thousand, arrived on January 6.",
        "The minister condemned the attackers as “real terrorists.”",
        "The Ministry will publish its findings.",
        "Prices fell by half.",
    ]
    assert (report.cited, report.total) == (2, 7)


def test_quotes_spanning_two_sentences_cite_both(tmp_path: Path) -> None:
    """One quote across a sentence boundary cites each sentence it covers."""
    seeds = _seed_folder(tmp_path, ["The Ministry will publish its findings. Prices fell by half."])
    report = measure_coverage(load_fact_table(seeds))
    uncited = [text for text, _ in report.documents[0].uncited]
    assert "The Ministry will publish its findings." not in uncited
    assert "Prices fell by half." not in uncited


def test_facts_coverage_json_has_the_documented_shape(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`factbot facts coverage --json` prints overall and per-document counts and gaps."""
    seeds = _seed_folder(tmp_path, ["A curfew runs from 11 p.m. to 7 a.m. in Almaty."])
    monkeypatch.setenv("FACTBOT_SEEDS_DIR", str(seeds))
    get_settings.cache_clear()
    try:
        assert main(["facts", "coverage", "--json"]) == 0
    finally:
        get_settings.cache_clear()
    payload = json.loads(capsys.readouterr().out)
    assert payload["overall"] == {"cited": 1, "total": 7, "share": round(1 / 7, 4)}
    (document,) = payload["documents"]
    assert set(document) == {"source", "cited", "total", "share", "uncited"}
    assert document["source"] == "000" and len(document["uncited"]) == 6


def test_facts_coverage_text_names_each_document_and_its_gaps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The readable report gives the share per document and lists what is not cited."""
    seeds = _seed_folder(tmp_path, ["A curfew runs from 11 p.m. to 7 a.m. in Almaty."])
    monkeypatch.setenv("FACTBOT_SEEDS_DIR", str(seeds))
    get_settings.cache_clear()
    try:
        assert main(["facts", "coverage"]) == 0
    finally:
        get_settings.cache_clear()
    out = capsys.readouterr().out
    assert "1 of 7 (14.3%)" in out
    assert "000  1/7 (14.3%)  Dispatch" in out
    assert "not cited [figure]: Prices fell by half." in out


def test_the_shipped_table_cites_at_least_92_percent_of_askable_sentences() -> None:
    """The curated table covers what the documents say, above CI's 90% floor."""
    report = measure_coverage(load_fact_table(DEFAULT_SEEDS_DIR))
    assert report.total >= 140
    assert report.share >= 0.92, report.to_text()
    assert all(d.share >= 0.85 for d in report.documents), report.to_text()


@pytest.mark.parametrize(("question", "fact_id"), [
    ("what prompted the state of emergency", "state-of-emergency-reason"),
    ("why was the state of emergency declared", "state-of-emergency-reason"),
    ("when was the state of emergency declared", "state-of-emergency-declared"),
    ("who declared the state of emergency", "state-of-emergency-declared"),
])
def test_the_reasons_for_the_emergency_answer_apart_from_its_declaration(
    shared_core: FactBot, question: str, fact_id: str
) -> None:
    """Asking why the emergency came reaches its reasons; asking when or who still does not."""
    answer = shared_core.match(question)
    assert answer.answered and answer.fact_id == fact_id
