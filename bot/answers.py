"""What the core hands to its front ends: attributed answers, citations, suggestions.

Every answer is a set of claims, each tied to a speaker, a document, a date and
a verbatim quote. The adapters render these; they never compose claim text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from bot import texts

if TYPE_CHECKING:
    from bot.quotecheck import QuoteCheck

# Quotes longer than this are shown shortened until the reader asks for them in full.
COLLAPSED_QUOTE_CHARS = 160


class Outcome(StrEnum):
    ANSWER = "answer"  # a curated fact
    QUOTE = "quote"  # pasted words found in a document (a quote check)
    PASSAGE = "passage"  # a document sentence, not curated: no fact answered confidently
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
    """A verbatim quote, the document it is in, and who spoke the words.

    `speaker` is the document's speaker unless the words are someone else's (an
    interviewer's question, an unsigned introduction)."""

    source: SourceInfo
    quote: str
    speaker: str

    @property
    def is_long(self) -> bool:
        """Long quotes are shown collapsed, with a way to read them in full."""
        return len(self.quote) > COLLAPSED_QUOTE_CHARS

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source.file,
            "source_id": self.source.id,
            "speaker": self.speaker,
            "date": self.source.date.isoformat() if self.source.date else None,
            "quote": self.quote,
        }


@dataclass(frozen=True, slots=True)
class AttributedClaim:
    text: str  # the attributed sentence: "According to X (interview, ...), ..."
    says: str  # the reported clause alone, only ever shown beside its speaker
    citation: Citation

    def to_json(self) -> dict[str, Any]:
        """What was said and by whom; the quote is in the answer's `citations`, same order."""
        source = self.citation.source
        return {
            "says": self.says,
            "speaker": self.citation.speaker,
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
    lead: str | None = None  # the key figure, date or name with who says it, shown first
    fact_version: int | None = None  # the version of the fact this answer shows
    as_of: date | None = None  # when what the fact says last changed (UTC date)
    claims: tuple[AttributedClaim, ...] = ()
    sources_differ: bool = False
    suggestions: tuple[Suggestion, ...] = ()
    hint: str | None = None  # what to try next when there is no answer
    quote_check: QuoteCheck | None = None  # when the question pasted or asked about a quote

    @property
    def answered(self) -> bool:
        return self.outcome in (Outcome.ANSWER, Outcome.QUOTE, Outcome.PASSAGE)

    @property
    def notice(self) -> str:
        """What to say instead of an answer: "did you mean", "don't know", "ask something"."""
        if self.outcome is Outcome.SUGGEST:
            return texts.SUGGEST_INTRO
        if not self.question:
            return texts.EMPTY_QUESTION
        if self.quote_check is not None:
            return f"{self.quote_check.verdict}\n{self.hint or texts.DONT_KNOW_HINT}"
        return f"{texts.DONT_KNOW}\n{self.hint or texts.DONT_KNOW_HINT}"

    @property
    def as_of_label(self) -> str | None:
        """"As of 12 Jan 2026": how fresh the fact is, shown under each answer."""
        return texts.AS_OF.format(date=format_date(self.as_of)) if self.as_of else None

    @property
    def has_long_quotes(self) -> bool:
        return self.answered and any(c.is_long for c in self.citations)

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
        if self.answered and self.as_of is not None:
            payload["as_of"] = self.as_of.isoformat()
        if self.hint:
            payload["hint"] = self.hint
        if self.quote_check is not None:
            payload["quote_check"] = self.quote_check.to_json()
        return payload


@dataclass(frozen=True, slots=True)
class Notice:
    """A plain-text reply that is not an answer: a confirmation, a refusal, a usage line.

    The wording is the core's; each adapter only escapes and sends it."""

    text: str


@dataclass(frozen=True, slots=True)
class SourceCard:
    """One document and the facts that cite it (`/source 003`)."""

    source: SourceInfo
    facts: tuple[Answer, ...]


def format_date(value: date) -> str:
    return f"{value.day} {value:%b %Y}"
