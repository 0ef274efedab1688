from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest

from adapters.telegram.app import TelegramAdapter
from bot.core import FactBot
from bot.settings import Settings, load_settings
from tests.fakes.telegram_api import FakeTelegram

TOKEN = "123456789:AAH-test-token-abcdefghijklmnopqrstu"


@dataclass
class RunningBot:
    fake: FakeTelegram
    adapter: TelegramAdapter
    core: FactBot


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def telegram_core(sqlite_database_url: str) -> Iterator[FactBot]:
    core = FactBot.open(load_settings(database_url=sqlite_database_url))
    yield core
    core.close()


def telegram_settings(fake: FakeTelegram, database_url: str, **overrides: object) -> Settings:
    return load_settings(database_url=database_url, telegram_bot_token=TOKEN,
                         telegram_api_base_url=fake.base_url, **overrides)


@pytest.fixture
async def telegram_bot(fake_telegram: FakeTelegram, telegram_core: FactBot,
                       sqlite_database_url: str) -> AsyncIterator[RunningBot]:
    adapter = TelegramAdapter(telegram_core,
                              telegram_settings(fake_telegram, sqlite_database_url),
                              poll_timeout=1)
    await adapter.start()
    yield RunningBot(fake_telegram, adapter, telegram_core)
    await adapter.stop()
