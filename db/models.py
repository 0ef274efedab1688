"""Typed SQLAlchemy 2 models: the fact table and its versions, the question log, digests,
and where answers were posted and the corrections that follow them.

The database is the table of record: `seeds/` is imported into it, editors change it
through `bot.curation`, and every change is a `FactVersion` holding the whole fact.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from db.types import UTCDateTime, utcnow


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON, list[str]: JSON, datetime: UTCDateTime,
    }


class Source(Base):
    __tablename__ = "sources"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    file: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(Text)
    speaker: Mapped[str] = mapped_column(String(300))
    speaker_role: Mapped[str] = mapped_column(String(300))
    publisher: Mapped[str] = mapped_column(String(300))
    cited_as: Mapped[str] = mapped_column(String(300))
    date: Mapped[date | None]
    kind: Mapped[str] = mapped_column(String(40))
    content_sha256: Mapped[str] = mapped_column(String(64))
    # The document itself: answers, the quote check and every claim's quote are checked
    # against this text, so a document added on one instance works on all of them.
    text: Mapped[str] = mapped_column(Text, server_default="")
    url: Mapped[str | None] = mapped_column(Text)
    # Who stored it: "import:seeds/sources.yaml" for the seeds' documents (None in
    # databases from before documents were stored), "cli:<os user>" for `sources add`.
    added_by: Mapped[str | None] = mapped_column(String(120))
    added_at: Mapped[datetime | None]


class Fact(Base):
    __tablename__ = "facts"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    headline: Mapped[str] = mapped_column(Text)
    short: Mapped[str] = mapped_column(Text, default="")
    questions: Mapped[list[str]]
    tags: Mapped[list[str]]
    event_date: Mapped[date | None]
    sources_differ: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Hash of the fact's content in the table's own format: a changed hash is a correction.
    content_sha256: Mapped[str] = mapped_column(String(64))
    retracted: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When what the fact says last changed: the "as of" of its answers. Teaching it a
    # question form is a new version but does not change the answer, nor this.
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The current version (see FactVersion); starts at 1.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # The seeds importer's bookkeeping: the hash of the fact as seeds/ last had it (None
    # when seeds/ does not hold it), and the version the importer last wrote. A current
    # version other than `seed_version` means an editor changed the fact since the last
    # import, and the importer keeps the editor's version.
    seed_sha256: Mapped[str | None] = mapped_column(String(64))
    seed_version: Mapped[int | None] = mapped_column(Integer)

    claims: Mapped[list[Claim]] = relationship(
        back_populates="fact", order_by="Claim.position", cascade="all, delete-orphan"
    )


class Claim(Base):
    __tablename__ = "claims"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    fact_id: Mapped[str] = mapped_column(ForeignKey("facts.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id"))
    speaker: Mapped[str | None] = mapped_column(String(300))
    says: Mapped[str] = mapped_column(Text)
    quote: Mapped[str] = mapped_column(Text)

    fact: Mapped[Fact] = relationship(back_populates="claims")
    source: Mapped[Source] = relationship(lazy="joined")


class FactChange(Base):
    """One row per fact added, corrected or retracted: what digests report as news."""

    __tablename__ = "fact_changes"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    fact_id: Mapped[str] = mapped_column(String(120), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # added | corrected | retracted
    changed_at: Mapped[datetime] = mapped_column(index=True)


class FactVersion(Base):
    """One version of a fact: who made it, when, from where, how, and the whole fact after.

    `content` is the fact in the table's own format (as in facts.yaml, JSON-encoded), so
    any two versions can be compared and any version made current again.
    """

    __tablename__ = "fact_versions"
    __table_args__ = (UniqueConstraint("fact_id", "version", name="uq_fact_version"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    fact_id: Mapped[str] = mapped_column(ForeignKey("facts.id"))
    version: Mapped[int] = mapped_column(Integer)
    # "import:seeds/facts.yaml", "cli:<os user>", "telegram:<user id>", "discord:<user id>"
    actor: Mapped[str] = mapped_column(String(120))
    # Where the change came from: "seeds", "cli", "file:<name>", "telegram:<chat id>", ...
    origin: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[datetime]
    # added | corrected | retracted | reverted | taught | imported
    change: Mapped[str] = mapped_column(String(16))
    content: Mapped[dict[str, Any]]
    retracted: Mapped[bool] = mapped_column(default=False)  # the fact's state after it
    summary: Mapped[str] = mapped_column(Text, default="")  # what changed, in words


class FactConflict(Base):
    """seeds/ changed a fact an editor had changed since the last import: the editor's
    version was kept, and this records what the seeds wanted until someone decides."""

    __tablename__ = "fact_conflicts"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    fact_id: Mapped[str] = mapped_column(ForeignKey("facts.id"), index=True)
    detected_at: Mapped[datetime]
    kept_version: Mapped[int] = mapped_column(Integer)  # the editor's version, kept
    seeds_change: Mapped[str] = mapped_column(String(16))  # added | corrected | retracted
    seeds_content: Mapped[dict[str, Any] | None]  # None when seeds/ dropped the fact
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(120))
    resolution: Mapped[str | None] = mapped_column(String(16))  # editor | seeds | agreed


class QuestionLog(Base):
    """One question asked: its wording and outcome, never who asked or where.

    A private chat's id is, on Telegram, the asker's user id, so no chat id is stored:
    `chat_key` is a keyed hash (HMAC-SHA256) of "platform:chat_id" that lets a chat's
    digest find its own questions (see `bot.question_log`). `private` questions are shown
    in no chat but the one they were asked in; a row without a `chat_key` in none.
    """

    __tablename__ = "question_log"
    __table_args__ = (Index("ix_question_log_asked_at", "asked_at"),
                      Index("ix_question_log_chat_key", "chat_key", "asked_at"))

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    asked_at: Mapped[datetime]
    platform: Mapped[str] = mapped_column(String(20))
    chat_key: Mapped[str | None] = mapped_column(String(64))
    private: Mapped[bool] = mapped_column(default=True, server_default=true())
    question: Mapped[str] = mapped_column(Text)  # normalised, capped; no user ids
    outcome: Mapped[str] = mapped_column(String(10))
    fact_id: Mapped[str | None] = mapped_column(String(120), index=True)
    score: Mapped[float]


class Meta(Base):
    """Small key/value facts about the database itself (e.g. the loaded seeds' digest)."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Subscription(Base):
    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("platform", "chat_id", name="uq_subscription_chat"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(64))
    guild_id: Mapped[str | None] = mapped_column(String(64))
    local_time: Mapped[time]
    timezone: Mapped[str] = mapped_column(String(64))
    include_unanswered: Mapped[bool] = mapped_column(default=False)
    skip_empty: Mapped[bool] = mapped_column(default=False)
    created_by: Mapped[str | None] = mapped_column(String(120))
    enabled: Mapped[bool] = mapped_column(default=True)
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Facts already highlighted in the current rotation cycle, so none repeats early.
    highlighted: Mapped[list[str]] = mapped_column(default=list)


class DigestDelivery(Base):
    """A claim on one subscription's digest for one local day: inserted once, ever."""

    __tablename__ = "digest_deliveries"
    __table_args__ = (
        UniqueConstraint("subscription_id", "local_date", name="uq_delivery_per_day"),
        Index("ix_digest_deliveries_status", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE")
    )
    local_date: Mapped[date]
    status: Mapped[str] = mapped_column(String(16))  # claimed|sent|failed|skipped
    claimed_by: Mapped[str] = mapped_column(String(120))
    claimed_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    content: Mapped[dict[str, Any] | None]


class PostedAnswer(Base):
    """Where the bot posted an answer that showed a fact, so a correction can follow it.

    Never who asked: the platform, the chat and the message are enough to edit or reply.
    `answer_sha256` identifies what the message shows now (see `bot.corrections`), so a
    change that leaves the answer as it was (a new question form) edits nothing.
    """

    __tablename__ = "posted_answers"
    __table_args__ = (
        UniqueConstraint("platform", "chat_id", "message_id", name="uq_posted_answer_message"),
        Index("ix_posted_answers_fact", "fact_id", "posted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[str] = mapped_column(String(64))
    fact_id: Mapped[str] = mapped_column(String(120))
    # The fact's version the message shows; None where the table is not versioned.
    fact_version: Mapped[int | None] = mapped_column(Integer)
    answer_sha256: Mapped[str] = mapped_column(String(64))
    posted_at: Mapped[datetime]


class Correction(Base):
    """One correction of one fact, due to one earlier message that showed the fact.

    Claimed like a digest delivery: `next_attempt_at` is when a pending row is due, and
    the lease of a claimed one; an instance takes a row with a compare-and-set update.
    `status`: pending | claimed | edited | replied | merged (delivered with an earlier
    correction of the same message) | gone (the message was deleted) | failed.
    """

    __tablename__ = "corrections"
    __table_args__ = (
        UniqueConstraint("posted_answer_id", "new_version", name="uq_correction_per_version"),
        Index("ix_corrections_due", "status", "next_attempt_at"),
        Index("ix_corrections_message", "posted_answer_id", "id"),
        Index("ix_corrections_changed_at", "changed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    posted_answer_id: Mapped[int] = mapped_column(
        ForeignKey("posted_answers.id", ondelete="CASCADE"))
    fact_id: Mapped[str] = mapped_column(String(120))
    old_version: Mapped[int | None] = mapped_column(Integer)
    new_version: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # corrected | retracted
    summary: Mapped[str] = mapped_column(Text)  # what changed, in words
    changed_at: Mapped[datetime]  # when the fact changed: the date the message shows
    # The digest of the answer the correction brings (a retraction has its own).
    answer_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    next_attempt_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
