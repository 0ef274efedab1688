"""Loading the table into the database: idempotent, ids kept, retractions recorded."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from adapters.console.cli import main
from bot.answering import Chat
from bot.core import FactBot
from bot.facttable import load_fact_table
from bot.settings import DEFAULT_SEEDS_DIR, get_settings, load_settings
from bot.store import MassRetractionRefused
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


# --- a truncated facts.yaml must not retract the table --------------------------------------


def _keep_first_facts(seeds: Path, count: int) -> list[str]:
    """Cut facts.yaml after `count` facts, as an interrupted copy would; the ids cut off."""
    facts_file = seeds / "facts.yaml"
    content = facts_file.read_text(encoding="utf-8")
    cut = [fact.id for fact in load_fact_table(seeds).facts[count:]]
    facts_file.write_text(content[: content.index(f"- id: {cut[0]}")], encoding="utf-8")
    return cut


def _retracted(bot: FactBot) -> int:
    with bot.database.session() as session:
        return session.scalar(select(func.count()).select_from(Fact).where(Fact.retracted)) or 0


def test_a_truncated_table_is_refused_and_nothing_is_retracted(
    database_url: str, seeds_copy: Path
) -> None:
    """A load that would retract 70% of the facts is refused, naming the count and the way out."""
    bot = FactBot.open(load_settings(database_url=database_url, seeds_dir=seeds_copy))
    try:
        before, live = _counts(bot), len(bot.index.facts)
        cut = _keep_first_facts(seeds_copy, 28)
        with pytest.raises(MassRetractionRefused) as raised:
            bot.answering.load_seeds()
        message = str(raised.value)
        assert f"retract {len(cut)} of the {live} facts" in message
        assert "--allow-mass-retraction" in message and cut[0] in message
        assert _counts(bot) == before and _retracted(bot) == 0
        assert len(bot.index.facts) == live
    finally:
        bot.close()


def test_allow_mass_retraction_loads_the_smaller_table(database_url: str, seeds_copy: Path
                                                       ) -> None:
    """The operator's override retracts what the table no longer holds."""
    bot = FactBot.open(load_settings(database_url=database_url, seeds_dir=seeds_copy))
    try:
        cut = _keep_first_facts(seeds_copy, 28)
        report = bot.answering.load_seeds(allow_mass_retraction=True)
        assert sorted(report.retracted) == sorted(cut)
        assert len(bot.index.facts) == 28 and _retracted(bot) == len(cut)
    finally:
        bot.close()


def test_start_up_with_a_truncated_table_keeps_serving_the_current_one(
    database_url: str, seeds_copy: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Another instance starting on a truncated facts.yaml logs an error and retracts nothing."""
    settings = load_settings(database_url=database_url, seeds_dir=seeds_copy)
    serving = FactBot.open(settings)
    try:
        live = len(serving.index.facts)
        cut = _keep_first_facts(seeds_copy, 10)
        with caplog.at_level(logging.ERROR, logger="bot.answering"):
            starting = FactBot.open(settings)
        try:
            assert len(starting.index.facts) == live
            assert starting.index.get(cut[0]) is not None
        finally:
            starting.close()
        errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
        assert len(errors) == 1
        assert f"retract {len(cut)} of the {live} facts" in errors[0]
        assert f"Serving the {live} facts" in errors[0]
        assert _retracted(serving) == 0 and not serving.answering.refresh_if_changed()
    finally:
        serving.close()


def test_the_retraction_share_is_a_setting(database_url: str, seeds_copy: Path) -> None:
    """With SEEDS_MAX_RETRACTION_SHARE=0 even one retraction needs the override."""
    settings = load_settings(database_url=database_url, seeds_dir=seeds_copy,
                             seeds_max_retraction_share=0)
    bot = FactBot.open(settings)
    try:
        _keep_first_facts(seeds_copy, len(bot.index.facts) - 1)
        with pytest.raises(MassRetractionRefused, match="retract 1 of the"):
            bot.answering.load_seeds()
    finally:
        bot.close()


def test_seeds_load_refuses_on_the_command_line_until_told(
    sqlite_database_url: str, seeds_copy: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`factbot seeds load` exits 1 with one message; `--allow-mass-retraction` loads."""
    monkeypatch.setenv("DATABASE_URL", sqlite_database_url)
    monkeypatch.setenv("FACTBOT_SEEDS_DIR", str(seeds_copy))
    get_settings.cache_clear()
    try:
        assert main(["seeds", "load"]) == 0
        cut = _keep_first_facts(seeds_copy, 40)
        capsys.readouterr()
        assert main(["seeds", "load"]) == 1
        refused = capsys.readouterr()
        assert refused.err.startswith("factbot: refusing to load the fact table: it would "
                                      f"retract {len(cut)} of the")
        assert "--allow-mass-retraction" in refused.err and "Traceback" not in refused.err
        assert main(["seeds", "load", "--allow-mass-retraction"]) == 0
        assert f"{len(cut)} retracted" in capsys.readouterr().out
    finally:
        get_settings.cache_clear()
