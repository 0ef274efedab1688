"""The Discord connection: log in, connect every shard of this process, register the
commands, notice a connection discord.py gives up on, and close — everything the adapter
needs that is not translating interactions.

The client is always discord.py's `AutoShardedClient`: with `DISCORD_SHARD_COUNT` unset
it runs the shard count Discord recommends (one for a small bot, more as the guild count
grows); with it set, the shards in `DISCORD_SHARD_IDS` (all when empty), so several
processes can split the shards. Only the process running shard 0 registers the commands.
`DISCORD_API_BASE_URL` / `DISCORD_GATEWAY_URL` point discord.py at a REST and a gateway
proxy (see `adapters.discord.endpoints`).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
import discord
from discord import app_commands

from adapters.discord.endpoints import (
    DiscordEndpoints,
    EndpointConflict,
    release_endpoints,
    use_endpoints,
)
from adapters.discord.registration import needs_writing
from bot.frontends import FrontendStartError
from bot.metrics import OperatorMetrics
from bot.redact import protect_secrets, redact
from bot.settings import Settings

log = logging.getLogger(__name__)

PLATFORM = "discord"
IDENTIFY_INTERVAL_SECONDS = 5.0  # Discord allows one IDENTIFY per 5 s
READY_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 5.0


class ShardedClient(discord.AutoShardedClient):
    """discord.py's sharded client, pacing IDENTIFYs as Discord requires."""

    def __init__(self, *, identify_interval: float, **options: Any) -> None:
        super().__init__(**options)
        self.identify_interval = identify_interval

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False
                                   ) -> None:
        if not initial:
            await asyncio.sleep(self.identify_interval)


class DiscordGateway:
    """One process's shards of the bot, from login to close."""

    def __init__(self, client: ShardedClient, tree: app_commands.CommandTree[Any],
                 settings: Settings) -> None:
        if settings.discord_bot_token is None:
            raise ValueError("DISCORD_BOT_TOKEN is not set")
        self.client = client
        self.tree = tree
        self.settings = settings
        self.endpoints = DiscordEndpoints.configured(settings.discord_api_base_url,
                                                     settings.discord_gateway_url)
        self.failure: str | None = None
        self._connection: asyncio.Task[None] | None = None
        self._holds_endpoints = False
        self._closing = False

    async def start(self) -> None:
        """Log in, connect every shard of this process, register commands if shard 0 is ours."""
        token = self.settings.discord_bot_token
        assert token is not None
        protect_secrets([token.get_secret_value()])
        try:
            use_endpoints(self.endpoints)
        except EndpointConflict as error:
            raise FrontendStartError(str(error)) from None
        self._holds_endpoints = True
        try:
            await self._connect(token.get_secret_value())
        except BaseException:
            await self.close()
            raise
        if self.runs_shard_zero:
            try:
                await self.sync_commands()
            except discord.HTTPException as error:
                log.error("could not register the application commands: HTTP %s %s",
                          error.status, redact(error.text))

    async def _connect(self, token: str) -> None:
        client = self.client
        try:
            await client.login(token)
            if client.shard_count is None:
                client.shard_count, _, _ = await client.http.get_bot_gateway()
        except discord.LoginFailure:
            raise FrontendStartError("Discord rejected DISCORD_BOT_TOKEN") from None
        except (discord.HTTPException, discord.GatewayNotFound, aiohttp.ClientError,
                OSError) as error:
            raise FrontendStartError(
                f"could not reach the Discord API at {self.endpoints.rest_base}: "
                f"{type(error).__name__}: {redact(str(error))}") from None
        self._connection = asyncio.create_task(client.connect(reconnect=True),
                                               name="discord-gateway")
        self._connection.add_done_callback(self._connection_ended)
        ready = asyncio.create_task(client.wait_until_ready())
        timeout = READY_TIMEOUT_SECONDS + client.identify_interval * (len(self.shard_ids) - 1)
        done, _ = await asyncio.wait({ready, self._connection}, timeout=timeout,
                                     return_when=asyncio.FIRST_COMPLETED)
        if ready in done:
            log.info("connected to the Discord gateway: shards %s of %s",
                     ",".join(map(str, self.shard_ids)), client.shard_count)
            return
        ready.cancel()
        failure = self._connection.exception() if self._connection in done else None
        raise FrontendStartError(
            f"could not connect to the Discord gateway at {self.endpoints.gateway}: "
            f"{type(failure).__name__}: {redact(str(failure))}" if failure
            else f"the Discord gateway did not become ready within {timeout:.0f} s")

    def _connection_ended(self, connection: asyncio.Task[None]) -> None:
        """discord.py reconnects by itself; it gives up only on errors that need an operator."""
        if self._closing or connection.cancelled():
            return
        error = connection.exception()
        self.failure = ("the Discord gateway connection ended and will not reconnect: "
                        + (f"{type(error).__name__}: {redact(str(error))}" if error
                           else "closed"))
        log.critical("%s", self.failure)

    @property
    def connection(self) -> asyncio.Task[None] | None:
        return self._connection

    async def close(self) -> None:
        """Close the gateway connection of every shard; restore discord.py's endpoints."""
        self._closing = True
        await self.client.close()
        if self._connection is not None:
            try:
                await asyncio.wait_for(self._connection, STOP_TIMEOUT_SECONDS)
            except Exception as error:  # already logged, or the reason we are stopping
                log.debug("gateway connection closed with %s", type(error).__name__)
        if self._holds_endpoints:
            release_endpoints()
            self._holds_endpoints = False

    @property
    def shard_ids(self) -> list[int]:
        """The shards this process runs (known once `start` has the shard count)."""
        if self.client.shard_ids:
            return list(self.client.shard_ids)
        return list(range(self.client.shard_count or 1))

    @property
    def runs_shard_zero(self) -> bool:
        return 0 in self.shard_ids

    async def sync_commands(self) -> list[str]:
        """Register the commands where they differ from what Discord has; return where written."""
        application_id = self.client.application_id
        assert application_id is not None
        http = self.client.http
        written = []
        scopes: list[discord.Object | None] = [
            discord.Object(id=guild_id) for guild_id in self.settings.discord_guild_ids]
        for guild in scopes or [None]:
            registered: list[dict[str, Any]]
            if guild is not None:
                self.tree.copy_global_to(guild=guild)
                registered = [dict(c) for c in
                              await http.get_guild_commands(application_id, guild.id)]
            else:
                registered = [dict(c) for c in await http.get_global_commands(application_id)]
            local = [command.to_dict(self.tree) for command in self.tree.get_commands(guild=guild)]
            if needs_writing(local, registered, guild_scoped=guild is not None):
                await self.tree.sync(guild=guild)
                written.append(str(guild.id) if guild else "global")
                log.info("registered %d application commands (%s)", len(local),
                         f"guild {guild.id}" if guild else "global")
        return written


def rate_limit_trace(metrics: OperatorMetrics) -> aiohttp.TraceConfig:
    """Count every HTTP 429 from Discord's API, for `client.http`'s aiohttp session.

    discord.py waits out most 429s itself and only logs them, so they never reach the
    error boundary; its `http_trace` hook sees each response, retried or not."""
    async def on_request_end(session: aiohttp.ClientSession, context: Any,
                             params: aiohttp.TraceRequestEndParams) -> None:
        if params.response.status == 429:
            metrics.record_rate_limited(PLATFORM)

    trace = aiohttp.TraceConfig()
    trace.on_request_end.append(on_request_end)
    return trace
