"""Exactly once when sending outlasts a lease: small batches, renewal, compare-and-set."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from bot.core import FactBot
from bot.digest.content import Digest
from bot.digest.scheduler import CLAIM_BATCH, DigestScheduler, TickReport
from bot.settings import load_settings
from bot.subscriptions import DigestSubscription
from db.models import DigestDelivery, Subscription
from tests.digest_support import Clock

NOW = datetime(2026, 3, 2, 4, 1, tzinfo=UTC)  # 09:01 in Almaty


@dataclass
class SlowSender:
    """A slow or rate-limited platform: each send takes `delay` seconds; `during` runs
    inside the first send, while the scheduler still holds the rest of its batch."""

    sent: Counter[str]
    delay: float = 0.0
    during: Callable[[DigestSubscription], Awaitable[None]] | None = None
    name: str = "telegram"
    chats: list[str] = field(default_factory=list)

    async def send_digest(self, subscription: DigestSubscription, digest: Digest) -> Digest:
        if self.during is not None:
            during, self.during = self.during, None
            await during(subscription)
        await asyncio.sleep(self.delay)
        self.sent[subscription.chat_id] += 1
        self.chats.append(subscription.chat_id)
        return digest


def _open(url: str, **settings: object) -> FactBot:
    return FactBot.open(load_settings(database_url=url, **settings))


def _subscribe(core: FactBot, count: int, *, due: datetime, created: datetime) -> None:
    for number in range(count):
        core.subscriptions.subscribe(platform="telegram", chat_id=str(1000 + number),
                       local_time=due.astimezone(UTC).time().replace(second=0, microsecond=0),
                       timezone="UTC", created_by="editor")
    with core.database.session() as session:
        session.execute(update(Subscription).values(created_at=created))


def _statuses(core: FactBot) -> Counter[str]:
    with core.database.session() as session:
        return Counter(session.scalars(select(DigestDelivery.status)))


@pytest.fixture
def two_instances(database_url: str) -> Iterator[tuple[FactBot, FactBot]]:
    """Two cores, each with its own engine and pool, on one database, a 1-second lease."""
    first = _open(database_url, digest_lease_seconds=1)
    second = _open(database_url, digest_lease_seconds=1, instance_id="second")
    yield first, second
    first.close()
    second.close()


async def test_sends_slower_than_the_lease_still_reach_each_chat_once(
    two_instances: tuple[FactBot, FactBot],
) -> None:
    """Two schedulers, a 1 s lease, 0.15 s per send, 30 chats: every chat gets one digest."""
    first, second = two_instances
    now = datetime.now(UTC)
    _subscribe(first, 30, due=now - timedelta(minutes=1), created=now - timedelta(days=1))
    sent: Counter[str] = Counter()
    schedulers = [DigestScheduler(core, {"telegram": SlowSender(sent, delay=0.15)},
                                  instance_id=name)
                  for core, name in ((first, "a"), (second, "b"))]

    async def keep_ticking(scheduler: DigestScheduler) -> None:
        deadline = asyncio.get_running_loop().time() + 30
        while sum(sent.values()) < 30 and asyncio.get_running_loop().time() < deadline:
            await scheduler.tick()
            await asyncio.sleep(0.05)

    await asyncio.gather(*(keep_ticking(s) for s in schedulers))
    assert len(sent) == 30 and set(sent.values()) == {1}
    assert _statuses(first) == {"sent": 30}


async def test_a_claim_taken_over_is_neither_sent_nor_recorded(database_url: str) -> None:
    """While A sends its first digest, B takes over another of A's claims: A skips that one."""
    core_a, core_b = _open(database_url), _open(database_url, instance_id="b")
    try:
        _subscribe(core_a, 3, due=NOW - timedelta(minutes=1), created=NOW - timedelta(days=1))
        sent: Counter[str] = Counter()
        sender_b = SlowSender(sent)
        b = DigestScheduler(core_b, {"telegram": sender_b}, clock=Clock(NOW + timedelta(minutes=1)))

        async def b_takes_one_over(sending: DigestSubscription) -> None:
            with core_a.database.session() as session:  # as if A froze past this lease
                row = session.scalars(
                    select(DigestDelivery).join(Subscription)
                    .where(DigestDelivery.status == "claimed",
                           Subscription.chat_id != sending.chat_id)).first()
                assert row is not None
                row.next_attempt_at = NOW - timedelta(seconds=1)
            assert (await b.tick()).sent == 1

        sender_a = SlowSender(sent, during=b_takes_one_over)
        report = await DigestScheduler(core_a, {"telegram": sender_a}, clock=Clock(NOW),
                                       instance_id="a").tick()
        assert len(sent) == 3 and set(sent.values()) == {1}
        assert (report.sent, report.lost) == (2, 1)
        with core_a.database.session() as session:
            rows = session.execute(select(Subscription.chat_id, DigestDelivery.claimed_by,
                                          DigestDelivery.status)
                                   .join(Subscription)).all()
        assert {(chat, by) for chat, by, _ in rows} == (
            {(chat, "a") for chat in sender_a.chats} | {(sender_b.chats[0], "b")})
        assert {status for _, _, status in rows} == {"sent"}
    finally:
        core_a.close()
        core_b.close()


async def test_claims_are_taken_a_batch_at_a_time(sqlite_database_url: str) -> None:
    """However many digests are due, one instance holds at most one batch of claims."""
    core = _open(sqlite_database_url)
    try:
        _subscribe(core, CLAIM_BATCH * 2 + 3, due=NOW - timedelta(minutes=1),
                   created=NOW - timedelta(days=1))
        held: list[int] = []

        async def count_held(sending: DigestSubscription) -> None:
            held.append(_statuses(core)["claimed"])

        sender = SlowSender(Counter(), during=count_held)
        report = await DigestScheduler(core, {"telegram": sender}, clock=Clock(NOW)).tick()
        assert held == [CLAIM_BATCH] and report.sent == CLAIM_BATCH * 2 + 3
    finally:
        core.close()


async def test_the_lease_length_is_a_setting(sqlite_database_url: str) -> None:
    """A claim's lease runs DIGEST_LEASE_SECONDS from the claim."""
    core = _open(sqlite_database_url, digest_lease_seconds=42)
    try:
        _subscribe(core, 1, due=NOW - timedelta(minutes=1), created=NOW - timedelta(days=1))
        scheduler = DigestScheduler(core, {"telegram": SlowSender(Counter())}, clock=Clock(NOW))
        scheduler._claim(scheduler._due_unclaimed(NOW), TickReport())
        with core.database.session() as session:
            row = session.scalars(select(DigestDelivery)).one()
        assert row.next_attempt_at == NOW + timedelta(seconds=42)
    finally:
        core.close()


async def test_shutdown_hands_unsent_claims_to_another_instance(database_url: str) -> None:
    """Stopping mid-batch sends nothing more; the rest is free for another instance at once."""
    core_a, core_b = _open(database_url), _open(database_url, instance_id="b")
    try:
        _subscribe(core_a, 3, due=NOW - timedelta(minutes=1), created=NOW - timedelta(days=1))
        sent: Counter[str] = Counter()
        stopping: list[asyncio.Task[None]] = []

        async def stop_a(sending: DigestSubscription) -> None:
            stopping.append(asyncio.create_task(a.shutdown()))
            await asyncio.sleep(0)  # shutdown begins: it now waits for the tick

        a = DigestScheduler(core_a, {"telegram": SlowSender(sent, during=stop_a)},
                            clock=Clock(NOW), instance_id="a")
        assert (await a.tick()).sent == 1
        await stopping[0]
        report = await DigestScheduler(core_b, {"telegram": SlowSender(sent)},
                                       clock=Clock(NOW), instance_id="b").tick()
        assert report.sent == 2 and len(sent) == 3 and set(sent.values()) == {1}
    finally:
        core_a.close()
        core_b.close()
