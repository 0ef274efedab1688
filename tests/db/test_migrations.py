"""The Alembic migrations build exactly the schema the models describe, and keep the data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import bindparam, func, inspect, select, text

from bot.core import FactBot
from bot.digest.content import unanswered_questions
from bot.facttable import FactTable, load_fact_table
from bot.question_log import QuestionScope
from bot.settings import DEFAULT_SEEDS_DIR, load_settings
from db.database import MIGRATIONS_DIR, Database
from db.models import Base, FactVersion, Meta, QuestionLog, Source
from db.types import UTCDateTime


def test_migrations_match_the_models(database_url: str) -> None:
    """Upgrading to head leaves nothing for autogenerate to add, drop or alter."""
    database = Database(database_url)
    try:
        database.migrate()
        database.migrate()  # a second run at head changes nothing
        with database.engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    finally:
        database.dispose()


def test_upgrading_forgets_chat_ids_and_makes_old_questions_private(database_url: str) -> None:
    """Questions logged with a chat id lose it on upgrade and are listed in no digest."""
    database = Database(database_url)
    asked_at = datetime.now(UTC) - timedelta(hours=1)
    try:
        with database.engine.begin() as connection:
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS_DIR))
            config.attributes["connection"] = connection
            command.upgrade(config, "0001")
            connection.execute(text(
                "INSERT INTO question_log (asked_at, platform, chat_id, question, outcome, "
                "score) VALUES (:asked_at, 'telegram', '4242', 'is the source safe', 'none', 0)"
            ).bindparams(bindparam("asked_at", asked_at, type_=UTCDateTime())))
        database.migrate()
        columns = {c["name"] for c in inspect(database.engine).get_columns("question_log")}
        assert "chat_id" not in columns
        with database.session() as session:
            row = session.scalars(select(QuestionLog)).one()
            assert (row.question, row.private, row.chat_key) == ("is the source safe", True,
                                                                 None)
            editors = QuestionScope(chat_key=None, every_group=True)
            assert unanswered_questions(session=session, until=datetime.now(UTC),
                                        scope=editors) == ()
    finally:
        database.dispose()


def _load_the_old_way(database: Database, seeds: FactTable) -> None:
    """The tables at revision 0001, holding seeds/ as the loader before versions left it."""
    now = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    with database.engine.begin() as connection:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        metadata = sa.MetaData()
        metadata.reflect(connection, only=["sources", "facts", "claims", "meta"])
        tables = metadata.tables
        connection.execute(tables["sources"].insert(), [
            {**source.model_dump(), "content_sha256": "0" * 64} for source in seeds.sources])
        connection.execute(tables["facts"].insert(), [
            {"id": fact.id, "headline": fact.headline, "short": fact.short,
             "questions": fact.questions, "tags": fact.tags, "event_date": fact.event_date,
             "sources_differ": fact.sources_differ, "position": position,
             "content_sha256": fact.content_sha256(), "retracted": False,
             "created_at": now, "updated_at": now}
            for position, fact in enumerate(seeds.facts)])
        connection.execute(tables["claims"].insert(), [
            {"fact_id": fact.id, "position": number, "source_id": claim.source,
             "says": claim.says, "quote": claim.quote, "speaker": claim.speaker}
            for fact in seeds.facts for number, claim in enumerate(fact.claims)])
        connection.execute(tables["meta"].insert(), [{"key": "seeds_sha256",
                                                      "value": seeds.digest}])


def test_a_table_loaded_before_versions_upgrades_to_version_one_of_each_fact(
    database_url: str,
) -> None:
    """0003 makes every fact version 1 from seeds/; the next start stores the documents'
    text and changes no fact."""
    seeds = load_fact_table(DEFAULT_SEEDS_DIR)
    database = Database(database_url)
    try:
        _load_the_old_way(database, seeds)
        database.migrate()
        with database.session() as session:
            versions = session.scalars(select(FactVersion).order_by(FactVersion.id)).all()
            assert len(versions) == len(seeds.facts)
            first = versions[0]
            assert (first.version, first.change, first.actor) == (
                1, "imported", "import:seeds/facts.yaml")
            assert first.content == seeds.facts[0].model_dump(mode="json")
            assert session.get(Meta, "seeds_sha256") is None  # the next start imports again
    finally:
        database.dispose()
    bot = FactBot.open(load_settings(database_url=database_url))
    try:
        with bot.database.session() as session:
            assert session.scalar(select(func.count()).select_from(FactVersion)) == len(
                seeds.facts)
            texts = {row.id: row.text for row in session.scalars(select(Source))}
        assert texts == seeds.documents
        curfew = bot.index.get("curfew")
        assert curfew is not None and curfew.version == 1
        check = bot.check_quote("the police did not use any force").quote_check
        assert check is not None and check.found is not None
    finally:
        bot.close()
