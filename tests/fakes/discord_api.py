"""A small fake Discord for tests: REST under /api/v10 and a websocket gateway.

The real discord.py connects to it: HELLO (op 10), heartbeats answered (op 1 → op 11),
IDENTIFY (op 2) answered with READY, RESUME (op 6) with RESUMED; tests then dispatch
INTERACTION_CREATE events and read what the bot posted to the interaction callback.
REST replies carry `Content-Type: application/json` exactly: discord.py decodes JSON
only then (aiohttp's `json_response` would add a charset).
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
USER = {"id": "4242", "username": "reporter", "discriminator": "0", "global_name": "Reporter",
        "avatar": None}
MANAGE_GUILD = 1 << 5
EVERYONE = "@everyone"


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
    def __init__(self) -> None:
        self.rest_calls: list[RestCall] = []
        self.gateway_ops: list[dict[str, Any]] = []
        self.registered: dict[str, list[dict[str, Any]]] = {}  # "global" or guild id → commands
        self.callback_failures: list[int] = []
        self.identified = asyncio.Event()
        self.resumed = asyncio.Event()
        self.changed = asyncio.Condition()
        self._socket: web.WebSocketResponse | None = None
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
        if self._socket is not None:
            await self._socket.close()
        if self.runner:
            await self.runner.cleanup()

    # --- what tests look at ------------------------------------------------------------------

    def calls(self, method: str, path_part: str) -> list[RestCall]:
        return [c for c in self.rest_calls if c.method == method and path_part in c.path]

    async def wait_for(self, predicate: Callable[[], bool], within: float = 5.0) -> None:
        async def satisfied() -> None:
            async with self.changed:
                await self.changed.wait_for(predicate)
        await asyncio.wait_for(satisfied(), within)

    async def callback_for(self, interaction_id: str, within: float = 5.0) -> dict[str, Any]:
        path = f"/interactions/{interaction_id}/"
        await self.wait_for(lambda: bool(self.calls("POST", path)), within)
        return dict(self.calls("POST", path)[0].body)

    # --- the gateway ---------------------------------------------------------------------------

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        assert self._socket is not None, "the bot is not connected"
        await self._socket.send_str(json.dumps(
            {"op": 0, "t": event, "s": next(self._sequence), "d": data}))

    async def drop_connection(self) -> None:
        """Close the socket with a resumable code, as Discord does when it moves a session."""
        assert self._socket is not None
        self.resumed.clear()
        await self._socket.close(code=4000, message=b"fake reconnect")

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._socket = socket
        await socket.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}))
        async for frame in socket:
            if frame.type is not WSMsgType.TEXT:
                continue
            payload = json.loads(frame.data)
            async with self.changed:
                self.gateway_ops.append(payload)
                self.changed.notify_all()
            op = payload.get("op")
            if op == 1:
                await socket.send_str(json.dumps({"op": 11}))
            elif op == 2:
                await self.dispatch("READY", self._ready(payload["d"]))
                self.identified.set()
            elif op == 6:
                await self.dispatch("RESUMED", {})
                self.resumed.set()
        return socket

    def _ready(self, identify: dict[str, Any]) -> dict[str, Any]:
        return {
            "v": 10, "user": BOT_USER, "guilds": [], "session_id": "fake-session",
            "resume_gateway_url": self.gateway_url, "shard": identify.get("shard", [0, 1]),
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
        if path == "/users/@me":
            return _json(BOT_USER)
        if path == "/oauth2/applications/@me":
            return _json({"id": str(APPLICATION_ID), "name": "factbot", "description": "",
                          "icon": None, "bot_public": True, "bot_require_code_grant": False,
                          "owner": USER, "verify_key": "0" * 64, "flags": 0,
                          "team": None, "interactions_endpoint_url": None})
        if path in ("/gateway", "/gateway/bot"):
            return _json({"url": self.gateway_url, "shards": 1, "session_start_limit": {
                "total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}})
        if path.startswith(f"/applications/{APPLICATION_ID}/") and path.endswith("/commands"):
            return self._commands(request.method, path, body)
        if path.startswith("/interactions/") and path.endswith("/callback"):
            if self.callback_failures:
                status = self.callback_failures.pop(0)
                return _json({"message": "fake failure", "code": 0}, status=status)
            interaction_id = path.split("/")[2]
            return _json({"interaction": {"id": interaction_id, "type": 2}})
        if path.startswith("/channels/") and path.endswith("/messages"):
            return _json(self._message(path.split("/")[2], body or {}))
        return _json({"message": f"fake: {request.method} {path} not implemented",
                      "code": 0}, status=400)

    def _commands(self, method: str, path: str, body: Any) -> web.Response:
        scope = path.split("/")[4] if "/guilds/" in path else "global"
        if method == "PUT":
            stored = []
            for command in body:
                stored.append({**command, "id": str(next(self._ids)),
                               "application_id": str(APPLICATION_ID), "version": "1",
                               **({"guild_id": scope} if scope != "global" else {})})
            self.registered[scope] = stored
            return _json(stored)
        return _json(self.registered.get(scope, []))

    def _message(self, channel_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return {"id": str(next(self._ids)), "channel_id": channel_id, "author": BOT_USER,
                "content": body.get("content", ""), "embeds": body.get("embeds", []),
                "timestamp": "2026-01-01T00:00:00+00:00", "edited_timestamp": None,
                "tts": False, "mention_everyone": False, "mentions": [], "mention_roles": [],
                "attachments": [], "pinned": False, "type": 0, "flags": 0}


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


def slash_command(name: str, options: list[dict[str, Any]] | None = None, *,
                  guild: bool = True, permissions: int = 0,
                  subcommand: str | None = None) -> dict[str, Any]:
    options = options or []
    if subcommand:
        options = [{"name": subcommand, "type": 1, "options": options}]
    data = {"id": str(next(_interaction_ids)), "name": name, "type": 1, "options": options}
    if guild:
        data["guild_id"] = str(GUILD_ID)
    return _base(2, data, guild=guild, permissions=permissions)


def option(name: str, value: Any, kind: int = 3, *, focused: bool = False) -> dict[str, Any]:
    entry = {"name": name, "type": kind, "value": value}
    if focused:
        entry["focused"] = True
    return entry


def autocomplete(name: str, focused_option: str, typed: str) -> dict[str, Any]:
    data = {"id": str(next(_interaction_ids)), "name": name, "type": 1,
            "options": [option(focused_option, typed, focused=True)]}
    return _base(4, data, guild=True, permissions=0)


def button_press(custom_id: str, components: list[dict[str, Any]], *, guild: bool = True
                 ) -> dict[str, Any]:
    """A press on a button of a message the bot sent with `components`."""
    interaction = _base(3, {"custom_id": custom_id, "component_type": 2}, guild=guild,
                        permissions=0)
    interaction["message"] = {
        "id": str(next(_interaction_ids)), "channel_id": str(CHANNEL_ID), "author": BOT_USER,
        "content": "", "embeds": [], "timestamp": "2026-01-01T00:00:00+00:00",
        "edited_timestamp": None, "tts": False, "mention_everyone": False, "mentions": [],
        "mention_roles": [], "attachments": [], "pinned": False, "type": 0, "flags": 0,
        "components": components}
    return interaction
