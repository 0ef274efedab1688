"""The Telegram adapter: updates in, core calls, HTML messages out.

Commands, private-chat questions, group mentions and replies, inline queries and the
quote buttons are translated here; what to answer is the core's decision.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import urlparse

from telegram import (
    BotCommand,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from adapters.base import FrontendStartError
from adapters.telegram import render
from bot import texts
from bot.answers import Answer, Outcome
from bot.core import DigestCommandError, FactBot, SubscriptionView, parse_digest_command
from bot.digest.content import Digest
from bot.digest.scheduler import ChatUnavailable
from bot.layout import shorten
from bot.settings import Settings

log = logging.getLogger(__name__)

PLATFORM = "telegram"
INLINE_RESULTS = 10
INLINE_CACHE_SECONDS = 30
COMMANDS = [
    BotCommand("fact", "Ask a question, e.g. /fact how many CSTO troops?"),
    BotCommand("ask", "Same as /fact"),
    BotCommand("sources", "The documents the answers come from"),
    BotCommand("source", "One document and the facts that cite it: /source 003"),
    BotCommand("digest", "Daily digest: /digest on 09:00 Asia/Almaty, off, status"),
    BotCommand("help", "What I know and how to ask"),
    BotCommand("start", "Introduction"),
]
_ADMINS = {ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}


class TelegramAdapter:
    """`adapters.base.Frontend` for Telegram, on python-telegram-bot's `Application`."""

    name = PLATFORM

    def __init__(self, core: FactBot, settings: Settings, *, poll_timeout: float = 10.0):
        if settings.telegram_bot_token is None:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        self.core = core
        self.settings = settings
        self._poll_timeout = poll_timeout
        self.application: Application[Any, Any, Any, Any, Any, Any] = (
            ApplicationBuilder()
            .token(settings.telegram_bot_token.get_secret_value())
            .base_url(settings.telegram_api_base_url)
            .rate_limiter(AIORateLimiter(max_retries=3))
            .build()
        )
        self._add_handlers()

    def _add_handlers(self) -> None:
        app = self.application
        app.add_handler(CommandHandler(["start", "help"], self.on_help))
        app.add_handler(CommandHandler(["fact", "ask"], self.on_fact))
        app.add_handler(CommandHandler("sources", self.on_sources))
        app.add_handler(CommandHandler("source", self.on_source))
        app.add_handler(CommandHandler("digest", self.on_digest))
        plain_text = filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND
        app.add_handler(MessageHandler(plain_text & filters.ChatType.PRIVATE, self.on_text))
        app.add_handler(MessageHandler(plain_text & filters.ChatType.GROUPS, self.on_group_text))
        app.add_handler(InlineQueryHandler(self.on_inline_query))
        app.add_handler(CallbackQueryHandler(self.on_button))
        app.add_error_handler(self.on_error)

    # --- life cycle ---------------------------------------------------------------------

    async def start(self) -> None:
        app = self.application
        try:
            await app.initialize()
        except InvalidToken:  # its message quotes the token: replace it
            raise FrontendStartError("Telegram rejected TELEGRAM_BOT_TOKEN") from None
        except NetworkError as error:
            raise FrontendStartError(
                f"cannot reach the Telegram Bot API at TELEGRAM_API_BASE_URL: "
                f"{type(error).__name__}") from None
        await app.bot.set_my_commands(COMMANDS)
        if self.settings.telegram_webhook_url:
            secret = self.settings.telegram_webhook_secret
            await app.updater.start_webhook(  # type: ignore[union-attr]
                listen=self.settings.telegram_webhook_listen,
                port=self.settings.telegram_webhook_port,
                url_path=self._webhook_path(),
                webhook_url=self.settings.telegram_webhook_url,
                secret_token=secret.get_secret_value() if secret else None,
                allowed_updates=Update.ALL_TYPES,
            )
        else:
            await app.updater.start_polling(  # type: ignore[union-attr]
                poll_interval=0.0, timeout=int(self._poll_timeout),
                allowed_updates=Update.ALL_TYPES,
            )
        await app.start()

    def _webhook_path(self) -> str:
        return urlparse(self.settings.telegram_webhook_url).path.lstrip("/")

    async def stop(self) -> None:
        app = self.application
        if app.updater and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()

    # --- commands -----------------------------------------------------------------------

    async def on_help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._reply(update, render.render_help(context.bot.username))

    async def on_fact(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        question = " ".join(context.args or [])
        await self._answer(update, question)

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message and message.text:
            await self._answer(update, message.text)

    async def on_group_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """In groups, answer only what is addressed to the bot: a mention or a reply."""
        message = update.effective_message
        if message is None or message.text is None:
            return
        question = _addressed_question(message, context.bot.id, context.bot.username)
        if question is not None:
            await self._answer(update, question)

    async def on_sources(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._reply(update, render.render_sources(self.core.sources()))

    async def on_source(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        wanted = " ".join(context.args or []).strip()
        source = self.core.source(wanted) if wanted else None
        if source is None:
            known = ", ".join(s.id for s in self.core.sources())
            prefix = f"I have no document {render.html(wanted)!s}. " if wanted else ""
            await self._reply(update, f"{prefix}Usage: /source &lt;id&gt;, one of {known}.")
            return
        facts = await asyncio.to_thread(self.core.source_facts, source.id)
        await self._reply(update, render.render_source(source, facts))

    async def on_digest(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat, user = update.effective_chat, update.effective_user
        if chat is None:
            return
        try:
            command = parse_digest_command(context.args or [])
        except DigestCommandError as error:
            await self._reply(update, render.html(str(error)))
            return
        chat_id = str(chat.id)
        if command.action == "status":
            current = await asyncio.to_thread(self.core.subscription, PLATFORM, chat_id)
            await self._reply(update, render.html(_describe(current)))
            return
        if chat.type != ChatType.PRIVATE and not await self._is_admin(chat.id, user):
            await self._reply(update, render.html(texts.DIGEST_ADMIN_ONLY))
            return
        if command.action == "off":
            stopped = await asyncio.to_thread(self.core.unsubscribe, PLATFORM, chat_id)
            await self._reply(update, "Daily digest turned off." if stopped
                              else "This chat has no daily digest.")
            return
        assert command.local_time is not None
        view = await asyncio.to_thread(
            lambda: self.core.subscribe(
                platform=PLATFORM, chat_id=chat_id, local_time=command.local_time,  # type: ignore[arg-type]
                timezone=command.timezone, created_by=str(user.id) if user else None,
                include_unanswered=command.include_unanswered, skip_empty=command.skip_empty))
        await self._reply(update, render.html(view.describe()))

    async def _is_admin(self, chat_id: int, user: Any) -> bool:
        if user is None:
            return False
        member = await self.application.bot.get_chat_member(chat_id, user.id)
        return member.status in _ADMINS

    # --- inline mode and buttons -----------------------------------------------------------

    async def on_inline_query(self, update: Update, context: ContextTypes.DEFAULT_TYPE
                              ) -> None:
        query = update.inline_query
        if query is None:
            return
        if query.query.strip():
            answers = self._inline_answers(query.query)
        else:
            answers = await asyncio.to_thread(self.core.popular, INLINE_RESULTS)
        results = [
            InlineQueryResultArticle(
                id=answer.fact_id or str(number),
                title=shorten(
                    f"{answer.headline}: {answer.short}" if answer.short else answer.headline
                    or "", 120),
                description=render.attribution_line(answer),
                input_message_content=InputTextMessageContent(
                    render.render_answer(answer), parse_mode=ParseMode.HTML),
            )
            for number, answer in enumerate(answers[:INLINE_RESULTS])
        ]
        await query.answer(results, cache_time=INLINE_CACHE_SECONDS, is_personal=False)

    def _inline_answers(self, text: str) -> list[Answer]:
        """The confident answer first, then other close facts; suggestions when unsure."""
        best = self.core.match(text)
        if best.outcome is Outcome.NONE:
            return []
        fact_ids = [best.fact_id] if best.fact_id else []
        fact_ids += [s.fact_id for s in best.suggestions]
        fact_ids += [s.fact_id for s in self.core.complete(text, INLINE_RESULTS)]
        unique = list(dict.fromkeys(fact_ids))[:INLINE_RESULTS]
        return [a for a in (self.core.fact_answer(i) for i in unique) if a]

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None or not query.data:
            return
        kind, _, rest = query.data.partition(":")
        if kind == render.EXPAND:
            fact_id, _, flag = rest.rpartition(":")
            answer = self.core.fact_answer(fact_id)
            if answer is None:
                await query.answer("That fact is no longer in the table.")
                return
            expanded = flag == "1"
            await query.answer()
            try:
                await query.edit_message_text(
                    render.render_answer(answer, expanded=expanded), parse_mode=ParseMode.HTML,
                    reply_markup=render.answer_keyboard(answer, expanded=expanded))
            except BadRequest as error:  # "message is not modified" after a double tap
                log.debug("quote toggle not applied: %s", error)
        elif kind == render.FACT:
            answer = self.core.fact_answer(rest)
            await query.answer()
            if answer and query.message:
                await self._send_answer(query.message.chat.id, answer)
        else:
            await query.answer()

    # --- sending ----------------------------------------------------------------------------

    async def _answer(self, update: Update, question: str) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        answer = await asyncio.to_thread(self.core.ask, question, platform=PLATFORM,
                                         chat_id=str(chat.id))
        message = update.effective_message
        await self._send_answer(chat.id, answer,
                                reply_to=message.message_id if message else None)

    async def _send_answer(self, chat_id: int, answer: Answer, *,
                           reply_to: int | None = None) -> None:
        await self.application.bot.send_message(
            chat_id, render.render_answer(answer), parse_mode=ParseMode.HTML,
            reply_markup=render.answer_keyboard(answer),
            reply_to_message_id=reply_to, allow_sending_without_reply=True,
            disable_web_page_preview=True,
        )

    async def _reply(self, update: Update, text: str) -> None:
        message = update.effective_message
        if message is not None:
            await message.reply_text(text, parse_mode=ParseMode.HTML,
                                     disable_web_page_preview=True)

    async def send_digest(self, subscription: SubscriptionView, digest: Digest) -> Digest:
        """`DigestSender` for Telegram: a blocked bot or a deleted chat disables the digest."""
        text, delivered = render.render_digest(digest)
        try:
            await self.application.bot.send_message(
                int(subscription.chat_id), text,
                parse_mode=ParseMode.HTML, disable_web_page_preview=True)
        except Forbidden as error:
            raise ChatUnavailable(f"Telegram refused: {error.message}") from None
        except BadRequest as error:
            if "chat not found" in error.message.lower():
                raise ChatUnavailable(f"Telegram: {error.message}") from None
            raise
        return delivered

    # --- the error boundary -----------------------------------------------------------------

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log every handler error with the update's kind and chat, apologise, keep running."""
        kind, chat_id = _describe_update(update)
        log.error("error handling a %s update in chat %s", kind, chat_id,
                  exc_info=context.error)
        if not isinstance(update, Update) or update.effective_chat is None:
            return
        if isinstance(context.error, Forbidden):
            return  # the bot cannot write there: an apology would fail the same way
        try:
            if update.callback_query:
                await update.callback_query.answer(texts.ERROR_APOLOGY, show_alert=True)
            elif update.effective_message:
                await update.effective_message.reply_text(texts.ERROR_APOLOGY)
        except TelegramError:
            log.warning("could not send the apology to chat %s", chat_id)


def _addressed_question(message: Message, bot_id: int, bot_username: str) -> str | None:
    """The question in a group message meant for the bot, or None for other chatter."""
    text = message.text or ""
    mention = f"@{bot_username}".casefold()
    mentioned = False
    for entity, value in message.parse_entities(
        [MessageEntity.MENTION, MessageEntity.TEXT_MENTION]
    ).items():
        if (entity.type == MessageEntity.MENTION and value.casefold() == mention) or (
            entity.type == MessageEntity.TEXT_MENTION and entity.user
            and entity.user.id == bot_id
        ):
            mentioned = True
            text = text.replace(value, " ")
    replied = message.reply_to_message is not None and (
        message.reply_to_message.from_user is not None
        and message.reply_to_message.from_user.id == bot_id)
    if not (mentioned or replied):
        return None
    return " ".join(text.split())


def _describe(subscription: SubscriptionView | None) -> str:
    if subscription is None:
        return "This chat has no daily digest. " + texts.DIGEST_USAGE
    return subscription.describe()


def _describe_update(update: object) -> tuple[str, str]:
    if not isinstance(update, Update):
        return type(update).__name__, "-"
    kind = next((name for name in ("message", "edited_message", "inline_query",
                                    "callback_query", "channel_post")
                 if getattr(update, name, None) is not None), "update")
    chat = update.effective_chat
    return kind, str(chat.id) if chat else "-"
