"""Databases for tests: a SQLite file, or a PostgreSQL schema of the test's own.

PostgreSQL runs when TEST_DATABASE_URL is set; each use gets a fresh schema that is
dropped afterwards, so concurrent runs against one server never collide. If the
variable is set but the server cannot be reached, the tests fail rather than skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

from sqlalchemy import create_engine, make_url, text

TEST_DATABASE_URL_ENV = "TEST_DATABASE_URL"


def postgres_base_url() -> str | None:
    return os.environ.get(TEST_DATABASE_URL_ENV) or None


@contextmanager
def postgres_schema_url(base_url: str) -> Iterator[str]:
    """A URL whose connections use a brand-new schema; the schema is dropped on exit."""
    schema = f"factbot_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(base_url).update_query_dict(
            {"options": f"-csearch_path={schema}"}
        )
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def sqlite_url(directory: os.PathLike[str] | str) -> str:
    return f"sqlite:///{quote(str(directory))}/factbot-test.db"
