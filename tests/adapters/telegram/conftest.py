from __future__ import annotations

from collections.abc import AsyncIterator
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


def telegram_settings(fake: FakeTelegram, database_url: str, **overrides: object) -> Settings:
    return load_settings(database_url=database_url, telegram_bot_token=TOKEN,
                         telegram_api_base_url=fake.base_url, **overrides)


@pytest.fixture
async def telegram_bot(fake_telegram: FakeTelegram, fresh_core: FactBot,
                       sqlite_database_url: str) -> AsyncIterator[RunningBot]:
    adapter = TelegramAdapter(fresh_core,
                              telegram_settings(fake_telegram, sqlite_database_url),
                              poll_timeout=1)
    await adapter.start()
    yield RunningBot(fake_telegram, adapter, fresh_core)
    await adapter.stop()
