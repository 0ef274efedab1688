"""`factbot run` with Discord as a whole process."""

from __future__ import annotations

import asyncio
import signal

import pytest

from tests.adapters.discord.conftest import TOKEN
from tests.fakes.discord_api import FakeDiscord, option, slash_command
from tests.processes import start_factbot_run, stop_with_sigterm

NORMAL_CLOSURE = 1000


def _environment(fake: FakeDiscord, database_url: str) -> dict[str, str]:
    return {"DISCORD_BOT_TOKEN": TOKEN, "DATABASE_URL": database_url,
            "DISCORD_API_BASE_URL": fake.api_base_url,
            "DISCORD_GATEWAY_URL": fake.gateway_url, "LOG_LEVEL": "DEBUG"}


async def _stop_with(process: asyncio.subprocess.Process, signum: signal.Signals
                     ) -> tuple[int, str]:
    if signum is signal.SIGTERM:
        return await stop_with_sigterm(process)
    try:
        process.send_signal(signum)
        _, stderr = await asyncio.wait_for(process.communicate(), 10)
    finally:
        if process.returncode is None:
            process.kill()
    assert process.returncode is not None
    return process.returncode, stderr.decode()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
async def test_a_signal_closes_the_gateway_and_exits_cleanly(
    fake_discord: FakeDiscord, sqlite_database_url: str, signum: signal.Signals
) -> None:
    """SIGTERM or SIGINT closes the gateway connection; `factbot run` exits 0 within seconds."""
    process = await start_factbot_run(**_environment(fake_discord, sqlite_database_url))
    try:
        await asyncio.wait_for(fake_discord.identified.wait(), 30)
        await fake_discord.wait_for(lambda: bool(fake_discord.calls("PUT", "/commands")),
                                    within=30)
        interaction = slash_command("fact", [option("question", "curfew")])
        await fake_discord.dispatch("INTERACTION_CREATE", interaction)
        assert "11 p.m." in str(await fake_discord.callback_for(interaction["id"], within=10))
    finally:
        returncode, log = await _stop_with(process, signum)
    assert returncode == 0, log[-2000:]
    await fake_discord.wait_for(lambda: fake_discord.closed_by_client == [NORMAL_CLOSURE])
    assert TOKEN not in log


async def test_a_rejected_token_is_a_clear_start_up_error(fake_discord: FakeDiscord,
                                                          sqlite_database_url: str) -> None:
    """A token Discord rejects stops `factbot run` with one line naming the setting."""
    fake_discord.rejects_token = True
    process = await start_factbot_run(**_environment(fake_discord, sqlite_database_url))
    _, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 1
    assert "Discord rejected DISCORD_BOT_TOKEN" in stderr.decode()
    assert TOKEN not in stderr.decode()
