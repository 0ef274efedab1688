"""`factbot run` with Discord as a whole process."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from tests.adapters.discord.conftest import TOKEN
from tests.fakes.discord_api import FakeDiscord, option, slash_command


async def test_sigterm_closes_the_gateway_and_exits_cleanly(fake_discord: FakeDiscord,
                                                             sqlite_database_url: str) -> None:
    """SIGTERM closes the gateway connection and `factbot run` exits 0 within seconds."""
    env = {**os.environ, "DISCORD_BOT_TOKEN": TOKEN, "DATABASE_URL": sqlite_database_url,
           "DISCORD_API_BASE_URL": fake_discord.api_base_url,
           "DISCORD_GATEWAY_URL": fake_discord.gateway_url, "LOG_LEVEL": "DEBUG"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        await asyncio.wait_for(fake_discord.identified.wait(), 30)
        await fake_discord.wait_for(lambda: bool(fake_discord.calls("PUT", "/commands")),
                                    within=30)
        interaction = slash_command("fact", [option("question", "curfew")])
        await fake_discord.dispatch("INTERACTION_CREATE", interaction)
        assert "11 p.m." in str(await fake_discord.callback_for(interaction["id"], within=10))
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 10)
    finally:
        if process.returncode is None:
            process.kill()
    assert process.returncode == 0, stderr.decode()[-2000:]
    assert TOKEN not in stderr.decode()
