"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from db.database import Database
from db.models import Base


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
