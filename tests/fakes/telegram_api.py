"""A small fake Telegram Bot API server for tests: the real python-telegram-bot talks to it.

Every call is `POST /bot{token}/{method}` (form-encoded, non-string values JSON-encoded)
and is answered `{"ok": true, "result": ...}`. `getUpdates` long-polls a queue the test
fills. Failures can be scripted per method (a 429 with `retry_after`, a 400, a 403).
Unknown methods answer 400: python-telegram-bot reads 401/404 as an invalid token.
Messages the bot sends are kept (`messages`), and `editMessageText` answers as the Bot
API does: "message is not modified" for the same text and buttons, "message to edit not
found" for a deleted message, "message can't be edited" where a test says so.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes import serve_on_loopback

BOT_ID = 777000
BOT_USERNAME = "factbot_test_bot"
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "Factbot", "username": BOT_USERNAME,
            "can_join_groups": True, "can_read_all_group_messages": True,
            "supports_inline_queries": True}


ADMIN_RIGHTS = ("can_manage_chat", "can_delete_messages", "can_manage_video_chats",
                "can_restrict_members", "can_promote_members", "can_change_info",
                "can_invite_users", "can_post_stories", "can_edit_stories", "can_delete_stories")


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    token: str
    at: float = field(default_factory=time.monotonic)


@dataclass
class ScriptedFailure:
    status: int
    description: str
    retry_after: int | None = None
    chat_id: int | None = None


def _decode(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


class FakeTelegram:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.updates: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._pending: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(100)
        self._failures: dict[str, list[ScriptedFailure]] = {}
        self.chat_member_status = "member"
        self.chat_member_statuses: dict[int, str] = {}  # chat id → status there, if not that
        self.rejected_tokens: set[str] = set()
        self.call_arrived = asyncio.Condition()
        self.runner: web.AppRunner | None = None
        self.port = 0
        self.webhook: dict[str, Any] | None = None
        self._deleted: set[tuple[int, int]] = set()
        self.delays: dict[str, float] = {}  # method → seconds: a slow or throttled Bot API
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}  # (chat, message id) → it
        self.uneditable: set[tuple[int, int]] = set()  # "message can't be edited"
        self._handlers: dict[str, Callable[[dict[str, Any]], Any]] = {
            "getMe": lambda p: BOT_USER,
            "sendMessage": self._send_message,
            "editMessageReplyMarkup": self._message,
            "answerCallbackQuery": lambda p: True,
            "answerInlineQuery": lambda p: True,
            "setMyCommands": lambda p: True,
            "deleteMyCommands": lambda p: True,
            "deleteWebhook": self._delete_webhook,
            "setWebhook": self._set_webhook,
            "getChatMember": self._chat_member,
            "close": lambda p: True,
            "logOut": lambda p: True,
        }

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self.runner, self.port = await serve_on_loopback(app)

    async def stop(self) -> None:
        if self.runner:
            await self.runner.cleanup()

    # --- scripting ---------------------------------------------------------------------

    def fail_next(self, method: str, status: int, description: str, *,
                  retry_after: int | None = None, chat_id: int | None = None) -> None:
        self._failures.setdefault(method, []).append(
            ScriptedFailure(status, description, retry_after, chat_id))

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": next(self._update_ids), **update}
        self.updates.put_nowait(update)
        return update

    def delete_message(self, chat_id: int, message_id: int) -> None:
        """Someone deletes a message: editing it answers "message to edit not found"."""
        self.messages.pop((chat_id, message_id), None)
        self._deleted.add((chat_id, message_id))

    def edits_of(self, chat_id: int, message_id: int) -> list[Call]:
        """Successful and refused `editMessageText` calls for one message, in order."""
        return [c for c in self.calls_of("editMessageText")
                if int(c.params["chat_id"]) == chat_id
                and int(c.params["message_id"]) == message_id]

    def replies_to(self, chat_id: int, message_id: int) -> list[dict[str, Any]]:
        """Messages the bot sent in reply to a message."""
        return [m for (chat, _), m in self.messages.items() if chat == chat_id
                and (m.get("reply_to_message") or {}).get("message_id") == message_id]

    def calls_of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, method: str, count: int = 1, within: float = 5.0,
                       where: Callable[[Call], bool] = lambda c: True) -> list[Call]:
        """Wait until `count` calls of `method` (matching `where`) have arrived."""
        async def enough() -> list[Call]:
            async with self.call_arrived:
                await self.call_arrived.wait_for(
                    lambda: len([c for c in self.calls_of(method) if where(c)]) >= count)
            return [c for c in self.calls_of(method) if where(c)]
        return await asyncio.wait_for(enough(), within)

    # --- the API -----------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        form = await request.post()
        params = {k: _decode(v) if isinstance(v, str) else v for k, v in form.items()}
        if not params and request.can_read_body:
            try:
                params = await request.json()
            except ValueError:
                params = {}
        call = Call(method, params, request.match_info["token"])
        if call.token in self.rejected_tokens:
            return web.json_response({"ok": False, "error_code": 401,
                                      "description": "Unauthorized"}, status=401)
        await asyncio.sleep(self.delays.get(method, 0.0))
        async with self.call_arrived:
            self.calls.append(call)
            self.call_arrived.notify_all()
        failure = self._take_failure(method, params)
        if failure:
            body: dict[str, Any] = {"ok": False, "error_code": failure.status,
                                    "description": failure.description}
            if failure.retry_after is not None:
                body["parameters"] = {"retry_after": failure.retry_after}
            return web.json_response(body, status=failure.status)
        if method == "getUpdates":
            return web.json_response({"ok": True, "result": await self._get_updates(params)})
        if method == "editMessageText":
            return self._edit_message_text(params)
        handler = self._handlers.get(method)
        if handler is None:
            return web.json_response(
                {"ok": False, "error_code": 400, "description": f"Bad Request: {method} is "
                 "not implemented by the fake"}, status=400)
        return web.json_response({"ok": True, "result": handler(params)})

    def _take_failure(self, method: str, params: dict[str, Any]) -> ScriptedFailure | None:
        queue = self._failures.get(method, [])
        for failure in queue:
            if failure.chat_id is None or str(failure.chat_id) == str(params.get("chat_id")):
                queue.remove(failure)
                return failure
        return None

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        self._pending = [u for u in self._pending if u["update_id"] >= offset]
        if not self._pending:
            timeout = float(params.get("timeout") or 0)
            try:
                self._pending.append(await asyncio.wait_for(self.updates.get(), timeout))
            except TimeoutError:
                return []
        while not self.updates.empty():
            self._pending.append(self.updates.get_nowait())
        return list(self._pending)

    def _message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"]) if "chat_id" in params else 1
        message_id = int(params.get("message_id") or next(self._message_ids))
        return {"message_id": message_id, "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
                "from": BOT_USER, "text": params.get("text", "")}

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._message(params)
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            # Telegram echoes inline keyboards only; a force-reply markup is not returned.
            message["reply_markup"] = markup
        reply = params.get("reply_parameters") or {}
        replied_to = reply.get("message_id") or params.get("reply_to_message_id")
        if replied_to:
            original = self.messages.get((message["chat"]["id"], int(replied_to)))
            message["reply_to_message"] = original or {
                "message_id": int(replied_to), "date": message["date"],
                "chat": message["chat"]}
        self.messages[(message["chat"]["id"], message["message_id"])] = message
        return message

    def _edit_message_text(self, params: dict[str, Any]) -> web.Response:
        key = (int(params["chat_id"]), int(params["message_id"]))
        description = None
        if key in self._deleted:
            description = "Bad Request: message to edit not found"
        elif key in self.uneditable:
            description = "Bad Request: message can't be edited"
        elif key in self.messages and (
                self.messages[key].get("text") == params.get("text")
                and self.messages[key].get("reply_markup") == params.get("reply_markup")):
            description = ("Bad Request: message is not modified: specified new message "
                           "content and reply markup are exactly the same as a current "
                           "content and reply markup of the message")
        if description is not None:
            return web.json_response({"ok": False, "error_code": 400,
                                      "description": description}, status=400)
        message = {**self.messages.get(key, self._message(params)),
                   "text": params.get("text", ""), "edit_date": int(time.time())}
        message.pop("reply_markup", None)
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            # Telegram echoes inline keyboards only; a force-reply markup is not returned.
            message["reply_markup"] = markup
        if key in self.messages:
            self.messages[key] = message
        return web.json_response({"ok": True, "result": message})

    def _chat_member(self, params: dict[str, Any]) -> dict[str, Any]:
        status = self.chat_member_statuses.get(int(params["chat_id"]), self.chat_member_status)
        member: dict[str, Any] = {
            "status": status,
            "user": {"id": int(params["user_id"]), "is_bot": False, "first_name": "U"}}
        if status == "administrator":
            member.update(dict.fromkeys(ADMIN_RIGHTS, True), can_be_edited=False,
                          is_anonymous=False)
        return member

    def _set_webhook(self, params: dict[str, Any]) -> bool:
        self.webhook = params
        return True

    def _delete_webhook(self, params: dict[str, Any]) -> bool:
        self.webhook = None
        return True


# --- building updates, as the real Bot API would send them --------------------------------

USER = {"id": 4242, "is_bot": False, "first_name": "Reporter", "username": "reporter"}
_message_numbers = itertools.count(1)


def private_chat(chat_id: int = 4242) -> dict[str, Any]:
    return {"id": chat_id, "type": "private", "first_name": "Reporter"}


def group_chat(chat_id: int = -100123) -> dict[str, Any]:
    return {"id": chat_id, "type": "supergroup", "title": "Newsroom"}


def message_update(text: str, chat: dict[str, Any] | None = None, *,
                   reply_to: dict[str, Any] | None = None, user: dict[str, Any] | None = None
                   ) -> dict[str, Any]:
    entities = []
    if text.startswith("/"):
        command = text.split()[0]
        entities.append({"type": "bot_command", "offset": 0, "length": len(command)})
    mention = f"@{BOT_USERNAME}"
    if mention in text and not text.startswith("/"):
        entities.append({"type": "mention", "offset": text.index(mention),
                         "length": len(mention)})
    message: dict[str, Any] = {
        "message_id": next(_message_numbers), "date": int(time.time()),
        "chat": chat or private_chat(), "from": user or USER, "text": text,
    }
    if entities:
        message["entities"] = entities
    if reply_to:
        message["reply_to_message"] = reply_to
    return {"message": message}


def channel_chat(chat_id: int = -1001555) -> dict[str, Any]:
    return {"id": chat_id, "type": "channel", "title": "Newsroom wire"}


def channel_post_update(text: str, chat: dict[str, Any] | None = None) -> dict[str, Any]:
    """A post in a channel: no `from`, the channel itself as `sender_chat`."""
    chat = chat or channel_chat()
    post: dict[str, Any] = {"message_id": next(_message_numbers), "date": int(time.time()),
                            "chat": chat, "sender_chat": chat, "text": text}
    if text.startswith("/"):
        post["entities"] = [{"type": "bot_command", "offset": 0,
                             "length": len(text.split()[0])}]
    return {"channel_post": post}


def bot_message(chat: dict[str, Any], text: str = "an earlier answer") -> dict[str, Any]:
    return {"message_id": next(_message_numbers), "date": int(time.time()), "chat": chat,
            "from": BOT_USER, "text": text}


def inline_query_update(query: str) -> dict[str, Any]:
    return {"inline_query": {"id": str(next(_message_numbers)), "from": USER, "query": query,
                             "offset": ""}}


def callback_update(data: str, message: dict[str, Any], *, user: dict[str, Any] | None = None
                    ) -> dict[str, Any]:
    return {"callback_query": {"id": str(next(_message_numbers)), "from": user or USER,
                               "chat_instance": "1", "data": data, "message": message}}
