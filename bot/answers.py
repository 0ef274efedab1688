"""What the core hands to its front ends: attributed answers, citations, suggestions.

Every answer is a set of claims, each tied to a speaker, a document, a date and
a verbatim quote. The adapters render these; they never compose claim text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    ANSWER = "answer"
    SUGGEST = "suggest"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class SourceInfo:
    id: str  # short id, e.g. "003"
    file: str  # seed file name, e.g. "003_ccc88f40e3d7ca83.txt"
    title: str
    speaker: str
    speaker_role: str
    publisher: str
    date: date | None
    kind: str  # statement | commentary | interview
    cited_as: str  # how answers name the speaker: "Berik Aryn, Kazakhstan's ambassador to ..."

    @property
    def date_label(self) -> str:
        return format_date(self.date) if self.date else "date not stated"

    @property
    def attribution(self) -> str:
        """'the Ministry of Foreign Affairs of Kazakhstan (commentary, 10 Jan 2022)'."""
        return f"{self.cited_as} ({self.kind}, {self.date_label})"


@dataclass(frozen=True, slots=True)
class Citation:
    source: SourceInfo
    quote: str

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source.file,
            "source_id": self.source.id,
            "speaker": self.source.speaker,
            "date": self.source.date.isoformat() if self.source.date else None,
            "quote": self.quote,
        }


@dataclass(frozen=True, slots=True)
class Claim:
    text: str  # the attributed sentence: "According to X (interview, ...), ..."
    says: str  # the reported clause alone, only ever shown beside its speaker
    citation: Citation

    def to_json(self) -> dict[str, Any]:
        """What was said and by whom; the quote is in the answer's `citations`, same order."""
        source = self.citation.source
        return {
            "says": self.says,
            "speaker": source.speaker,
            "source": source.file,
            "date": source.date.isoformat() if source.date else None,
        }


@dataclass(frozen=True, slots=True)
class Suggestion:
    fact_id: str
    question: str  # a question form of the fact, for "did you mean ...?"
    headline: str
    score: float


@dataclass(frozen=True, slots=True)
class Answer:
    question: str
    outcome: Outcome
    score: float
    fact_id: str | None = None
    headline: str | None = None  # neutral label of the fact ("Size of the CSTO contingent")
    short: str | None = None  # terse key figure or date, shown only beside an attribution
    text: str | None = None  # the full attributed answer
    claims: tuple[Claim, ...] = ()
    sources_differ: bool = False
    suggestions: tuple[Suggestion, ...] = ()
    hint: str | None = None  # what to try next when there is no answer
    tags: tuple[str, ...] = field(default=())

    @property
    def answered(self) -> bool:
        return self.outcome is Outcome.ANSWER

    @property
    def citations(self) -> tuple[Citation, ...]:
        return tuple(claim.citation for claim in self.claims)

    def to_json(self) -> dict[str, Any]:
        """The stable `ask --json` contract."""
        payload: dict[str, Any] = {
            "question": self.question,
            "answered": self.answered,
            "outcome": self.outcome.value,
            "answer": self.text if self.answered else None,
            "score": round(self.score, 1),
            "fact_id": self.fact_id if self.answered else None,
            "citations": [c.to_json() for c in self.citations] if self.answered else [],
        }
        if self.answered and len(self.claims) > 1:
            payload["claims"] = [claim.to_json() for claim in self.claims]
            payload["sources_differ"] = self.sources_differ
        if self.outcome is Outcome.SUGGEST:
            payload["suggestions"] = [
                {"fact_id": s.fact_id, "question": s.question, "score": round(s.score, 1)}
                for s in self.suggestions
            ]
        if self.hint:
            payload["hint"] = self.hint
        return payload


def format_date(value: date) -> str:
    return f"{value.day} {value:%b %Y}"
