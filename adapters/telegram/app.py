"""The Telegram adapter: updates in, core calls, HTML messages out.

Commands (in private chats, groups and channels), private-chat questions, group mentions
and replies, inline queries and buttons are translated here; what to answer, and in
which words, is the core's decision.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlparse

import httpx
from telegram import (
    BotCommand,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    MessageEntity,
    ReplyParameters,
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
    ExtBot,
    InlineQueryHandler,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from adapters.telegram import render
from bot import texts
from bot.answering import Chat
from bot.answers import Answer
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
from bot.settings import Settings
from bot.subscriptions import DigestSubscription

log = logging.getLogger(__name__)

PLATFORM = "telegram"
INLINE_RESULTS = 10
INLINE_CACHE_SECONDS = 30
COMMANDS = [
    BotCommand("fact", "Ask a question, e.g. /fact how many CSTO troops?"),
    BotCommand("ask", "Same as /fact"),
    BotCommand("quote", "Who said these words, and are they verbatim? /quote <words>"),
    BotCommand("sources", "The documents the answers come from"),
    BotCommand("source", "One document and the facts that cite it: /source 003"),
    BotCommand("digest", "Daily digest: /digest on 09:00 Asia/Almaty, off, status"),
    BotCommand("help", "What I know and how to ask"),
    BotCommand("start", "Introduction"),
]
_ADMINS = {ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}
# Commands come as messages in chats and groups, and as posts in channels. Edited
# messages are left alone: answering every edit again would flood the chat.
_COMMAND_UPDATES = filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST


class WatchedBot(ExtBot[None]):
    """python-telegram-bot's bot, telling its adapter when Telegram rejects the token.

    After start-up a revoked token ends the polling loop silently (the library logs and
    stops); the adapter must know, so the runner can exit for a supervisor to see."""

    def __init__(self, *args: Any, on_rejected_token: Callable[[], None], **kwargs: Any):
        super().__init__(*args, **kwargs)
        with self._unfrozen():
            self._on_rejected_token = on_rejected_token

    async def get_updates(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return await super().get_updates(*args, **kwargs)
        except InvalidToken:
            self._on_rejected_token()
            raise


class TelegramAdapter:
    """`bot.frontends.Frontend` for Telegram, on python-telegram-bot's `Application`."""

    name = PLATFORM
    # The Bot API's advice: about 30 messages a second overall, one a second in a chat
    # (`AIORateLimiter` adds Telegram's 20 a minute in groups on top).
    correction_pace = CorrectionPace(overall=RateLimit(30, 1.0), per_chat=RateLimit(1, 1.0))

    def __init__(self, core: FactBot, settings: Settings, *, poll_timeout: float = 10.0):
        if settings.telegram_bot_token is None:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        self.core = core
        self.settings = settings
        self.failure: str | None = None
        self._poll_timeout = poll_timeout
        bot = WatchedBot(
            settings.telegram_bot_token.get_secret_value(),
            base_url=settings.telegram_api_base_url,
            request=HTTPXRequest(connection_pool_size=64,
                                 httpx_kwargs=counting_rate_limits(core.metrics)),
            get_updates_request=HTTPXRequest(httpx_kwargs=counting_rate_limits(core.metrics)),
            rate_limiter=AIORateLimiter(max_retries=3),
            on_rejected_token=self._token_rejected,
        )
        self.application: Application[Any, Any, Any, Any, Any, Any] = (
            ApplicationBuilder().bot(bot).build())
        self._add_handlers()

    def _add_handlers(self) -> None:
        app = self.application
        commands: list[tuple[list[str], Any]] = [
            (["start", "help"], self.on_help), (["fact", "ask"], self.on_fact),
            (["sources"], self.on_sources), (["source"], self.on_source),
            (["digest"], self.on_digest), (["quote"], self.on_quote),
        ]
        for names, callback in commands:
            app.add_handler(CommandHandler(names, callback, filters=_COMMAND_UPDATES))
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
                url_path=urlparse(self.settings.telegram_webhook_url).path.lstrip("/"),
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

    def _token_rejected(self) -> None:
        if self.failure is None:
            self.failure = "Telegram rejected TELEGRAM_BOT_TOKEN while running"
            log.critical("%s; no more updates will arrive", self.failure)

    async def stop(self, drain_seconds: float = 30.0) -> int:
        """Stop fetching, answer every update already fetched (Telegram considers them
        delivered), then disconnect. Returns how many updates the drain had to drop."""
        app = self.application
        if app.updater and app.updater.running:
            try:
                await app.updater.stop()
            except TelegramError as error:  # e.g. the polling loop ended on a revoked token
                log.warning("telegram polling ended with %s", type(error).__name__)
        dropped = 0
        if app.running:
            backlog = app.update_queue.qsize()
            if backlog:
                log.info("answering %d fetched updates before stopping", backlog)
            try:
                await asyncio.wait_for(app.stop(), drain_seconds)
            except TimeoutError:
                dropped = app.update_queue.qsize() + 1  # the queue and the one in hand
                log.error("shutdown drain timed out after %.0f s: %d fetched Telegram "
                          "updates dropped unanswered", drain_seconds, dropped)
        try:
            await app.shutdown()
        except RuntimeError as error:  # still marked running after a timed-out drain
            log.warning("telegram shutdown incomplete: %s", error)
        return dropped

    # --- commands -----------------------------------------------------------------------

    async def on_help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._reply(update, render.render_help(context.bot.username))

    async def on_fact(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._answer(update, " ".join(context.args or []))

    async def on_quote(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        answer = self.core.check_quote(" ".join(context.args or []))
        chat = update.effective_chat
        message = update.effective_message
        if chat is not None:
            await self._send_answer(chat.id, answer,
                                    reply_to=message.message_id if message else None)

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
        reply = await asyncio.to_thread(self.core.source_card, " ".join(context.args or []))
        await self._reply(update, render.render_reply(reply))

    async def on_digest(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat, user = update.effective_chat, update.effective_user
        if chat is None:
            return
        can_manage = await self._can_manage(update)
        notice = await asyncio.to_thread(
            self.core.digest_words, _chat(update), context.args or [],
            can_manage=can_manage, created_by=str(user.id) if user else None)
        await self._reply(update, render.render_reply(notice))

    async def _can_manage(self, update: Update) -> bool:
        """Private chats and channels (only admins post there) may; in groups, admins —
        including an anonymous admin, who posts as the group itself."""
        chat, message = update.effective_chat, update.effective_message
        if chat is None:
            return False
        if chat.type in (ChatType.PRIVATE, ChatType.CHANNEL):
            return True
        if message is not None and message.sender_chat is not None:
            return message.sender_chat.id == chat.id
        user = update.effective_user
        if user is None:
            return False
        member = await self.application.bot.get_chat_member(chat.id, user.id)
        return member.status in _ADMINS

    # --- inline mode and buttons -----------------------------------------------------------

    async def on_inline_query(self, update: Update, context: ContextTypes.DEFAULT_TYPE
                              ) -> None:
        query = update.inline_query
        if query is None:
            return
        answers = await asyncio.to_thread(self.core.inline_answers, query.query, INLINE_RESULTS)
        results = [
            InlineQueryResultArticle(
                id=answer.fact_id or str(number),
                title=render.inline_title(answer),
                description=render.attribution_line(answer),
                input_message_content=InputTextMessageContent(
                    render.render_answer(answer), parse_mode=ParseMode.HTML),
            )
            for number, answer in enumerate(answers[:INLINE_RESULTS])
        ]
        await query.answer(results, cache_time=INLINE_CACHE_SECONDS, is_personal=False)

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None or not query.data:
            return
        kind, _, rest = query.data.partition(":")
        if kind == render.EXPAND:
            fact_id, _, flag = rest.rpartition(":")
            answer = self.core.answer_for(fact_id)
            if answer is None:
                await query.answer(texts.FACT_GONE)
                return
            expanded = flag == "1"
            await query.answer()
            text = render.render_answer(answer, expanded=expanded)
            if query.message is not None:  # a corrected answer keeps its corrections
                notes = await asyncio.to_thread(self.core.corrections.notes_for, PostedMessage(
                    PLATFORM, str(query.message.chat.id), str(query.message.message_id)))
                if notes:
                    text = render.render_correction(CorrectedAnswer(answer, notes, 0),
                                                    expanded=expanded)
            try:
                await query.edit_message_text(
                    text, parse_mode=ParseMode.HTML,
                    reply_markup=render.answer_keyboard(answer, expanded=expanded))
            except BadRequest as error:  # "message is not modified" after a double tap
                log.debug("quote toggle not applied: %s", error)
        elif kind == render.FACT:
            answer = self.core.answer_for(rest)
            await query.answer(None if answer else texts.FACT_GONE)
            if answer and query.message:
                await self._send_answer(query.message.chat.id, answer)
        else:
            await query.answer()

    # --- sending ----------------------------------------------------------------------------

    async def _answer(self, update: Update, question: str) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        answer = await asyncio.to_thread(self.core.ask, question, chat=_chat(update))
        message = update.effective_message
        await self._send_answer(chat.id, answer,
                                reply_to=message.message_id if message else None)

    async def _send_answer(self, chat_id: int, answer: Answer, *,
                           reply_to: int | None = None) -> None:
        """Post an answer and record where it went, for corrections to follow it."""
        posted = await self.application.bot.send_message(
            chat_id, render.render_answer(answer), parse_mode=ParseMode.HTML,
            reply_markup=render.answer_keyboard(answer),
            reply_to_message_id=reply_to, allow_sending_without_reply=True,
            disable_web_page_preview=True,
        )
        await asyncio.to_thread(
            self.core.corrections.record_posted,
            PostedMessage(PLATFORM, str(chat_id), str(posted.message_id)), answer)

    async def _reply(self, update: Update, text: str) -> None:
        message = update.effective_message
        if message is not None:
            await message.reply_text(text, parse_mode=ParseMode.HTML,
                                     disable_web_page_preview=True)

    async def send_digest(self, subscription: DigestSubscription, digest: Digest) -> Digest:
        """`DigestSender` for Telegram: a blocked bot or a deleted chat disables the digest."""
        text, delivered = render.render_digest(digest)
        with _unavailable_chat():
            await self.application.bot.send_message(
                int(subscription.chat_id), text,
                parse_mode=ParseMode.HTML, disable_web_page_preview=True)
        return delivered

    # --- corrections ------------------------------------------------------------------------

    async def edit_answer(self, message: PostedMessage, correction: CorrectedAnswer) -> None:
        """`Corrector` for Telegram: editMessageText, keeping the quotes button if any."""
        answer = correction.answer
        with _unavailable_chat():
            try:
                await self.application.bot.edit_message_text(
                    render.render_correction(correction), chat_id=int(message.chat_id),
                    message_id=int(message.message_id), parse_mode=ParseMode.HTML,
                    reply_markup=render.answer_keyboard(answer) if answer else None,
                    disable_web_page_preview=True)
            except BadRequest as error:
                reason = error.message.lower()
                if "message is not modified" in reason:
                    return  # it already shows this: an edit repeated after a restart
                if "message to edit not found" in reason:
                    raise MessageGone(error.message) from None
                if "can't be edited" in reason or "cannot be edited" in reason:
                    raise EditRefused(error.message) from None
                raise

    async def reply_to_answer(self, message: PostedMessage, correction: CorrectedAnswer
                              ) -> None:
        """`Corrector` for Telegram: the correction as a reply to the old answer."""
        answer = correction.answer
        with _unavailable_chat():
            await self.application.bot.send_message(
                int(message.chat_id), render.render_correction(correction, reply=True),
                parse_mode=ParseMode.HTML,
                reply_markup=render.answer_keyboard(answer) if answer else None,
                reply_parameters=ReplyParameters(int(message.message_id),
                                                 allow_sending_without_reply=True),
                disable_web_page_preview=True)

    # --- the error boundary -----------------------------------------------------------------

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log every handler error with the update's kind and chat, apologise, keep running."""
        kind, chat_id = _describe_update(update)
        log.error("error handling a %s update in chat %s", kind, chat_id,
                  exc_info=context.error)
        self.core.metrics.record_platform_error(PLATFORM)
        if isinstance(context.error, InvalidToken):
            self._token_rejected()
            return
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


@contextmanager
def _unavailable_chat() -> Iterator[None]:
    """Telegram's word that a chat is gone or closed to the bot (a 403, "chat not found")
    as `ChatUnavailable`; every other error as it is."""
    try:
        yield
    except Forbidden as error:
        raise ChatUnavailable(f"Telegram refused: {error.message}") from None
    except BadRequest as error:
        if "chat not found" in error.message.lower():
            raise ChatUnavailable(f"Telegram: {error.message}") from None
        raise


def _chat(update: Update) -> Chat:
    chat = update.effective_chat
    return Chat(PLATFORM, str(chat.id) if chat else None,
                private=chat is None or chat.type == ChatType.PRIVATE)


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


def _describe_update(update: object) -> tuple[str, str]:
    if not isinstance(update, Update):
        return type(update).__name__, "-"
    kind = next((name for name in ("message", "edited_message", "inline_query",
                                    "callback_query", "channel_post")
                 if getattr(update, name, None) is not None), "update")
    chat = update.effective_chat
    return kind, str(chat.id) if chat else "-"


# --- metrics ------------------------------------------------------------------------------

def counting_rate_limits(metrics: OperatorMetrics) -> dict[str, Any]:
    """httpx options that count every HTTP 429 from the Bot API.

    `AIORateLimiter` retries a `RetryAfter` itself, so only the last of several 429s would
    reach `on_error`; an httpx response hook sees each of them."""
    async def on_response(response: httpx.Response) -> None:
        if response.status_code == 429:
            metrics.record_rate_limited(PLATFORM)

    return {"event_hooks": {"response": [on_response]}}
