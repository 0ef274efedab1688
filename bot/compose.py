"""Turning facts into attributed answers. The bot never speaks a claim in its own voice."""

from __future__ import annotations

from bot import texts
from bot.answers import Answer, AttributedClaim, Citation, Outcome, SourceInfo, Suggestion
from bot.passages import PassageHit
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
    """The fact's answer: the key figure, date or name first, attributed, then the claims.

    A fact with many claims is answered with as many as fit a chat message (and the
    `ask --json` contract): one claim per document first, so every side of a disagreement
    is shown, then the rest while room remains; the count of the others is given."""
    chosen = _chosen_claims(fact)
    claims = tuple(
        AttributedClaim(text=claim_sentence(c), says=c.says.strip().rstrip("."),
                        citation=citation_of(c))
        for c in chosen
    )
    body = " ".join(claim.text for claim in claims)
    lead = _lead(fact, chosen) or None
    if lead:
        body = f"{lead} {body}"
    elif fact.sources_differ:
        body = f"Sources differ. {body}"
    omitted = len(fact.claims) - len(chosen)
    if omitted:
        body = f"{body} {texts.MORE_CLAIMS.format(count=omitted)}"
    return Answer(
        question=question, outcome=Outcome.ANSWER, score=score, fact_id=fact.id,
        headline=fact.headline, text=body, claims=claims, sources_differ=fact.sources_differ,
        short=fact.short, lead=lead, fact_version=fact.version,
        as_of=fact.as_of.date() if fact.as_of else None,
    )


# What an answer may take: its text before the quotes, and everything it says in all.
ANSWER_TEXT_CHARS = 1500
ANSWER_TOTAL_CHARS = 2600


def _chosen_claims(fact: FactRecord) -> list[ClaimRecord]:
    first_per_source: list[ClaimRecord] = []
    rest: list[ClaimRecord] = []
    seen: set[str] = set()
    for claim in fact.claims:
        (rest if claim.source.id in seen else first_per_source).append(claim)
        seen.add(claim.source.id)
    chosen: list[ClaimRecord] = []
    text = total = 0
    for number, claim in enumerate([*first_per_source, *rest]):
        sentence = len(claim_sentence(claim))
        cost = 2 * sentence + len(claim.quote) + 150  # text, claim, quote and metadata
        must = number == 0 or (fact.sources_differ and number < len(first_per_source))
        if not must and (text + sentence > ANSWER_TEXT_CHARS or total + cost >
                         ANSWER_TOTAL_CHARS):
            continue
        chosen.append(claim)
        text += sentence + 1
        total += cost
    order = {id(claim): n for n, claim in enumerate(fact.claims)}
    return sorted(chosen, key=lambda claim: order[id(claim)])


def _lead(fact: FactRecord, claims: list[ClaimRecord]) -> str:
    """"2,500 personnel — according to the MFA and Berik Aryn." (never in our own voice)."""
    if not fact.short:
        return ""
    names = list(dict.fromkeys(c.speaker or c.source.cited_as.split(",")[0] for c in claims))
    who = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    if fact.sources_differ:
        return texts.LEAD_DIFFER.format(short=fact.short, who=who)
    return texts.LEAD.format(short=fact.short, who=who)


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


def answer_from_passage(hit: PassageHit, source: SourceInfo, *, question: str) -> Answer:
    """A document's sentence, verbatim and attributed, marked as not from the curated
    table: the closest the sources come when no fact answers confidently."""
    citation = Citation(source=source, quote=hit.text, speaker=hit.speaker)
    attributed = (f"According to {hit.speaker} ({source.kind}, {source.date_label}): "
                  f"“{hit.text}”")
    claim = AttributedClaim(text=attributed, says=hit.text, citation=citation)
    return Answer(question=question, outcome=Outcome.PASSAGE, score=hit.score,
                  headline=texts.PASSAGE_HEADLINE, lead=texts.PASSAGE_NOTE,
                  text=f"{texts.PASSAGE_NOTE} {attributed}", claims=(claim,))
