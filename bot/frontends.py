"""The contract between the core and the platform front ends, and the errors they share.

The core talks to a platform only through `DigestSender` (the digest scheduler) and
`Corrector` (the corrections worker); the runner starts and stops every platform through
`Frontend`. All are checked protocols, so an adapter that forgets a method fails at
start-up rather than at the first digest or correction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from bot.digest.content import Digest
from bot.subscriptions import DigestSubscription

if TYPE_CHECKING:
    from bot.corrections import CorrectedAnswer, PostedMessage


class FrontendStartError(Exception):
    """A platform refused to start the adapter (a rejected token, an unreachable server).

    The message names the setting to check and never contains the token itself."""


class ChatUnavailable(Exception):
    """The platform says the chat is gone or blocks the bot (Telegram 403, Discord 403/404)."""


class EditRefused(Exception):
    """The platform no longer lets the bot edit this message (Telegram's "message can't be
    edited", Discord's 403): the correction goes as a reply to it instead."""


class MessageGone(Exception):
    """The message was deleted: nothing shows the old answer any more, so nothing is sent."""


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most `count` messages in any `seconds`."""

    count: int
    seconds: float


@dataclass(frozen=True, slots=True)
class CorrectionPace:
    """How fast a platform lets the bot edit and post: overall, and in any one chat."""

    overall: RateLimit
    per_chat: RateLimit


@runtime_checkable
class DigestSender(Protocol):
    """Render a digest for one platform and post it."""

    name: str

    async def send_digest(self, subscription: DigestSubscription, digest: Digest) -> Digest:
        """Post `digest`; return what the message held (the digest as the renderer cut it
        to fit), which is what is recorded as sent. Raise `ChatUnavailable` when the chat
        is gone for good."""


@runtime_checkable
class Corrector(Protocol):
    """Bring an earlier answer message up to date after its fact changed.

    The core decides what to do: edit in place, and reply only when the edit is refused.
    Both raise `ChatUnavailable` when the chat is gone or closed to the bot; `edit_answer`
    raises `EditRefused` when the platform no longer allows the edit and `MessageGone`
    when the message was deleted.
    """

    name: str
    correction_pace: CorrectionPace

    async def edit_answer(self, message: PostedMessage, correction: CorrectedAnswer) -> None:
        """Rewrite `message` to show the corrections and the answer as it now stands."""

    async def reply_to_answer(self, message: PostedMessage, correction: CorrectedAnswer
                              ) -> None:
        """Post the new corrections and the answer as a reply to `message`."""


@runtime_checkable
class Frontend(DigestSender, Corrector, Protocol):
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
