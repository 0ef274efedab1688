"""Reading Telegram updates: which chat, whether a group message is meant for the bot,
and how to name an update in a log line (never its text)."""

from __future__ import annotations

from telegram import Message, MessageEntity, Update
from telegram.constants import ChatMemberStatus, ChatType

from bot.answering import Chat

PLATFORM = "telegram"
# Who Telegram counts as a chat's administrators.
ADMIN_STATUSES = frozenset({ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER})


def chat_of(update: Update) -> Chat:
    chat = update.effective_chat
    return Chat(PLATFORM, str(chat.id) if chat else None,
                private=chat is None or chat.type == ChatType.PRIVATE)


def addressed_question(message: Message, bot_id: int, bot_username: str) -> str | None:
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


def reply_to_bot(message: Message | None, bot_id: int) -> str | None:
    """The id of the bot's message that `message` replies to, if it replies to the bot."""
    replied = message.reply_to_message if message else None
    if replied is None or replied.from_user is None or replied.from_user.id != bot_id:
        return None
    return str(replied.message_id)


def describe_update(update: object) -> tuple[str, str]:
    if not isinstance(update, Update):
        return type(update).__name__, "-"
    kind = next((name for name in ("message", "edited_message", "inline_query",
                                    "callback_query", "channel_post")
                 if getattr(update, name, None) is not None), "update")
    chat = update.effective_chat
    return kind, str(chat.id) if chat else "-"


