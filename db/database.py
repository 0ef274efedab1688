"""Engine, sessions, migrations, and patience with a database that is briefly down.

Patience only where it can help: a server that refuses connections or does not answer
yet (still starting, a container not up) is asked again with backoff. A wrong setting —
an unparseable URL, a missing driver, a SQLite path that cannot be a file, a PostgreSQL
database or role that does not exist — fails at once with one line naming the setting,
because waiting would not change the answer.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import URL, Engine, create_engine, event, make_url, text
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from bot.errors import UserError

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Any constant works: it only has to be the same for every instance of factbot.
_MIGRATION_LOCK_KEY = 0x46414354
_URL_EXAMPLES = ("sqlite:////var/lib/factbot/factbot.db or "
                 "postgresql+psycopg://user:password@host:5432/factbot")
# Signs, in the driver's message, that asking again may succeed: nothing listens yet, the
# network timed out, or PostgreSQL is still starting or has no free connection slot.
# psycopg reports failed connections without an SQLSTATE, so the text is all there is.
_TRANSIENT_SIGNS = (
    "connection refused",
    "timeout expired",
    "timed out",
    "the database system is starting up",
    "too many clients",
)


class DatabaseUnavailable(UserError):
    """The database cannot be used: its setting is wrong, or the server stayed unreachable.

    The message is one line, names the setting to fix and never shows a password.
    """


def safe_url(url: str | URL) -> str:
    """The URL as it may be printed: password hidden, also when given as a query option."""
    parsed = make_url(url)
    if "password" in parsed.query:
        parsed = parsed.update_query_dict({"password": "hidden"})
    return parsed.render_as_string(hide_password=True)


def _reason(error: BaseException) -> str:
    """The driver's own first line, without SQLAlchemy's wrapping and background link."""
    cause = error.orig if isinstance(error, DBAPIError) and error.orig else error
    lines = str(cause).strip().splitlines()
    return " ".join(lines[0].split()) if lines else type(cause).__name__


def _is_transient(error: DBAPIError) -> bool:
    message = _reason(error).casefold()
    return any(sign in message for sign in _TRANSIENT_SIGNS)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _parse(url: str, setting: str) -> URL:
    try:
        return make_url(url)
    except (ArgumentError, ValueError):
        # The value is not echoed: an unparseable URL may still hold a password.
        raise DatabaseUnavailable(
            f"{setting} is not a database URL; expected e.g. {_URL_EXAMPLES}"
        ) from None


def _prepare_sqlite_file(url: URL, setting: str) -> None:
    """Create the file's folder; refuse a path that can never be a SQLite file."""
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        return
    path = Path(url.database)
    if path.is_dir():
        raise DatabaseUnavailable(
            f"cannot use the database at {safe_url(url)} ({setting}): {path} is a folder, "
            "not a SQLite file"
        )
    blocker = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise DatabaseUnavailable(
            f"cannot use the database at {safe_url(url)} ({setting}): {blocker} is a file, "
            "not a folder"
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DatabaseUnavailable(
            f"cannot use the database at {safe_url(url)} ({setting}): cannot create the "
            f"folder {path.parent}: {error.strerror or error}"
        ) from None


def create_db_engine(url: str, *, setting: str = "DATABASE_URL") -> Engine:
    """An engine for `url`; a URL that can never work raises `DatabaseUnavailable`."""
    parsed = _parse(url, setting)
    try:
        if parsed.get_backend_name() == "sqlite":
            _prepare_sqlite_file(parsed, setting)
            engine = create_engine(parsed, connect_args={"timeout": 10})
            event.listen(engine, "connect", _sqlite_pragmas)
            return engine
        return create_engine(parsed, pool_pre_ping=True, pool_size=5, max_overflow=5)
    except NoSuchModuleError:
        raise DatabaseUnavailable(
            f"{setting} names an unknown kind of database ({parsed.drivername}); expected "
            f"e.g. {_URL_EXAMPLES}"
        ) from None
    except ImportError as error:
        raise DatabaseUnavailable(
            f"cannot use the database at {safe_url(parsed)} ({setting}): its driver is not "
            f"installed ({error}); factbot ships the drivers for sqlite:/// and "
            "postgresql+psycopg:// URLs"
        ) from None


class Database:
    def __init__(self, url: str, *, connect_attempts: int = 5, retry_seconds: float = 1.0,
                 setting: str = "DATABASE_URL"):
        """`setting` names where the URL came from, so every error says what to fix."""
        self.url = url
        self.setting = setting
        self.engine = create_db_engine(url, setting=setting)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._connect_attempts = connect_attempts
        self._retry_seconds = retry_seconds

    @property
    def is_postgresql(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def _unusable(self, reason: str) -> DatabaseUnavailable:
        return DatabaseUnavailable(
            f"cannot use the database at {safe_url(self.url)} ({self.setting}): {reason}"
        )

    def wait_until_reachable(self) -> None:
        """Connect; retry with backoff only while the server may yet answer.

        Raises `DatabaseUnavailable` at once for a permanent error, and after the last
        attempt for a server that stayed unreachable.
        """
        delay = self._retry_seconds
        for attempt in range(1, self._connect_attempts + 1):
            try:
                with self.engine.connect() as connection:
                    connection.execute(text("SELECT 1"))
                return
            except DBAPIError as error:
                reason = _reason(error)
                if self.engine.dialect.name == "sqlite" or not _is_transient(error):
                    raise self._unusable(reason) from None
                if attempt == self._connect_attempts:
                    raise DatabaseUnavailable(
                        f"cannot reach the database at {safe_url(self.url)} after "
                        f"{attempt} attempts: {reason}. Check {self.setting} and that the "
                        "server is running."
                    ) from None
                log.warning(
                    "database at %s unreachable (attempt %d/%d): %s; retrying in %.1fs",
                    safe_url(self.url), attempt, self._connect_attempts, reason, delay,
                )
                time.sleep(delay)
                delay = min(delay * 2, 30)

    def migrate(self) -> None:
        """Bring the schema to the newest revision; instances serialise on an advisory lock.

        A database that connects but cannot take the schema (a read-only file, a role
        without CREATE) is reported like a bad setting, in one line.
        """
        self.wait_until_reachable()
        try:
            with self.engine.begin() as connection:
                if self.is_postgresql:
                    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                       {"key": _MIGRATION_LOCK_KEY})
                config = Config()
                config.set_main_option("script_location", str(MIGRATIONS_DIR))
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        except DBAPIError as error:
            raise self._unusable(f"cannot create or update its tables: {_reason(error)}"
                                 ) from None

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error."""
        with self.sessions.begin() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
