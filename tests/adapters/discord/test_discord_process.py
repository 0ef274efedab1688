"""`factbot run` with Discord as a whole process."""

from __future__ import annotations

import asyncio

from tests.adapters.discord.conftest import TOKEN
from tests.fakes.discord_api import FakeDiscord, option, slash_command
from tests.processes import start_factbot_run, stop_with_sigterm


async def test_sigterm_closes_the_gateway_and_exits_cleanly(fake_discord: FakeDiscord,
                                                             sqlite_database_url: str) -> None:
    """SIGTERM closes the gateway connection and `factbot run` exits 0 within seconds."""
    process = await start_factbot_run(
        DISCORD_BOT_TOKEN=TOKEN, DATABASE_URL=sqlite_database_url,
        DISCORD_API_BASE_URL=fake_discord.api_base_url,
        DISCORD_GATEWAY_URL=fake_discord.gateway_url, LOG_LEVEL="DEBUG")
    try:
        await asyncio.wait_for(fake_discord.identified.wait(), 30)
        await fake_discord.wait_for(lambda: bool(fake_discord.calls("PUT", "/commands")),
                                    within=30)
        interaction = slash_command("fact", [option("question", "curfew")])
        await fake_discord.dispatch("INTERACTION_CREATE", interaction)
        assert "11 p.m." in str(await fake_discord.callback_for(interaction["id"], within=10))
    finally:
        returncode, log = await stop_with_sigterm(process)
    assert returncode == 0, log[-2000:]
    assert TOKEN not in log
