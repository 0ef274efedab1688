"""Pointing discord.py at a REST proxy and a gateway proxy.

discord.py has no per-client base URL: every REST route (interaction callbacks and
followups included) is built from the class attribute `discord.http.Route.BASE`, and the
gateway from `DiscordWebSocket.DEFAULT_GATEWAY` (also where a shard falls back to after
an invalidated session). So the endpoints are process-wide: the first client to start
sets them, the last to stop restores discord.py's defaults, and a second client asking
for different endpoints in the same process is refused rather than silently re-routed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import INTERNAL_API_VERSION, Route

_API_VERSION_SUFFIX = re.compile(r"/api/v\d+/?$")


class EndpointConflict(RuntimeError):
    """Another Discord client in this process already uses other endpoints."""


@dataclass(frozen=True, slots=True)
class DiscordEndpoints:
    rest_base: str  # what `Route.BASE` becomes: ".../api/v10"
    gateway: yarl.URL

    @classmethod
    def configured(cls, api_base_url: str, gateway_url: str) -> DiscordEndpoints:
        """The settings' endpoints; empty settings keep discord.py's (Discord's own)."""
        defaults = _ProcessEndpoints.defaults or cls.current()
        rest_base = defaults.rest_base
        if api_base_url:
            base = api_base_url.rstrip("/")
            rest_base = (base if _API_VERSION_SUFFIX.search(base)
                         else f"{base}/api/v{INTERNAL_API_VERSION}")
        gateway = yarl.URL(gateway_url) if gateway_url else defaults.gateway
        return cls(rest_base, gateway)

    @classmethod
    def current(cls) -> DiscordEndpoints:
        return cls(Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)

    def install(self) -> None:
        Route.BASE = self.rest_base
        DiscordWebSocket.DEFAULT_GATEWAY = self.gateway


class _ProcessEndpoints:
    """Reference-counted use of discord.py's process-wide endpoints."""

    defaults: DiscordEndpoints | None = None
    in_use: DiscordEndpoints | None = None
    users = 0

    @classmethod
    def acquire(cls, wanted: DiscordEndpoints) -> None:
        if cls.users and wanted != cls.in_use:
            raise EndpointConflict(
                "another Discord client in this process uses other API/gateway endpoints")
        if not cls.users:
            cls.defaults = DiscordEndpoints.current()
            cls.in_use = wanted
            wanted.install()
        cls.users += 1

    @classmethod
    def release(cls) -> None:
        if not cls.users:
            return
        cls.users -= 1
        if not cls.users and cls.defaults is not None:
            cls.defaults.install()
            cls.defaults = cls.in_use = None


def use_endpoints(endpoints: DiscordEndpoints) -> None:
    """Route discord.py's REST and gateway traffic to `endpoints` until `release_endpoints`."""
    _ProcessEndpoints.acquire(endpoints)


def release_endpoints() -> None:
    _ProcessEndpoints.release()
