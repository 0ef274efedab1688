"""Turning facts into attributed answers. The bot never speaks a claim in its own voice."""

from __future__ import annotations

from bot import texts
from bot.answers import Answer, AttributedClaim, Citation, Outcome, SourceInfo, Suggestion
from bot.quotecheck import QuoteCheck
from bot.store import ClaimRecord, FactRecord


def attribution(claim: ClaimRecord) -> str:
    """'Berik Aryn, Kazakhstan's Ambassador to Saudi Arabia (interview, date not stated)'."""
    who = claim.speaker or claim.source.cited_as
    return f"{who} ({claim.source.kind}, {claim.source.date_label})"


def claim_sentence(claim: ClaimRecord) -> str:
    says = claim.says.strip().rstrip(".")
    return f"According to {attribution(claim)}, {says}."


def citation_of(claim: ClaimRecord) -> Citation:
    return Citation(source=claim.source, quote=claim.quote,
                    speaker=claim.speaker or claim.source.speaker)


def answer_from_fact(fact: FactRecord, *, question: str, score: float) -> Answer:
    claims = tuple(
        AttributedClaim(text=claim_sentence(c), says=c.says.strip().rstrip("."),
                        citation=citation_of(c))
        for c in fact.claims
    )
    body = " ".join(claim.text for claim in claims)
    if fact.sources_differ:
        body = f"Sources differ. {body}"
    return Answer(
        question=question, outcome=Outcome.ANSWER, score=score, fact_id=fact.id,
        headline=fact.headline, text=body, claims=claims, sources_differ=fact.sources_differ,
        short=fact.short,
    )


def suggestion_for(fact: FactRecord, score: float) -> Suggestion:
    return Suggestion(fact_id=fact.id, question=fact.questions[0], headline=fact.headline,
                      score=score)


def answer_from_quote(check: QuoteCheck, source: SourceInfo, *, question: str,
                      score: float) -> Answer:
    """Who said the pasted words, where and when, with the document's exact words."""
    assert check.found is not None
    found = check.found
    citation = Citation(source=source, quote=found.words, speaker=found.speaker)
    says = texts.QUOTE_SAID.format(words=shorten_words(found.words), title=source.title)
    sentence = (f"{found.speaker} ({source.kind}, {source.date_label}) {says} "
                f"{check.verdict}")
    claim = AttributedClaim(text=sentence, says=says, citation=citation)
    return Answer(question=question, outcome=Outcome.QUOTE, score=score,
                  headline=texts.QUOTE_HEADLINE, short=found.speaker, text=sentence,
                  claims=(claim,), quote_check=check)


def shorten_words(words: str, limit: int = 300) -> str:
    return words if len(words) <= limit else words[: limit - 1].rstrip() + "…"
