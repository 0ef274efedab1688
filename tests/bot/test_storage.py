"""Loading the table into the database: idempotent, ids kept, retractions recorded."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.answering import Chat
from bot.core import FactBot
from bot.settings import DEFAULT_SEEDS_DIR, load_settings
from db.database import Database, DatabaseUnavailable
from db.models import Claim, Fact, FactChange, Subscription


def _counts(bot: FactBot) -> tuple[int, int, int]:
    with bot.database.session() as session:
        return (
            session.scalar(select(func.count()).select_from(Fact)) or 0,
            session.scalar(select(func.count()).select_from(Claim)) or 0,
            session.scalar(select(func.count()).select_from(FactChange)) or 0,
        )


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    target = tmp_path / "seeds"
    shutil.copytree(DEFAULT_SEEDS_DIR, target)
    return target


def test_loading_twice_changes_nothing(database_url: str) -> None:
    bot = FactBot.open(load_settings(database_url=database_url))
    try:
        before = _counts(bot)
        assert before[0] >= 80
        report = bot.answering.load_seeds()
        assert not report.changed and report.unchanged == before[0]
        assert _counts(bot) == before
    finally:
        bot.close()


def test_a_changed_fact_updates_its_row_keeps_its_id_and_is_logged(
    database_url: str, seeds_copy: Path
) -> None:
    settings = load_settings(database_url=database_url, seeds_dir=seeds_copy)
    bot = FactBot.open(settings)
    try:
        fact = bot.index.facts[0]
        facts_file = seeds_copy / "facts.yaml"
        content = facts_file.read_text(encoding="utf-8")
        facts_file.write_text(
            content.replace(f"headline: {fact.headline}", "headline: A corrected headline", 1),
            encoding="utf-8",
        )
        report = bot.answering.load_seeds(only_if_changed=True)
        assert report.corrected == [fact.id] and not report.added and not report.retracted
        with bot.database.session() as session:
            row = session.get(Fact, fact.id)
            assert row is not None and row.headline == "A corrected headline"
            kinds = session.scalars(
                select(FactChange.kind).where(FactChange.fact_id == fact.id)).all()
        assert sorted(kinds) == ["added", "corrected"]
        assert bot.index.get(fact.id) is not None
    finally:
        bot.close()


def test_a_fact_removed_from_seeds_is_retracted_not_deleted(
    database_url: str, seeds_copy: Path
) -> None:
    settings = load_settings(database_url=database_url, seeds_dir=seeds_copy)
    bot = FactBot.open(settings)
    try:
        victim = bot.index.facts[-1]
        facts_file = seeds_copy / "facts.yaml"
        content = facts_file.read_text(encoding="utf-8")
        start = content.index(f"- id: {victim.id}")
        facts_file.write_text(content[:start].rstrip() + "\n", encoding="utf-8")
        report = bot.answering.load_seeds()
        assert report.retracted == [victim.id]
        assert bot.index.get(victim.id) is None
        with bot.database.session() as session:
            row = session.get(Fact, victim.id)
            assert row is not None and row.retracted
    finally:
        bot.close()


def test_another_instance_sees_a_new_table_on_refresh(database_url: str, seeds_copy: Path
                                                      ) -> None:
    settings = load_settings(database_url=database_url, seeds_dir=seeds_copy)
    first, second = FactBot.open(settings), FactBot.open(settings)
    try:
        fact = first.index.facts[0]
        facts_file = seeds_copy / "facts.yaml"
        content = facts_file.read_text(encoding="utf-8")
        facts_file.write_text(
            content.replace(f"headline: {fact.headline}", "headline: Refreshed headline", 1),
            encoding="utf-8")
        first.answering.load_seeds()
        assert second.answering.refresh_if_changed()
        refreshed = second.index.get(fact.id)
        assert refreshed is not None and refreshed.headline == "Refreshed headline"
        assert not second.answering.refresh_if_changed()
    finally:
        first.close()
        second.close()


def test_questions_are_logged_and_feed_the_most_asked(database_url: str) -> None:
    bot = FactBot.open(load_settings(database_url=database_url))
    try:
        target = bot.index.facts[5]
        for _ in range(3):
            assert bot.ask(target.questions[0], chat=Chat("telegram")).fact_id == target.id
        assert bot.inline_answers("", 3)[0].fact_id == target.id
    finally:
        bot.close()


def test_subscriptions_are_stored_updated_and_turned_off(database_url: str) -> None:
    from datetime import time

    bot = FactBot.open(load_settings(database_url=database_url))
    try:
        view = bot.subscriptions.subscribe(
            platform="telegram", chat_id="-100", local_time=time(9, 0),
            timezone="asia/almaty", created_by="42")
        assert view.timezone == "Asia/Almaty" and view.enabled
        bot.subscriptions.subscribe(platform="telegram", chat_id="-100", local_time=time(7, 30),
                      timezone="UTC", created_by="42")
        stored = bot.subscriptions.get("telegram", "-100")
        assert stored is not None and stored.local_time == time(7, 30)
        assert bot.subscriptions.unsubscribe("telegram", "-100")
        assert not bot.subscriptions.unsubscribe("telegram", "-100")
        stored = bot.subscriptions.get("telegram", "-100")
        assert stored is not None and not stored.enabled
        with bot.database.session() as session:
            assert session.scalar(select(func.count()).select_from(Subscription)) == 1
    finally:
        bot.close()


def test_an_unreachable_database_is_retried_then_reported_without_password() -> None:
    database = Database("postgresql+psycopg://user:s3cret@127.0.0.1:9/none",
                        connect_attempts=2, retry_seconds=0.01)
    with pytest.raises(DatabaseUnavailable) as raised:
        database.wait_until_reachable()
    message = str(raised.value)
    assert "after 2 attempts" in message and "127.0.0.1:9" in message
    assert "s3cret" not in message
