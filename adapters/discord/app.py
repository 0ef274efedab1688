"""The Discord adapter: slash commands and autocomplete in, core calls, embeds out.

No privileged intents: application commands carry everything they need. Every message
allows no mentions. `DISCORD_API_BASE_URL` / `DISCORD_GATEWAY_URL` point discord.py at a
REST and a gateway proxy; discord.py keeps both as class attributes, so they are set for
the process when the adapter starts and restored when it stops (one client per process).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from typing import Any

import discord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

from adapters.base import FrontendStartError
from adapters.discord import render
from bot import texts
from bot.answers import Answer, Outcome
from bot.core import (
    DigestCommandError,
    FactBot,
    SubscriptionView,
    canonical_timezone,
    parse_local_time,
)
from bot.digest.content import Digest
from bot.digest.scheduler import ChatUnavailable
from bot.settings import Settings

log = logging.getLogger(__name__)

PLATFORM = "discord"
FACT_CHOICE_PREFIX = "fact:"
AUTOCOMPLETE_CHOICES = 25
NO_MENTIONS = discord.AllowedMentions.none()
_READY_TIMEOUT_SECONDS = 60
_API_VERSION_SUFFIX = re.compile(r"/api/v\d+/?$")
# What Discord keeps of a command that matters for deciding whether to re-register it.
_COMMAND_KEYS = ("name", "description", "type", "options", "required", "autocomplete",
                 "choices", "value", "channel_types", "min_length", "max_length",
                 "default_member_permissions", "contexts", "integration_types", "nsfw")


def _adapter(interaction: discord.Interaction[Any]) -> DiscordAdapter:
    adapter: DiscordAdapter = interaction.client.factbot_adapter
    return adapter


class FullQuotesButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                       template=r"quotes:(?P<fact_id>[a-z0-9-]+)"):
    """Shows the verbatim quotes of an answer in full, only to whoever pressed it."""

    def __init__(self, fact_id: str) -> None:
        super().__init__(discord.ui.Button(label="Show full quotes",
                                           style=discord.ButtonStyle.secondary,
                                           custom_id=f"quotes:{fact_id}"))
        self.fact_id = fact_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any],
                             item: discord.ui.Item[Any], match: re.Match[str]
                             ) -> FullQuotesButton:
        return cls(match["fact_id"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        answer = _adapter(interaction).core.fact_answer(self.fact_id)
        if answer is None:
            await interaction.response.send_message(
                "That fact is no longer in the table.", ephemeral=True,
                allowed_mentions=NO_MENTIONS)
            return
        await interaction.response.send_message(
            embed=render.answer_embed(answer, full_quotes=True), ephemeral=True,
            allowed_mentions=NO_MENTIONS)


class DiscordAdapter:
    """`adapters.base.Frontend` for Discord, on discord.py's client and `CommandTree`."""

    name = PLATFORM

    def __init__(self, core: FactBot, settings: Settings, *,
                 guild_ready_timeout: float = 2.0) -> None:
        if settings.discord_bot_token is None:
            raise ValueError("DISCORD_BOT_TOKEN is not set")
        self.core = core
        self.settings = settings
        # The bot never joins voice: spare operators the warnings about voice libraries.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        intents = discord.Intents.none()
        intents.guilds = True
        options: dict[str, Any] = {
            "intents": intents, "allowed_mentions": NO_MENTIONS,
            "guild_ready_timeout": guild_ready_timeout,
        }
        if settings.discord_shard_count:
            if settings.discord_shard_ids:
                options["shard_ids"] = settings.discord_shard_ids
            self.client: discord.Client = discord.AutoShardedClient(
                shard_count=settings.discord_shard_count, **options)
        else:
            self.client = discord.Client(**options)
        self.client.factbot_adapter = self  # type: ignore[attr-defined]
        self.tree: app_commands.CommandTree[Any] = app_commands.CommandTree(
            self.client, allowed_contexts=app_commands.AppCommandContext(
                guild=True, dm_channel=True, private_channel=True))
        self.tree.on_error = self.on_command_error  # type: ignore[method-assign]
        self._add_commands()
        self._connection: asyncio.Task[None] | None = None
        self._saved_endpoints: tuple[str, yarl.URL] | None = None

    # --- life cycle ------------------------------------------------------------------------

    async def start(self) -> None:
        self._point_at_configured_endpoints()
        token = self.settings.discord_bot_token
        assert token is not None
        try:
            await self.client.login(token.get_secret_value())
        except discord.LoginFailure:
            raise FrontendStartError("Discord rejected DISCORD_BOT_TOKEN") from None
        self.client.add_dynamic_items(FullQuotesButton)
        self._connection = asyncio.create_task(self.client.connect(reconnect=True),
                                               name="discord-gateway")
        ready = asyncio.create_task(self.client.wait_until_ready())
        done, _ = await asyncio.wait({ready, self._connection},
                                     timeout=_READY_TIMEOUT_SECONDS,
                                     return_when=asyncio.FIRST_COMPLETED)
        if ready not in done:
            ready.cancel()
            failure = self._connection.exception() if self._connection in done else None
            await self.stop()
            raise FrontendStartError(
                f"could not connect to the Discord gateway: {type(failure).__name__}"
                if failure else "the Discord gateway did not become ready in time")
        await self.sync_commands()

    async def stop(self) -> None:
        await self.client.close()
        if self._connection is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(self._connection, 5)
        self._restore_endpoints()

    def _point_at_configured_endpoints(self) -> None:
        self._saved_endpoints = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
        if self.settings.discord_api_base_url:
            base = self.settings.discord_api_base_url.rstrip("/")
            Route.BASE = base if _API_VERSION_SUFFIX.search(base) else f"{base}/api/v10"
        if self.settings.discord_gateway_url:
            DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.settings.discord_gateway_url)

    def _restore_endpoints(self) -> None:
        if self._saved_endpoints is not None:
            Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = self._saved_endpoints
            self._saved_endpoints = None

    # --- command registration ----------------------------------------------------------------

    async def sync_commands(self) -> list[str]:
        """Register the commands where they differ from what Discord has; return where written."""
        application_id = self.client.application_id
        assert application_id is not None
        http = self.client.http
        written = []
        guild_ids: list[int | None] = [*self.settings.discord_guild_ids] or [None]
        for guild_id in guild_ids:
            guild = discord.Object(id=guild_id) if guild_id else None
            remote: list[Any]
            if guild is not None:
                self.tree.copy_global_to(guild=guild)
                remote = list(await http.get_guild_commands(application_id, guild.id))
            else:
                remote = list(await http.get_global_commands(application_id))
            local = [command.to_dict(self.tree) for command in self.tree.get_commands(guild=guild)]
            if _comparable(local) != _comparable(remote):
                await self.tree.sync(guild=guild)
                written.append(str(guild_id) if guild_id else "global")
                log.info("registered %d commands (%s)", len(local),
                         f"guild {guild_id}" if guild_id else "global")
        return written

    def _add_commands(self) -> None:
        tree = self.tree

        @tree.command(name="fact", description="Ask a question; answers cite who said it.")
        @app_commands.describe(question="e.g. how many CSTO troops?")
        async def fact(interaction: discord.Interaction[Any], question: str) -> None:
            await self.answer(interaction, question)

        @fact.autocomplete("question")
        async def fact_choices(interaction: discord.Interaction[Any], current: str
                               ) -> list[app_commands.Choice[str]]:
            return self.question_choices(current)

        @tree.command(name="sources", description="The documents the answers come from.")
        async def sources(interaction: discord.Interaction[Any]) -> None:
            await interaction.response.send_message(
                embed=render.sources_embed(self.core.sources()), allowed_mentions=NO_MENTIONS)

        @tree.command(name="source", description="One document and the facts that cite it.")
        @app_commands.describe(id="Document id, e.g. 003")
        async def source(interaction: discord.Interaction[Any], id: str) -> None:
            await self.show_source(interaction, id)

        @source.autocomplete("id")
        async def source_choices(interaction: discord.Interaction[Any], current: str
                                 ) -> list[app_commands.Choice[str]]:
            wanted = current.casefold()
            return [
                app_commands.Choice(name=render.choice_name(f"{s.id} — {s.title}"), value=s.id)
                for s in self.core.sources()
                if wanted in s.id or wanted in s.title.casefold() or wanted in
                s.speaker.casefold()
            ][:AUTOCOMPLETE_CHOICES]

        digest = app_commands.Group(
            name="digest", description="This server's daily digest of the fact table.",
            default_permissions=discord.Permissions(manage_guild=True), guild_only=True)

        @digest.command(name="on", description="Post a daily digest in a channel.")
        @app_commands.describe(time="Local time, HH:MM", timezone="IANA zone, e.g. Asia/Almaty",
                               channel="Where to post (default: here)",
                               unanswered="Add the questions I could not answer (editors)",
                               quiet="Send nothing on days without news")
        async def digest_on(interaction: discord.Interaction[Any], time: str,
                            timezone: str = "UTC",
                            channel: discord.TextChannel | None = None,
                            unanswered: bool = False, quiet: bool = False) -> None:
            await self.digest_on(interaction, time, timezone, channel,
                                 include_unanswered=unanswered, skip_empty=quiet)

        @digest.command(name="off", description="Stop the daily digest in a channel.")
        async def digest_off(interaction: discord.Interaction[Any],
                             channel: discord.TextChannel | None = None) -> None:
            await self.digest_off(interaction, channel)

        @digest.command(name="status", description="Show the daily digest of a channel.")
        async def digest_status(interaction: discord.Interaction[Any],
                                channel: discord.TextChannel | None = None) -> None:
            await self.digest_status(interaction, channel)

        tree.add_command(digest)

    # --- behaviour ------------------------------------------------------------------------------

    def question_choices(self, current: str) -> list[app_commands.Choice[str]]:
        suggestions = self.core.complete(current, AUTOCOMPLETE_CHOICES)
        return [
            app_commands.Choice(name=render.choice_name(s.question),
                                value=f"{FACT_CHOICE_PREFIX}{s.fact_id}"[:render.CHOICE_LIMIT])
            for s in suggestions
        ]

    async def answer(self, interaction: discord.Interaction[Any], question: str) -> None:
        answer: Answer | None = None
        if question.startswith(FACT_CHOICE_PREFIX):
            answer = self.core.fact_answer(question.removeprefix(FACT_CHOICE_PREFIX))
        if answer is None:
            channel = str(interaction.channel_id) if interaction.channel_id else None
            answer = await asyncio.to_thread(self.core.ask, question, platform=PLATFORM,
                                             chat_id=channel)
        if answer.outcome is not Outcome.ANSWER:
            await interaction.response.send_message(
                render.not_answered_text(answer), ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        view = discord.ui.View(timeout=None)
        if render.needs_full_quotes_button(answer) and answer.fact_id:
            view.add_item(FullQuotesButton(answer.fact_id))
        await interaction.response.send_message(
            embed=render.answer_embed(answer), view=view, allowed_mentions=NO_MENTIONS)

    async def show_source(self, interaction: discord.Interaction[Any], wanted: str) -> None:
        source = self.core.source(wanted)
        if source is None:
            known = ", ".join(s.id for s in self.core.sources())
            await interaction.response.send_message(
                f"I have no document {render.safe(wanted)!s}. Try one of {known}.",
                ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        facts = await asyncio.to_thread(self.core.source_facts, source.id)
        await interaction.response.send_message(embed=render.source_embed(source, facts),
                                                allowed_mentions=NO_MENTIONS)

    async def _refuse_without_manage_server(self, interaction: discord.Interaction[Any]
                                            ) -> bool:
        """Default permissions can be overridden by server admins: check again here."""
        if interaction.guild_id is not None and interaction.permissions.manage_guild:
            return False
        await interaction.response.send_message(
            "Changing the daily digest needs the Manage Server permission.", ephemeral=True,
            allowed_mentions=NO_MENTIONS)
        return True

    async def digest_on(self, interaction: discord.Interaction[Any], time: str, timezone: str,
                        channel: discord.TextChannel | None, *, include_unanswered: bool,
                        skip_empty: bool) -> None:
        if await self._refuse_without_manage_server(interaction):
            return
        try:
            local_time, zone = parse_local_time(time), canonical_timezone(timezone)
        except DigestCommandError as error:
            await interaction.response.send_message(str(error), ephemeral=True,
                                                    allowed_mentions=NO_MENTIONS)
            return
        channel_id = str(channel.id if channel else interaction.channel_id)
        view = await asyncio.to_thread(
            lambda: self.core.subscribe(
                platform=PLATFORM, chat_id=channel_id, local_time=local_time, timezone=zone,
                created_by=str(interaction.user.id), guild_id=str(interaction.guild_id),
                include_unanswered=include_unanswered, skip_empty=skip_empty))
        await interaction.response.send_message(
            f"{view.describe()} Channel: <#{channel_id}>.", ephemeral=True,
            allowed_mentions=NO_MENTIONS)

    async def digest_off(self, interaction: discord.Interaction[Any],
                         channel: discord.TextChannel | None) -> None:
        if await self._refuse_without_manage_server(interaction):
            return
        channel_id = str(channel.id if channel else interaction.channel_id)
        stopped = await asyncio.to_thread(self.core.unsubscribe, PLATFORM, channel_id)
        await interaction.response.send_message(
            "Daily digest turned off." if stopped else "That channel has no daily digest.",
            ephemeral=True, allowed_mentions=NO_MENTIONS)

    async def digest_status(self, interaction: discord.Interaction[Any],
                            channel: discord.TextChannel | None) -> None:
        if await self._refuse_without_manage_server(interaction):
            return
        channel_id = str(channel.id if channel else interaction.channel_id)
        current = await asyncio.to_thread(self.core.subscription, PLATFORM, channel_id)
        text = current.describe() if current else "That channel has no daily digest."
        await interaction.response.send_message(text, ephemeral=True,
                                                allowed_mentions=NO_MENTIONS)

    async def send_digest(self, subscription: SubscriptionView, digest: Digest) -> None:
        """`DigestSender` for Discord: a deleted channel or lost access disables the digest."""
        channel = self.client.get_partial_messageable(int(subscription.chat_id))
        try:
            await channel.send(embed=render.digest_embed(digest), allowed_mentions=NO_MENTIONS)
        except (discord.Forbidden, discord.NotFound) as error:
            raise ChatUnavailable(f"Discord {error.status}: {error.text}") from None

    # --- the error boundary ----------------------------------------------------------------------

    async def on_command_error(self, interaction: discord.Interaction[Any],
                               error: app_commands.AppCommandError) -> None:
        """Log every command error, answer ephemerally where still possible, keep running."""
        command = interaction.command.qualified_name if interaction.command else "?"
        log.error("error in /%s (guild %s, channel %s)", command, interaction.guild_id,
                  interaction.channel_id, exc_info=error)
        try:
            if interaction.response.is_done():
                await interaction.followup.send(texts.ERROR_APOLOGY, ephemeral=True,
                                                allowed_mentions=NO_MENTIONS)
            else:
                await interaction.response.send_message(texts.ERROR_APOLOGY, ephemeral=True,
                                                        allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as reply_error:
            log.warning("could not send the apology for /%s: %s", command, reply_error.status)


def _comparable(commands: list[dict[str, Any]]) -> list[Any]:
    """Commands reduced to what we define, defaults dropped, in a stable order."""
    def reduce(value: Any) -> Any:
        if isinstance(value, dict):
            kept = {k: reduce(v) for k, v in value.items() if k in _COMMAND_KEYS}
            return {k: v for k, v in kept.items() if v not in (None, False, [], "")}
        if isinstance(value, list):
            return [reduce(v) for v in value]
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    return sorted((reduce(c) for c in commands), key=lambda c: (c.get("type", 1), c["name"]))
