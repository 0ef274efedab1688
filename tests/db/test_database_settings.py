"""A database setting that cannot work stops `factbot` at once, in one line, naming it.

Run as an operator would: the `factbot` command in a process of its own, reading only the
environment. Only a server that may yet answer (a refused connection) is asked again.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from db.database import Database, DatabaseUnavailable
from tests.databases import postgres_base_url, postgres_schema_url

PASSWORD = "hunter2-newsroom"


def factbot_ask(cwd: Path, **environment: str) -> tuple[int, str]:
    """Run `factbot ask` in `cwd`; return the exit code and everything it printed to stderr."""
    done = subprocess.run(
        [sys.executable, "-m", "adapters.console.cli", "ask", "how many CSTO troops?"],
        env={**os.environ, "DATABASE_RETRY_SECONDS": "1", **environment},
        cwd=cwd, capture_output=True, text=True, timeout=60, check=False,
    )
    return done.returncode, done.stderr


def _file(path: Path, content: str = "not a database\n") -> Path:
    path.write_text(content, encoding="utf-8")
    return path


# (what is wrong, the setting, its value for a test folder, words the one line must hold)
WRONG_SETTINGS: list[tuple[str, str, Callable[[Path], str], str]] = [
    ("a file where the SQLite folder should be", "DATABASE_URL",
     lambda tmp: f"sqlite:///{_file(tmp / 'notes.txt')}/factbot.db",
     "notes.txt is a file, not a folder"),
    ("a folder as the SQLite file", "DATABASE_URL",
     lambda tmp: f"sqlite:///{tmp}", "is a folder, not a SQLite file"),
    ("a file that is not a SQLite database", "DATABASE_URL",
     lambda tmp: f"sqlite:///{_file(tmp / 'passwd')}", "file is not a database"),
    ("not a URL", "DATABASE_URL", lambda tmp: "notaurl", "is not a database URL"),
    ("a port that is not a number", "DATABASE_URL",
     lambda tmp: f"postgresql+psycopg://editor:{PASSWORD}@db:port/news",
     "is not a database URL"),
    ("a driver that is not installed", "DATABASE_URL",
     lambda tmp: f"mysql+mysqldb://editor:{PASSWORD}@localhost/news",
     "driver is not installed"),
    ("an unknown kind of database", "DATABASE_URL",
     lambda tmp: "newsdb://localhost/news", "unknown kind of database"),
    ("a file as the data folder", "FACTBOT_DATA_DIR",
     lambda tmp: str(_file(tmp / "data-file")), "data-file is a file, not a folder"),
]


@pytest.mark.parametrize(("setting", "value", "words"),
                         [case[1:] for case in WRONG_SETTINGS],
                         ids=[case[0] for case in WRONG_SETTINGS])
def test_a_wrong_database_setting_fails_at_once_in_one_line(
    tmp_path: Path, setting: str, value: Callable[[Path], str], words: str
) -> None:
    """Exit 1 with one line naming the setting: no traceback, no retries, no password."""
    code, stderr = factbot_ask(tmp_path, **{setting: value(tmp_path)})
    assert code == 1, stderr
    assert "Traceback" not in stderr
    [line] = stderr.strip().splitlines()
    assert line.startswith("factbot: ") and setting in line and words in line
    assert PASSWORD not in line


def test_a_missing_postgresql_database_is_not_retried(tmp_path: Path) -> None:
    """A server that says "no such database" is believed the first time."""
    base = postgres_base_url()
    if base is None:
        pytest.skip("TEST_DATABASE_URL is not set")
    missing = make_url(base).set(database=f"factbot_missing_{uuid.uuid4().hex[:8]}")
    code, stderr = factbot_ask(
        tmp_path, DATABASE_URL=missing.render_as_string(hide_password=False),
        DATABASE_RETRY_SECONDS="30")  # a retry would outlast the subprocess timeout
    assert code == 1, stderr
    [line] = stderr.strip().splitlines()
    assert "DATABASE_URL" in line and "does not exist" in line


def test_a_refused_connection_is_retried_then_reported_in_one_line(tmp_path: Path) -> None:
    """Nothing listening is worth waiting for; after the last attempt, one clear line."""
    code, stderr = factbot_ask(
        tmp_path, DATABASE_URL=f"postgresql+psycopg://editor:{PASSWORD}@127.0.0.1:9/news",
        DATABASE_CONNECT_ATTEMPTS="3", DATABASE_RETRY_SECONDS="0.05")
    assert code == 1, stderr
    assert "Traceback" not in stderr and PASSWORD not in stderr
    *warnings, last = stderr.strip().splitlines()
    assert len(warnings) == 2 and all("retrying" in warning for warning in warnings)
    assert last.startswith("factbot: cannot reach the database") and "after 3 attempts" in last
    assert "DATABASE_URL" in last


def test_a_password_given_as_a_query_option_is_hidden_too() -> None:
    """libpq also takes the password as `?password=`; the message hides it there as well."""
    database = Database(f"postgresql+psycopg://editor@127.0.0.1:9/news?password={PASSWORD}",
                        connect_attempts=1, retry_seconds=0)
    with pytest.raises(DatabaseUnavailable) as raised:
        database.wait_until_reachable()
    assert PASSWORD not in str(raised.value) and "127.0.0.1:9" in str(raised.value)


def test_a_role_that_may_not_create_tables_is_one_clear_error() -> None:
    """Reachable but unusable: the migration's refusal is reported, not a traceback."""
    base = postgres_base_url()
    if base is None:
        pytest.skip("TEST_DATABASE_URL is not set")
    role = f"factbot_reader_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with postgres_schema_url(base) as schema_url, admin.connect() as connection:
        connection.execute(text(f'CREATE ROLE "{role}" LOGIN'))
        try:
            url = make_url(schema_url).set(username=role, password=None)
            database = Database(url.render_as_string(hide_password=False), connect_attempts=1)
            with pytest.raises(DatabaseUnavailable) as raised:
                database.migrate()
            database.dispose()
            message = str(raised.value)
            assert "cannot create or update its tables" in message and "\n" not in message
            assert "DATABASE_URL" in message
        finally:
            connection.execute(text(f'DROP ROLE "{role}"'))
    admin.dispose()
