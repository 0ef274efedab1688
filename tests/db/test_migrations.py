"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import bindparam, inspect, select, text

from bot.digest.content import unanswered_questions
from bot.question_log import QuestionScope
from db.database import MIGRATIONS_DIR, Database
from db.models import Base, QuestionLog
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
