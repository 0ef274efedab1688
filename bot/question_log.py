"""The question log: what was asked and how it went, never who asked.

Digests may list the questions nobody could answer, and a question asked in a private
chat can name a source, a place and a day to meet. So the log keeps, per question:

- no chat id (a private Telegram chat's id is the asker's user id), only `chat_key`,
  an HMAC-SHA256 of "platform:chat_id" with which a chat's digest finds its own questions;
- `private`: asked in a private chat, or by a front end that could not tell. Such a
  question is listed in no digest but the one of the chat it was asked in.

Who sees what (`QuestionScope`): a chat sees its own questions; a chat named in
EDITORS_CHATS also sees every question that is not private. Rows older than
QUESTION_LOG_RETENTION_DAYS are deleted (the digest scheduler does it hourly).

The HMAC key is QUESTION_LOG_KEY when set, else one generated on first use and kept in
the `meta` table, so every instance on the database shares it. A key in the database
keeps chat ids out of a copy of the log, but not from someone who can read the whole
database (they can hash guessed ids); a QUESTION_LOG_KEY kept elsewhere closes that.
Changing the key detaches earlier questions from their chats, which hides them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, CursorResult, delete, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.answers import Answer
from bot.settings import Settings
from db.models import Meta, QuestionLog

KEY_NAME = "question_log_key"
QUESTION_CHARS = 300


@dataclass(frozen=True, slots=True)
class QuestionScope:
    """Whose logged questions one chat's digest may list."""

    chat_key: str | None  # the chat's own questions; None: no chat (an operator's preview)
    every_group: bool  # also every question not asked in private (an editors' chat)

    def condition(self) -> ColumnElement[bool] | None:
        """The rows in scope, as a WHERE clause; None when no row is.

        A row without a `chat_key` (logged before keys existed, or by the command line)
        matches no chat: `chat_key == None` would compile to IS NULL, so it is never used.
        """
        allowed: list[ColumnElement[bool]] = []
        if self.chat_key is not None:
            allowed.append(QuestionLog.chat_key == self.chat_key)
        if self.every_group:
            allowed.append(QuestionLog.private.is_(False))
        return or_(*allowed) if allowed else None


def chat_key(key: bytes, platform: str, chat_id: str) -> str:
    """The keyed hash that stands for a chat in the log: 64 hex digits."""
    return hmac.new(key, f"{platform}:{chat_id}".encode(), hashlib.sha256).hexdigest()


def question_log_key(*, session: Session, settings: Settings) -> bytes:
    """QUESTION_LOG_KEY, else the database's own key, created by whichever instance asks
    first (a lost race to insert it is no error: everyone then reads the winner's)."""
    if settings.question_log_key is not None:
        return settings.question_log_key.get_secret_value().encode()
    stored = session.scalar(select(Meta.value).where(Meta.key == KEY_NAME))
    if stored is None:
        insert = (postgresql_insert if session.get_bind().dialect.name == "postgresql"
                  else sqlite_insert)
        session.execute(insert(Meta).values(key=KEY_NAME, value=secrets.token_hex(32))
                        .on_conflict_do_nothing(index_elements=["key"]))
        stored = session.scalar(select(Meta.value).where(Meta.key == KEY_NAME))
    assert stored is not None
    return bytes.fromhex(stored)


def question_scope(*, session: Session, settings: Settings, platform: str, chat_id: str
                   ) -> QuestionScope:
    """What the chat `platform:chat_id` may see: its own questions, and every group's
    when EDITORS_CHATS names it."""
    key = question_log_key(session=session, settings=settings)
    return QuestionScope(chat_key=chat_key(key, platform, chat_id),
                         every_group=f"{platform}:{chat_id}" in settings.editors_chats)


def record_question(*, session: Session, settings: Settings, answer: Answer, platform: str,
                    chat_id: str | None, private: bool, asked_at: datetime) -> None:
    """Log one question under its chat's keyed hash (no hash without a chat)."""
    key = (chat_key(question_log_key(session=session, settings=settings), platform, chat_id)
           if chat_id is not None else None)
    session.add(QuestionLog(
        asked_at=asked_at, platform=platform, chat_key=key, private=private,
        question=answer.question[:QUESTION_CHARS], outcome=answer.outcome.value,
        fact_id=answer.fact_id, score=round(answer.score, 1),
    ))


def prune_question_log(*, session: Session, before: datetime) -> int:
    """Delete the questions asked before `before`; how many there were."""
    result = session.execute(delete(QuestionLog).where(QuestionLog.asked_at < before))
    return int(result.rowcount) if isinstance(result, CursorResult) else 0
