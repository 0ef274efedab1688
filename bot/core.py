"""The core every front end talks to: a request in, what to say out.

`FactBot` takes what a user did — asked a question, picked a fact, looked up a document,
changed a chat's digest — and returns a typed reply (`Answer`, `SourceCard`, `Notice`)
whose wording is decided here, so the Telegram, Discord and console front ends only
translate. It composes `Answering` (the fact table and the question log) and
`SubscriptionStore` (digest subscriptions).

Synchronous: async adapters call the methods that touch the database (`ask`, `digest`,
`source_card`, `inline_answers`) through `asyncio.to_thread`; the rest work in memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from bot import texts
from bot.answering import Answering, Chat
from bot.answers import Answer, Notice, SourceCard, SourceInfo, Suggestion
from bot.corrections import Corrections, PostedMessage
from bot.curation import Curation
from bot.desk import Desk
from bot.editors import EditorPolicy
from bot.gaps import Gap, find_gaps
from bot.layout import shorten
from bot.matching import FactIndex
from bot.metrics import OperatorMetrics
from bot.settings import Settings, get_settings
from bot.subscriptions import (
    DigestCommandError,
    DigestRequest,
    SubscriptionStore,
    canonical_timezone,
    parse_digest_words,
    parse_local_time,
    timezone_choices,
)
from db.database import Database
from db.types import utcnow

__all__ = ["Chat", "FactBot"]


class FactBot:
    """Answers questions from the fact table and manages chats' daily digests."""

    def __init__(self, settings: Settings, database: Database):
        self.settings = settings
        self.database = database
        self.metrics = OperatorMetrics()  # this core's own registry: see bot.metrics
        # Every change to the table goes through the curation service; the index hears
        # of each one (listeners added later, e.g. corrections, hear after it).
        self.curation = Curation(database)
        self.answering = Answering(settings, database, self.curation, self.metrics)
        self.curation.add_listener(self.answering)
        self.desk = Desk(policy=EditorPolicy(settings), curation=self.curation,
                         answering=self.answering, gaps=self.gaps)
        self.subscriptions = SubscriptionStore(database)
        # Where answers were posted, and the corrections that follow them when a fact
        # changes (the curation service's listener: `corrections.on_fact_changed`).
        self.corrections = Corrections(database, self.answering)
        self.curation.add_listener(self.corrections)

    @classmethod
    def open(cls, settings: Settings | None = None, *, load_seeds: bool = True) -> FactBot:
        """Connect (with retries), migrate, load `seeds/` if it changed, build the index."""
        settings = settings or get_settings()
        database = Database(
            settings.resolved_database_url,
            connect_attempts=settings.database_connect_attempts,
            retry_seconds=settings.database_retry_seconds,
            setting=settings.database_setting,
        )
        bot = cls(settings, database)
        database.migrate()
        if load_seeds:
            bot.answering.load_seeds_at_start()
        return bot

    @property
    def index(self) -> FactIndex:
        return self.answering.index

    # --- questions ----------------------------------------------------------------------

    def ask(self, question: str, *, chat: Chat, record: bool = True,
            follows: str | None = None) -> Answer:
        """Answer a question someone typed, and log it (without who asked); `follows` is
        the fact of the earlier answer the question replies to, if any."""
        return self.answering.ask(question, chat=chat, record=record, follows=follows)

    def ask_in_reply(self, question: str, *, chat: Chat, replied_message_id: str) -> Answer:
        """A question sent as a reply to one of the bot's answers: read with that answer's
        fact as its topic ("and when was that?", "who said so?")."""
        follows = (self.corrections.fact_of(PostedMessage(chat.platform, chat.id,
                                                          replied_message_id))
                   if chat.id is not None else None)
        return self.ask(question, chat=chat, follows=follows)

    def match(self, question: str) -> Answer:
        """The answer to `question` from memory alone: nothing is read or written."""
        return self.answering.match(question)

    def check_quote(self, pasted: str) -> Answer:
        """`/quote …`: find pasted words in the documents; say who said them and how the
        pasted words differ from the document's."""
        return self.answering.check_quote(pasted)

    def answer_for(self, fact_id: str) -> Answer | None:
        return self.answering.answer_for(fact_id)

    def inline_answers(self, text: str, limit: int) -> list[Answer]:
        """Answers to offer while someone types inline: the most asked when nothing is typed."""
        if not text.strip():
            return self.answering.popular(limit)
        return self.answering.related(text, limit)

    def question_choices(self, typed: str, limit: int) -> list[Suggestion]:
        return self.answering.complete(typed, limit)

    # --- sources --------------------------------------------------------------------------

    def sources(self) -> list[SourceInfo]:
        return self.answering.sources()

    def source_card(self, wanted: str) -> SourceCard | Notice:
        """One document and its facts, or a line saying which documents there are."""
        source = self.answering.source(wanted) if wanted.strip() else None
        if source is None:
            known = ", ".join(s.id for s in self.answering.sources())
            usage = texts.SOURCE_USAGE.format(known=known)
            if not wanted.strip():
                return Notice(usage)
            echoed = shorten(" ".join(wanted.split()), texts.ECHO_CHARS)
            return Notice(f"{texts.UNKNOWN_SOURCE.format(wanted=echoed)} {usage}")
        return SourceCard(source, tuple(self.answering.source_facts(source)))

    def source_choices(self, typed: str, limit: int) -> list[SourceInfo]:
        return self.answering.source_choices(typed, limit)

    # --- the daily digest -----------------------------------------------------------------

    @staticmethod
    def timezone_choices(typed: str, limit: int) -> list[str]:
        return timezone_choices(typed, limit)

    def digest_words(self, chat: Chat, words: Sequence[str], *, can_manage: bool,
                     created_by: str | None) -> Notice:
        """`/digest on 09:00 Asia/Almaty quiet`, typed as words (Telegram, console)."""
        try:
            request = parse_digest_words(words)
        except DigestCommandError as error:
            return Notice(str(error))
        return self.digest(chat, request, can_manage=can_manage, created_by=created_by)

    def digest(self, chat: Chat, request: DigestRequest, *, can_manage: bool,
               created_by: str | None, guild_id: str | None = None) -> Notice:
        """Show, switch on or switch off a chat's digest; only managers may change it."""
        assert chat.id is not None
        if request.action == "status":
            current = self.subscriptions.get(chat.platform, chat.id)
            if current is None:
                return Notice(f"{texts.NO_DIGEST} {texts.DIGEST_USAGE}")
            return Notice(current.describe())
        if not can_manage:
            return Notice(texts.DIGEST_ADMIN_ONLY)
        if request.action == "off":
            stopped = self.subscriptions.unsubscribe(chat.platform, chat.id)
            return Notice(texts.DIGEST_TURNED_OFF if stopped else texts.NO_DIGEST)
        try:
            local_time = parse_local_time(request.local_time)
            zone = canonical_timezone(request.timezone)
        except DigestCommandError as error:
            return Notice(str(error))
        subscription = self.subscriptions.subscribe(
            platform=chat.platform, chat_id=chat.id, local_time=local_time, timezone=zone,
            created_by=created_by, guild_id=guild_id,
            include_unanswered=request.include_unanswered, skip_empty=request.skip_empty)
        return Notice(subscription.describe())

    # --- gaps: what the table could not answer, for its editors -------------------------

    def gaps(self, since: timedelta, *, limit: int = 10) -> list[Gap]:
        """The most asked unanswered and suggested-only questions of the last `since`,
        near-duplicates grouped, each with its closest facts; never who asked or where.
        Private chats' questions only with GAPS_INCLUDE_PRIVATE. Reads the database."""
        with self.database.session() as session:
            return find_gaps(
                session=session, index=self.answering.index, since=utcnow() - since,
                limit=limit, include_private=self.settings.gaps_include_private,
                suggest_threshold=self.settings.match_suggest_threshold)

    def close(self) -> None:
        self.database.dispose()
