"""The Discord adapter: slash commands and autocomplete in, core calls, embeds out.

No privileged intents: application commands carry everything they need. Every message
allows no mentions. The connection, shards and command registration are
`adapters.discord.gateway`'s; the buttons and the command tree `adapters.discord.components`'.

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

import discord
from discord import app_commands

from adapters.discord import render
from adapters.discord.components import (
    ChannelOption,
    FactbotClient,
    FactbotCommandTree,
    FullQuotesButton,
    SuggestedFactButton,
)
from adapters.discord.desk import DiscordDesk
from adapters.discord.gateway import (
    IDENTIFY_INTERVAL_SECONDS,
    DiscordGateway,
    rate_limit_trace,
)
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
    MessageGone,
    RateLimit,
)
from bot.settings import Settings
from bot.subscriptions import DigestRequest, DigestSubscription

log = logging.getLogger(__name__)

PLATFORM = "discord"
FACT_CHOICE_PREFIX = "fact:"
AUTOCOMPLETE_CHOICES = 25
NO_MENTIONS = discord.AllowedMentions.none()
DEFER_AFTER_SECONDS = 2.0
UNKNOWN_MESSAGE = 10008  # Discord's JSON error code for a deleted message
_DEFERRED_EPHEMERAL = "factbot.deferred_ephemeral"  # key in `Interaction.extras`
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


class DiscordAdapter:
    """`bot.frontends.Frontend` for Discord, on discord.py's client and `CommandTree`."""

    name = PLATFORM
    # Discord's limits: 5 messages (or edits) per 5 s in a channel, 50 requests/s overall.
    correction_pace = CorrectionPace(overall=RateLimit(50, 1.0), per_chat=RateLimit(5, 5.0))

    def __init__(self, core: FactBot, settings: Settings, *,
                 guild_ready_timeout: float = 2.0,
                 identify_interval: float = IDENTIFY_INTERVAL_SECONDS,
                 defer_after: float = DEFER_AFTER_SECONDS) -> None:
        self.core = core
        self.settings = settings
        self.defer_after = defer_after
        # The bot never joins voice: spare operators the warnings about voice libraries.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        intents = discord.Intents.none()
        intents.guilds = True
        # Not privileged: a message that replies to (so mentions) the bot, or a DM, carries
        # its text; that is how a follow-up to an answer arrives.
        intents.guild_messages = intents.dm_messages = True
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
        self.desk = DiscordDesk(self)  # the editors' commands: /gaps, /teach, /retract, /revert
        self.gateway = DiscordGateway(self.client, self.tree, settings)
        self._in_flight: set[asyncio.Task[Any]] = set()

    # --- life cycle ---------------------------------------------------------------------

    async def start(self) -> None:
        """Log in, connect every shard of this process, register commands if shard 0 is ours."""
        await self.gateway.start()

    @property
    def failure(self) -> str | None:
        return self.gateway.failure

    def track(self) -> None:
        """Count an interaction as in flight until its handler returns (for the drain)."""
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)

    async def stop(self, drain_seconds: float = 30.0) -> int:
        """Finish the interactions in flight (Discord will not send them again), then close
        the gateway. Returns how many interactions the drain had to abandon."""
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
        await self.gateway.close()
        return dropped

    async def sync_commands(self) -> list[str]:
        return await self.gateway.sync_commands()

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

    async def follow_up(self, message: discord.Message) -> None:
        """A reply to one of our answers: answer it with that answer's fact as the topic,
        as a reply, recorded like any answer; "don't know" stays quiet in a channel."""
        reference = message.reference
        assert reference is not None and reference.message_id is not None
        question = question_text(message.content)
        chat = Chat(PLATFORM, str(message.channel.id), private=message.guild is None)
        answer = await asyncio.to_thread(self.core.ask_in_reply, question, chat=chat,
                                         replied_message_id=str(reference.message_id))
        if not answer.answered:
            await message.reply(render.not_answered_text(answer), mention_author=False,
                                allowed_mentions=NO_MENTIONS)
            return
        posted = await message.reply(embed=render.answer_embed(answer),
                                     view=_quotes_view(answer) or discord.utils.MISSING,
                                     mention_author=False, allowed_mentions=NO_MENTIONS)
        await asyncio.to_thread(
            self.core.corrections.record_posted,
            PostedMessage(PLATFORM, str(message.channel.id), str(posted.id)), answer)

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

    async def guarded_message(self, message: discord.Message,
                              work: Coroutine[Any, Any, None]) -> None:
        """A follow-up message inside the error boundary: logged, apologised for once."""
        self.track()
        try:
            await work
        except Exception as error:
            log.error("error answering a follow-up (guild %s, channel %s)",
                      message.guild.id if message.guild else None, message.channel.id,
                      exc_info=error)
            self.core.metrics.record_platform_error(PLATFORM)
            try:
                await message.reply(texts.ERROR_APOLOGY, mention_author=False,
                                    allowed_mentions=NO_MENTIONS)
            except discord.HTTPException as reply_error:
                log.warning("could not apologise for a follow-up: HTTP %s",
                            reply_error.status)

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
