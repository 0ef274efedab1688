"""Daily digest subscriptions: what a chat asked for, stored, and the words to change it.

A subscription belongs to a chat (Telegram chat, Discord channel), never to a person:
`created_by` records who switched it on, for the audit trail only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import time
from functools import lru_cache
from zoneinfo import available_timezones

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import texts
from bot.errors import UserError
from bot.layout import shorten
from db.database import Database
from db.models import Subscription
from db.types import utcnow

# Words after `/digest on HH:MM [Area/City]` that switch options on.
DIGEST_OPTION_WORDS = {"unanswered": "include_unanswered", "quiet": "skip_empty"}
_HH_MM = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$", re.ASCII)


@dataclass(frozen=True, slots=True)
class DigestSubscription:
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
        extras = [text for flag, text in ((self.include_unanswered, "with unanswered questions"),
                                          (self.skip_empty, "none on quiet days")) if flag]
        details = f"; {', '.join(extras)}" if extras else ""
        return (f"Daily digest {state}: every day at {self.local_time:%H:%M} "
                f"({self.timezone}){details}.")


@dataclass(frozen=True, slots=True)
class DigestRequest:
    """What someone asked of a chat's digest, as typed: validated by `SubscriptionStore`."""

    action: str  # "on" | "off" | "status"
    local_time: str = ""
    timezone: str = "UTC"
    include_unanswered: bool = False
    skip_empty: bool = False


class DigestCommandError(UserError):
    """A /digest command that cannot be understood; str() is the message for the user."""

    exit_code = 2


def _echo(value: str) -> str:
    return repr(shorten(" ".join(value.split()), texts.ECHO_CHARS))


@lru_cache(maxsize=1)
def _zone_names() -> dict[str, str]:
    return {name.casefold(): name for name in available_timezones()}


def canonical_timezone(name: str) -> str:
    """The IANA spelling of `name` (case-insensitive), or `DigestCommandError`."""
    canonical = _zone_names().get(name.strip().casefold())
    if canonical is None:
        raise DigestCommandError(texts.UNKNOWN_TIMEZONE.format(name=_echo(name)))
    return canonical


def timezone_choices(typed: str, limit: int) -> list[str]:
    """Zones containing what was typed (spaces read as underscores), prefixes first."""
    wanted = "_".join(typed.split()).casefold()
    zones = sorted(name for key, name in _zone_names().items() if wanted in key)
    zones.sort(key=lambda zone: not zone.casefold().startswith(wanted))
    return zones[:limit]


def parse_local_time(value: str) -> time:
    match = _HH_MM.match(value.strip())
    if not match:
        raise DigestCommandError(texts.NOT_A_TIME.format(value=_echo(value)))
    return time(int(match.group(1)), int(match.group(2)))


def parse_digest_words(args: Sequence[str]) -> DigestRequest:
    """Understand `/digest on HH:MM [Area/City] [unanswered] [quiet]`, `off`, `status`."""
    words = [a for a in args if a.strip()]
    action = words[0].casefold() if words else "status"
    if action == "status" and len(words) <= 1:
        return DigestRequest("status")
    if action == "off" and len(words) == 1:
        return DigestRequest("off")
    if action == "on" and len(words) >= 2:
        rest = words[2:]
        options = {DIGEST_OPTION_WORDS[w.casefold()]: True for w in rest
                   if w.casefold() in DIGEST_OPTION_WORDS}
        zones = [w for w in rest if w.casefold() not in DIGEST_OPTION_WORDS]
        if len(zones) > 1:
            raise DigestCommandError(texts.DIGEST_USAGE)
        return DigestRequest("on", words[1], zones[0] if zones else "UTC", **options)
    raise DigestCommandError(texts.DIGEST_USAGE)


def subscription_of(row: Subscription) -> DigestSubscription:
    return DigestSubscription(
        platform=row.platform, chat_id=row.chat_id, local_time=row.local_time,
        timezone=row.timezone, enabled=row.enabled, include_unanswered=row.include_unanswered,
        skip_empty=row.skip_empty, created_by=row.created_by, guild_id=row.guild_id,
    )


def _row(session: Session, platform: str, chat_id: str) -> Subscription | None:
    return session.scalar(select(Subscription).where(
        Subscription.platform == platform, Subscription.chat_id == chat_id))


class SubscriptionStore:
    """Subscriptions in the database, shared by every instance."""

    def __init__(self, database: Database):
        self.database = database

    def subscribe(self, *, platform: str, chat_id: str, local_time: time, timezone: str,
                  created_by: str | None, guild_id: str | None = None,
                  include_unanswered: bool = False, skip_empty: bool = False
                  ) -> DigestSubscription:
        zone = canonical_timezone(timezone)
        now = utcnow()
        with self.database.session() as session:
            row = _row(session, platform, chat_id)
            if row is None:
                row = Subscription(platform=platform, chat_id=chat_id, created_at=now,
                                   highlighted=[])
                session.add(row)
            row.guild_id = guild_id
            row.local_time = local_time
            row.timezone = zone
            row.include_unanswered = include_unanswered
            row.skip_empty = skip_empty
            row.created_by = created_by
            row.enabled = True
            row.disabled_reason = None
            row.updated_at = now
            session.flush()
            return subscription_of(row)

    def unsubscribe(self, platform: str, chat_id: str) -> bool:
        with self.database.session() as session:
            row = _row(session, platform, chat_id)
            if row is None or not row.enabled:
                return False
            row.enabled = False
            row.disabled_reason = "turned off by a user"
            row.updated_at = utcnow()
            return True

    def get(self, platform: str, chat_id: str) -> DigestSubscription | None:
        with self.database.session() as session:
            row = _row(session, platform, chat_id)
            return subscription_of(row) if row else None
