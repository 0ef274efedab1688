"""Engine, sessions, migrations, and patience with a database that is briefly down."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.errors import UserError

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Any constant works: it only has to be the same for every instance of factbot.
_MIGRATION_LOCK_KEY = 0x46414354


class DatabaseUnavailable(UserError):
    """The database could not be reached after retrying; the message hides any password."""


def safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def create_db_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


class Database:
    def __init__(self, url: str, *, connect_attempts: int = 5, retry_seconds: float = 1.0):
        self.url = url
        self.engine = create_db_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._connect_attempts = connect_attempts
        self._retry_seconds = retry_seconds

    @property
    def is_postgresql(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def wait_until_reachable(self) -> None:
        """Connect, retrying with backoff; raise `DatabaseUnavailable` with a clear message."""
        delay = self._retry_seconds
        for attempt in range(1, self._connect_attempts + 1):
            try:
                with self.engine.connect() as connection:
                    connection.execute(text("SELECT 1"))
                return
            except OperationalError as error:
                reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
                if attempt == self._connect_attempts:
                    raise DatabaseUnavailable(
                        f"cannot reach the database at {safe_url(self.url)} after "
                        f"{attempt} attempts: {reason}. Check DATABASE_URL and that the "
                        "server is running."
                    ) from None
                log.warning(
                    "database at %s unreachable (attempt %d/%d): %s; retrying in %.1fs",
                    safe_url(self.url), attempt, self._connect_attempts, reason, delay,
                )
                time.sleep(delay)
                delay = min(delay * 2, 30)

    def migrate(self) -> None:
        """Bring the schema to the newest revision; instances serialise on an advisory lock."""
        self.wait_until_reachable()
        with self.engine.begin() as connection:
            if self.is_postgresql:
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                   {"key": _MIGRATION_LOCK_KEY})
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS_DIR))
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error."""
        with self.sessions.begin() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
