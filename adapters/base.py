"""What the runner needs from every platform adapter."""

from __future__ import annotations

from typing import Protocol

from bot.core import SubscriptionView
from bot.digest.content import Digest


class FrontendStartError(Exception):
    """A platform refused to start the adapter (a rejected token, an unreachable server).

    The message names the setting to check and never contains the token itself."""


class Frontend(Protocol):
    """A platform adapter, started and stopped by `adapters.runner`.

    `start()` returns once the adapter is connected and serving (it does not block
    for the life of the bot); `stop()` disconnects cleanly and returns within seconds.
    """

    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def send_digest(self, subscription: SubscriptionView, digest: Digest) -> Digest:
        """Post a digest and return what the message held (the digest as the renderer cut
        it to fit); raise `bot.digest.scheduler.ChatUnavailable` if the chat is gone."""
