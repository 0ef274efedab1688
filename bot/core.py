"""The core every front end talks to: `FactBot`.

Synchronous by design (SQLAlchemy sessions, in-memory matcher). Async adapters
call the methods that touch the database through `asyncio.to_thread`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time


@dataclass(frozen=True, slots=True)
class SubscriptionView:
    platform: str  # "telegram" | "discord"
    chat_id: str  # Telegram chat id / Discord channel id, as text
    local_time: time
    timezone: str  # IANA name
    enabled: bool
    include_unanswered: bool = False
    skip_empty: bool = False
    created_by: str | None = None
    guild_id: str | None = None

    def describe(self) -> str:
        state = "on" if self.enabled else "off"
        return f"Daily digest {state}: every day at {self.local_time:%H:%M} ({self.timezone})."


@dataclass(frozen=True, slots=True)
class DigestCommand:
    action: str  # "on" | "off" | "status"
    local_time: time | None = None
    timezone: str = "UTC"


class DigestCommandError(ValueError):
    """A /digest command that cannot be understood; str() is the message for the user."""
