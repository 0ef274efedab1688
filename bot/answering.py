"""Answering questions from the fact table: the index in memory, the question log on disk.

Synchronous by design (SQLAlchemy sessions, in-memory matcher). Async adapters reach it
through `bot.core.FactBot`, which runs the calls that touch the database in a thread.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from bot import texts
from bot.answers import Answer, AttributedClaim, Citation, Outcome, SourceInfo, Suggestion
from bot.compose import answer_from_fact, suggestion_for
from bot.facttable import load_fact_table
from bot.matching import FactIndex, Match, voice_of
from bot.normalize import Normalizer
from bot.settings import Settings
from bot.store import (
    FactRecord,
    SyncReport,
    load_facts,
    loaded_seeds_digest,
    sync_fact_table,
)
from db.database import Database
from db.models import QuestionLog
from db.types import utcnow

log = logging.getLogger(__name__)

_SOURCE_NUMBER = re.compile(r"\d{1,6}", re.ASCII)
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class Chat:
    """Where a question was asked: a platform's chat, never the person who asked."""

    platform: str
    id: str | None = None
    private: bool = True  # when unsure, treat a chat as private: its questions stay in it


def clean_question(question: str, max_chars: int) -> tuple[str, bool]:
    """Whitespace folded, capped to `max_chars`; also says whether it was cut.

    Lone surrogates (undecodable bytes smuggled in as text) become U+FFFD: they cannot
    be stored or printed."""
    folded = _SURROGATE.sub("\ufffd", " ".join(question.split()))
    return folded[:max_chars], len(folded) > max_chars


def document_answer(source: SourceInfo, *, question: str) -> Answer:
    """What a document's own metadata says about it: who, what kind, published where,
    dated when; quoted by its title, which stands in the document."""
    dated = (texts.DOCUMENT_DATED.format(date=source.date_label) if source.date
             else texts.DOCUMENT_UNDATED)
    says = texts.DOCUMENT_SAYS.format(title=source.title, kind=source.kind,
                                      cited_as=source.cited_as,
                                      publisher=source.publisher, dated=dated)
    citation = Citation(source=source, quote=source.title, speaker=source.speaker)
    claim = AttributedClaim(text=f"{says}.", says=says, citation=citation)
    return Answer(question=question, outcome=Outcome.ANSWER, score=100.0,
                  headline=texts.DOCUMENT_HEADLINE.format(title=source.title),
                  short=source.date_label, text=claim.text, claims=(claim,))


def speaker_silent(match: Match, sources: dict[str, SourceInfo]) -> str:
    """"The MFA says nothing on this in my sources; Erzhan Kazykhan ... does."."""
    named = sorted({voice.speaker or (sources[voice.source_id].cited_as
                                      if voice.source_id in sources else voice.source_id)
                    for voice in match.silent_voices})
    others = sorted({claim.speaker or claim.source.cited_as for claim in match.fact.claims})
    return texts.SPEAKER_SILENT.format(
        speakers=" and ".join(named), verb="say" if len(named) > 1 else "says",
        others=" and ".join(others), other_verb="do" if len(others) > 1 else "does")


class Answering:
    """Answers questions from the fact table; keeps the index fresh and the question log."""

    def __init__(self, settings: Settings, database: Database):
        self.settings = settings
        self.database = database
        self._index = FactIndex([], Normalizer())
        self._sources: list[SourceInfo] = []
        self._loaded_digest: str | None = None

    # --- the fact table ---------------------------------------------------------------

    def load_seeds(self, *, only_if_changed: bool = False) -> SyncReport:
        table = load_fact_table(self.settings.seeds_dir)
        with self.database.session() as session:
            if only_if_changed and loaded_seeds_digest(session=session) == table.digest:
                report = SyncReport()
            else:
                report = sync_fact_table(session=session, table=table)
        if report.changed:
            log.info("fact table loaded: %s", report.summary())
        self._build_index(table.aliases)
        return report

    def _build_index(self, aliases: dict[str, list[str]]) -> None:
        with self.database.session() as session:
            sources, facts = load_facts(session=session)
            digest = loaded_seeds_digest(session=session)
        self._sources = sources
        self._index = FactIndex(facts, Normalizer(aliases))
        self._loaded_digest = digest

    def refresh_if_changed(self) -> bool:
        """Rebuild the index when another process loaded a new table; cheap to call often."""
        with self.database.session() as session:
            digest = loaded_seeds_digest(session=session)
        if digest == self._loaded_digest:
            return False
        table = load_fact_table(self.settings.seeds_dir)
        self._build_index(table.aliases)
        return True

    @property
    def index(self) -> FactIndex:
        return self._index

    # --- questions ----------------------------------------------------------------------

    def ask(self, question: str, *, chat: Chat, record: bool = True) -> Answer:
        answer = self.match(question)
        if record and answer.question:
            self._record(answer, chat=chat)
        return answer

    def match(self, question: str) -> Answer:
        """The answer to `question` from memory alone: nothing is read or written."""
        text, was_cut = clean_question(question, self.settings.match_max_question_chars)
        if not text:
            return Answer(question="", outcome=Outcome.NONE, score=0.0)
        matches = self._index.search(text, limit=4)
        best = matches[0] if matches else None
        confident = next((m for m in matches if self._confident(m)), None)
        if confident is not None:
            return answer_from_fact(self._shown(confident), question=text,
                                    score=confident.score)
        document = self._index.document_asked(text)
        if document is not None:
            return document_answer(document, question=text)
        hint = texts.DONT_KNOW_HINT
        silent = next((m for m in matches if m.silent_voices and m.accounts), None)
        if silent is not None:
            sources = {source.id: source for source in self._sources}
            said = speaker_silent(silent, sources)
            hint = f"{said[:1].upper()}{said[1:]} {hint}"
        if was_cut:
            limit = self.settings.match_max_question_chars
            hint = f"{texts.QUESTION_CUT.format(limit=limit)} {hint}"
        # A question cut short is not read whole: say so rather than guess at it.
        candidates = () if was_cut else tuple(
            suggestion_for(m.fact, m.score) for m in matches
            if m.score >= self.settings.match_suggest_threshold
        )[:3]
        if candidates:
            return Answer(question=text, outcome=Outcome.SUGGEST, score=best.score if best else 0,
                          suggestions=candidates, hint=hint)
        return Answer(question=text, outcome=Outcome.NONE, score=best.score if best else 0.0,
                      hint=hint)

    def _confident(self, match: Match) -> bool:
        """Answer only a fact that accounts for every content word of the question, gives
        the kind of answer asked, from the voice asked, and ranks close enough; anything
        less is a suggestion at most."""
        return (match.answers and match.score >= self.settings.match_answer_threshold
                and (match.precision >= self.settings.match_min_form_precision
                     or match.evidence >= self.settings.match_min_evidence))

    @staticmethod
    def _shown(match: Match) -> FactRecord:
        """The fact with only the claims of the voices the question names."""
        if len(match.claims) == len(match.fact.claims):
            return match.fact
        voices = {voice_of(claim) for claim in match.claims}
        return replace(match.fact, claims=match.claims,
                       sources_differ=match.fact.sources_differ and len(voices) > 1)

    def _record(self, answer: Answer, *, chat: Chat) -> None:
        try:
            with self.database.session() as session:
                session.add(QuestionLog(
                    asked_at=utcnow(), platform=chat.platform, chat_id=chat.id,
                    question=answer.question[:300], outcome=answer.outcome.value,
                    fact_id=answer.fact_id, score=round(answer.score, 1),
                ))
        except SQLAlchemyError as error:
            # The answer matters more than the statistics: answer anyway.
            log.warning("could not record the question: %s", type(error).__name__)

    def answer_for(self, fact_id: str) -> Answer | None:
        """A fact's answer by id (a button, an autocomplete pick), or None if it is gone."""
        fact = self._index.get(fact_id)
        if fact is None:
            return None
        return answer_from_fact(fact, question=fact.questions[0], score=100.0)

    def complete(self, text: str, limit: int) -> list[Suggestion]:
        """Facts to offer while someone types: prefix-aware, in memory."""
        if not text.strip():
            return [suggestion_for(f, 0.0) for f in self._index.facts[:limit]]
        matches = self._index.search(text[: self.settings.match_max_question_chars],
                                     limit=limit, prefix=True)
        floor = self.settings.match_suggest_threshold * 0.6
        return [suggestion_for(m.fact, m.score) for m in matches if m.score >= floor]

    def related(self, text: str, limit: int) -> list[Answer]:
        """The confident answer first, then other close facts; suggestions when unsure."""
        best = self.match(text)
        if best.outcome is Outcome.NONE:
            return []
        fact_ids = [best.fact_id] if best.fact_id else []
        fact_ids += [s.fact_id for s in best.suggestions]
        fact_ids += [s.fact_id for s in self.complete(text, limit)]
        unique = list(dict.fromkeys(fact_ids))[:limit]
        return [a for a in (self.answer_for(i) for i in unique) if a]

    def popular(self, limit: int, *, days: int = 30) -> list[Answer]:
        """The most asked facts lately, topped up from the table's own order."""
        since = utcnow() - timedelta(days=days)
        with self.database.session() as session:
            rows = session.execute(
                select(QuestionLog.fact_id, func.count().label("asked"))
                .where(QuestionLog.fact_id.is_not(None), QuestionLog.asked_at >= since)
                .group_by(QuestionLog.fact_id)
                .order_by(func.count().desc(), QuestionLog.fact_id)
                .limit(limit)
            ).all()
        ids = [fact_id for fact_id, _ in rows if fact_id and self._index.get(fact_id)]
        for fact in self._index.facts:
            if len(ids) >= limit:
                break
            if fact.id not in ids:
                ids.append(fact.id)
        return [a for a in (self.answer_for(i) for i in ids[:limit]) if a]

    # --- sources --------------------------------------------------------------------------

    def sources(self) -> list[SourceInfo]:
        return list(self._sources)

    def source(self, wanted: str) -> SourceInfo | None:
        """A document by id ("003", "3") or file name; None for anything else."""
        wanted = wanted.strip().casefold()
        number = int(wanted) if _SOURCE_NUMBER.fullmatch(wanted) else None
        for source in self._sources:
            if wanted in (source.id, source.file.casefold(), source.file.casefold()[:3]) or (
                number is not None and source.id.isdigit() and number == int(source.id)
            ):
                return source
        return None

    def source_choices(self, typed: str, limit: int) -> list[SourceInfo]:
        wanted = typed.strip().casefold()
        return [s for s in self._sources
                if wanted in s.id or wanted in s.title.casefold()
                or wanted in s.speaker.casefold()][:limit]

    def source_facts(self, source: SourceInfo) -> list[Answer]:
        return [
            a for a in (self.answer_for(f.id) for f in self._index.facts
                        if any(c.source.id == source.id for c in f.claims)) if a
        ]
