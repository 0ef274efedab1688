"""The newsroom desk in chat: what editors may do from Telegram and Discord, decided once.

Both adapters gather what the platform says about the person (`Requester`) and what they
typed or pressed, and call the `Desk`; it checks that the person is an editor, makes the
change through the curation service (so it is versioned and attributed, and every
instance answers from it within a minute) and says what happened, in `bot.texts` words.

Buttons carry no server-side state: a "teach" button names its gap and its fact by short
hashes (Telegram allows 64 bytes of callback data), and the press looks both up again.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from rapidfuzz import fuzz

from bot import texts
from bot.answering import Answering
from bot.answers import Answer, Notice
from bot.compose import answer_from_fact
from bot.curation import Curation
from bot.editors import EditorPolicy, Requester
from bot.errors import UserError
from bot.facttable import SeedClaim, SeedFact, fold_whitespace
from bot.gaps import Gap
from bot.store import Actor, ClaimRecord, FactRecord

log = logging.getLogger(__name__)

GAPS_WINDOW = timedelta(days=7)
GAPS_SHOWN = 5
_TOKEN_CHARS = 8


def token(text: str) -> str:
    """A short, stable name for a question or a fact id, for buttons' data."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:_TOKEN_CHARS]


@dataclass(frozen=True, slots=True)
class TeachChoice:
    """A button under a gap: teach this gap's question to this fact."""

    label: str
    data: str  # "<question token>:<fact token>"


@dataclass(frozen=True, slots=True)
class GapCard:
    gap: Gap
    choices: tuple[TeachChoice, ...]


@dataclass(frozen=True, slots=True)
class GapsBoard:
    """`/gaps` for an editor: the most asked unanswered questions, each with teach buttons."""

    cards: tuple[GapCard, ...]
    window: str  # "7 days"


@dataclass(frozen=True, slots=True)
class FactDraft:
    """A new fact as an editor builds it in chat: one claim from one document."""

    source_id: str
    quote: str
    says: str
    questions: tuple[str, ...]
    headline: str = ""
    short: str = ""


@dataclass(frozen=True, slots=True)
class QuoteVerdict:
    verbatim: bool
    message: str  # what to tell the editor: found, or the closest passage


class GapFinder(Protocol):
    """The core's `FactBot.gaps`, as the desk needs it."""

    def __call__(self, since: timedelta, *, limit: int) -> list[Gap]: ...


class Desk:
    def __init__(self, *, policy: EditorPolicy, curation: Curation, answering: Answering,
                 gaps: GapFinder) -> None:
        self.policy = policy
        self.curation = curation
        self.answering = answering
        self._gaps = gaps

    # --- who may ------------------------------------------------------------------------

    def is_editor(self, requester: Requester) -> bool:
        return self.policy.is_editor(requester)

    def _refusal(self, requester: Requester) -> Notice | None:
        if self.is_editor(requester):
            return None
        log.info("refused an editor command from a non-editor on %s", requester.platform)
        return Notice(texts.EDITORS_ONLY)

    @staticmethod
    def _actor(requester: Requester, chat_id: str | None) -> Actor:
        return Actor(requester.actor, f"{requester.platform}:{chat_id or 'direct'}")

    # --- gaps and teaching ----------------------------------------------------------------

    def gaps(self, requester: Requester) -> GapsBoard | Notice:
        refused = self._refusal(requester)
        if refused:
            return refused
        found = self._gaps(GAPS_WINDOW, limit=GAPS_SHOWN)
        if not found:
            return Notice(texts.NO_GAPS)
        cards = tuple(
            GapCard(gap, tuple(
                TeachChoice(texts.TEACH_BUTTON.format(headline=c.headline),
                            f"{token(gap.question)}:{token(c.fact_id)}")
                for c in gap.candidates))
            for gap in found)
        return GapsBoard(cards, texts.GAPS_WINDOW)

    def teach_choice(self, requester: Requester, data: str, *, chat_id: str | None
                     ) -> Notice:
        """A teach button pressed: find its gap and fact again, then teach."""
        refused = self._refusal(requester)
        if refused:
            return refused
        question_token, _, fact_token = data.partition(":")
        for gap in self._gaps(GAPS_WINDOW * 2, limit=50):
            if token(gap.question) != question_token:
                continue
            for candidate in gap.candidates:
                if token(candidate.fact_id) == fact_token:
                    return self.teach(requester, candidate.fact_id, gap.question,
                                      chat_id=chat_id)
        return Notice(texts.GAP_GONE)

    def teach(self, requester: Requester, fact_id: str, question: str, *,
              chat_id: str | None) -> Notice:
        refused = self._refusal(requester)
        if refused:
            return refused
        try:
            changed = self.curation.teach(fact_id.strip(), question,
                                          actor=self._actor(requester, chat_id))
        except UserError as error:
            return Notice(str(error))
        return Notice(texts.TAUGHT.format(question=fold_whitespace(question),
                                          fact_id=changed.fact_id,
                                          version=changed.new_version))

    # --- retract and revert -----------------------------------------------------------------

    def retract(self, requester: Requester, fact_id: str, reason: str, *,
                chat_id: str | None) -> Notice:
        refused = self._refusal(requester)
        if refused:
            return refused
        try:
            changed = self.curation.retract(fact_id.strip(), reason=reason,
                                            actor=self._actor(requester, chat_id))
        except UserError as error:
            return Notice(str(error))
        return Notice(texts.CHANGED.format(fact_id=changed.fact_id, version=changed.new_version,
                                           summary=changed.summary))

    def revert(self, requester: Requester, fact_id: str, version: str, *,
               chat_id: str | None) -> Notice:
        refused = self._refusal(requester)
        if refused:
            return refused
        if not re.fullmatch(r"\d{1,6}", version.strip(), re.ASCII):
            return Notice(texts.REVERT_USAGE)
        try:
            changed = self.curation.revert(fact_id.strip(), int(version),
                                           actor=self._actor(requester, chat_id))
        except UserError as error:
            return Notice(str(error))
        if changed is None:
            return Notice(texts.NOTHING_TO_CHANGE.format(fact_id=fact_id.strip()))
        return Notice(texts.CHANGED.format(fact_id=changed.fact_id, version=changed.new_version,
                                           summary=changed.summary))

    # --- a new fact, step by step ---------------------------------------------------------------

    def check_quote(self, source_id: str, quote: str) -> QuoteVerdict:
        """Is the pasted quote verbatim in the stored document? If not, the closest passage."""
        document = self.answering.document_text(source_id)
        if document is None:
            return QuoteVerdict(False, texts.UNKNOWN_SOURCE.format(wanted=source_id))
        folded = fold_whitespace(quote)
        if len(folded) < 8:
            return QuoteVerdict(False, texts.QUOTE_TOO_SHORT_TO_CITE)
        if folded in fold_whitespace(document):
            return QuoteVerdict(True, texts.QUOTE_VERBATIM)
        return QuoteVerdict(False, texts.QUOTE_NOT_VERBATIM.format(
            closest=closest_passage(folded, fold_whitespace(document))))

    def preview(self, draft: FactDraft) -> Answer | Notice:
        """How the new fact would answer, before the editor confirms it."""
        source = self.answering.source(draft.source_id)
        if source is None:
            return Notice(texts.UNKNOWN_SOURCE.format(wanted=draft.source_id))
        record = FactRecord(
            id=new_fact_id(draft, set()), headline=_headline(draft), short=draft.short,
            questions=draft.questions, tags=(), event_date=None, sources_differ=False,
            claims=(ClaimRecord(source=source, says=draft.says, quote=draft.quote),))
        return answer_from_fact(record, question=draft.questions[0], score=100.0)

    def add_fact(self, requester: Requester, draft: FactDraft, *, chat_id: str | None
                 ) -> Notice:
        refused = self._refusal(requester)
        if refused:
            return refused
        taken = {fact.id for fact in self.answering.index.facts}
        try:
            fact = SeedFact(
                id=new_fact_id(draft, taken), headline=_headline(draft), short=draft.short,
                questions=list(draft.questions),
                claims=[SeedClaim(source=draft.source_id, says=draft.says, quote=draft.quote)])
            added = self.curation.add_facts([fact], actor=self._actor(requester, chat_id))
        except (UserError, ValueError) as error:
            return Notice(texts.FACT_NOT_ADDED.format(reason=_first_line(error)))
        return Notice(texts.FACT_ADDED.format(fact_id=added[0]))


def _headline(draft: FactDraft) -> str:
    headline = fold_whitespace(draft.headline) or fold_whitespace(draft.questions[0])
    return headline[:1].upper() + headline[1:120]


def new_fact_id(draft: FactDraft, taken: set[str]) -> str:
    """A kebab-case id from the headline, unique in the table."""
    words = re.findall(r"[a-z0-9]+", _headline(draft).casefold())[:6] or ["fact"]
    base = "-".join(words)[:60].strip("-") or "fact"
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    return candidate


def closest_passage(quote: str, document: str) -> str:
    alignment = fuzz.partial_ratio_alignment(quote, document)
    if alignment is None or alignment.score < 60:
        return texts.NO_SIMILAR_PASSAGE
    return f"“{document[alignment.dest_start:alignment.dest_end]}”"


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
