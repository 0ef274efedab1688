"""A small fake Discord for tests: REST under /api/v10 and a websocket gateway.

The real discord.py connects to it: HELLO (op 10), heartbeats answered (op 1 → op 11),
IDENTIFY (op 2) answered with READY (one socket per shard), RESUME (op 6) with RESUMED;
tests then dispatch INTERACTION_CREATE events (commands, autocomplete, button presses,
forms sent back) and read what the bot posted to the
interaction callback and the interaction webhook (deferred replies, followups).
The interaction callback answers as Discord does to `?with_response=true` (discord.py
always asks): the interaction with `response_message_id`, and the message it created as
the `resource`. Every message the bot posts is kept (`messages`), so edits through the
channel (`PATCH /channels/{id}/messages/{id}`) and replies can be checked; tests can make
Discord refuse to edit a message (403), close a channel to the bot (403 Missing Access)
or delete a message (404 Unknown Message).
REST replies carry `Content-Type: application/json` exactly: discord.py decodes JSON
only then (aiohttp's `json_response` would add a charset). Registered commands are echoed
the way Discord echoes them (ids, version, defaults filled in, `required: false` dropped),
so the adapter's "write only when changed" comparison is tested against that shape.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes import serve_on_loopback

APPLICATION_ID = 555000111
BOT_USER = {"id": str(APPLICATION_ID), "username": "factbot", "discriminator": "0",
            "global_name": "factbot", "avatar": None, "bot": True, "flags": 0,
            "verified": True, "mfa_enabled": False}
GUILD_ID = 800100
CHANNEL_ID = 800200
DM_CHANNEL_ID = 800300
OTHER_CHANNEL_ID = 800400
USER = {"id": "4242", "username": "reporter", "discriminator": "0", "global_name": "Reporter",
        "avatar": None}
MANAGE_GUILD = 1 << 5
EPHEMERAL = 1 << 6
LOADING = 1 << 7  # a deferred response's "is thinking…" message
MISSING_ACCESS = {"message": "Missing Access", "code": 50001}
CANNOT_EDIT = {"message": "Cannot edit a message authored by another user", "code": 50005}
UNKNOWN_MESSAGE = {"message": "Unknown Message", "code": 10008}
UNKNOWN_CHANNEL = {"message": "Unknown Channel", "code": 10003}
RESUMABLE_CLOSE = 4000
AUTHENTICATION_FAILED = 4004
INVALID_TOKEN = {"message": "401: Unauthorized", "code": 0}
_CHANNEL_OPTION = 7
_SELECT = 3  # a string select's component type


@dataclass
class RestCall:
    method: str
    path: str
    body: Any
    at: float = field(default_factory=time.monotonic)


def _json(payload: Any, status: int = 200) -> web.Response:
    return web.Response(status=status, body=json.dumps(payload).encode(),
                        headers={"Content-Type": "application/json"})


class FakeDiscord:
    def __init__(self, *, recommended_shards: int = 1) -> None:
        self.recommended_shards = recommended_shards  # what GET /gateway/bot answers
        self.rejects_token = False
        self.rest_calls: list[RestCall] = []
        self.gateway_ops: list[dict[str, Any]] = []
        self.closed_by_client: list[int | None] = []  # close codes of sockets the bot closed
        self.registered: dict[str, list[dict[str, Any]]] = {}  # "global" or guild id → commands
        self.callback_failures: list[int] = []
        self.callback_delay = 0.0  # seconds: a slow Discord, to keep interactions in flight
        self.identified = asyncio.Event()
        self.resumed = asyncio.Event()
        self.changed = asyncio.Condition()
        self.messages: dict[str, dict[str, Any]] = {}  # message id → the message as it is now
        self.refused_edits: set[str] = set()  # message ids whose edits answer 403
        self.closed_channels: set[str] = set()  # channel ids the bot lost access to (403)
        self.gone_channels: set[str] = set()  # channel ids that answer 404 Unknown Channel
        self._interactions: dict[str, dict[str, Any]] = {}  # interaction token → interaction
        self._originals: dict[str, str] = {}  # interaction token → its response message id
        self._sockets: dict[int, web.WebSocketResponse] = {}  # shard id → socket
        self._sequence = itertools.count(1)
        self._ids = itertools.count(900_000_000_000)
        self.runner: web.AppRunner | None = None
        self.port = 0

    @property
    def api_base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{path:.*}", self._rest)
        self.runner, self.port = await serve_on_loopback(app)

    async def stop(self) -> None:
        for socket in list(self._sockets.values()):
            await socket.close()
        if self.runner:
            await self.runner.cleanup()

    # --- what tests look at ------------------------------------------------------------------

    def calls(self, method: str, path_part: str) -> list[RestCall]:
        return [c for c in self.rest_calls if c.method == method and path_part in c.path]

    def identified_shards(self) -> list[list[int]]:
        return [op["d"]["shard"] for op in self.gateway_ops if op["op"] == 2]

    @property
    def connected_shards(self) -> list[int]:
        return sorted(shard for shard, socket in self._sockets.items() if not socket.closed)

    async def wait_for(self, predicate: Callable[[], bool], within: float = 5.0) -> None:
        async def satisfied() -> None:
            async with self.changed:
                await self.changed.wait_for(predicate)
        await asyncio.wait_for(satisfied(), within)

    async def callback_for(self, interaction_id: str, within: float = 5.0) -> dict[str, Any]:
        """The bot's first answer to an interaction: POST /interactions/{id}/{token}/callback."""
        path = f"/interactions/{interaction_id}/"
        await self.wait_for(lambda: bool(self.calls("POST", path)), within)
        return dict(self.calls("POST", path)[0].body)

    async def webhook_calls_for(self, interaction: dict[str, Any], count: int,
                                within: float = 5.0) -> list[RestCall]:
        """What the bot did after acknowledging: edits, deletions and followups, in order."""
        path = f"/webhooks/{APPLICATION_ID}/{interaction['token']}"
        await self.wait_for(
            lambda: len([c for c in self.rest_calls if c.path.startswith(path)]) >= count,
            within)
        return [c for c in self.rest_calls if c.path.startswith(path)]

    def channel_edits(self, message_id: str) -> list[RestCall]:
        """The bot's edits of a message through the channel, in order."""
        return [c for c in self.rest_calls if c.method == "PATCH"
                and c.path.startswith("/channels/") and c.path.endswith(f"/{message_id}")]

    def replies_to(self, message_id: str) -> list[dict[str, Any]]:
        """Messages the bot posted in reply to a message."""
        return [m for m in self.messages.values()
                if (m.get("message_reference") or {}).get("message_id") == message_id]

    def delete_message(self, message_id: str) -> None:
        """A moderator deletes a message: editing it answers 404 Unknown Message."""
        self.messages.pop(message_id, None)

    # --- the gateway ---------------------------------------------------------------------------

    async def dispatch(self, event: str, data: dict[str, Any], *, shard: int | None = None
                       ) -> None:
        """Send a dispatch on a shard's socket (by default the lowest connected shard)."""
        connected = self.connected_shards
        assert connected, "the bot is not connected"
        if event == "INTERACTION_CREATE":
            self._interactions[data["token"]] = data
        socket = self._sockets[connected[0] if shard is None else shard]
        await socket.send_str(json.dumps(
            {"op": 0, "t": event, "s": next(self._sequence), "d": data}))

    async def drop_connection(self, shard: int = 0) -> None:
        """Close the socket with a resumable code, as Discord does when it moves a session."""
        self.resumed.clear()
        await self.close_connection(RESUMABLE_CLOSE, shard)

    async def close_connection(self, code: int, shard: int = 0) -> None:
        await self._sockets[shard].close(code=code, message=b"fake close")

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        await socket.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}))
        async for frame in socket:
            if frame.type is not WSMsgType.TEXT:
                continue
            payload = json.loads(frame.data)
            op = payload.get("op")
            if op == 1:
                await socket.send_str(json.dumps({"op": 11}))
            elif op == 2:
                shard = payload["d"].get("shard", [0, 1])
                self._sockets[shard[0]] = socket
                await self.dispatch("READY", self._ready(shard), shard=shard[0])
                self.identified.set()
            elif op == 6:
                shard_id = int(payload["d"]["session_id"].rsplit("-", 1)[1])
                self._sockets[shard_id] = socket
                await self.dispatch("RESUMED", {}, shard=shard_id)
                self.resumed.set()
            async with self.changed:
                self.gateway_ops.append(payload)
                self.changed.notify_all()
        if not self._closed_by_us(socket):
            async with self.changed:
                self.closed_by_client.append(socket.close_code)
                self.changed.notify_all()
        return socket

    @staticmethod
    def _closed_by_us(socket: web.WebSocketResponse) -> bool:
        return socket.close_code is not None and socket.close_code >= 4000

    def _ready(self, shard: list[int]) -> dict[str, Any]:
        return {
            "v": 10, "user": BOT_USER, "guilds": [], "session_id": f"fake-session-{shard[0]}",
            "resume_gateway_url": self.gateway_url, "shard": shard,
            "application": {"id": str(APPLICATION_ID), "flags": 0},
            "private_channels": [], "relationships": [],
        }

    # --- REST ----------------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["path"]
        body = await request.json() if request.can_read_body else None
        async with self.changed:
            self.rest_calls.append(RestCall(request.method, path, body))
            self.changed.notify_all()
        if self.rejects_token and not path.startswith(("/interactions/", "/webhooks/")):
            return _json(INVALID_TOKEN, status=401)
        if path == "/users/@me":
            return _json(BOT_USER)
        if path == "/oauth2/applications/@me":
            return _json({"id": str(APPLICATION_ID), "name": "factbot", "description": "",
                          "icon": None, "bot_public": True, "bot_require_code_grant": False,
                          "owner": USER, "verify_key": "0" * 64, "flags": 0,
                          "team": None, "interactions_endpoint_url": None})
        if path in ("/gateway", "/gateway/bot"):
            return _json({"url": self.gateway_url, "shards": self.recommended_shards,
                          "session_start_limit": {"total": 1000, "remaining": 1000,
                                                  "reset_after": 0, "max_concurrency": 1}})
        if path.startswith(f"/applications/{APPLICATION_ID}/") and path.endswith("/commands"):
            return self._commands(request.method, path, body)
        if path.startswith("/interactions/") and path.endswith("/callback"):
            if self.callback_failures:
                status = self.callback_failures.pop(0)
                return _json({"message": "fake failure", "code": 0}, status=status)
            await asyncio.sleep(self.callback_delay)
            return _json(self._callback_response(path.split("/")[2], path.split("/")[3],
                                                 body or {}))
        if path.startswith(f"/webhooks/{APPLICATION_ID}/"):
            return self._webhook(request.method, path, body or {})
        if path.startswith("/channels/"):
            return self._channel_messages(request.method, path, body or {})
        return _json({"message": f"fake: {request.method} {path} not implemented",
                      "code": 0}, status=400)

    def _callback_response(self, interaction_id: str, token: str, body: dict[str, Any]
                           ) -> dict[str, Any]:
        """What Discord answers to a callback `?with_response=true`: the interaction, and
        for a message (4) or a deferred message (5) the message created, as `resource`."""
        interaction = self._interactions.get(token, {})
        kind = body.get("type")
        data = body.get("data") or {}
        answer: dict[str, Any] = {"interaction": {
            "id": interaction_id, "type": interaction.get("type", 2),
            "response_message_loading": kind == 5,
            "response_message_ephemeral": bool(data.get("flags", 0) & EPHEMERAL)}}
        if kind in (4, 5):
            channel_id = interaction.get("channel_id", str(CHANNEL_ID))
            flags = data.get("flags", 0) | (LOADING if kind == 5 else 0)
            message = self._message(channel_id, {**data, "flags": flags},
                                    interaction_id=interaction_id)
            self._originals[token] = message["id"]
            answer["interaction"]["response_message_id"] = message["id"]
            answer["resource"] = {"type": kind, "message": message}
        return answer

    def _webhook(self, method: str, path: str, body: dict[str, Any]) -> web.Response:
        """Followups (POST), and the original response edited (PATCH) or deleted."""
        token = path.split("/")[3]
        interaction = self._interactions.get(token, {})
        channel_id = interaction.get("channel_id", str(CHANNEL_ID))
        original = self._originals.get(token)
        if path.endswith("/messages/@original"):
            if method == "DELETE":
                self.messages.pop(original or "", None)
                return web.Response(status=204)
            if original in self.messages:
                message = self.messages[original]
                message.update({key: body[key] for key in ("content", "embeds", "components")
                                if key in body})
                message["flags"] = message.get("flags", 0) & ~LOADING
                return _json(message)
        if method == "DELETE":
            return web.Response(status=204)
        return _json(self._message(channel_id, body))

    def _channel_messages(self, method: str, path: str, body: dict[str, Any]) -> web.Response:
        """POST /channels/{id}/messages, and PATCH /channels/{id}/messages/{id}."""
        parts = path.strip("/").split("/")
        channel_id = parts[1]
        if channel_id in self.gone_channels:
            return _json(UNKNOWN_CHANNEL, status=404)
        if channel_id in self.closed_channels:
            return _json(MISSING_ACCESS, status=403)
        if method == "POST" and len(parts) == 3:
            message = self._message(channel_id, body)
            reference = body.get("message_reference")
            if reference:
                message["message_reference"] = {
                    "type": 0, "message_id": str(reference["message_id"]),
                    "channel_id": str(reference.get("channel_id", channel_id))}
            return _json(message)
        if method == "PATCH" and len(parts) == 4:
            if parts[3] in self.refused_edits:
                return _json(CANNOT_EDIT, status=403)
            message = self.messages.get(parts[3])
            if message is None or message["channel_id"] != channel_id:
                return _json(UNKNOWN_MESSAGE, status=404)
            message.update({key: body[key] for key in ("content", "embeds", "components")
                            if key in body})
            message["edited_timestamp"] = "2026-01-02T00:00:00+00:00"
            return _json(message)
        return _json({"message": f"fake: {method} {path} not implemented", "code": 0},
                     status=400)

    def _commands(self, method: str, path: str, body: Any) -> web.Response:
        scope = path.split("/")[4] if "/guilds/" in path else "global"
        if method == "PUT":
            self.registered[scope] = [self._as_discord_keeps(c, scope) for c in body]
            return _json(self.registered[scope])
        return _json(self.registered.get(scope, []))

    def _as_discord_keeps(self, command: dict[str, Any], scope: str) -> dict[str, Any]:
        permissions = command.get("default_member_permissions")
        kept: dict[str, Any] = {
            "id": str(next(self._ids)), "application_id": str(APPLICATION_ID),
            "version": str(next(self._ids)), "type": command.get("type", 1),
            "name": command["name"], "name_localizations": None,
            "description": command.get("description", ""), "description_localizations": None,
            "default_member_permissions": None if permissions is None else str(permissions),
            "dm_permission": command.get("dm_permission", True),
            "contexts": command.get("contexts"),
            "integration_types": command.get("integration_types") or [0],
            "nsfw": bool(command.get("nsfw")),
        }
        if scope != "global":
            kept.update(guild_id=scope, contexts=None)
        if command.get("options"):
            kept["options"] = [_option_as_discord_keeps(o) for o in command["options"]]
        return kept

    def _message(self, channel_id: str, body: dict[str, Any], *,
                 interaction_id: str | None = None) -> dict[str, Any]:
        """A message the bot posted, as Discord returns it; kept for later edits."""
        message: dict[str, Any] = {
            "id": str(next(self._ids)), "channel_id": channel_id, "author": BOT_USER,
            "content": body.get("content", ""), "embeds": body.get("embeds", []),
            "timestamp": "2026-01-01T00:00:00+00:00", "edited_timestamp": None,
            "tts": False, "mention_everyone": False, "mentions": [], "mention_roles": [],
            "attachments": [], "pinned": False, "type": 0 if interaction_id is None else 20,
            "flags": body.get("flags", 0), "components": body.get("components", [])}
        if interaction_id is not None:
            message["interaction_metadata"] = {"id": interaction_id, "type": 2,
                                               "user": USER, "authorizing_integration_owners": {}}
        self.messages[message["id"]] = message
        return message


def user_reply(content: str, replied: dict[str, Any], *, guild: bool = True) -> dict[str, Any]:
    """A MESSAGE_CREATE payload: a reporter replying to one of the bot's messages, which
    (by Discord's default) mentions the bot, so its text arrives without privileged intents."""
    message: dict[str, Any] = {
        "id": str(next(_user_message_ids)), "channel_id": replied["channel_id"],
        "author": USER, "content": content, "timestamp": "2026-01-01T00:00:00+00:00",
        "edited_timestamp": None, "tts": False, "mention_everyone": False,
        "mentions": [BOT_USER], "mention_roles": [], "attachments": [], "embeds": [],
        "pinned": False, "type": 19, "flags": 0, "components": [],
        "message_reference": {"message_id": replied["id"], "channel_id": replied["channel_id"]},
        "referenced_message": replied}
    if guild:
        message["guild_id"] = str(GUILD_ID)
        message["message_reference"]["guild_id"] = str(GUILD_ID)
        message["member"] = {"roles": [], "joined_at": "2025-01-01T00:00:00+00:00",
                             "deaf": False, "mute": False, "flags": 0}
    return message


_user_message_ids = itertools.count(700_000_000_000)


def _option_as_discord_keeps(option: dict[str, Any]) -> dict[str, Any]:
    kept = {key: value for key, value in option.items()
            if value is not None and not (key in ("required", "autocomplete") and not value)}
    if "options" in kept:
        kept["options"] = [_option_as_discord_keeps(o) for o in kept["options"]]
    return kept


# --- building interactions, as Discord sends them ---------------------------------------------

_interaction_ids = itertools.count(700_000_000_000)


def _base(kind: int, data: dict[str, Any], *, guild: bool, permissions: int) -> dict[str, Any]:
    interaction: dict[str, Any] = {
        "id": str(next(_interaction_ids)), "application_id": str(APPLICATION_ID), "type": kind,
        "token": f"interaction-token-{next(_interaction_ids)}", "version": 1, "data": data,
        "locale": "en-US", "attachment_size_limit": 8 * 1024 * 1024, "entitlements": [],
        "authorizing_integration_owners": {}, "app_permissions": str(1 << 11),
    }
    if guild:
        interaction.update(
            guild_id=str(GUILD_ID), guild_locale="en-US", context=0,
            channel_id=str(CHANNEL_ID),
            channel={"id": str(CHANNEL_ID), "type": 0, "guild_id": str(GUILD_ID),
                     "name": "newsroom", "position": 0, "permission_overwrites": []},
            member={"user": USER, "roles": [], "permissions": str(permissions),
                    "joined_at": "2025-01-01T00:00:00+00:00", "deaf": False, "mute": False,
                    "flags": 0})
    else:
        interaction.update(
            context=1, channel_id=str(DM_CHANNEL_ID), user=USER,
            channel={"id": str(DM_CHANNEL_ID), "type": 1, "recipients": [USER]})
    return interaction


def _resolved_channels(options: list[dict[str, Any]]) -> dict[str, Any]:
    """Discord sends every channel named in the options along, as `resolved` data."""
    return {
        str(o["value"]): {"id": str(o["value"]), "name": f"channel-{o['value']}", "type": 0,
                          "permissions": str((1 << 11) | (1 << 10))}
        for o in options if o["type"] == _CHANNEL_OPTION
    }


def slash_command(name: str, options: list[dict[str, Any]] | None = None, *,
                  guild: bool = True, permissions: int = 0,
                  subcommand: str | None = None) -> dict[str, Any]:
    options = options or []
    channels = _resolved_channels(options)
    if subcommand:
        options = [{"name": subcommand, "type": 1, "options": options}]
    data: dict[str, Any] = {"id": str(next(_interaction_ids)), "name": name, "type": 1,
                            "options": options}
    if channels:
        data["resolved"] = {"channels": channels}
    if guild:
        data["guild_id"] = str(GUILD_ID)
    return _base(2, data, guild=guild, permissions=permissions)


def option(name: str, value: Any, kind: int = 3, *, focused: bool = False) -> dict[str, Any]:
    entry = {"name": name, "type": kind, "value": value}
    if focused:
        entry["focused"] = True
    return entry


def channel_option(name: str, channel_id: int) -> dict[str, Any]:
    return option(name, str(channel_id), _CHANNEL_OPTION)


def autocomplete(name: str, focused_option: str, typed: str, *,
                 subcommand: str | None = None) -> dict[str, Any]:
    options = [option(focused_option, typed, focused=True)]
    if subcommand:
        options = [{"name": subcommand, "type": 1, "options": options}]
    data = {"id": str(next(_interaction_ids)), "name": name, "type": 1, "options": options}
    return _base(4, data, guild=True, permissions=MANAGE_GUILD)


def button_press(custom_id: str, components: list[dict[str, Any]], *, guild: bool = True,
                 flags: int = 0, message_id: str | None = None) -> dict[str, Any]:
    """A press on a button of a message the bot sent with `components` (the message's id
    when known: discord.py finds a view that is not persistent by it)."""
    interaction = _base(3, {"custom_id": custom_id, "component_type": 2}, guild=guild,
                        permissions=0)
    interaction["message"] = {
        "id": message_id or str(next(_interaction_ids)), "channel_id": str(CHANNEL_ID),
        "author": BOT_USER, "content": "", "embeds": [], "timestamp": "2026-01-01T00:00:00+00:00",
        "edited_timestamp": None, "tts": False, "mention_everyone": False, "mentions": [],
        "mention_roles": [], "attachments": [], "pinned": False, "type": 0, "flags": flags,
        "components": components}
    return interaction


def modal_submit(modal: dict[str, Any], filled: dict[str, str | list[str]], *,
                 guild: bool = True) -> dict[str, Any]:
    """The form the bot opened (its callback's `data`, type 9) sent back as Discord sends a
    MODAL_SUBMIT (interaction type 5): every field with what `filled` gives its custom id,
    else what the bot filled in (a text's default, a select's default options)."""
    components = []
    for label in modal["components"]:
        field = label["component"]
        custom_id = field["custom_id"]
        if field["type"] == _SELECT:
            default = [o["value"] for o in field["options"] if o.get("default")]
            values = filled.get(custom_id, default)
            submitted = {"type": _SELECT, "custom_id": custom_id,
                         "values": [values] if isinstance(values, str) else list(values)}
        else:
            submitted = {"type": field["type"], "custom_id": custom_id,
                         "value": filled.get(custom_id, field.get("value") or "")}
        components.append({"type": label["type"], "id": label.get("id", 0),
                           "component": submitted})
    return _base(5, {"custom_id": modal["custom_id"], "components": components},
                 guild=guild, permissions=0)


def by(interaction: dict[str, Any], user_id: str, *, roles: tuple[str, ...] = ()
       ) -> dict[str, Any]:
    """The same interaction from someone else: in a server, a member with these role ids."""
    user = {**USER, "id": user_id, "username": f"user-{user_id}"}
    if "member" in interaction:
        interaction["member"] = {**interaction["member"], "user": user, "roles": list(roles)}
    else:
        interaction["user"] = user
    return interaction
