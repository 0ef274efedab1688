"""The real discord.py client against a fake Discord on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from adapters.discord.app import DiscordAdapter
from bot.core import FactBot
from bot.settings import Settings, load_settings
from tests.fakes.discord_api import EPHEMERAL, FakeDiscord

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.fake-discord-token.abcdefghijklmnop"
FAST = {"guild_ready_timeout": 0.05, "identify_interval": 0.0}  # discord.py waits otherwise


@dataclass
class RunningBot:
    fake: FakeDiscord
    adapter: DiscordAdapter
    core: FactBot

    async def interact(self, interaction: dict[str, Any]) -> dict[str, Any]:
        """Dispatch INTERACTION_CREATE and return the bot's interaction callback."""
        await self.fake.dispatch("INTERACTION_CREATE", interaction)
        return await self.fake.callback_for(interaction["id"])


def embed_of(callback: dict[str, Any]) -> dict[str, Any]:
    embeds = callback["data"]["embeds"]
    assert len(embeds) == 1
    return dict(embeds[0])


def is_ephemeral(message: dict[str, Any]) -> bool:
    """For a callback (`{"type", "data"}`) or a webhook message body."""
    return bool(message.get("data", message).get("flags", 0) & EPHEMERAL)


def discord_settings(fake: FakeDiscord, database_url: str, **overrides: object) -> Settings:
    return load_settings(database_url=database_url, discord_bot_token=TOKEN,
                         discord_api_base_url=fake.api_base_url,
                         discord_gateway_url=fake.gateway_url, **overrides)


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def discord_bot(fake_discord: FakeDiscord, fresh_core: FactBot,
                      sqlite_database_url: str) -> AsyncIterator[RunningBot]:
    adapter = DiscordAdapter(fresh_core, discord_settings(fake_discord, sqlite_database_url),
                             **FAST)
    await adapter.start()
    yield RunningBot(fake_discord, adapter, fresh_core)
    await adapter.stop()
