"""Alembic environment: runs on the connection that `db.database.Database.migrate` hands in."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from db.models import Base

target_metadata = Base.metadata
config = context.config


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is None:  # `alembic` run by hand: use the URL it was given
        engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
        with engine.begin() as own_connection:
            context.configure(connection=own_connection, target_metadata=target_metadata,
                              render_as_batch=True)
            context.run_migrations()
        return
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=True)
    context.run_migrations()


run_migrations()
