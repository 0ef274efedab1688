"""The Telegram adapter: updates in, core calls, HTML messages out.

Commands (in private chats, groups and channels), private-chat questions, group mentions
and replies, inline queries and buttons are translated here; what to answer, and in
which words, is the core's decision.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from telegram import (
    BotCommand,
    InlineQueryResultArticle,
    InputTextMessageContent,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken, TelegramError
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from adapters.telegram import render
from adapters.telegram.connection import TelegramConnection
from adapters.telegram.desk import DESK_COMMANDS, register_desk
from adapters.telegram.updates import (
    ADMIN_STATUSES,
    addressed_question,
    chat_of,
    describe_update,
    reply_to_bot,
)
from bot import texts
from bot.answers import Answer
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
    *DESK_COMMANDS,
]
# Commands come as messages in chats and groups, and as posts in channels. Edited
# messages are left alone: answering every edit again would flood the chat.
_COMMAND_UPDATES = filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST


class TelegramAdapter:
    """`bot.frontends.Frontend` for Telegram, on python-telegram-bot's `Application`."""

    name = PLATFORM
    # The Bot API's advice: about 30 messages a second overall, one a second in a chat
    # (`AIORateLimiter` adds Telegram's 20 a minute in groups on top).
    correction_pace = CorrectionPace(overall=RateLimit(30, 1.0), per_chat=RateLimit(1, 1.0))

    def __init__(self, core: FactBot, settings: Settings, *, poll_timeout: float = 10.0):
        self.core = core
        self.settings = settings
        self.connection = TelegramConnection(settings, core.metrics, poll_timeout=poll_timeout)
        self.application = self.connection.application
        self._add_handlers()

    @property
    def failure(self) -> str | None:
        return self.connection.failure

    def _add_handlers(self) -> None:
        app = self.application
        register_desk(app, self.core)  # first: its conversation takes an editor's typing
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
        await self.connection.start(COMMANDS)

    async def stop(self, drain_seconds: float = 30.0) -> int:
        """Answer every update already fetched, then disconnect; return how many were
        dropped when the drain ran out of time."""
        return await self.connection.stop(drain_seconds)

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
        question = addressed_question(message, context.bot.id, context.bot.username)
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
            self.core.digest_words, chat_of(update), context.args or [],
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
        return member.status in ADMIN_STATUSES

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
        message = update.effective_message
        replied = reply_to_bot(message, self.application.bot.id)
        if replied is not None:  # a follow-up to one of our answers
            answer = await asyncio.to_thread(self.core.ask_in_reply, question,
                                             chat=chat_of(update), replied_message_id=replied)
        else:
            answer = await asyncio.to_thread(self.core.ask, question, chat=chat_of(update))
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
        kind, chat_id = describe_update(update)
        log.error("error handling a %s update in chat %s", kind, chat_id,
                  exc_info=context.error)
        self.core.metrics.record_platform_error(PLATFORM)
        if isinstance(context.error, InvalidToken):
            self.connection.token_rejected()
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
