"""Daily digests: their content, and the scheduler's exactly-once bookkeeping."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.answering import Chat
from bot.core import FactBot
from bot.digest.scheduler import DigestScheduler, scheduled_instant
from bot.frontends import ChatUnavailable
from bot.settings import DEFAULT_SEEDS_DIR, load_settings
from db.models import DigestDelivery, Subscription
from tests.digest_support import Clock, RecordingSender


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    target = tmp_path / "seeds"
    shutil.copytree(DEFAULT_SEEDS_DIR, target)
    return target


@pytest.fixture
def digest_core(database_url: str, seeds_copy: Path) -> Iterator[FactBot]:
    core = FactBot.open(load_settings(database_url=database_url, seeds_dir=seeds_copy,
                                      digest_retry_base_seconds=60, digest_max_attempts=3))
    yield core
    core.close()


def _subscribe(core: FactBot, at: datetime, *, chat: str = "100", local: time = time(9, 0),
               zone: str = "Asia/Almaty", **options: bool) -> None:
    core.subscriptions.subscribe(platform="telegram", chat_id=chat, local_time=local, timezone=zone,
                   created_by="editor", **options)
    with core.database.session() as session:  # pretend it was created at `at`
        row = session.scalar(select(Subscription).where(Subscription.chat_id == chat))
        assert row is not None
        row.created_at = at


def _deliveries(core: FactBot) -> list[DigestDelivery]:
    with core.database.session() as session:
        return list(session.scalars(select(DigestDelivery).order_by(DigestDelivery.id)))


async def test_a_digest_is_sent_once_at_its_local_time(digest_core: FactBot) -> None:
    """Nothing before 09:00 Almaty time; one digest after; no second one that day."""
    _subscribe(digest_core, utc(2026, 3, 1, 12))
    clock, sender = Clock(utc(2026, 3, 2, 3, 59)), RecordingSender()  # 08:59 in Almaty (+05)
    scheduler = DigestScheduler(digest_core, {"telegram": sender}, clock=clock)
    await scheduler.tick()
    assert sender.sent == []
    clock.now = utc(2026, 3, 2, 4, 0, 30)
    await scheduler.tick()
    clock.now += timedelta(hours=3)
    await scheduler.tick()
    assert [d.local_date.isoformat() for _, d in sender.sent] == ["2026-03-02"]
    assert [d.status for d in _deliveries(digest_core)] == ["sent"]


async def test_on_this_day_lists_anniversaries(digest_core: FactBot) -> None:
    """On 5 January the digest recalls the state of emergency, with how many years ago."""
    _subscribe(digest_core, utc(2027, 1, 1))
    sender = RecordingSender()
    await DigestScheduler(digest_core, {"telegram": sender},
                          clock=Clock(utc(2027, 1, 5, 4, 1))).tick()
    digest = sender.sent[0][1]
    ids = {a.answer.fact_id for a in digest.on_this_day}
    assert "state-of-emergency-declared" in ids
    assert {a.years_ago for a in digest.on_this_day} == {5}


async def test_changes_since_the_last_digest(digest_core: FactBot, seeds_copy: Path) -> None:
    """A corrected and a retracted fact appear in the next digest, and only once."""
    _subscribe(digest_core, utc(2026, 3, 1, 12))
    clock, sender = Clock(utc(2026, 3, 2, 4, 1)), RecordingSender()
    scheduler = DigestScheduler(digest_core, {"telegram": sender}, clock=clock)
    await scheduler.tick()
    assert sender.sent[0][1].changes == ()
    facts = digest_core.index.facts
    corrected, retracted = facts[1], facts[-1]
    path = seeds_copy / "facts.yaml"
    content = path.read_text(encoding="utf-8")
    content = content.replace(f"headline: {corrected.headline}", "headline: Corrected", 1)
    content = content[: content.index(f"- id: {retracted.id}")].rstrip() + "\n"
    path.write_text(content, encoding="utf-8")
    from bot import store

    with digest_core.database.session() as session:
        store.sync_fact_table(session=session, now=utc(2026, 3, 2, 12),
                              table=__import__("bot.facttable").facttable.load_fact_table(
                                  seeds_copy))
    digest_core.answering.refresh_if_changed()
    clock.now = utc(2026, 3, 3, 4, 1)
    await scheduler.tick()
    changes = {c.fact_id: c.kind for c in sender.sent[1][1].changes}
    assert changes == {corrected.id: "corrected", retracted.id: "retracted"}
    clock.now = utc(2026, 3, 4, 4, 1)
    await scheduler.tick()
    assert sender.sent[2][1].changes == ()


async def test_highlights_rotate_through_every_fact_before_repeating(digest_core: FactBot
                                                                     ) -> None:
    """A channel sees every fact highlighted once before the first comes round again."""
    _subscribe(digest_core, utc(2026, 1, 1))
    clock, sender = Clock(utc(2026, 1, 2, 4, 1)), RecordingSender()
    scheduler = DigestScheduler(digest_core, {"telegram": sender}, clock=clock)
    count = len(digest_core.index.facts)
    for _ in range(count + 1):
        await scheduler.tick()
        clock.now += timedelta(days=1)
    shown = [d.highlight.fact_id for _, d in sender.sent if d.highlight]
    assert len(shown) == count + 1
    assert len(set(shown[:count])) == count and shown[count] == shown[0]


async def test_unanswered_questions_for_editors(digest_core: FactBot) -> None:
    """Opted-in subscriptions get the most-asked unanswered questions of the last day."""
    now = datetime.now(UTC)
    due = (now - timedelta(minutes=1)).time().replace(second=0, microsecond=0)
    _subscribe(digest_core, now - timedelta(days=1), zone="UTC", local=due,
               include_unanswered=True)
    for question in ["who painted the mona lisa"] * 3 + ["recipe for plov", "curfew"]:
        digest_core.ask(question, chat=Chat("telegram", "100", private=False))
    sender = RecordingSender()
    await DigestScheduler(digest_core, {"telegram": sender},
                          clock=Clock(datetime.now(UTC))).tick()
    unanswered = sender.sent[0][1].unanswered
    assert [(u.question, u.times) for u in unanswered][:2] == [
        ("who painted the mona lisa", 3), ("recipe for plov", 1)]


async def test_a_quiet_day_can_be_skipped(digest_core: FactBot) -> None:
    """With nothing new and no anniversary, a skip_empty subscription gets no digest."""
    _subscribe(digest_core, utc(2026, 3, 1, 12), skip_empty=True)
    sender = RecordingSender()
    await DigestScheduler(digest_core, {"telegram": sender},
                          clock=Clock(utc(2026, 3, 2, 4, 1))).tick()
    assert sender.sent == [] and [d.status for d in _deliveries(digest_core)] == ["skipped"]


@pytest.mark.parametrize(("late", "status"), [(timedelta(hours=5), "sent"),
                                              (timedelta(hours=7), "skipped")])
async def test_missed_digests_within_the_grace_window_are_sent_on_start_up(
    digest_core: FactBot, late: timedelta, status: str
) -> None:
    """A bot down at 09:00 sends on start-up within 6 hours; later it records a skip."""
    _subscribe(digest_core, utc(2026, 3, 1, 12))
    sender = RecordingSender()
    await DigestScheduler(digest_core, {"telegram": sender},
                          clock=Clock(utc(2026, 3, 2, 4, 0) + late)).tick()
    assert [d.status for d in _deliveries(digest_core)] == [status]
    assert len(sender.sent) == (status == "sent")


@pytest.mark.parametrize(("zone", "day"), [("Europe/Berlin", (2026, 3, 29)),
                                           ("Europe/Berlin", (2026, 10, 25)),
                                           ("America/New_York", (2026, 3, 8)),
                                           ("America/New_York", (2026, 11, 1))])
async def test_daylight_saving_days_fire_once(digest_core: FactBot, zone: str,
                                              day: tuple[int, int, int]) -> None:
    """02:30 on a spring-forward day (no such time) and a fall-back day (twice) fires once."""
    _subscribe(digest_core, utc(2026, 1, 1), local=time(2, 30), zone=zone)
    clock, sender = Clock(utc(*day) - timedelta(hours=12)), RecordingSender()
    scheduler = DigestScheduler(digest_core, {"telegram": sender}, clock=clock)
    while clock.now < utc(*day) + timedelta(hours=30):
        await scheduler.tick()
        clock.now += timedelta(minutes=10)
    local_dates = [d.local_date for _, d in sender.sent]
    assert local_dates.count(date(*day)) == 1


def test_a_time_in_the_spring_forward_gap_happens_after_the_gap() -> None:
    """02:30 in Berlin on 29 March 2026 does not exist; it is taken as 03:30 CEST."""
    from zoneinfo import ZoneInfo

    instant = scheduled_instant(date(2026, 3, 29), time(2, 30),
                                ZoneInfo("Europe/Berlin"))
    assert instant == utc(2026, 3, 29, 1, 30)


async def test_local_dates_follow_the_subscribers_midnight(digest_core: FactBot) -> None:
    """00:10 in Tokyo is 15:10 UTC the day before: the digest belongs to Tokyo's date."""
    _subscribe(digest_core, utc(2026, 3, 1, 12), local=time(0, 10), zone="Asia/Tokyo")
    sender = RecordingSender()
    await DigestScheduler(digest_core, {"telegram": sender},
                          clock=Clock(utc(2026, 3, 4, 15, 11))).tick()
    assert [d.local_date.isoformat() for _, d in sender.sent] == ["2026-03-05"]


async def test_a_blocked_bot_disables_the_subscription(digest_core: FactBot) -> None:
    """A 403 from the platform disables the subscription with the reason; no retries."""
    _subscribe(digest_core, utc(2026, 3, 1, 12))
    sender = RecordingSender(failures=[ChatUnavailable("Forbidden: bot was blocked by the user")])
    clock = Clock(utc(2026, 3, 2, 4, 1))
    scheduler = DigestScheduler(digest_core, {"telegram": sender}, clock=clock)
    await scheduler.tick()
    clock.now += timedelta(days=1)
    await scheduler.tick()
    view = digest_core.subscriptions.get("telegram", "100")
    assert view is not None and not view.enabled
    with digest_core.database.session() as session:
        row = session.scalar(select(Subscription))
        assert row is not None and "blocked" in (row.disabled_reason or "")
    assert [d.status for d in _deliveries(digest_core)] == ["failed"] and sender.sent == []


async def test_failed_sends_are_retried_with_backoff_then_given_up(digest_core: FactBot) -> None:
    """Transient errors retry after 1, then 2 minutes; after 3 attempts the digest is failed."""
    _subscribe(digest_core, utc(2026, 3, 1, 12), chat="100")
    _subscribe(digest_core, utc(2026, 3, 1, 12), chat="200")
    sender = RecordingSender(failures=[RuntimeError("timeout"), RuntimeError("timeout")])
    clock = Clock(utc(2026, 3, 2, 4, 1))
    scheduler = DigestScheduler(digest_core, {"telegram": sender}, clock=clock)
    await scheduler.tick()  # both fail once (first attempt)
    assert sender.sent == []
    clock.now += timedelta(seconds=30)
    await scheduler.tick()  # not yet due again
    assert sender.sent == []
    clock.now += timedelta(seconds=31)
    await scheduler.tick()  # retried: both succeed now
    assert sorted(s.chat_id for s, _ in sender.sent) == ["100", "200"]
    assert {d.attempts for d in _deliveries(digest_core)} == {2}

    sender.failures = [RuntimeError("down")] * 3
    clock.now = utc(2026, 3, 3, 4, 1)
    _subscribe(digest_core, utc(2026, 3, 1, 12), chat="300")
    digest_core.subscriptions.unsubscribe("telegram", "100")
    digest_core.subscriptions.unsubscribe("telegram", "200")
    for step in (0, 61, 121):
        clock.now += timedelta(seconds=step)
        await scheduler.tick()
    failed = [d for d in _deliveries(digest_core) if d.status == "failed"]
    assert len(failed) == 1 and failed[0].attempts == 3 and "down" in (failed[0].error or "")


async def test_a_crash_between_claim_and_send_is_recovered_once(digest_core: FactBot) -> None:
    """A claim whose process died is taken over after its lease, by exactly one instance."""
    _subscribe(digest_core, utc(2026, 3, 1, 12))
    clock = Clock(utc(2026, 3, 2, 4, 1))
    crashed = DigestScheduler(digest_core, {"telegram": RecordingSender()}, clock=clock,
                              instance_id="crashed")
    from bot.digest.scheduler import TickReport

    due = crashed._due_unclaimed(clock.now)
    assert len(crashed._claim(due, TickReport())) == 1  # claimed, never sent
    first, second = RecordingSender(), RecordingSender()
    a = DigestScheduler(digest_core, {"telegram": first}, clock=clock, instance_id="a")
    b = DigestScheduler(digest_core, {"telegram": second}, clock=clock, instance_id="b")
    await a.tick()
    assert first.sent == []  # the lease still holds
    clock.now += timedelta(minutes=6)
    await a.tick()
    await b.tick()
    assert len(first.sent) + len(second.sent) == 1
    assert [d.status for d in _deliveries(digest_core)] == ["sent"]
