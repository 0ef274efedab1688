"""The Discord adapter: slash commands and autocomplete in, core calls, embeds out.

No privileged intents: application commands carry everything they need. Every message
allows no mentions. The client is always discord.py's `AutoShardedClient`: with
`DISCORD_SHARD_COUNT` unset it runs the shard count Discord recommends (one for a small
bot, more as the guild count grows); with it set, the shards in `DISCORD_SHARD_IDS` (all
when empty), so several processes can split the shards. Only the process running shard 0
registers the commands. `DISCORD_API_BASE_URL` / `DISCORD_GATEWAY_URL` point discord.py at
a REST and a gateway proxy (see `adapters.discord.endpoints`).

Discord closes an interaction that is not acknowledged within 3 seconds, so work that
touches the database is given `defer_after` seconds before the interaction is deferred
("factbot is thinking…") and answered when the work is done.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import aiohttp
import discord
from discord import app_commands

from adapters.discord import render
from adapters.discord.endpoints import (
    DiscordEndpoints,
    EndpointConflict,
    release_endpoints,
    use_endpoints,
)
from adapters.discord.registration import needs_writing
from bot import texts
from bot.answering import Chat
from bot.answers import Answer, Notice
from bot.core import FactBot
from bot.corrections import CorrectedAnswer, PostedMessage
from bot.digest.content import Digest
from bot.frontends import (
    ChatUnavailable,
    CorrectionPace,
    EditRefused,
    FrontendStartError,
    MessageGone,
    RateLimit,
)
from bot.metrics import OperatorMetrics
from bot.redact import protect_secrets, redact
from bot.settings import Settings
from bot.subscriptions import DigestRequest, DigestSubscription

log = logging.getLogger(__name__)

PLATFORM = "discord"
FACT_CHOICE_PREFIX = "fact:"
AUTOCOMPLETE_CHOICES = 25
NO_MENTIONS = discord.AllowedMentions.none()
DEFER_AFTER_SECONDS = 2.0
IDENTIFY_INTERVAL_SECONDS = 5.0  # Discord allows one IDENTIFY per 5 s
READY_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 5.0
UNKNOWN_MESSAGE = 10008  # Discord's JSON error code for a deleted message
_DEFERRED_EPHEMERAL = "factbot.deferred_ephemeral"  # key in `Interaction.extras`
_FACT_ID = r"(?P<fact_id>[a-z0-9][a-z0-9-]{0,80})"
# Discord's mention syntax: users, roles, channels, @everyone/@here. It pings no one here
# (mentions are off), but it is not part of the question either.
_MENTION = re.compile(r"<(?:@[!&]?|#)\d+>|@(?:everyone|here)\b")

T = TypeVar("T")


def question_text(typed: str) -> str:
    """What a reporter asked, without Discord mention syntax."""
    return _MENTION.sub(" ", typed)


def _chat(interaction: discord.Interaction[Any]) -> Chat:
    """The channel a question was asked in; a DM (no guild) is private."""
    channel_id = str(interaction.channel_id) if interaction.channel_id else None
    return Chat(PLATFORM, channel_id, private=interaction.guild_id is None)


def _adapter(interaction: discord.Interaction[Any]) -> DiscordAdapter:
    client = interaction.client
    assert isinstance(client, FactbotClient)
    return client.adapter


class FactbotClient(discord.AutoShardedClient):
    """discord.py's sharded client, knowing its adapter and its buttons."""

    def __init__(self, adapter: DiscordAdapter, *, identify_interval: float,
                 **options: Any) -> None:
        super().__init__(**options)
        self.adapter = adapter
        self.identify_interval = identify_interval

    async def setup_hook(self) -> None:
        self.add_dynamic_items(FullQuotesButton, SuggestedFactButton)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False
                                   ) -> None:
        if not initial:
            await asyncio.sleep(self.identify_interval)


class FactbotCommandTree(app_commands.CommandTree[Any]):
    """discord.py's command tree, counting each command as in flight for the drain."""

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        _adapter(interaction).track()
        return True


class FullQuotesButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                       template=rf"quotes:{_FACT_ID}"):
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
        adapter = _adapter(interaction)
        await adapter.guarded(interaction, "the quotes button",
                              adapter.show_full_quotes(interaction, self.fact_id))


class SuggestedFactButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                          template=rf"fact:{_FACT_ID}"):
    """A "did you mean" choice: pressing it posts that fact's answer to the channel."""

    def __init__(self, fact_id: str, label: str) -> None:
        super().__init__(discord.ui.Button(label=render.button_label(label),
                                           style=discord.ButtonStyle.primary,
                                           custom_id=f"fact:{fact_id}"))
        self.fact_id = fact_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any],
                             item: discord.ui.Item[Any], match: re.Match[str]
                             ) -> SuggestedFactButton:
        label = item.label if isinstance(item, discord.ui.Button) else None
        return cls(match["fact_id"], label or match["fact_id"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        adapter = _adapter(interaction)
        await adapter.guarded(interaction, "a suggestion button",
                              adapter.answer_fact(interaction, self.fact_id))


class PostableChannel(app_commands.Transformer[Any]):
    """A text or announcement channel, as Discord resolved it: no channel cache needed."""

    @property
    def type(self) -> discord.AppCommandOptionType:
        return discord.AppCommandOptionType.channel

    @property
    def channel_types(self) -> list[discord.ChannelType]:
        return [discord.ChannelType.text, discord.ChannelType.news]

    async def transform(self, interaction: discord.Interaction[Any], value: Any, /
                        ) -> app_commands.AppCommandChannel:
        if not isinstance(value, app_commands.AppCommandChannel):
            raise app_commands.TransformerError(value, self.type, self)
        return value


ChannelOption = app_commands.Transform[app_commands.AppCommandChannel, PostableChannel]


class DiscordAdapter:
    """`bot.frontends.Frontend` for Discord, on discord.py's client and `CommandTree`."""

    name = PLATFORM
    # Discord's limits: 5 messages (or edits) per 5 s in a channel, 50 requests/s overall.
    correction_pace = CorrectionPace(overall=RateLimit(50, 1.0), per_chat=RateLimit(5, 5.0))

    def __init__(self, core: FactBot, settings: Settings, *,
                 guild_ready_timeout: float = 2.0,
                 identify_interval: float = IDENTIFY_INTERVAL_SECONDS,
                 defer_after: float = DEFER_AFTER_SECONDS) -> None:
        if settings.discord_bot_token is None:
            raise ValueError("DISCORD_BOT_TOKEN is not set")
        self.core = core
        self.settings = settings
        self.defer_after = defer_after
        self.endpoints = DiscordEndpoints.configured(settings.discord_api_base_url,
                                                     settings.discord_gateway_url)
        # The bot never joins voice: spare operators the warnings about voice libraries.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        intents = discord.Intents.none()
        intents.guilds = True
        self.client = FactbotClient(
            self, identify_interval=identify_interval, intents=intents,
            allowed_mentions=NO_MENTIONS, guild_ready_timeout=guild_ready_timeout,
            shard_count=settings.discord_shard_count,
            shard_ids=settings.discord_shard_ids or None,
            http_trace=rate_limit_trace(core.metrics))
        self.tree: app_commands.CommandTree[Any] = FactbotCommandTree(
            self.client,
            allowed_contexts=app_commands.AppCommandContext(
                guild=True, dm_channel=True, private_channel=True),
            allowed_installs=app_commands.AppInstallationType(guild=True, user=False))
        self.tree.error(self._on_command_error)
        self._add_commands()
        self._connection: asyncio.Task[None] | None = None
        self._holds_endpoints = False
        self._stopping = False
        self.failure: str | None = None
        self._in_flight: set[asyncio.Task[Any]] = set()

    # --- life cycle ---------------------------------------------------------------------

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
            await self.stop()
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
        if self._stopping or connection.cancelled():
            return
        error = connection.exception()
        self.failure = ("the Discord gateway connection ended and will not reconnect: "
                        + (f"{type(error).__name__}: {redact(str(error))}" if error
                           else "closed"))
        log.critical("%s", self.failure)

    def track(self) -> None:
        """Count an interaction as in flight until its handler returns (for the drain)."""
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)

    async def stop(self, drain_seconds: float = 30.0) -> int:
        """Finish the interactions in flight (Discord will not send them again), close the
        gateway of every shard, restore discord.py's endpoints. Returns how many
        interactions the drain had to abandon."""
        self._stopping = True
        dropped = 0
        loop = asyncio.get_running_loop()
        deadline = loop.time() + drain_seconds
        while pending := {t for t in self._in_flight if t is not asyncio.current_task()}:
            log.info("finishing %d Discord interactions before stopping", len(pending))
            _, late = await asyncio.wait(pending, timeout=max(0.0, deadline - loop.time()))
            if late and loop.time() >= deadline:
                dropped = len(late)
                log.error("shutdown drain timed out after %.0f s: %d Discord interactions "
                          "abandoned", drain_seconds, dropped)
                break
        await self.client.close()
        if self._connection is not None:
            try:
                await asyncio.wait_for(self._connection, STOP_TIMEOUT_SECONDS)
            except Exception as error:  # already logged, or the reason we are stopping
                log.debug("gateway connection closed with %s", type(error).__name__)
        if self._holds_endpoints:
            release_endpoints()
            self._holds_endpoints = False
        return dropped

    @property
    def shard_ids(self) -> list[int]:
        """The shards this process runs (known once `start` has the shard count)."""
        if self.client.shard_ids:
            return list(self.client.shard_ids)
        return list(range(self.client.shard_count or 1))

    @property
    def runs_shard_zero(self) -> bool:
        return 0 in self.shard_ids

    # --- command registration -----------------------------------------------------------

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

        @tree.command(name="quote", description="Who said these words, and are they verbatim?")
        @app_commands.describe(words="The quotation, as you have it")
        async def quote(interaction: discord.Interaction[Any], words: str) -> None:
            await self._send_answer(interaction, self.core.check_quote(question_text(words)))

        @tree.command(name="sources", description="The documents the answers come from.")
        async def sources(interaction: discord.Interaction[Any]) -> None:
            await self._reply(interaction, embed=render.sources_embed(self.core.sources()))

        @tree.command(name="source", description="One document and the facts that cite it.")
        @app_commands.describe(id="Document id, e.g. 003")
        async def source(interaction: discord.Interaction[Any], id: str) -> None:
            await self.show_source(interaction, id)

        @source.autocomplete("id")
        async def source_choices(interaction: discord.Interaction[Any], current: str
                                 ) -> list[app_commands.Choice[str]]:
            return self.source_choices(current)

        digest = app_commands.Group(
            name="digest", description="This server's daily digest of the fact table.",
            default_permissions=discord.Permissions(manage_guild=True), guild_only=True,
            allowed_contexts=app_commands.AppCommandContext(
                guild=True, dm_channel=False, private_channel=False))

        @digest.command(name="on", description="Post a daily digest in a channel.")
        @app_commands.describe(time="Local time, HH:MM", timezone="IANA zone, e.g. Asia/Almaty",
                               channel="Where to post (default: here)",
                               unanswered="Add the questions I could not answer (editors)",
                               quiet="Send nothing on days without news")
        async def digest_on(interaction: discord.Interaction[Any], time: str,
                            timezone: str = "UTC", channel: ChannelOption | None = None,
                            unanswered: bool = False, quiet: bool = False) -> None:
            await self.change_digest(
                interaction, DigestRequest("on", time, timezone, include_unanswered=unanswered,
                                           skip_empty=quiet), channel)

        @digest_on.autocomplete("timezone")
        async def timezone_choices(interaction: discord.Interaction[Any], current: str
                                   ) -> list[app_commands.Choice[str]]:
            return self.timezone_choices(current)

        @digest.command(name="off", description="Stop the daily digest in a channel.")
        async def digest_off(interaction: discord.Interaction[Any],
                             channel: ChannelOption | None = None) -> None:
            await self.change_digest(interaction, DigestRequest("off"), channel)

        @digest.command(name="status", description="Show the daily digest of a channel.")
        async def digest_status(interaction: discord.Interaction[Any],
                                channel: ChannelOption | None = None) -> None:
            await self.change_digest(interaction, DigestRequest("status"), channel)

        tree.add_command(digest)

    # --- autocomplete -------------------------------------------------------------------

    def question_choices(self, current: str) -> list[app_commands.Choice[str]]:
        """The core's matcher, in memory: well within Discord's 3 seconds."""
        return [
            app_commands.Choice(name=render.choice_name(s.question),
                                value=render.choice_value(f"{FACT_CHOICE_PREFIX}{s.fact_id}"))
            for s in self.core.question_choices(question_text(current), AUTOCOMPLETE_CHOICES)
        ]

    def source_choices(self, current: str) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=render.choice_name(f"{s.id} — {s.title}"), value=s.id)
            for s in self.core.source_choices(current, AUTOCOMPLETE_CHOICES)
        ]

    def timezone_choices(self, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=zone, value=zone)
                for zone in self.core.timezone_choices(current, AUTOCOMPLETE_CHOICES)]

    # --- answers ------------------------------------------------------------------------

    async def answer(self, interaction: discord.Interaction[Any], question: str) -> None:
        """/fact: a fact picked from autocomplete, or a question for the matcher."""
        answer = (self.core.answer_for(question.removeprefix(FACT_CHOICE_PREFIX))
                  if question.startswith(FACT_CHOICE_PREFIX) else None)
        if answer is None:
            answer = await self._in_time(
                interaction, asyncio.to_thread(self.core.ask, question_text(question),
                                               chat=_chat(interaction)),
                ephemeral=False)
        await self._send_answer(interaction, answer)

    async def answer_fact(self, interaction: discord.Interaction[Any], fact_id: str) -> None:
        answer = self.core.answer_for(fact_id)
        if answer is None:
            await self._reply(interaction, ephemeral=True, content=texts.FACT_GONE)
            return
        await self._send_answer(interaction, answer)

    async def show_full_quotes(self, interaction: discord.Interaction[Any], fact_id: str
                               ) -> None:
        answer = self.core.answer_for(fact_id)
        if answer is None:
            await self._reply(interaction, ephemeral=True, content=texts.FACT_GONE)
            return
        await self._reply(interaction, ephemeral=True,
                          embed=render.answer_embed(answer, full_quotes=True))

    async def _send_answer(self, interaction: discord.Interaction[Any], answer: Answer) -> None:
        """An answer publicly as an embed, recorded for corrections to follow it; "did you
        mean" and "don't know" privately."""
        if not answer.answered:
            view = discord.ui.View(timeout=None)
            for suggestion in answer.suggestions:
                view.add_item(SuggestedFactButton(suggestion.fact_id, suggestion.question))
            await self._reply(interaction, ephemeral=True,
                              content=render.not_answered_text(answer), view=view)
            return
        message_id = await self._reply(interaction, embed=render.answer_embed(answer),
                                       view=_quotes_view(answer))
        if message_id is not None and interaction.channel_id is not None:
            await asyncio.to_thread(
                self.core.corrections.record_posted,
                PostedMessage(PLATFORM, str(interaction.channel_id), str(message_id)), answer)

    async def show_source(self, interaction: discord.Interaction[Any], wanted: str) -> None:
        reply = await self._in_time(
            interaction, asyncio.to_thread(self.core.source_card, wanted), ephemeral=False)
        if isinstance(reply, Notice):
            await self._reply(interaction, ephemeral=True, content=render.notice_text(reply))
            return
        await self._reply(interaction, embed=render.source_embed(reply))

    # --- the daily digest ---------------------------------------------------------------

    async def change_digest(self, interaction: discord.Interaction[Any],
                            request: DigestRequest,
                            channel: app_commands.AppCommandChannel | None) -> None:
        """/digest on|off|status for this channel or the one named; replies privately."""
        channel_id = str(channel.id if channel else interaction.channel_id)
        chat = Chat(PLATFORM, channel_id, private=interaction.guild_id is None)
        # Default permissions can be overridden by server admins: the core checks again.
        can_manage = interaction.guild_id is not None and interaction.permissions.manage_guild
        notice = await self._in_time(interaction, asyncio.to_thread(
            self.core.digest, chat, request, can_manage=can_manage,
            created_by=str(interaction.user.id), guild_id=str(interaction.guild_id)),
            ephemeral=True)
        await self._reply(interaction, ephemeral=True,
                          content=f"{render.notice_text(notice)} Channel: <#{channel_id}>.")

    async def send_digest(self, subscription: DigestSubscription, digest: Digest) -> Digest:
        """`DigestSender` for Discord: a deleted channel or lost access disables the digest."""
        channel = self.client.get_partial_messageable(int(subscription.chat_id))
        embed, delivered = render.digest_embed(digest)
        with _unavailable_channel():
            await channel.send(embed=embed, allowed_mentions=NO_MENTIONS)
        return delivered

    # --- corrections ----------------------------------------------------------------------

    async def edit_answer(self, message: PostedMessage, correction: CorrectedAnswer) -> None:
        """`Corrector` for Discord: edit the message through the channel (an interaction's
        own token lasts only 15 minutes); a 403 means the bot may no longer edit there."""
        content, embed = render.correction_message(correction)
        channel = self.client.get_partial_messageable(int(message.chat_id))
        try:
            await channel.get_partial_message(int(message.message_id)).edit(
                content=content, embed=embed, view=_quotes_view(correction.answer),
                allowed_mentions=NO_MENTIONS)
        except discord.Forbidden as error:
            raise EditRefused(f"Discord {error.status}: {error.text}") from None
        except discord.NotFound as error:
            if error.code == UNKNOWN_MESSAGE:
                raise MessageGone(f"Discord {error.status}: {error.text}") from None
            raise ChatUnavailable(f"Discord {error.status}: {error.text}") from None

    async def reply_to_answer(self, message: PostedMessage, correction: CorrectedAnswer
                              ) -> None:
        """`Corrector` for Discord: the correction as a reply to the old answer."""
        content, embed = render.correction_message(correction, reply=True)
        channel = self.client.get_partial_messageable(int(message.chat_id))
        reference = discord.MessageReference(message_id=int(message.message_id),
                                             channel_id=int(message.chat_id),
                                             fail_if_not_exists=False)
        view = _quotes_view(correction.answer)
        with _unavailable_channel():
            if view is None:
                await channel.send(content=content, embed=embed, reference=reference,
                                   allowed_mentions=NO_MENTIONS)
            else:
                await channel.send(content=content, embed=embed, reference=reference,
                                   view=view, allowed_mentions=NO_MENTIONS)

    # --- replying within Discord's window -----------------------------------------------

    async def _in_time(self, interaction: discord.Interaction[Any],
                       work: Coroutine[Any, Any, T], *, ephemeral: bool) -> T:
        """Await `work`; if it outlasts `defer_after`, defer so the interaction stays open."""
        task = asyncio.ensure_future(work)
        done, _ = await asyncio.wait({task}, timeout=self.defer_after)
        if not done:
            try:
                await interaction.response.defer(ephemeral=ephemeral, thinking=True)
            except BaseException:
                task.cancel()
                raise
            interaction.extras[_DEFERRED_EPHEMERAL] = ephemeral
        return await task

    async def _reply(self, interaction: discord.Interaction[Any], *, ephemeral: bool = False,
                     content: str | None = None, embed: discord.Embed | None = None,
                     view: discord.ui.View | None = None) -> int | None:
        """Answer an interaction, deferred or not; mentions are always off. Returns the id
        of the message that holds the reply, when Discord says."""
        message: dict[str, Any] = {"allowed_mentions": NO_MENTIONS}
        if content is not None:
            message["content"] = content
        if embed is not None:
            message["embed"] = embed
        if view is not None and view.children:
            message["view"] = view
        if not interaction.response.is_done():
            callback = await interaction.response.send_message(ephemeral=ephemeral, **message)
            return callback.message_id
        deferred_ephemeral = interaction.extras.pop(_DEFERRED_EPHEMERAL, None)
        if deferred_ephemeral is None:  # already answered: add a message
            return (await interaction.followup.send(ephemeral=ephemeral, wait=True,
                                                    **message)).id
        if deferred_ephemeral or not ephemeral:  # the "thinking…" message becomes the reply
            return (await interaction.edit_original_response(**message)).id
        # A public "thinking…" for what turned out to be a private reply.
        await interaction.delete_original_response()
        return (await interaction.followup.send(ephemeral=True, wait=True, **message)).id

    # --- the error boundary -------------------------------------------------------------

    async def _on_command_error(self, interaction: discord.Interaction[Any],
                                error: app_commands.AppCommandError) -> None:
        command = interaction.command.qualified_name if interaction.command else "?"
        cause = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        await self.report_failure(interaction, f"/{command}", cause)

    async def guarded(self, interaction: discord.Interaction[Any], action: str,
                      work: Coroutine[Any, Any, None]) -> None:
        """Run a button's work inside the same error boundary as the commands."""
        self.track()
        try:
            await work
        except Exception as error:
            await self.report_failure(interaction, action, error)

    async def report_failure(self, interaction: discord.Interaction[Any], action: str,
                             error: BaseException) -> None:
        """The one error boundary: log, answer privately where still possible, keep running."""
        self.core.metrics.record_platform_error(PLATFORM)
        log.error("error in %s (guild %s, channel %s)", action, interaction.guild_id,
                  interaction.channel_id, exc_info=error)
        try:
            if interaction.type is discord.InteractionType.autocomplete:
                if not interaction.response.is_done():
                    await interaction.response.autocomplete([])
            else:
                await self._reply(interaction, ephemeral=True, content=texts.ERROR_APOLOGY)
        except discord.HTTPException as reply_error:
            log.warning("could not apologise for the error in %s: HTTP %s", action,
                        reply_error.status)


def _quotes_view(answer: Answer | None) -> discord.ui.View | None:
    """The "Show full quotes" button under an answer whose quotes are shown shortened."""
    if answer is None or not answer.has_long_quotes or not answer.fact_id:
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(FullQuotesButton(answer.fact_id))
    return view


@contextmanager
def _unavailable_channel() -> Iterator[None]:
    """Discord's word that a channel is gone or closed to the bot (403, 404) as
    `ChatUnavailable`."""
    try:
        yield
    except (discord.Forbidden, discord.NotFound) as error:
        raise ChatUnavailable(f"Discord {error.status}: {error.text}") from None


# --- metrics ------------------------------------------------------------------------------

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
