"""The held-out question sets judge the matcher, so they are checked against the documents.

`bench/eval/conversational.jsonl` holds questions the five documents answer; every string
that proves an answer must stand verbatim in a document the row names (or, for questions
about a document itself, in that document's entry in `seeds/sources.yaml`), otherwise the
scorer would reward or punish the bot for something the documents never said.
`bench/eval/adjacent.jsonl` holds questions the documents do not answer. Both are read by
`../shared/eval/score.py`, so their rows keep exactly its format.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "seeds"
EVAL = REPO / "bench" / "eval"
CONVERSATIONAL = EVAL / "conversational.jsonl"
ADJACENT = EVAL / "adjacent.jsonl"

MIN_ANSWERABLE = 130
MIN_CONFLICTS = 12
MIN_ADJACENT = 70


def _fold(text: str) -> str:
    """Line breaks differ between a question set and the documents; the scorer ignores case."""
    return re.sub(r"\s+", " ", text).strip().lower()


@dataclass(frozen=True)
class SourceText:
    """What an answer citing one document can quote: its text, and its sources.yaml entry."""

    document: str
    described: str


def _sources() -> dict[str, SourceText]:
    entries = yaml.safe_load((SEEDS / "sources.yaml").read_text(encoding="utf-8"))["sources"]
    return {
        entry["id"]: SourceText(
            document=_fold((SEEDS / entry["file"]).read_text(encoding="utf-8")),
            described=_fold(" ".join(str(value) for value in entry.values() if value is not None)),
        )
        for entry in entries
    }


SOURCES = _sources()


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def _answerable() -> list[dict[str, Any]]:
    return _rows(CONVERSATIONAL)


def _adjacent() -> list[dict[str, Any]]:
    return _rows(ADJACENT)


def _expected_strings(row: dict[str, Any]) -> Iterator[str]:
    yield from row["any"]
    yield from row.get("all", [])


def _is_text_list(value: object) -> bool:
    return (isinstance(value, list) and bool(value)
            and all(isinstance(item, str) and item.strip() for item in value))


def test_the_five_documents_are_the_ones_described() -> None:
    """sources.yaml names five documents 000-004, each file present."""
    assert sorted(SOURCES) == ["000", "001", "002", "003", "004"]


@pytest.mark.parametrize("row", _answerable(), ids=lambda row: str(row.get("id")))
def test_an_answerable_row_has_the_scorers_shape(row: dict[str, Any]) -> None:
    """An answerable row has an id, a question, proving strings and known document ids."""
    assert set(row) in ({"id", "q", "any", "docs"}, {"id", "q", "any", "docs", "all"})
    assert re.fullmatch(r"c\d{3}", row["id"])
    assert isinstance(row["q"], str) and row["q"].strip() == row["q"] and row["q"]
    assert _is_text_list(row["any"])
    assert _is_text_list(row["docs"]) and len(set(row["docs"])) == len(row["docs"])
    assert set(row["docs"]) <= set(SOURCES)


@pytest.mark.parametrize("row", _adjacent(), ids=lambda row: str(row.get("id")))
def test_an_adjacent_row_has_the_scorers_shape(row: dict[str, Any]) -> None:
    """An out-of-scope row is an id, a question and none: true, nothing else."""
    assert set(row) == {"id", "q", "none"}
    assert re.fullmatch(r"a\d{3}", row["id"])
    assert isinstance(row["q"], str) and row["q"].strip() == row["q"] and row["q"]
    assert row["none"] is True


@pytest.mark.parametrize("row", _answerable(), ids=lambda row: str(row["id"]))
def test_every_proving_string_stands_in_a_document_the_row_names(row: dict[str, Any]) -> None:
    """Each any/all string stands verbatim in a row's document or its sources.yaml entry."""
    for expected in _expected_strings(row):
        needle = _fold(expected)
        assert any(needle in SOURCES[doc].document or needle in SOURCES[doc].described
                   for doc in row["docs"]), (row["id"], expected)


@pytest.mark.parametrize("row", [row for row in _answerable() if "all" in row],
                         ids=lambda row: str(row["id"]))
def test_a_conflict_row_quotes_documents_that_disagree(row: dict[str, Any]) -> None:
    """A conflict row's `all` strings come from documents none of which holds them all."""
    assert _is_text_list(row["all"]) and len(row["all"]) >= 2
    needles = [_fold(expected) for expected in row["all"]]
    holding = [{doc for doc in row["docs"] if needle in SOURCES[doc].document}
               for needle in needles]
    assert all(holding), (row["id"], row["all"])
    assert not set.intersection(*holding), (row["id"], "one document holds every side")


def test_ids_are_unique_across_both_sets() -> None:
    """No id is used twice, within a set or between the two."""
    ids = [row["id"] for row in _answerable() + _adjacent()]
    assert len(ids) == len(set(ids))


def test_no_question_is_asked_twice() -> None:
    """A question appears once, and never both as answerable and as out of scope."""
    questions = [_fold(row["q"]) for row in _answerable() + _adjacent()]
    assert len(questions) == len(set(questions))


def test_the_sets_meet_their_minimum_sizes() -> None:
    """At least 130 answerable rows with 12 conflicts among them, and 70 out-of-scope rows."""
    answerable = _answerable()
    assert len(answerable) >= MIN_ANSWERABLE
    assert sum("all" in row for row in answerable) >= MIN_CONFLICTS
    assert len(_adjacent()) >= MIN_ADJACENT


def test_every_document_is_asked_about() -> None:
    """Each of the five documents is the only source of at least a few answerable rows."""
    only_from = [row["docs"][0] for row in _answerable() if len(row["docs"]) == 1]
    for doc in SOURCES:
        assert only_from.count(doc) >= 5, doc
