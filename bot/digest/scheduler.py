"""Sending each subscription's digest once per local day, from any number of instances.

The database is the only source of truth. Every instance runs its own in-process
APScheduler job that ticks and asks the database what is due; APScheduler's job store
is never shared (two schedulers on one store both fire, and the loser of the race to
remove a job dies of `JobLookupError`).

Claim, then send: a digest is claimed by inserting (subscription, local date) into
`digest_deliveries` under a unique constraint; only the instance whose insert committed
sends. A claim carries a lease (`next_attempt_at`): while it runs nobody else touches the
row; when it runs out — the claimer crashed, or a send failed and is due for a retry —
any instance may take the row over with a compare-and-set update, so exactly one does.
Attempts are bounded, then the row is marked failed.

Delivery is therefore at most once per attempt and exactly once unless a process dies in
the instant after the platform accepted a message and before `sent` was recorded: that
cannot be told apart from dying before the send, and the digest is sent again after the
lease (at-least-once in that window, never silently lost).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import CursorResult, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.core import FactBot
from bot.digest.content import (
    Digest,
    anniversaries,
    fact_updates,
    next_highlight,
    unanswered_questions,
)
from bot.frontends import ChatUnavailable, DigestSender
from bot.subscriptions import DigestSubscription, subscription_of
from db.models import DigestDelivery, Subscription
from db.types import utcnow

log = logging.getLogger(__name__)

CLAIMED, SENT, FAILED, SKIPPED = "claimed", "sent", "failed", "skipped"
LEASE = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class DeliveryClaim:
    delivery_id: int
    subscription_id: int
    subscription: DigestSubscription
    local_date: date
    attempt: int


@dataclass
class TickReport:
    sent: int = 0
    failed: int = 0
    retrying: int = 0
    skipped: int = 0


def scheduled_instant(local_date: date, local_time: time, zone: ZoneInfo) -> datetime:
    """When a local time happens on a local date, in UTC.

    On a spring-forward day a time inside the gap (02:30) resolves, with fold=0, to the
    same distance past the gap's start (03:30): it still happens, once. On a fall-back
    day an ambiguous time takes its first occurrence. Either way one instant per date.
    """
    return datetime.combine(local_date, local_time, tzinfo=zone).astimezone(ZoneInfo("UTC"))


def default_instance_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class DigestScheduler:
    def __init__(self, core: FactBot, senders: Mapping[str, DigestSender], *,
                 clock: Callable[[], datetime] = utcnow, instance_id: str | None = None):
        self.core = core
        self.senders = dict(senders)
        self.clock = clock
        self.instance_id = instance_id or core.settings.instance_id or default_instance_id()
        self._grace = timedelta(hours=core.settings.digest_grace_hours)
        self._max_attempts = core.settings.digest_max_attempts
        self._retry_base = timedelta(seconds=core.settings.digest_retry_base_seconds)
        self._scheduler: AsyncIOScheduler | None = None
        self._tick_lock = asyncio.Lock()

    # --- running in the background -------------------------------------------------------

    def start(self) -> None:
        """Tick now (to catch digests missed while down) and then every DIGEST_TICK_SECONDS."""
        scheduler = AsyncIOScheduler(timezone="UTC")
        scheduler.add_job(self._safe_tick, "interval",
                          seconds=self.core.settings.digest_tick_seconds,
                          next_run_time=self.clock(), max_instances=1, coalesce=True,
                          id="digest-tick", misfire_grace_time=None)
        scheduler.start()
        self._scheduler = scheduler

    async def shutdown(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        async with self._tick_lock:  # let a running tick finish its bookkeeping
            pass

    async def _safe_tick(self) -> None:
        try:
            await self.tick()
        except Exception:
            log.exception("digest tick failed; the next tick will try again")

    # --- one pass --------------------------------------------------------------------------

    async def tick(self) -> TickReport:
        async with self._tick_lock:
            now = self.clock()
            report = TickReport()
            claims = await asyncio.to_thread(self._claim_due, now, report)
            for claim in claims:
                await self._deliver(claim, now, report)
            return report

    def _claim_due(self, now: datetime, report: TickReport) -> list[DeliveryClaim]:
        claims: list[DeliveryClaim] = []
        with self.core.database.session() as session:
            subscriptions = session.scalars(
                select(Subscription).where(Subscription.enabled.is_(True))).all()
            due: list[tuple[Subscription, date, datetime]] = []
            for row in subscriptions:
                if row.platform not in self.senders:
                    continue
                zone = ZoneInfo(row.timezone)
                today = now.astimezone(zone).date()
                for local_date in (today - timedelta(days=1), today):
                    at = scheduled_instant(local_date, row.local_time, zone)
                    if at <= now and at >= row.created_at - timedelta(seconds=1):
                        due.append((row, local_date, at))
            known = {
                (sub_id, day) for sub_id, day in session.execute(
                    select(DigestDelivery.subscription_id, DigestDelivery.local_date)
                    .where(DigestDelivery.subscription_id.in_([r.id for r, _, _ in due]))
                ).all()
            } if due else set()
            views = {row.id: subscription_of(row) for row, _, _ in due}
        wanted = [(row.id, local_date, now - at > self._grace) for row, local_date, at in due
                  if (row.id, local_date) not in known]
        for delivery_id, row_id, local_date, late in self._insert_claims(wanted, now):
            if late:
                report.skipped += 1
                log.info("digest for subscription %s on %s skipped: beyond the grace window",
                         row_id, local_date)
            else:
                claims.append(DeliveryClaim(delivery_id, row_id, views[row_id], local_date, 1))
        claims.extend(self._take_over_due_retries(now))
        return claims

    def _insert_claims(self, wanted: list[tuple[int, date, bool]], now: datetime
                       ) -> list[tuple[int, int, date, bool]]:
        """Insert (subscription, day) rows in one statement; return the rows this instance won
        as (delivery id, subscription id, local date, late).

        Rows another instance inserted first are skipped by ON CONFLICT DO NOTHING, so the
        unique constraint decides who sends, without an error per lost race.
        """
        if not wanted:
            return []
        rows = [{
            "subscription_id": row_id, "local_date": local_date,
            "status": SKIPPED if late else CLAIMED, "claimed_by": self.instance_id,
            "claimed_at": now, "attempts": 0 if late else 1,
            "next_attempt_at": None if late else now + LEASE,
            "finished_at": now if late else None,
            "error": "missed: beyond the grace window" if late else None,
        } for row_id, local_date, late in wanted]
        with self.core.database.session() as session:
            dialect = session.get_bind().dialect.name
            insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
            statement = (insert(DigestDelivery).values(rows)
                         .on_conflict_do_nothing(index_elements=["subscription_id",
                                                                 "local_date"])
                         .returning(DigestDelivery.id, DigestDelivery.subscription_id,
                                    DigestDelivery.local_date))
            won = session.execute(statement).all()
        lateness = {(row_id, local_date): late for row_id, local_date, late in wanted}
        return [(delivery, sub, day, lateness[(sub, day)]) for delivery, sub, day in won]

    def _take_over_due_retries(self, now: datetime) -> list[DeliveryClaim]:
        """Rows whose lease ran out (a crash, or a failed send now due again): take them over."""
        taken: list[DeliveryClaim] = []
        with self.core.database.session() as session:
            candidates = session.execute(
                select(DigestDelivery.id, DigestDelivery.attempts,
                       DigestDelivery.next_attempt_at)
                .where(DigestDelivery.status == CLAIMED,
                       DigestDelivery.next_attempt_at <= now)
                .limit(500)
            ).all()
        for delivery_id, attempts, seen in candidates:
            with self.core.database.session() as session:
                if attempts >= self._max_attempts:
                    session.execute(
                        update(DigestDelivery)
                        .where(DigestDelivery.id == delivery_id,
                               DigestDelivery.status == CLAIMED,
                               DigestDelivery.next_attempt_at == seen)
                        .values(status=FAILED, finished_at=now, next_attempt_at=None,
                                error="gave up: no outcome recorded after the last attempt"))
                    continue
                result = session.execute(
                    update(DigestDelivery)
                    .where(DigestDelivery.id == delivery_id, DigestDelivery.status == CLAIMED,
                           DigestDelivery.next_attempt_at == seen)
                    .values(claimed_by=self.instance_id, attempts=attempts + 1,
                            next_attempt_at=now + LEASE))
                if cast(CursorResult[Any], result).rowcount != 1:
                    continue
                row = session.get(DigestDelivery, delivery_id)
                subscription = session.get(Subscription, row.subscription_id) if row else None
                if row is None or subscription is None or not subscription.enabled:
                    continue
                taken.append(DeliveryClaim(delivery_id, subscription.id,
                                   subscription_of(subscription), row.local_date,
                                   attempts + 1))
        return taken

    # --- building and sending ----------------------------------------------------------------

    async def _deliver(self, claim: DeliveryClaim, now: datetime, report: TickReport) -> None:
        sender = self.senders[claim.subscription.platform]
        digest, highlighted = await asyncio.to_thread(self._build, claim, now)
        if digest.is_empty and claim.subscription.skip_empty:
            await asyncio.to_thread(self._finish, claim, SKIPPED, now, "nothing to say", None,
                                    None)
            report.skipped += 1
            return
        try:
            await sender.send_digest(claim.subscription, digest)
        except ChatUnavailable as gone:
            await asyncio.to_thread(self._disable, claim, now, str(gone))
            report.failed += 1
            return
        except Exception as error:
            await asyncio.to_thread(self._retry_later, claim, now, error)
            if claim.attempt >= self._max_attempts:
                report.failed += 1
            else:
                report.retrying += 1
            return
        await asyncio.to_thread(self._finish, claim, SENT, now, None, digest, highlighted)
        report.sent += 1

    def _build(self, claim: DeliveryClaim, now: datetime) -> tuple[Digest, list[str] | None]:
        with self.core.database.session() as session:
            subscription = session.get(Subscription, claim.subscription_id)
            assert subscription is not None
            since = self._last_sent_at(session, claim.subscription_id) or subscription.created_at
            return build_digest(self.core, session=session, local_date=claim.local_date,
                                timezone=subscription.timezone, since=since, until=now,
                                already_shown=list(subscription.highlighted or []),
                                include_unanswered=subscription.include_unanswered)

    @staticmethod
    def _last_sent_at(session: Session, subscription_id: int) -> datetime | None:
        return session.scalar(
            select(DigestDelivery.finished_at)
            .where(DigestDelivery.subscription_id == subscription_id,
                   DigestDelivery.status == SENT)
            .order_by(DigestDelivery.finished_at.desc()).limit(1))

    def _finish(self, claim: DeliveryClaim, status: str, now: datetime, note: str | None,
                digest: Digest | None, highlighted: list[str] | None) -> None:
        with self.core.database.session() as session:
            session.execute(
                update(DigestDelivery).where(DigestDelivery.id == claim.delivery_id)
                .values(status=status, finished_at=now, next_attempt_at=None, error=note,
                        content=digest.to_json() if digest else None))
            if highlighted is not None:
                session.execute(update(Subscription)
                                .where(Subscription.id == claim.subscription_id)
                                .values(highlighted=highlighted))

    def _retry_later(self, claim: DeliveryClaim, now: datetime, error: Exception) -> None:
        description = f"{type(error).__name__}: {error}"[:500]
        with self.core.database.session() as session:
            if claim.attempt >= self._max_attempts:
                values: dict[str, object] = {"status": FAILED, "finished_at": now,
                                             "next_attempt_at": None, "error": description}
                log.error("digest %s for %s %s failed after %d attempts: %s",
                          claim.local_date, claim.subscription.platform,
                          claim.subscription.chat_id, claim.attempt, description)
            else:
                delay = self._retry_base * (2 ** (claim.attempt - 1))
                values = {"next_attempt_at": now + delay, "error": description}
                log.warning("digest %s for %s %s failed (attempt %d), retrying in %s: %s",
                            claim.local_date, claim.subscription.platform,
                            claim.subscription.chat_id, claim.attempt, delay, description)
            session.execute(update(DigestDelivery)
                            .where(DigestDelivery.id == claim.delivery_id).values(**values))

    def _disable(self, claim: DeliveryClaim, now: datetime, reason: str) -> None:
        log.warning("disabling the digest of %s chat %s: %s", claim.subscription.platform,
                    claim.subscription.chat_id, reason)
        with self.core.database.session() as session:
            session.execute(
                update(DigestDelivery).where(DigestDelivery.id == claim.delivery_id)
                .values(status=FAILED, finished_at=now, next_attempt_at=None,
                        error=f"chat unavailable: {reason}"))
            session.execute(
                update(Subscription).where(Subscription.id == claim.subscription_id)
                .values(enabled=False, disabled_reason=f"chat unavailable: {reason}",
                        updated_at=now))


def build_digest(core: FactBot, *, session: Session, local_date: date, timezone: str,
                 since: datetime, until: datetime, already_shown: list[str],
                 include_unanswered: bool) -> tuple[Digest, list[str]]:
    """The digest for one local day, and the highlight rotation to store if it is sent."""
    index = core.index
    highlight_id, shown = next_highlight(index=index, already_shown=already_shown)
    digest = Digest(
        local_date=local_date, timezone=timezone,
        changes=fact_updates(session=session, index=index, since=since, until=until,
                             answer_for=core.answer_for),
        on_this_day=anniversaries(index=index, local_date=local_date,
                                  answer_for=core.answer_for),
        highlight=core.answer_for(highlight_id) if highlight_id else None,
        unanswered=unanswered_questions(session=session, until=until)
        if include_unanswered else (),
    )
    return digest, shown
