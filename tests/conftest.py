from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core import FactBot
from bot.settings import load_settings
from tests.databases import postgres_base_url, postgres_schema_url, sqlite_url


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests never read the developer's .env or real tokens, nor write to their data folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FACTBOT_DATA_DIR", str(tmp_path / "data"))
    for name in ("DATABASE_URL", "TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN",
                 "TELEGRAM_WEBHOOK_URL", "FACTBOT_SEEDS_DIR"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each test that uses it runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
        return
    base = postgres_base_url()
    if base is None:
        pytest.skip("TEST_DATABASE_URL is not set")
    with postgres_schema_url(base) as url:
        yield url


@pytest.fixture
def sqlite_database_url(tmp_path: Path) -> str:
    return sqlite_url(tmp_path)


@pytest.fixture(scope="session")
def shared_core(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FactBot]:
    """One core on the shipped table for read-only tests (asking, sources)."""
    directory = tmp_path_factory.mktemp("shared-core")
    core = FactBot.open(load_settings(database_url=sqlite_url(directory)))
    yield core
    core.close()


@pytest.fixture
def fresh_core(sqlite_database_url: str) -> Iterator[FactBot]:
    """A core of the test's own, on the shipped table, that the test may write to."""
    core = FactBot.open(load_settings(database_url=sqlite_database_url))
    yield core
    core.close()
