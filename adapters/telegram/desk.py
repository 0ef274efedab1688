"""The newsroom desk on Telegram: /gaps with teach buttons, /teach, /retract and /revert.

Translation only, like the rest of the adapter: this module tells the core's `Desk` who
is asking (`Requester`: the user id, and — when the settings name an editors' chat —
whether Telegram says they administer it) and what they typed or pressed; the desk decides
whether they may and what is said.

`/teach` alone builds a new fact in a short conversation (python-telegram-bot's
`ConversationHandler`, one per user per chat): pick the document, paste the quote (checked
verbatim at once), write the reported clause, add question forms, see the preview,
confirm. The draft lives in memory only until it is added, cancelled or left for
`TEACH_TIMEOUT`; nothing reaches the table before the confirmation, and the editor check
is made again then, so an editor removed meanwhile adds nothing.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from telegram import (
    Bot,
    BotCommand,
    ForceReply,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from adapters.telegram import render
from adapters.telegram.updates import ADMIN_STATUSES, PLATFORM
from bot import texts
from bot.answers import Notice
from bot.core import FactBot
from bot.desk import Desk, FactDraft
from bot.editors import Requester
from bot.facttable import fold_whitespace
from bot.layout import shorten

log = logging.getLogger(__name__)

DESK_COMMANDS = [
    BotCommand("gaps", "Editors: questions I could not answer, to teach"),
    BotCommand("teach", "Editors: /teach FACT_ID question, or /teach for a new fact"),
    BotCommand("retract", "Editors: /retract FACT_ID reason"),
    BotCommand("revert", "Editors: /revert FACT_ID VERSION"),
    BotCommand("cancel", "Stop building a new fact"),
]
# How long a half-built fact waits for its editor's next step before it is dropped.
TEACH_TIMEOUT = timedelta(minutes=15)
# Telegram shows at most 200 characters in a button press's answer.
CALLBACK_ANSWER_CHARS = 200

# The conversation's steps.
DOCUMENT, QUOTE, SAYS, QUESTIONS, CONFIRM = range(5)
END = ConversationHandler.END

_MESSAGES = filters.UpdateType.MESSAGE  # no edits, no channel posts (nobody to check there)
_TYPED = _MESSAGES & filters.TEXT & ~filters.COMMAND


@dataclass
class _DraftInProgress:
    """What the editor has given so far; the core's `FactDraft` once it is complete."""

    command_message_id: int  # the editor's /teach: later prompts that follow a button reply to it
    source_id: str = ""
    quote: str = ""
    says: str = ""
    questions: tuple[str, ...] = ()

    def complete(self) -> FactDraft:
        return FactDraft(self.source_id, self.quote, self.says, self.questions)


def register_desk(application: Application[Any, Any, Any, Any, Any, Any], core: FactBot
                  ) -> None:
    """Add the desk's handlers; call it before handlers that take any text or any button."""
    for handler in DeskHandlers(core).handlers():
        application.add_handler(handler)


class DeskHandlers:
    """The desk's handlers, and the new facts being built: one draft per editor per chat."""

    def __init__(self, core: FactBot) -> None:
        self.core = core
        self._drafts: dict[tuple[int, int], _DraftInProgress] = {}

    @property
    def desk(self) -> Desk:
        return self.core.desk

    def handlers(self) -> list[BaseHandler[Update, Any, Any]]:
        button = CallbackQueryHandler
        with warnings.catch_warnings():
            # The conversation is per user per chat, its buttons included (one draft per
            # editor per chat, whichever message the button is under): the library warns
            # that per_message=False does not track buttons per message, which is intended.
            warnings.filterwarnings("ignore", "If 'per_message=False'", PTBUserWarning)
            conversation: ConversationHandler[Any] = ConversationHandler(
                entry_points=[CommandHandler("teach", self.on_teach, filters=_MESSAGES)],
                states={
                    DOCUMENT: [button(self.on_document, pattern=_data(render.TEACH_DOCUMENT)),
                               MessageHandler(_TYPED, self.on_text_instead_of_document)],
                    QUOTE: [MessageHandler(_TYPED, self.on_quote)],
                    SAYS: [MessageHandler(_TYPED, self.on_says)],
                    QUESTIONS: [MessageHandler(_TYPED, self.on_questions)],
                    CONFIRM: [button(self.on_confirm, pattern=_data(render.TEACH_ADD)),
                              MessageHandler(_TYPED, self.on_text_instead_of_confirm)],
                    ConversationHandler.TIMEOUT: [TypeHandler(Update, self.on_timeout)],
                },
                fallbacks=[CommandHandler("cancel", self.on_cancel, filters=_MESSAGES)],
                per_chat=True, per_user=True,  # each editor's own draft in each chat
                allow_reentry=True,  # /teach again starts over
                conversation_timeout=TEACH_TIMEOUT.total_seconds(),
                name="teach",
            )
        return [
            conversation,
            CommandHandler("cancel", self.on_nothing_to_cancel, filters=_MESSAGES),
            CommandHandler("gaps", self.on_gaps, filters=_MESSAGES),
            CommandHandler("retract", self.on_retract, filters=_MESSAGES),
            CommandHandler("revert", self.on_revert, filters=_MESSAGES),
            button(self.on_teach_button, pattern=_data(render.TEACH)),
            button(self.on_stale_button,
                   pattern=f"^({render.TEACH_DOCUMENT}|{render.TEACH_ADD}):"),
        ]

    # --- who is asking ------------------------------------------------------------------

    async def requester(self, update: Update) -> Requester | None:
        """The person behind the update, as the core's editor check needs them; asks
        Telegram about the editors' chat only when the user id alone does not decide."""
        user = update.effective_user
        if user is None:
            return None
        requester = Requester(PLATFORM, str(user.id))
        policy = self.desk.policy
        if policy.needs_editors_chat_check(requester):
            requester = replace(requester,
                                administers_editors_chat=await self._administers(
                                    update.get_bot(), user.id))
        return requester

    async def _administers(self, bot: Bot, user_id: int) -> bool:
        chat_id = self.desk.policy.telegram_editors_chat_id
        assert chat_id is not None  # needs_editors_chat_check said there is one
        try:
            member = await bot.get_chat_member(chat_id, user_id)
        except BadRequest as error:  # e.g. "user not found": not a member, so no admin
            log.debug("editors' chat %s has no member to check: %s", chat_id, error.message)
            return False
        except TelegramError as error:  # the bot left the chat, Telegram is down, ...
            log.warning("cannot ask the editors' chat %s who administers it: %s",
                        chat_id, type(error).__name__)
            return False
        return member.status in ADMIN_STATUSES

    async def _refused_or(self, update: Update, usage: str) -> Requester | None:
        """The requester when they are an editor; otherwise reply with the desk's refusal
        (before any usage line: a non-editor learns only that they may not)."""
        requester = await self.requester(update)
        if requester is None or not self.desk.is_editor(requester):
            await _reply(update, texts.EDITORS_ONLY)
            return None
        if usage:
            await _reply(update, usage)
            return None
        return requester

    # --- /gaps and its teach buttons -------------------------------------------------------

    async def on_gaps(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        requester = await self.requester(update)
        if requester is None:
            await _reply(update, texts.EDITORS_ONLY)
            return
        board = await asyncio.to_thread(self.desk.gaps, requester)
        if isinstance(board, Notice):
            await _reply(update, board.text)
            return
        text, keyboard = render.render_gaps(board)
        await _reply_html(update, text, keyboard)

    async def on_teach_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE
                              ) -> None:
        """A teach button under /gaps: the result as the button's answer and, for editors,
        as a reply in the chat, so the desk sees what changed."""
        query = update.callback_query
        if query is None or query.data is None:
            return
        requester = await self.requester(update)
        if requester is None:
            await query.answer(texts.EDITORS_ONLY, show_alert=True)
            return
        notice = await asyncio.to_thread(
            self.desk.teach_choice, requester, query.data.partition(":")[2],
            chat_id=_chat_id(update))
        editor = self.desk.is_editor(requester)
        await query.answer(shorten(notice.text, CALLBACK_ANSWER_CHARS), show_alert=not editor)
        if editor and isinstance(query.message, Message):
            await query.message.reply_text(render.html(notice.text), parse_mode=ParseMode.HTML)

    async def on_stale_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE
                              ) -> None:
        """A /teach button pressed after its conversation ended (added, cancelled, timed out)."""
        if update.callback_query:
            await update.callback_query.answer(texts.TEACH_STEP_OVER, show_alert=True)

    # --- /retract and /revert ----------------------------------------------------------------

    async def on_retract(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        args = context.args or []
        requester = await self._refused_or(update, "" if len(args) >= 2
                                           else texts.RETRACT_USAGE)
        if requester is None:
            return
        notice = await asyncio.to_thread(self.desk.retract, requester, args[0],
                                         " ".join(args[1:]), chat_id=_chat_id(update))
        await _reply(update, notice.text)

    async def on_revert(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        args = context.args or []
        requester = await self._refused_or(update, "" if len(args) == 2
                                           else texts.REVERT_USAGE)
        if requester is None:
            return
        notice = await asyncio.to_thread(self.desk.revert, requester, args[0], args[1],
                                         chat_id=_chat_id(update))
        await _reply(update, notice.text)

    # --- /teach: one step, or a new fact in a conversation ------------------------------------

    async def on_teach(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        """`/teach FACT_ID question` teaches at once; `/teach` alone starts a new fact."""
        args = context.args or []
        self._drafts.pop(_conversation_key(update), None)  # /teach again starts over
        usage = texts.TEACH_USAGE if len(args) == 1 else ""
        requester = await self._refused_or(update, usage)
        if requester is None:
            return END
        if args:
            notice = await asyncio.to_thread(self.desk.teach, requester, args[0],
                                             " ".join(args[1:]), chat_id=_chat_id(update))
            await _reply(update, notice.text)
            return END
        message = update.effective_message
        assert message is not None  # a command is a message
        self._drafts[_conversation_key(update)] = _DraftInProgress(message.message_id)
        await _reply_html(update, render.html(texts.TEACH_PICK_DOCUMENT),
                          render.document_keyboard(self.core.sources()))
        return DOCUMENT

    async def on_document(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        query = update.callback_query
        assert query is not None and query.data is not None  # the pattern matched
        wanted = query.data.partition(":")[2]
        source = next((s for s in self.core.sources() if s.id == wanted), None)
        if source is None:
            await query.answer(texts.UNKNOWN_SOURCE.format(wanted=wanted), show_alert=True)
            return DOCUMENT
        draft = self._draft(update)
        if draft is None:
            await query.answer(texts.TEACH_STEP_OVER, show_alert=True)
            return END
        await query.answer()
        draft.source_id = source.id
        picked = texts.TEACH_DOCUMENT_PICKED.format(id=source.id, title=source.title)
        try:
            await query.edit_message_text(render.html(picked), parse_mode=ParseMode.HTML)
        except BadRequest as error:  # the picker is gone or too old to edit: say it anew
            log.debug("document picker not edited: %s", error.message)
            await _prompt(update, picked, reply_to=draft.command_message_id)
        await _prompt(update, texts.TEACH_PASTE_QUOTE, reply_to=draft.command_message_id)
        return QUOTE

    async def on_text_instead_of_document(self, update: Update,
                                          context: ContextTypes.DEFAULT_TYPE) -> int:
        await _reply(update, texts.TEACH_PICK_WITH_BUTTON)
        return DOCUMENT

    async def on_quote(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        draft = self._draft(update)
        if draft is None:
            return await self._lost(update)
        verdict = self.desk.check_quote(draft.source_id, _typed(update))
        if not verdict.verbatim:
            await _prompt(update, f"{verdict.message}\n\n{texts.TEACH_QUOTE_AGAIN}")
            return QUOTE
        draft.quote = fold_whitespace(_typed(update))
        await _prompt(update, f"{texts.QUOTE_VERBATIM}\n\n{texts.TEACH_WRITE_SAYS}")
        return SAYS

    async def on_says(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        draft = self._draft(update)
        if draft is None:
            return await self._lost(update)
        draft.says = fold_whitespace(_typed(update))
        if not draft.says:
            await _prompt(update, texts.TEACH_SAYS_EMPTY)
            return SAYS
        await _prompt(update, texts.TEACH_ADD_QUESTIONS)
        return QUESTIONS

    async def on_questions(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        draft = self._draft(update)
        if draft is None:
            return await self._lost(update)
        lines = (fold_whitespace(line) for line in _typed(update).splitlines())
        draft.questions = tuple(dict.fromkeys(line for line in lines if line))
        if not draft.questions:
            await _prompt(update, texts.TEACH_QUESTIONS_EMPTY)
            return QUESTIONS
        preview = self.desk.preview(draft.complete())
        if isinstance(preview, Notice):  # the document went away meanwhile
            self._drafts.pop(_conversation_key(update), None)
            await _reply(update, preview.text)
            return END
        await _reply_html(update, render.render_preview(preview), render.add_fact_keyboard())
        return CONFIRM

    async def on_text_instead_of_confirm(self, update: Update,
                                         context: ContextTypes.DEFAULT_TYPE) -> int:
        await _reply(update, texts.TEACH_PRESS_A_BUTTON)
        return CONFIRM

    async def on_confirm(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        """"Add this fact" or "Cancel" under the preview; the editor check is made again."""
        query = update.callback_query
        assert query is not None and query.data is not None  # the pattern matched
        draft = self._drafts.pop(_conversation_key(update), None)
        await query.answer()
        try:
            await query.edit_message_reply_markup(None)  # the preview stays, its buttons go
        except BadRequest as error:
            log.debug("preview buttons not removed: %s", error.message)
        requester = await self.requester(update)
        if query.data.partition(":")[2] != "yes" or draft is None or requester is None:
            await _reply(update, texts.TEACH_CANCELLED)
            return END
        notice = await asyncio.to_thread(self.desk.add_fact, requester, draft.complete(),
                                         chat_id=_chat_id(update))
        await _reply(update, notice.text)
        return END

    async def on_cancel(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        self._drafts.pop(_conversation_key(update), None)
        await _reply(update, texts.TEACH_CANCELLED)
        return END

    async def on_nothing_to_cancel(self, update: Update, context: ContextTypes.DEFAULT_TYPE
                                   ) -> None:
        await _reply(update, texts.TEACH_NOTHING_TO_CANCEL)

    async def on_timeout(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The editor left a new fact unfinished: drop it and say so in that chat."""
        self._drafts.pop(_conversation_key(update), None)
        chat = update.effective_chat
        if chat is None:
            return
        minutes = max(1, round(TEACH_TIMEOUT.total_seconds() / 60))
        await context.bot.send_message(chat.id, render.html(
            texts.TEACH_TIMED_OUT.format(minutes=minutes)), parse_mode=ParseMode.HTML)

    def _draft(self, update: Update) -> _DraftInProgress | None:
        return self._drafts.get(_conversation_key(update))

    async def _lost(self, update: Update) -> int:
        """A step with no draft behind it (the process restarted mid-conversation)."""
        await _reply(update, texts.TEACH_STEP_OVER)
        return END


# --- replying --------------------------------------------------------------------------------

def _data(prefix: str) -> str:
    """The pattern of one kind of button's callback data: "<prefix>:…"."""
    return f"^{prefix}:"


def _conversation_key(update: Update) -> tuple[int, int]:
    """The draft's key, as the conversation's own: this user in this chat."""
    chat, user = update.effective_chat, update.effective_user
    return (chat.id if chat else 0, user.id if user else 0)


def _chat_id(update: Update) -> str | None:
    chat = update.effective_chat
    return str(chat.id) if chat else None


def _typed(update: Update) -> str:
    message = update.effective_message
    return message.text or "" if message else ""


async def _reply(update: Update, text: str) -> None:
    """A plain-text line from the core, escaped, in reply to what the editor sent."""
    await _reply_html(update, render.html(text), None)


async def _reply_html(update: Update, text: str, keyboard: InlineKeyboardMarkup | None
                      ) -> None:
    message = update.effective_message
    if message is None:
        return
    await message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard,
                             disable_web_page_preview=True)


async def _prompt(update: Update, text: str, *, reply_to: int | None = None) -> None:
    """Ask for the next step, in reply to the editor's last message (or `reply_to`).

    In groups the question forces a reply from that editor alone (`selective`): with
    privacy mode on, Telegram's default, a bot sees only the messages that reply to it."""
    message, chat = update.effective_message, update.effective_chat
    if chat is None or (reply_to is None and message is None):
        return
    force_reply = None if chat.type == ChatType.PRIVATE else ForceReply(selective=True)
    await update.get_bot().send_message(
        chat.id, render.html(text), parse_mode=ParseMode.HTML, reply_markup=force_reply,
        reply_to_message_id=reply_to or (message.message_id if message else None),
        allow_sending_without_reply=True)
