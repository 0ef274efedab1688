"""Answering questions from the fact table: the index in memory, the question log on disk.

Synchronous by design (SQLAlchemy sessions, in-memory matcher). Async adapters reach it
through `bot.core.FactBot`, which runs the calls that touch the database in a thread.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import time
from dataclasses import dataclass, replace
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from bot import texts
from bot.answers import Answer, AttributedClaim, Citation, Outcome, SourceInfo, Suggestion
from bot.compose import answer_from_fact, answer_from_passage, answer_from_quote, suggestion_for
from bot.curation import Curation
from bot.documents import load_documents
from bot.facttable import fold_whitespace, load_fact_table, seeds_digest
from bot.matching import FactIndex, Match, voice_of
from bot.metrics import OperatorMetrics, question_outcome
from bot.normalize import Normalizer, stem, words
from bot.passages import PassageIndex
from bot.question_log import record_question
from bot.quotecheck import QuoteChecker, quoted_passage
from bot.settings import Settings
from bot.store import (
    FactRecord,
    MassRetractionRefused,
    SyncReport,
    load_table,
    retracted_quotes,
    table_revision,
)
from db.database import Database
from db.models import QuestionLog
from db.types import utcnow

log = logging.getLogger(__name__)

_SOURCE_NUMBER = re.compile(r"\d{1,6}", re.ASCII)
_SURROGATE = re.compile("[\ud800-\udfff]")
_QUOTE_MARKS = re.compile("[\"“”«»„]")


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

    def __init__(self, settings: Settings, database: Database, curation: Curation,
                 metrics: OperatorMetrics | None = None):
        self.settings = settings
        self.database = database
        self.curation = curation
        self.metrics = metrics or OperatorMetrics()
        self._index = FactIndex([], Normalizer())
        self._sources: list[SourceInfo] = []
        self._revision: int | None = None  # the table revision the index was built from
        self._quotes: QuoteChecker | None = None
        self._passages: PassageIndex | None = None
        self._documents: dict[str, str] = {}
        self._withdrawn: list[str] = []  # quotes of retracted facts

    # --- the fact table ---------------------------------------------------------------

    def load_seeds(self, *, only_if_changed: bool = False, allow_mass_retraction: bool = False
                   ) -> SyncReport:
        """Import `seeds/` into the database (editors' changes are kept, see
        `bot.store.sync_fact_table`) and serve the table from it; `MassRetractionRefused`
        past SEEDS_MAX_RETRACTION_SHARE unless allowed."""
        if only_if_changed and (seeds_digest(self.settings.seeds_dir)
                                == self.curation.seeds_digest()):
            self.refresh_if_changed()  # every start: nothing to import, only the index
            return SyncReport()
        table = load_fact_table(self.settings.seeds_dir)
        max_share = None if allow_mass_retraction else self.settings.seeds_max_retraction_share
        report = self.curation.import_seeds(table, max_retraction_share=max_share,
                                            only_if_changed=only_if_changed)
        if report.changed or report.documents:
            log.info("fact table imported from seeds/: %s", report.summary())
        self.refresh_if_changed()
        return report

    def load_seeds_at_start(self) -> None:
        """Import a changed `seeds/`, but never let a start-up retract most of the table.

        Every instance loads at start, so a truncated facts.yaml in one deploy would
        empty the table for all of them; refused, this instance serves the table already
        in the database and an operator decides (`seeds load --allow-mass-retraction`).
        """
        try:
            self.load_seeds(only_if_changed=True)
        except MassRetractionRefused as refused:
            self.refresh_if_changed()
            log.error("%s Serving the %d facts already in the database.",
                      refused, len(self._index.facts))

    def refresh_if_changed(self) -> bool:
        """Rebuild the index when the table changed (here or on another instance): one
        small read when nothing did, so cheap to call often."""
        with self.database.session() as session:
            revision = table_revision(session=session)
            if revision == self._revision:
                return False
            stored = load_table(session=session)
            withdrawn = [fold_whitespace(q) for q in retracted_quotes(session=session)]
        self._sources = stored.sources
        self._index = FactIndex(stored.facts, Normalizer(stored.table.aliases))
        self._documents = dict(stored.table.documents)
        self._withdrawn = withdrawn
        documents = load_documents(stored.table)
        self._quotes = QuoteChecker(documents)
        self._passages = PassageIndex.build(stored.table, documents)
        self._revision = stored.revision
        return True

    def on_fact_changed(self, fact_id: str, old_version: int | None, new_version: int,
                        summary: str) -> None:
        """A change committed through this instance's curation service: answer from it
        at once rather than at the next periodic refresh."""
        self.refresh_if_changed()

    @property
    def index(self) -> FactIndex:
        return self._index

    # --- questions ----------------------------------------------------------------------

    def ask(self, question: str, *, chat: Chat, record: bool = True,
            follows: str | None = None) -> Answer:
        """Answer and log a question; count it by outcome and time it for operators.
        `follows` is the fact of the answer the question replies to ("and when was
        that?", "who said so?"): it lends the topic."""
        started = time.perf_counter()
        try:
            answer = (self.match(question) if follows is None
                      else self.follow_up(question, follows))
            if record and answer.question:
                self._record(answer, chat=chat)
        except Exception:
            self.metrics.record_question(chat.platform, "error", time.perf_counter() - started)
            raise
        self.metrics.record_question(
            chat.platform, question_outcome(answer.outcome, question=answer.question),
            time.perf_counter() - started)
        return answer

    def match(self, question: str) -> Answer:
        """The answer to `question` from memory alone: nothing is read or written."""
        text, was_cut = clean_question(question, self.settings.match_max_question_chars)
        if not text:
            return Answer(question="", outcome=Outcome.NONE, score=0.0)
        quoted = quoted_passage(text)
        if quoted is not None:
            checked = self.check_quote(quoted, question=text)
            # Words pasted in quote marks get the verdict even when no document has them;
            # "who said the ..." without quotes may still be a question for the table.
            if checked.answered or _QUOTE_MARKS.search(text):
                return checked
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
        passage = self._passage(text) if silent is None and not was_cut else None
        if passage is not None:
            return passage
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

    def _passage(self, text: str) -> Answer | None:
        """A document sentence that answers `text` confidently, marked as not curated."""
        hit = self._passages.best(text) if self._passages is not None else None
        source = self._source_by_id(hit.source_id) if hit is not None else None
        if hit is None or source is None:
            return None
        sentence = fold_whitespace(hit.text)
        if any(quote in sentence or sentence in quote for quote in self._withdrawn):
            return None  # an editor retracted what this sentence says: do not bring it back
        asked = self._index.normalizer.terms(text).content
        if len(asked) == 1 and asked[0] not in {stem(w) for w in words(hit.text)}:
            return None  # one word, found only as a typo of another: too little to go on
        return answer_from_passage(hit, source, question=text)

    def follow_up(self, question: str, fact_id: str) -> Answer:
        """A reply to an earlier answer, read with that answer's fact as its topic.

        A question with a topic of its own ("what about the injured?") is answered as
        asked when it can be; one made only of pointers ("who said so?", "and when was
        that?") is read together with the earlier fact's headline, and failing that is
        answered with the earlier fact itself, whose claims say who and when."""
        earlier = self._index.get(fact_id)
        alone = self.match(question)
        if earlier is None or not alone.question:
            return alone
        own_topic = bool(self._index.normalizer.terms(alone.question).content)
        if own_topic and alone.answered:
            return alone
        together = self.match(f"{alone.question} {earlier.headline}")
        if together.answered:
            return dataclasses.replace(together, question=alone.question)
        if not own_topic:
            return answer_from_fact(earlier, question=alone.question, score=100.0)
        return alone

    def check_quote(self, pasted: str, *, question: str | None = None) -> Answer:
        """Who said these words, where and when, and whether they are verbatim."""
        text, _ = clean_question(pasted, self.settings.match_max_question_chars)
        if not text:
            return Answer(question="", outcome=Outcome.NONE, score=0.0)
        if self._quotes is None:
            raise RuntimeError("the fact table is not loaded")
        check = self._quotes.check(text)
        source = self._source_by_id(check.found.source.id) if check.found else None
        if source is not None:
            return answer_from_quote(check, source, question=question or text, score=100.0)
        return Answer(question=question or text, outcome=Outcome.NONE, score=0.0,
                      quote_check=check)

    def _confident(self, match: Match) -> bool:
        """Answer only a fact that accounts for every content word of the question, gives
        the kind of answer asked, from the voice asked, and ranks close enough; anything
        less is a suggestion at most."""
        return (match.answers and match.score >= self.settings.match_answer_threshold
                and (match.precision >= self.settings.match_min_form_precision
                     or match.evidence >= self.settings.match_min_evidence))

    @staticmethod
    def _shown(match: Match) -> FactRecord:
        """The fact with only the claims of the voices the question names.

        A disputed fact's short answer gives every side ("18 officers / 164 people"):
        led by it, the claims of some voices would put the others' words in their mouths,
        so those claims are shown without it."""
        if len(match.claims) == len(match.fact.claims):
            return match.fact
        voices = {voice_of(claim) for claim in match.claims}
        return replace(match.fact, claims=match.claims,
                       short="" if match.fact.sources_differ else match.fact.short,
                       sources_differ=match.fact.sources_differ and len(voices) > 1)

    def _record(self, answer: Answer, *, chat: Chat) -> None:
        """Log the question's wording and outcome under a keyed hash of its chat, never
        who asked; a private chat's questions are shown in no other chat."""
        try:
            with self.database.session() as session:
                record_question(session=session, settings=self.settings, answer=answer,
                                platform=chat.platform, chat_id=chat.id,
                                private=chat.private, asked_at=utcnow())
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

    def document_text(self, source_id: str) -> str | None:
        """A stored document's text by id ("003", "3"), as served now."""
        source = self.source(source_id)
        return self._documents.get(source.id) if source else None

    def _source_by_id(self, source_id: str) -> SourceInfo | None:
        return next((s for s in self._sources if s.id == source_id), None)

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
