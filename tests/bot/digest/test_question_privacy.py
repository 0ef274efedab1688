"""Whose unanswered questions a digest may list, what the log keeps, and for how long."""

from __future__ import annotations

import hashlib
import hmac
import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.answering import Chat
from bot.core import FactBot
from bot.digest.content import Digest
from bot.digest.scheduler import DigestScheduler
from bot.question_log import KEY_NAME, chat_key, question_log_key
from bot.settings import DEFAULT_SEEDS_DIR, SettingsError, load_settings
from db.models import DigestDelivery, Meta, QuestionLog, Subscription
from tests.digest_support import Clock, RecordingSender

SOURCE_QUESTION = "is our source Aliya at the Almaty office safe to meet on Friday"
GROUP, OTHER_GROUP, EDITORS, PRIVATE_CHAT = "-100777", "-100888", "-100999", "4242"


@pytest.fixture
def privacy_core(database_url: str, tmp_path: Path) -> Iterator[FactBot]:
    seeds = tmp_path / "seeds"
    shutil.copytree(DEFAULT_SEEDS_DIR, seeds)
    core = FactBot.open(load_settings(database_url=database_url, seeds_dir=seeds,
                                      editors_chats=f"telegram:{EDITORS}"))
    yield core
    core.close()


def _subscribe_due_now(core: FactBot, *chats: str) -> None:
    """Daily digests for `chats`, with unanswered questions, due a minute ago."""
    now = datetime.now(UTC)
    due = (now - timedelta(minutes=1)).time().replace(second=0, microsecond=0)
    for chat in chats:
        core.subscriptions.subscribe(platform="telegram", chat_id=chat, local_time=due,
                                     timezone="UTC", created_by="editor",
                                     include_unanswered=True)
    with core.database.session() as session:
        for row in session.scalars(select(Subscription)):
            row.created_at = now - timedelta(days=1)


async def _digests(core: FactBot, *chats: str) -> dict[str, Digest]:
    _subscribe_due_now(core, *chats)
    sender = RecordingSender()
    await DigestScheduler(core, {"telegram": sender}, clock=Clock(datetime.now(UTC))).tick()
    return {subscription.chat_id: digest for subscription, digest in sender.sent}


def _unanswered(digest: Digest) -> set[str]:
    return {u.question for u in digest.unanswered}


@pytest.mark.parametrize("group", [GROUP, EDITORS])
async def test_a_private_question_never_reaches_a_groups_digest(privacy_core: FactBot,
                                                                group: str) -> None:
    """The reported leak: a question asked in private is in no group's digest, editors' too."""
    privacy_core.ask(SOURCE_QUESTION, chat=Chat("telegram", PRIVATE_CHAT, private=True))
    digests = await _digests(privacy_core, group)
    assert SOURCE_QUESTION not in _unanswered(digests[group])
    with privacy_core.database.session() as session:
        recorded = json.dumps(list(session.scalars(select(DigestDelivery.content))))
    assert "Aliya" not in recorded


async def test_ask_treats_a_chat_as_private_unless_told_otherwise(privacy_core: FactBot
                                                                  ) -> None:
    """A front end that does not say whether a chat is private gets the private treatment."""
    privacy_core.ask(SOURCE_QUESTION, chat=Chat("telegram", GROUP))
    digests = await _digests(privacy_core, GROUP, EDITORS)
    assert SOURCE_QUESTION in _unanswered(digests[GROUP])
    assert SOURCE_QUESTION not in _unanswered(digests[EDITORS])


async def test_each_chat_sees_its_own_questions_and_editors_see_every_group(
    privacy_core: FactBot,
) -> None:
    """A group sees its own; an editors' chat every group's; a private chat only its own."""
    privacy_core.ask("recipe for plov", chat=Chat("telegram", GROUP, private=False))
    privacy_core.ask("price of bread", chat=Chat("telegram", OTHER_GROUP, private=False))
    privacy_core.ask(SOURCE_QUESTION, chat=Chat("telegram", PRIVATE_CHAT, private=True))
    privacy_core.ask("recipe for beshbarmak", chat=Chat("cli"))
    digests = await _digests(privacy_core, GROUP, OTHER_GROUP, EDITORS, PRIVATE_CHAT)
    assert _unanswered(digests[GROUP]) == {"recipe for plov"}
    assert _unanswered(digests[OTHER_GROUP]) == {"price of bread"}
    assert _unanswered(digests[EDITORS]) == {"recipe for plov", "price of bread"}
    assert _unanswered(digests[PRIVATE_CHAT]) == {SOURCE_QUESTION}


async def test_the_same_chat_id_on_another_platform_is_another_chat(privacy_core: FactBot
                                                                    ) -> None:
    """A Discord channel that shares a Telegram group's number does not see its questions."""
    privacy_core.ask("recipe for plov", chat=Chat("discord", GROUP, private=False))
    digests = await _digests(privacy_core, GROUP)
    assert _unanswered(digests[GROUP]) == set()


def test_the_log_keeps_no_chat_id(privacy_core: FactBot) -> None:
    """Rows hold a keyed hash of the chat, not its id nor a plain hash anyone can recompute."""
    privacy_core.ask(SOURCE_QUESTION, chat=Chat("telegram", PRIVATE_CHAT))
    with privacy_core.database.session() as session:
        row = session.scalars(select(QuestionLog)).one()
        values = [str(getattr(row, column.key)) for column in QuestionLog.__table__.columns]
    assert not any(PRIVATE_CHAT in value for value in values)
    assert row.private and row.chat_key is not None and len(row.chat_key) == 64
    assert row.chat_key != hashlib.sha256(f"telegram:{PRIVATE_CHAT}".encode()).hexdigest()


def test_every_instance_shares_the_key_generated_once(database_url: str) -> None:
    """Two instances on one database hash a chat alike, with one key stored in the database."""
    first = FactBot.open(load_settings(database_url=database_url))
    second = FactBot.open(load_settings(database_url=database_url), load_seeds=False)
    try:
        with first.database.session() as session:
            one = question_log_key(session=session, settings=first.settings)
        with second.database.session() as session:
            other = question_log_key(session=session, settings=second.settings)
            stored = session.scalar(select(func.count()).select_from(Meta)
                                    .where(Meta.key == KEY_NAME))
        assert one == other and len(one) == 32 and stored == 1
    finally:
        first.close()
        second.close()


def test_a_configured_key_is_used_and_never_stored(sqlite_database_url: str) -> None:
    """QUESTION_LOG_KEY, when set, keys the hash; the database then holds no key at all."""
    secret = "k" * 40
    core = FactBot.open(load_settings(database_url=sqlite_database_url,
                                      question_log_key=secret))
    try:
        core.ask("recipe for plov", chat=Chat("telegram", GROUP, private=False))
        with core.database.session() as session:
            row = session.scalars(select(QuestionLog)).one()
            assert session.get(Meta, KEY_NAME) is None
        expected = hmac.new(secret.encode(), f"telegram:{GROUP}".encode(),
                            hashlib.sha256).hexdigest()
        assert row.chat_key == expected == chat_key(secret.encode(), "telegram", GROUP)
    finally:
        core.close()


async def test_questions_older_than_the_retention_are_pruned_hourly(database_url: str
                                                                    ) -> None:
    """The scheduler deletes questions past QUESTION_LOG_RETENTION_DAYS, at most once an hour."""
    core = FactBot.open(load_settings(database_url=database_url,
                                      question_log_retention_days=30))
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)

    def log_question(days_ago: float) -> None:
        with core.database.session() as session:
            session.add(QuestionLog(asked_at=now - timedelta(days=days_ago), platform="cli",
                                    chat_key=None, private=True, question="q", outcome="none",
                                    fact_id=None, score=0.0))

    def ages() -> list[int]:
        with core.database.session() as session:
            return sorted((now - asked).days for asked in
                          session.scalars(select(QuestionLog.asked_at)))

    try:
        log_question(31)
        log_question(29)
        clock = Clock(now)
        scheduler = DigestScheduler(core, {"telegram": RecordingSender()}, clock=clock)
        await scheduler.tick()
        assert ages() == [29]
        log_question(45)
        clock.now += timedelta(minutes=30)
        await scheduler.tick()
        assert ages() == [29, 45]  # pruned less than an hour ago
        clock.now += timedelta(minutes=31)
        await scheduler.tick()
        assert ages() == [29]
    finally:
        core.close()


@pytest.mark.parametrize(("value", "parsed"), [
    ("telegram:-100123, discord:98765", ["telegram:-100123", "discord:98765"]),
    ("Telegram:-100123", ["telegram:-100123"]),
    (None, []),
])
def test_editors_chats_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch,
                                                     value: str | None,
                                                     parsed: list[str]) -> None:
    """EDITORS_CHATS is a list of platform:chat entries, separated by commas or spaces."""
    if value is not None:
        monkeypatch.setenv("EDITORS_CHATS", value)
    assert load_settings().editors_chats == parsed


@pytest.mark.parametrize(("name", "value"), [("EDITORS_CHATS", "-100123"),
                                             ("EDITORS_CHATS", "telegram:general"),
                                             ("QUESTION_LOG_KEY", "too-short-a-key"),
                                             ("QUESTION_LOG_RETENTION_DAYS", "0")])
def test_bad_privacy_settings_are_refused_by_name(monkeypatch: pytest.MonkeyPatch, name: str,
                                                  value: str) -> None:
    """A malformed editors' chat, a short key or no retention fails at start-up, named."""
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=name) as error:
        load_settings()
    assert "too-short-a-key" not in str(error.value)
