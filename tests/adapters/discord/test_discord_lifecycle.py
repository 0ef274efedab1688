"""Start-up, command registration, shards, reconnects and shutdown against the fake Discord."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from discord.gateway import DiscordWebSocket
from discord.http import Route
from sqlalchemy import func, select

from adapters.discord.app import DiscordAdapter
from bot.core import FactBot
from bot.frontends import FrontendStartError
from bot.settings import load_settings
from db.models import QuestionLog
from tests.adapters.discord.conftest import FAST, TOKEN, RunningBot, discord_settings, embed_of
from tests.fakes.discord_api import (
    APPLICATION_ID,
    AUTHENTICATION_FAILED,
    MANAGE_GUILD,
    FakeDiscord,
    option,
    slash_command,
)

DISCORD_REST = "https://discord.com/api/v10"


def curfew() -> dict[str, object]:
    return slash_command("fact", [option("question", "curfew hours")])


@asynccontextmanager
async def running(fake: FakeDiscord, core: FactBot, database_url: str,
                  **overrides: object) -> AsyncIterator[DiscordAdapter]:
    adapter = DiscordAdapter(core, discord_settings(fake, database_url, **overrides), **FAST)
    await adapter.start()
    try:
        yield adapter
    finally:
        await adapter.stop()


async def test_commands_are_registered_once(discord_bot: RunningBot) -> None:
    """Start-up registers the commands globally; a second sync, nothing changed, writes nothing."""
    [put] = discord_bot.fake.calls("PUT", "/commands")
    assert put.path.endswith(f"/applications/{discord_bot.adapter.client.application_id}"
                             "/commands")
    commands = {c["name"]: c for c in put.body}
    assert set(commands) == {"fact", "quote", "sources", "source", "digest", "gaps", "teach",
                             "retract", "revert"}
    digest = commands["digest"]
    assert int(digest["default_member_permissions"]) == MANAGE_GUILD
    assert digest["contexts"] == [0]  # servers only, never offered in DMs
    assert [o["name"] for o in digest["options"]] == ["on", "off", "status"]
    question = commands["fact"]["options"][0]
    assert question["autocomplete"] and question["required"]
    assert await discord_bot.adapter.sync_commands() == []
    assert len(discord_bot.fake.calls("PUT", "/commands")) == 1


async def test_a_restart_with_unchanged_commands_writes_nothing(
    fake_discord: FakeDiscord, fresh_core: FactBot, sqlite_database_url: str
) -> None:
    """A second start compares with what Discord echoes back and does not rewrite."""
    async with running(fake_discord, fresh_core, sqlite_database_url):
        pass
    async with running(fake_discord, fresh_core, sqlite_database_url):
        pass
    assert len(fake_discord.calls("GET", "/commands")) == 2
    assert len(fake_discord.calls("PUT", "/commands")) == 1


async def test_guild_registration_and_the_token_stays_out_of_logs(
    fake_discord: FakeDiscord, fresh_core: FactBot, sqlite_database_url: str,
    caplog: pytest.LogCaptureFixture
) -> None:
    """DISCORD_GUILD_IDS registers per guild, once; no log line carries the token."""
    with caplog.at_level(logging.DEBUG):
        for _ in range(2):
            async with running(fake_discord, fresh_core, sqlite_database_url,
                               discord_guild_ids=[111, 222]):
                pass
    assert set(fake_discord.registered) == {"111", "222"}
    assert len(fake_discord.calls("PUT", "/commands")) == 2
    assert not fake_discord.calls("GET", f"/applications/{APPLICATION_ID}/commands")
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "registered" in logged and TOKEN not in logged


async def test_no_privileged_intents(discord_bot: RunningBot) -> None:
    """IDENTIFY asks for no privileged intent (members, presences, message content)."""
    identify = next(op for op in discord_bot.fake.gateway_ops if op["op"] == 2)
    privileged = (1 << 1) | (1 << 8) | (1 << 15)
    assert identify["d"]["intents"] & privileged == 0


async def test_a_rejected_token_fails_clearly_without_showing_it(
    fake_discord: FakeDiscord, fresh_core: FactBot, sqlite_database_url: str,
    caplog: pytest.LogCaptureFixture
) -> None:
    """A token Discord refuses stops start-up with a message naming the setting, not the token."""
    fake_discord.rejects_token = True
    adapter = DiscordAdapter(fresh_core, discord_settings(fake_discord, sqlite_database_url),
                             **FAST)
    with caplog.at_level(logging.DEBUG), pytest.raises(FrontendStartError) as refused:
        await adapter.start()
    assert "DISCORD_BOT_TOKEN" in str(refused.value) and TOKEN not in str(refused.value)
    assert all(TOKEN not in r.getMessage() for r in caplog.records)
    assert Route.BASE == DISCORD_REST  # discord.py's endpoints are restored


async def test_stop_closes_the_gateway_and_restores_the_endpoints(
    fake_discord: FakeDiscord, fresh_core: FactBot, sqlite_database_url: str
) -> None:
    """While running, discord.py talks to the configured hosts; after stop, to Discord's own."""
    async with running(fake_discord, fresh_core, sqlite_database_url):
        assert f"{fake_discord.api_base_url}/api/v10" == Route.BASE
        assert str(DiscordWebSocket.DEFAULT_GATEWAY) == fake_discord.gateway_url
    await fake_discord.wait_for(lambda: fake_discord.closed_by_client == [1000])
    assert Route.BASE == DISCORD_REST
    assert str(DiscordWebSocket.DEFAULT_GATEWAY) == "wss://gateway.discord.gg/"


async def test_a_second_client_with_other_endpoints_is_refused(
    discord_bot: RunningBot, fresh_core: FactBot, sqlite_database_url: str
) -> None:
    """discord.py's endpoints are process-wide: a clash is an error, not a silent re-route."""
    other = DiscordAdapter(fresh_core, load_settings(
        database_url=sqlite_database_url, discord_bot_token=TOKEN,
        discord_api_base_url="http://127.0.0.1:9", discord_gateway_url="ws://127.0.0.1:9"))
    with pytest.raises(FrontendStartError, match="other API/gateway endpoints"):
        await other.start()
    assert f"{discord_bot.fake.api_base_url}/api/v10" == Route.BASE


async def test_gateway_disconnect_is_resumed(discord_bot: RunningBot) -> None:
    """When the gateway drops the connection the client resumes and keeps answering."""
    await discord_bot.fake.drop_connection()
    await discord_bot.fake.wait_for(lambda: discord_bot.fake.resumed.is_set(), within=15)
    assert any(op["op"] == 6 for op in discord_bot.fake.gateway_ops)
    assert "11 p.m." in embed_of(await discord_bot.interact(curfew()))["description"]


async def test_a_fatal_gateway_close_is_logged_without_the_token(
    discord_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    """A close discord.py cannot recover from (authentication failed) is logged loudly."""
    with caplog.at_level(logging.CRITICAL, logger="adapters.discord.app"):
        await discord_bot.fake.close_connection(AUTHENTICATION_FAILED)
        connection = discord_bot.adapter.gateway.connection
        assert connection is not None
        await asyncio.wait({connection}, timeout=5)
    [record] = [r for r in caplog.records if r.levelno == logging.CRITICAL]
    assert "4004" in record.getMessage() and TOKEN not in record.getMessage()
    failure = discord_bot.adapter.failure
    assert failure is not None and "4004" in failure and TOKEN not in failure


async def test_stop_finishes_interactions_in_flight(discord_bot: RunningBot) -> None:
    """Stopping while Discord is slow to take a reply still delivers it before closing:
    Discord never sends an interaction twice."""
    discord_bot.fake.callback_delay = 0.5
    interactions = [curfew() for _ in range(5)]
    for interaction in interactions:
        await discord_bot.fake.dispatch("INTERACTION_CREATE", interaction)
    await discord_bot.fake.wait_for(
        lambda: len(discord_bot.fake.calls("POST", "/callback")) >= 1)
    assert await discord_bot.adapter.stop(drain_seconds=10) == 0
    answered = {call.path.split("/")[2] for call in discord_bot.fake.calls("POST", "/callback")}
    assert answered == {str(i["id"]) for i in interactions}


async def test_a_drain_that_times_out_counts_what_it_abandoned(discord_bot: RunningBot,
                                                               caplog: pytest.LogCaptureFixture
                                                               ) -> None:
    """With a drain shorter than Discord's delay the adapter says how many it abandoned."""
    discord_bot.fake.callback_delay = 5
    for _ in range(3):
        await discord_bot.fake.dispatch("INTERACTION_CREATE", curfew())
    await discord_bot.fake.wait_for(
        lambda: len(discord_bot.fake.calls("POST", "/callback")) >= 3)
    with caplog.at_level(logging.ERROR, logger="adapters.discord.app"):
        assert await discord_bot.adapter.stop(drain_seconds=0.2) == 3
    assert "3 Discord interactions abandoned" in caplog.text


async def test_shard_count_runs_every_shard(
    fake_discord: FakeDiscord, fresh_core: FactBot, sqlite_database_url: str
) -> None:
    """DISCORD_SHARD_COUNT=2: one process identifies shards 0 and 1 and answers on both."""
    async with running(fake_discord, fresh_core, sqlite_database_url, discord_shard_count=2):
        assert sorted(fake_discord.identified_shards()) == [[0, 2], [1, 2]]
        for shard in (0, 1):
            interaction = curfew()
            await fake_discord.dispatch("INTERACTION_CREATE", interaction, shard=shard)
            assert "11 p.m." in str(await fake_discord.callback_for(interaction["id"]))


async def test_shards_follow_discords_recommendation(
    fake_discord: FakeDiscord, fresh_core: FactBot, sqlite_database_url: str
) -> None:
    """Without DISCORD_SHARD_COUNT the bot runs as many shards as Discord recommends."""
    fake_discord.recommended_shards = 3
    async with running(fake_discord, fresh_core, sqlite_database_url):
        assert sorted(fake_discord.identified_shards()) == [[0, 3], [1, 3], [2, 3]]


async def test_processes_split_the_shards_over_one_database(
    fake_discord: FakeDiscord, database_url: str
) -> None:
    """Two processes with disjoint DISCORD_SHARD_IDS share the work; only shard 0 registers."""
    cores = [FactBot.open(load_settings(database_url=database_url)) for _ in range(2)]
    try:
        async with running(fake_discord, cores[0], database_url,
                           discord_shard_count=2, discord_shard_ids=[1]) as second:
            assert not second.gateway.runs_shard_zero and not fake_discord.calls("GET", "/commands")
            async with running(fake_discord, cores[1], database_url,
                               discord_shard_count=2, discord_shard_ids=[0]) as first:
                assert first.gateway.runs_shard_zero
                assert sorted(fake_discord.identified_shards()) == [[0, 2], [1, 2]]
                for shard in (0, 1):
                    interaction = curfew()
                    await fake_discord.dispatch("INTERACTION_CREATE", interaction, shard=shard)
                    assert "11 p.m." in str(await fake_discord.callback_for(interaction["id"]))
        assert len(fake_discord.calls("PUT", "/commands")) == 1
        with cores[0].database.session() as session:  # both logged into the one database
            assert session.scalar(select(func.count()).select_from(QuestionLog)) == 2
    finally:
        for core in cores:
            core.close()
