from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from adapters.discord.app import DiscordAdapter
from bot.core import FactBot
from bot.settings import Settings, load_settings
from tests.fakes.discord_api import FakeDiscord

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.fake-discord-token.abcdefghijklmnop"


@dataclass
class RunningBot:
    fake: FakeDiscord
    adapter: DiscordAdapter
    core: FactBot


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    await fake.start()
    yield fake
    await fake.stop()


def discord_settings(fake: FakeDiscord, database_url: str, **overrides: object) -> Settings:
    return load_settings(database_url=database_url, discord_bot_token=TOKEN,
                         discord_api_base_url=fake.api_base_url,
                         discord_gateway_url=fake.gateway_url, **overrides)


@pytest.fixture
async def discord_bot(fake_discord: FakeDiscord, fresh_core: FactBot,
                      sqlite_database_url: str) -> AsyncIterator[RunningBot]:
    adapter = DiscordAdapter(fresh_core, discord_settings(fake_discord, sqlite_database_url),
                             guild_ready_timeout=0.05)
    await adapter.start()
    yield RunningBot(fake_discord, adapter, fresh_core)
    await adapter.stop()
