"""The contract between the core and the platform front ends, and the errors they share.

The core (the digest scheduler) talks to a platform only through `DigestSender`; the
runner starts and stops every platform through `Frontend`. Both are checked protocols, so
an adapter that forgets a method fails at start-up rather than at the first digest.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from bot.digest.content import Digest
from bot.subscriptions import DigestSubscription


class FrontendStartError(Exception):
    """A platform refused to start the adapter (a rejected token, an unreachable server).

    The message names the setting to check and never contains the token itself."""


class ChatUnavailable(Exception):
    """The platform says the chat is gone or blocks the bot (Telegram 403, Discord 403/404)."""


@runtime_checkable
class DigestSender(Protocol):
    """Render a digest for one platform and post it."""

    name: str

    async def send_digest(self, subscription: DigestSubscription, digest: Digest) -> Digest:
        """Post `digest`; return what the message held (the digest as the renderer cut it
        to fit), which is what is recorded as sent. Raise `ChatUnavailable` when the chat
        is gone for good."""


@runtime_checkable
class Frontend(DigestSender, Protocol):
    """A platform adapter, started and stopped by `adapters.runner`.

    `start()` returns once the adapter is connected and serving (it does not block for
    the life of the bot); `stop()` stops taking new work, finishes what it accepted and
    disconnects. `failure` is set when the platform ended the connection for good (a
    revoked token, a fatal gateway close): the runner then exits for a supervisor.
    """

    async def start(self) -> None: ...

    async def stop(self, drain_seconds: float) -> int:
        """Stop; return how many accepted updates or interactions were left unanswered."""

    @property
    def failure(self) -> str | None: ...
