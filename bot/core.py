"""The core every front end talks to: `FactBot`.

Synchronous by design (SQLAlchemy sessions, in-memory matcher). Async adapters
call the methods that touch the database through `asyncio.to_thread`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import time, timedelta
from functools import lru_cache
from zoneinfo import available_timezones

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from bot import texts
from bot.answers import Answer, Outcome, SourceInfo, Suggestion
from bot.compose import fact_answer, suggestion
from bot.facttable import load_fact_table
from bot.matching import FactIndex, Match
from bot.normalize import Normalizer
from bot.question_log import record_question
from bot.settings import Settings, get_settings
from bot.store import SyncReport, load_facts, loaded_seeds_digest, sync_fact_table
from db.database import Database
from db.models import QuestionLog, Subscription
from db.types import utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SubscriptionView:
    platform: str  # "telegram" | "discord"
    chat_id: str  # Telegram chat id / Discord channel id, as text
    local_time: time
    timezone: str  # IANA name
    enabled: bool
    include_unanswered: bool = False
    skip_empty: bool = False
    created_by: str | None = None
    guild_id: str | None = None

    def describe(self) -> str:
        state = "on" if self.enabled else "off"
        extras = [text for flag, text in ((self.include_unanswered, "with unanswered questions"),
                                          (self.skip_empty, "none on quiet days")) if flag]
        details = f"; {', '.join(extras)}" if extras else ""
        return (f"Daily digest {state}: every day at {self.local_time:%H:%M} "
                f"({self.timezone}){details}.")


@dataclass(frozen=True, slots=True)
class DigestCommand:
    action: str  # "on" | "off" | "status"
    local_time: time | None = None
    timezone: str = "UTC"
    include_unanswered: bool = False
    skip_empty: bool = False


# Words after `/digest on HH:MM [Area/City]` that switch options on.
DIGEST_OPTION_WORDS = {"unanswered": "include_unanswered", "quiet": "skip_empty"}


class DigestCommandError(ValueError):
    """A /digest command that cannot be understood; str() is the message for the user."""


_HH_MM = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")


@lru_cache(maxsize=1)
def _zone_names() -> dict[str, str]:
    return {name.casefold(): name for name in available_timezones()}


def canonical_timezone(name: str) -> str:
    """The IANA spelling of `name` (case-insensitive); ValueError with a user message."""
    canonical = _zone_names().get(name.strip().casefold())
    if canonical is None:
        raise DigestCommandError(
            f"Unknown time zone {name!r}. Use an IANA name such as Asia/Almaty or Europe/London."
        )
    return canonical


def parse_local_time(value: str) -> time:
    match = _HH_MM.match(value.strip())
    if not match:
        raise DigestCommandError(f"{value!r} is not a time of day; use HH:MM, e.g. 09:00.")
    return time(int(match.group(1)), int(match.group(2)))


def parse_digest_command(args: Sequence[str]) -> DigestCommand:
    """Understand `/digest on HH:MM [Area/City]`, `/digest off`, `/digest status`."""
    words = [a for a in args if a.strip()]
    action = words[0].casefold() if words else "status"
    if action == "status" and len(words) <= 1:
        return DigestCommand("status")
    if action == "off" and len(words) == 1:
        return DigestCommand("off")
    if action == "on" and len(words) >= 2:
        rest = words[2:]
        options = {DIGEST_OPTION_WORDS[w.casefold()]: True for w in rest
                   if w.casefold() in DIGEST_OPTION_WORDS}
        zones = [w for w in rest if w.casefold() not in DIGEST_OPTION_WORDS]
        if len(zones) > 1:
            raise DigestCommandError(texts.DIGEST_USAGE)
        zone = canonical_timezone(zones[0]) if zones else "UTC"
        return DigestCommand("on", parse_local_time(words[1]), zone, **options)
    raise DigestCommandError(texts.DIGEST_USAGE)


def clean_question(question: str, max_chars: int) -> tuple[str, bool]:
    """Whitespace folded, capped to `max_chars`; also says whether it was cut."""
    folded = " ".join(question.split())
    return folded[:max_chars], len(folded) > max_chars


class FactBot:
    """Answers questions from the fact table; keeps subscriptions and the question log."""

    def __init__(self, settings: Settings, database: Database):
        self.settings = settings
        self.database = database
        self._index = FactIndex([], Normalizer())
        self._sources: list[SourceInfo] = []
        self._loaded_digest: str | None = None

    @classmethod
    def open(cls, settings: Settings | None = None, *, load_seeds: bool = True) -> FactBot:
        """Connect (with retries), migrate, load `seeds/` if it changed, build the index."""
        settings = settings or get_settings()
        database = Database(
            settings.resolved_database_url,
            connect_attempts=settings.database_connect_attempts,
            retry_seconds=settings.database_retry_seconds,
        )
        bot = cls(settings, database)
        database.migrate()
        if load_seeds:
            bot.load_seeds(only_if_changed=True)
        return bot

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

    def ask(self, question: str, *, platform: str = "cli", chat_id: str | None = None,
            private: bool = True, record: bool = True) -> Answer:
        """Answer `question` and log it: its wording and outcome, never who asked.

        `private` says the question was asked where only the asker and the bot read it
        (a private chat, a direct message). Digests that list unanswered questions show a
        private one in no chat but `chat_id` itself. Pass False only for group chats,
        channels and server channels; when unsure, leave it True.
        """
        answer = self.match(question)
        if record and answer.question:
            self._record(answer, platform=platform, chat_id=chat_id, private=private)
        return answer

    def match(self, question: str) -> Answer:
        """The answer to `question` from memory alone: nothing is read or written."""
        text, was_cut = clean_question(question, self.settings.match_max_question_chars)
        if not text:
            return Answer(question="", outcome=Outcome.NONE, score=0.0,
                          hint=texts.EMPTY_QUESTION)
        matches = self._index.search(text, limit=4)
        best = matches[0] if matches else None
        confident = next((m for m in matches if self._confident(m)), None)
        if confident is not None:
            return fact_answer(confident.fact, question=text, score=confident.score)
        hint = texts.DONT_KNOW_HINT
        if was_cut:
            hint = (f"I read only the first {self.settings.match_max_question_chars} "
                    f"characters of your message. {hint}")
        candidates = tuple(
            suggestion(m.fact, m.score) for m in matches
            if m.score >= self.settings.match_suggest_threshold
        )[:3]
        if candidates:
            return Answer(question=text, outcome=Outcome.SUGGEST, score=best.score if best else 0,
                          suggestions=candidates, hint=hint)
        return Answer(question=text, outcome=Outcome.NONE, score=best.score if best else 0.0,
                      hint=hint)

    def _confident(self, match: Match) -> bool:
        """Answer only a close match that reads like one of the fact's own questions and,
        when a figure is asked for, has one; anything less is a suggestion at most."""
        return (match.score >= self.settings.match_answer_threshold
                and match.precision >= self.settings.match_min_form_precision
                and match.gives_asked_number)

    def _record(self, answer: Answer, *, platform: str, chat_id: str | None,
                private: bool) -> None:
        try:
            with self.database.session() as session:
                record_question(session=session, settings=self.settings, answer=answer,
                                platform=platform, chat_id=chat_id, private=private,
                                asked_at=utcnow())
        except SQLAlchemyError as error:
            # The answer matters more than the statistics: answer anyway.
            log.warning("could not record the question: %s", type(error).__name__)

    def fact_answer(self, fact_id: str) -> Answer | None:
        fact = self._index.get(fact_id)
        if fact is None:
            return None
        return fact_answer(fact, question=fact.questions[0], score=100.0)

    def complete(self, text: str, limit: int = 25) -> list[Suggestion]:
        """Facts to offer while someone types: prefix-aware, in memory."""
        if not text.strip():
            return [suggestion(f, 0.0) for f in self._index.facts[:limit]]
        matches = self._index.search(text[: self.settings.match_max_question_chars],
                                     limit=limit, prefix=True)
        floor = self.settings.match_suggest_threshold * 0.6
        return [suggestion(m.fact, m.score) for m in matches if m.score >= floor]

    def popular(self, limit: int = 10, *, days: int = 30) -> list[Answer]:
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
        return [a for a in (self.fact_answer(i) for i in ids[:limit]) if a]

    # --- sources --------------------------------------------------------------------------

    def sources(self) -> list[SourceInfo]:
        return list(self._sources)

    def source(self, source_id: str) -> SourceInfo | None:
        wanted = source_id.strip().casefold()
        for source in self._sources:
            if wanted in (source.id, source.file.casefold(), source.file.casefold()[:3]) or (
                wanted.isdigit() and int(wanted) == int(source.id)
            ):
                return source
        return None

    def source_facts(self, source_id: str) -> list[Answer]:
        source = self.source(source_id)
        if source is None:
            return []
        return [
            a for a in (self.fact_answer(f.id) for f in self._index.facts
                        if any(c.source.id == source.id for c in f.claims)) if a
        ]

    # --- digest subscriptions ---------------------------------------------------------------

    def subscribe(self, *, platform: str, chat_id: str, local_time: time, timezone: str,
                  created_by: str | None, guild_id: str | None = None,
                  include_unanswered: bool = False, skip_empty: bool = False
                  ) -> SubscriptionView:
        zone = canonical_timezone(timezone)
        now = utcnow()
        with self.database.session() as session:
            row = session.scalar(select(Subscription).where(
                Subscription.platform == platform, Subscription.chat_id == chat_id))
            if row is None:
                row = Subscription(platform=platform, chat_id=chat_id, created_at=now,
                                   highlighted=[])
                session.add(row)
            row.guild_id = guild_id
            row.local_time = local_time
            row.timezone = zone
            row.include_unanswered = include_unanswered
            row.skip_empty = skip_empty
            row.created_by = created_by
            row.enabled = True
            row.disabled_reason = None
            row.updated_at = now
            session.flush()
            return subscription_view(row)

    def unsubscribe(self, platform: str, chat_id: str) -> bool:
        with self.database.session() as session:
            row = session.scalar(select(Subscription).where(
                Subscription.platform == platform, Subscription.chat_id == chat_id))
            if row is None or not row.enabled:
                return False
            row.enabled = False
            row.disabled_reason = "turned off by a user"
            row.updated_at = utcnow()
            return True

    def subscription(self, platform: str, chat_id: str) -> SubscriptionView | None:
        with self.database.session() as session:
            row = session.scalar(select(Subscription).where(
                Subscription.platform == platform, Subscription.chat_id == chat_id))
            return subscription_view(row) if row else None

    def close(self) -> None:
        self.database.dispose()


def subscription_view(row: Subscription) -> SubscriptionView:
    return SubscriptionView(
        platform=row.platform, chat_id=row.chat_id, local_time=row.local_time,
        timezone=row.timezone, enabled=row.enabled, include_unanswered=row.include_unanswered,
        skip_empty=row.skip_empty, created_by=row.created_by, guild_id=row.guild_id,
    )
