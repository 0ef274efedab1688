"""Sending each subscription's digest once per local day, from any number of instances.

The database is the only source of truth. Every instance runs its own in-process
APScheduler job that ticks and asks the database what is due; APScheduler's job store
is never shared (two schedulers on one store both fire, and the loser of the race to
remove a job dies of `JobLookupError`).

Claim, then send, a few at a time: a digest is claimed by inserting (subscription, local
date) into `digest_deliveries` under a unique constraint; only the instance whose insert
committed sends. An instance claims at most `CLAIM_BATCH` digests and sends them before it
claims more, so a crash strands few and other instances take the rest meanwhile.

A claim carries a lease (`next_attempt_at`, DIGEST_LEASE_SECONDS ahead). The claimer
renews it while it works through its batch and, immediately before each send (in the
transaction that builds the digest), checks with a compare-and-set (status, claimer,
attempt number, lease not run out) that the claim is still its own, extending the lease
for the send. When a lease runs out — the
claimer crashed or froze, or a send failed and is due for a retry — any instance may take
the row over with a compare-and-set update, so exactly one does; the claimer that lost it
neither sends nor records anything. Attempts are bounded, then the row is marked failed.

Delivery is therefore exactly once unless a process dies (or freezes past its lease) in
the instant after the platform accepted a message and before `sent` was recorded: that
cannot be told apart from dying before the send, and the digest is sent again after the
lease (at-least-once in that window, never silently lost). What is recorded as sent is
what the platform's message held: `DigestSender.send_digest` returns the digest as its
renderer cut it to fit, so items left out are not recorded, nor a highlight not shown.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any, cast
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import ColumnElement, CursorResult, Result, and_, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.answering import Answering
from bot.core import FactBot
from bot.digest.content import (
    Digest,
    anniversaries,
    fact_updates,
    next_highlight,
    unanswered_questions,
)
from bot.frontends import ChatUnavailable, DigestSender
from bot.question_log import QuestionScope, prune_question_log, question_scope
from bot.subscriptions import DigestSubscription, subscription_of
from db.models import DigestDelivery, Subscription
from db.types import utcnow

log = logging.getLogger(__name__)

CLAIMED, SENT, FAILED, SKIPPED = "claimed", "sent", "failed", "skipped"
# Digests one instance holds at once: what a crash strands until the lease runs out.
CLAIM_BATCH = 10
PRUNE_EVERY = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class DeliveryClaim:
    """This instance's hold on one digest; `attempt` tells its claim from a later one."""

    delivery_id: int
    subscription_id: int
    subscription: DigestSubscription
    local_date: date
    attempt: int


@dataclass(frozen=True, slots=True)
class DueDigest:
    subscription_id: int
    subscription: DigestSubscription
    local_date: date
    due_at: datetime


@dataclass
class TickReport:
    sent: int = 0
    failed: int = 0
    retrying: int = 0
    skipped: int = 0
    lost: int = 0  # claims taken over by another instance before this one sent them


def scheduled_instant(local_date: date, local_time: time, zone: ZoneInfo) -> datetime:
    """When a local time happens on a local date, in UTC.

    On a spring-forward day a time inside the gap (02:30) resolves, with fold=0, to the
    same distance past the gap's start (03:30): it still happens, once. On a fall-back
    day an ambiguous time takes its first occurrence. Either way one instant per date.
    """
    return datetime.combine(local_date, local_time, tzinfo=zone).astimezone(ZoneInfo("UTC"))


def default_instance_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _rowcount(result: Result[Any]) -> int:
    return cast(CursorResult[Any], result).rowcount


class _HeldBatch:
    """One batch of claims, renewed in the background until each is settled.

    An outcome (sent, retry later, failed) and a renewal never interleave: a renewal
    written after a failed send's "retry in 60 s" would push the retry back to a lease.
    """

    def __init__(self, claims: list[DeliveryClaim]):
        self._pending = {claim.delivery_id: claim for claim in claims}
        self._lock = asyncio.Lock()

    @property
    def unsettled(self) -> list[DeliveryClaim]:
        return list(self._pending.values())

    async def settle(self, claim: DeliveryClaim, write: Callable[[], object] | None) -> None:
        """Record the claim's outcome (if any) and stop renewing it."""
        async with self._lock:
            if write is not None:
                await asyncio.to_thread(write)
            self._pending.pop(claim.delivery_id, None)

    async def keep_alive(self, renew: Callable[[list[DeliveryClaim]], None],
                         every: float) -> None:
        while True:
            await asyncio.sleep(every)
            async with self._lock:
                if self._pending:
                    await asyncio.to_thread(renew, self.unsettled)


class DigestScheduler:
    def __init__(self, core: FactBot, senders: Mapping[str, DigestSender], *,
                 clock: Callable[[], datetime] = utcnow, instance_id: str | None = None):
        self.database = core.database
        self.settings = settings = core.settings
        self.answering = core.answering
        self.metrics = core.metrics
        self.senders = dict(senders)
        self.clock = clock
        self.instance_id = instance_id or settings.instance_id or default_instance_id()
        self._grace = timedelta(hours=settings.digest_grace_hours)
        self._max_attempts = settings.digest_max_attempts
        self._retry_base = timedelta(seconds=settings.digest_retry_base_seconds)
        self._lease = timedelta(seconds=settings.digest_lease_seconds)
        self._retention = timedelta(days=settings.question_log_retention_days)
        self._pruned_at: datetime | None = None
        self._scheduler: AsyncIOScheduler | None = None
        self._tick_lock = asyncio.Lock()
        self._stopping = False

    # --- running in the background -------------------------------------------------------

    def start(self) -> None:
        """Tick now (to catch digests missed while down) and then every DIGEST_TICK_SECONDS."""
        self._stopping = False
        scheduler = AsyncIOScheduler(timezone="UTC")
        scheduler.add_job(self._safe_tick, "interval",
                          seconds=self.settings.digest_tick_seconds,
                          next_run_time=self.clock(), max_instances=1, coalesce=True,
                          id="digest-tick", misfire_grace_time=None)
        scheduler.start()
        self._scheduler = scheduler

    async def shutdown(self) -> None:
        """Stop ticking; a running tick finishes its current send, hands back the claims it
        has not sent (another instance may take them at once) and returns."""
        self._stopping = True
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
        """Prune the question log (hourly), then send what is due, a batch at a time:
        first claims whose lease ran out, then digests nobody has claimed yet."""
        async with self._tick_lock:
            self.metrics.record_digest_tick()
            report = TickReport()
            await self._prune_question_log()
            seen: set[int] = set()
            while not self._stopping:
                before = len(seen)
                claims = await asyncio.to_thread(self._take_over_expired, seen)
                if len(seen) == before:
                    break
                await self._deliver_batch(claims, report)
            due = await asyncio.to_thread(self._due_unclaimed, self.clock())
            for start in range(0, len(due), CLAIM_BATCH):
                if self._stopping:
                    break
                claims = await asyncio.to_thread(self._claim, due[start:start + CLAIM_BATCH],
                                                 report)
                await self._deliver_batch(claims, report)
            return report

    def _due_unclaimed(self, now: datetime) -> list[DueDigest]:
        """Digests due by `now` (today's and yesterday's local date) with no row yet."""
        with self.database.session() as session:
            subscriptions = session.scalars(
                select(Subscription).where(Subscription.enabled.is_(True))).all()
            due: list[DueDigest] = []
            for row in subscriptions:
                if row.platform not in self.senders:
                    continue
                zone = ZoneInfo(row.timezone)
                today = now.astimezone(zone).date()
                for local_date in (today - timedelta(days=1), today):
                    at = scheduled_instant(local_date, row.local_time, zone)
                    if at <= now and at >= row.created_at - timedelta(seconds=1):
                        due.append(DueDigest(row.id, subscription_of(row), local_date, at))
            known = {
                (sub_id, day) for sub_id, day in session.execute(
                    select(DigestDelivery.subscription_id, DigestDelivery.local_date)
                    .where(DigestDelivery.subscription_id.in_(
                        {d.subscription_id for d in due}))
                ).all()
            } if due else set()
        return [d for d in due if (d.subscription_id, d.local_date) not in known]

    def _claim(self, due: list[DueDigest], report: TickReport) -> list[DeliveryClaim]:
        """Insert rows for `due` in one statement; return the claims this instance won.

        Rows another instance inserted first are skipped by ON CONFLICT DO NOTHING, so the
        unique constraint decides who sends, without an error per lost race. A digest past
        the grace window is recorded as skipped instead of claimed.
        """
        if not due:
            return []
        now = self.clock()
        late = {(d.subscription_id, d.local_date): now - d.due_at > self._grace for d in due}
        rows = []
        for (subscription_id, local_date), is_late in late.items():
            rows.append({
                "subscription_id": subscription_id, "local_date": local_date,
                "status": SKIPPED if is_late else CLAIMED, "claimed_by": self.instance_id,
                "claimed_at": now, "attempts": 0 if is_late else 1,
                "next_attempt_at": None if is_late else now + self._lease,
                "finished_at": now if is_late else None,
                "error": "missed: beyond the grace window" if is_late else None,
            })
        with self.database.session() as session:
            dialect = session.get_bind().dialect.name
            insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
            statement = (insert(DigestDelivery).values(rows)
                         .on_conflict_do_nothing(index_elements=["subscription_id",
                                                                 "local_date"])
                         .returning(DigestDelivery.id, DigestDelivery.subscription_id,
                                    DigestDelivery.local_date))
            won = session.execute(statement).all()
        views = {d.subscription_id: d.subscription for d in due}
        claims = []
        for delivery_id, subscription_id, local_date in won:
            if late[(subscription_id, local_date)]:
                report.skipped += 1
                self.metrics.record_digest("skipped", views[subscription_id].platform)
                log.info("digest for subscription %s on %s skipped: beyond the grace window",
                         subscription_id, local_date)
            else:
                claims.append(DeliveryClaim(delivery_id, subscription_id,
                                            views[subscription_id], local_date, 1))
        return claims

    def _take_over_expired(self, seen: set[int]) -> list[DeliveryClaim]:
        """Up to a batch of rows whose lease ran out (a crash, or a failed send now due
        again), not yet looked at this tick: take them over, or give up on those out of
        attempts. Adds every row looked at to `seen`."""
        now = self.clock()
        taken: list[DeliveryClaim] = []
        with self.database.session() as session:
            query = (select(DigestDelivery.id, DigestDelivery.attempts,
                            DigestDelivery.next_attempt_at)
                     .where(DigestDelivery.status == CLAIMED,
                            DigestDelivery.next_attempt_at <= now)
                     .order_by(DigestDelivery.next_attempt_at).limit(CLAIM_BATCH))
            if seen:
                query = query.where(DigestDelivery.id.not_in(seen))
            candidates = session.execute(query).all()
        for delivery_id, attempts, lease in candidates:
            seen.add(delivery_id)
            unchanged = and_(DigestDelivery.id == delivery_id, DigestDelivery.status == CLAIMED,
                             DigestDelivery.next_attempt_at == lease)
            with self.database.session() as session:
                if attempts >= self._max_attempts:
                    session.execute(
                        update(DigestDelivery).where(unchanged)
                        .values(status=FAILED, finished_at=now, next_attempt_at=None,
                                error="gave up: no outcome recorded after the last attempt"))
                    continue
                result = session.execute(
                    update(DigestDelivery).where(unchanged)
                    .values(claimed_by=self.instance_id, attempts=attempts + 1,
                            next_attempt_at=now + self._lease))
                if _rowcount(result) != 1:
                    continue
                row = session.get(DigestDelivery, delivery_id)
                subscription = session.get(Subscription, row.subscription_id) if row else None
                if row is None or subscription is None:
                    continue
                if not subscription.enabled:
                    row.status, row.finished_at, row.next_attempt_at = SKIPPED, now, None
                    row.error = "digest turned off before it was sent"
                    continue
                taken.append(DeliveryClaim(delivery_id, subscription.id,
                                           subscription_of(subscription), row.local_date,
                                           attempts + 1))
        return taken

    # --- keeping claims -----------------------------------------------------------------------

    def _ours(self, claim: DeliveryClaim) -> ColumnElement[bool]:
        """The claim's row, if it is still this instance's claim for this attempt."""
        return and_(DigestDelivery.id == claim.delivery_id, DigestDelivery.status == CLAIMED,
                    DigestDelivery.claimed_by == self.instance_id,
                    DigestDelivery.attempts == claim.attempt)

    def _confirm(self, session: Session, claim: DeliveryClaim) -> bool:
        """Compare-and-set before a send: still ours with a live lease? Then the lease is
        extended for the send; otherwise the claim was lost and nothing may be sent."""
        now = self.clock()
        result = session.execute(
            update(DigestDelivery)
            .where(self._ours(claim), DigestDelivery.next_attempt_at > now)
            .values(next_attempt_at=now + self._lease))
        return _rowcount(result) == 1

    def _renew(self, claims: list[DeliveryClaim]) -> None:
        now = self.clock()
        with self.database.session() as session:
            result = session.execute(
                update(DigestDelivery)
                .where(tuple_(DigestDelivery.id, DigestDelivery.attempts).in_(
                           [(c.delivery_id, c.attempt) for c in claims]),
                       DigestDelivery.status == CLAIMED,
                       DigestDelivery.claimed_by == self.instance_id,
                       DigestDelivery.next_attempt_at > now)
                .values(next_attempt_at=now + self._lease))
        if _rowcount(result) < len(claims):
            log.warning("%d of %d digest claims were lost before renewal; they will not be "
                        "sent from here", len(claims) - _rowcount(result), len(claims))

    def _release(self, claims: list[DeliveryClaim]) -> None:
        """Hand unsent claims back on shutdown: their lease ends now, for others to take."""
        now = self.clock()
        with self.database.session() as session:
            for claim in claims:
                session.execute(update(DigestDelivery).where(self._ours(claim))
                                .values(next_attempt_at=now))

    # --- building and sending ----------------------------------------------------------------

    async def _deliver_batch(self, claims: list[DeliveryClaim], report: TickReport) -> None:
        if not claims:
            return
        batch = _HeldBatch(claims)
        renewing = asyncio.create_task(
            batch.keep_alive(self._renew, self._lease.total_seconds() / 3))
        try:
            for claim in claims:
                if self._stopping:
                    break
                await self._deliver(claim, batch, report)
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
            if batch.unsettled:
                await asyncio.to_thread(self._release, batch.unsettled)

    async def _deliver(self, claim: DeliveryClaim, batch: _HeldBatch,
                       report: TickReport) -> None:
        sender = self.senders[claim.subscription.platform]
        until = self.clock()
        built = await asyncio.to_thread(self._build_if_still_ours, claim, until)
        if built is None:
            log.warning("digest %s for %s %s not sent: its claim was taken over",
                        claim.local_date, claim.subscription.platform,
                        claim.subscription.chat_id)
            await batch.settle(claim, None)
            report.lost += 1
            return
        digest, highlighted = built
        if digest.is_empty and claim.subscription.skip_empty:
            await batch.settle(claim, partial(self._finish, claim, SKIPPED, until,
                                              "nothing to say", None, None))
            report.skipped += 1
            self.metrics.record_digest("skipped", claim.subscription.platform)
            return
        try:
            # A send still pending after a whole lease is abandoned and retried like a
            # failure, so one hung connection cannot hold the batch for ever.
            delivered = await asyncio.wait_for(
                sender.send_digest(claim.subscription, digest),
                timeout=self._lease.total_seconds())
        except ChatUnavailable as gone:
            await batch.settle(claim, partial(self._disable, claim, until, str(gone)))
            report.failed += 1
            self.metrics.record_digest("failed", claim.subscription.platform)
            return
        except Exception as error:
            await batch.settle(claim, partial(self._retry_later, claim, until, error))
            if claim.attempt >= self._max_attempts:
                report.failed += 1
                self.metrics.record_digest("failed", claim.subscription.platform)
            else:
                report.retrying += 1
            return
        shown = highlighted if delivered.highlight is not None else None
        await batch.settle(claim, partial(self._finish, claim, SENT, until, None, delivered,
                                          shown))
        report.sent += 1
        self.metrics.record_digest("sent", claim.subscription.platform)

    def _build_if_still_ours(self, claim: DeliveryClaim, until: datetime
                             ) -> tuple[Digest, list[str]] | None:
        """The digest and its highlight rotation, built right before the send in the
        transaction that confirms the claim (`_confirm`); None if the claim was lost."""
        with self.database.session() as session:
            if not self._confirm(session, claim):
                return None
            subscription = session.get(Subscription, claim.subscription_id)
            assert subscription is not None
            since = self._last_sent_at(session, claim.subscription_id) or subscription.created_at
            scope = question_scope(
                session=session, settings=self.settings,
                platform=subscription.platform, chat_id=subscription.chat_id,
            ) if subscription.include_unanswered else None
            return build_digest(self.answering, session=session, local_date=claim.local_date,
                                timezone=subscription.timezone, since=since, until=until,
                                already_shown=list(subscription.highlighted or []),
                                unanswered_for=scope)

    @staticmethod
    def _last_sent_at(session: Session, subscription_id: int) -> datetime | None:
        return session.scalar(
            select(DigestDelivery.finished_at)
            .where(DigestDelivery.subscription_id == subscription_id,
                   DigestDelivery.status == SENT)
            .order_by(DigestDelivery.finished_at.desc()).limit(1))

    def _finish(self, claim: DeliveryClaim, status: str, until: datetime, note: str | None,
                digest: Digest | None, highlighted: list[str] | None) -> None:
        """Record the outcome, if the claim is still ours. `until` becomes the next
        digest's "changes since", so it is the instant the digest was built up to."""
        with self.database.session() as session:
            result = session.execute(
                update(DigestDelivery).where(self._ours(claim))
                .values(status=status, finished_at=until, next_attempt_at=None, error=note,
                        content=digest.to_json() if digest else None))
            if _rowcount(result) != 1:
                log.warning("digest %s for %s %s: the claim was taken over while it was "
                            "being sent; it may arrive twice", claim.local_date,
                            claim.subscription.platform, claim.subscription.chat_id)
                return
            if highlighted is not None:
                session.execute(update(Subscription)
                                .where(Subscription.id == claim.subscription_id)
                                .values(highlighted=highlighted))

    def _retry_later(self, claim: DeliveryClaim, now: datetime, error: Exception) -> None:
        description = f"{type(error).__name__}: {error}"[:500]
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
        with self.database.session() as session:
            session.execute(update(DigestDelivery).where(self._ours(claim)).values(**values))

    def _disable(self, claim: DeliveryClaim, now: datetime, reason: str) -> None:
        log.warning("disabling the digest of %s chat %s: %s", claim.subscription.platform,
                    claim.subscription.chat_id, reason)
        with self.database.session() as session:
            session.execute(
                update(DigestDelivery).where(self._ours(claim))
                .values(status=FAILED, finished_at=now, next_attempt_at=None,
                        error=f"chat unavailable: {reason}"))
            session.execute(
                update(Subscription).where(Subscription.id == claim.subscription_id)
                .values(enabled=False, disabled_reason=f"chat unavailable: {reason}",
                        updated_at=now))

    # --- the question log's retention ----------------------------------------------------------

    async def _prune_question_log(self) -> None:
        """Delete questions older than QUESTION_LOG_RETENTION_DAYS, at most once an hour
        per instance; a failure is logged and left for the next hour, digests go on."""
        now = self.clock()
        if self._pruned_at is not None and now - self._pruned_at < PRUNE_EVERY:
            return
        self._pruned_at = now
        try:
            removed = await asyncio.to_thread(self._prune, now - self._retention)
        except SQLAlchemyError as error:
            log.warning("could not prune the question log: %s", type(error).__name__)
            return
        if removed:
            log.info("question log: %d questions older than %d days deleted", removed,
                     self._retention.days)

    def _prune(self, before: datetime) -> int:
        with self.database.session() as session:
            return prune_question_log(session=session, before=before)


def build_digest(answering: Answering, *, session: Session, local_date: date, timezone: str,
                 since: datetime, until: datetime, already_shown: list[str],
                 unanswered_for: QuestionScope | None) -> tuple[Digest, list[str]]:
    """The digest for one local day, and the highlight rotation to store if it is sent.

    `unanswered_for` is whose unanswered questions the digest may list (None: no such
    section)."""
    index = answering.index
    highlight_id, shown = next_highlight(index=index, already_shown=already_shown)
    digest = Digest(
        local_date=local_date, timezone=timezone,
        changes=fact_updates(session=session, index=index, since=since, until=until,
                             answer_for=answering.answer_for),
        on_this_day=anniversaries(index=index, local_date=local_date,
                                  answer_for=answering.answer_for),
        highlight=answering.answer_for(highlight_id) if highlight_id else None,
        unanswered=unanswered_questions(session=session, until=until, scope=unanswered_for)
        if unanswered_for is not None else (),
    )
    return digest, shown
