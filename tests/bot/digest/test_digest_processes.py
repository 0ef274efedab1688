"""Exactly once across processes: two schedulers on one real PostgreSQL, and a crash."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.core import FactBot
from bot.digest.scheduler import DigestScheduler
from bot.settings import PROJECT_ROOT, load_settings
from db.models import DigestDelivery, Subscription
from tests.databases import postgres_base_url, postgres_schema_url
from tests.digest_support import Clock, RecordingSender

NOW = datetime(2026, 3, 2, 4, 1, tzinfo=UTC)  # 09:01 in Almaty


@pytest.fixture
def shared_postgres() -> Iterator[str]:
    base = postgres_base_url()
    if base is None:
        pytest.skip("TEST_DATABASE_URL is not set")
    with postgres_schema_url(base) as url:
        yield url


def _prepare(url: str, subscriptions: int) -> FactBot:
    core = FactBot.open(load_settings(database_url=url))
    for number in range(subscriptions):
        core.subscriptions.subscribe(
            platform="telegram", chat_id=str(1000 + number), local_time=time(9, 0),
            timezone="Asia/Almaty", created_by="editor")
    with core.database.session() as session:
        for row in session.scalars(select(Subscription)):
            row.created_at = NOW - timedelta(hours=12)
    return core


def _worker(url: str, output: Path, instance: str, *extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.digest_support", "--database-url", url,
         "--now", NOW.isoformat(), "--output", str(output), "--instance", instance, *extra],
        stderr=subprocess.PIPE, cwd=PROJECT_ROOT)


def test_two_scheduler_processes_send_each_digest_once(shared_postgres: str,
                                                       tmp_path: Path) -> None:
    """Two processes ticking against one PostgreSQL send each of 60 digests exactly once."""
    core = _prepare(shared_postgres, 60)
    output = tmp_path / "sent.txt"
    workers = [_worker(shared_postgres, output, name) for name in ("one", "two")]
    for worker in workers:
        _, stderr = worker.communicate(timeout=120)
        assert worker.returncode == 0, stderr.decode()[-2000:]
    lines = output.read_text().splitlines()
    per_chat = Counter(line.split()[0] for line in lines)
    assert len(per_chat) == 60 and set(per_chat.values()) == {1}
    senders = Counter(line.split()[2] for line in lines)
    assert len(senders) >= 1  # either process may win any claim; together they cover all
    with core.database.session() as session:
        statuses = Counter(session.scalars(select(DigestDelivery.status)))
    assert statuses == {"sent": 60}
    core.close()


async def test_a_process_killed_between_claim_and_send(shared_postgres: str,
                                                       tmp_path: Path) -> None:
    """A process that dies after claiming leaves a lease; after it, one other instance sends."""
    core = _prepare(shared_postgres, 1)
    crashed = _worker(shared_postgres, tmp_path / "never.txt", "doomed", "--crash",
                      "--ticks", "1")
    crashed.communicate(timeout=60)
    assert crashed.returncode == 3
    with core.database.session() as session:
        assert list(session.scalars(select(DigestDelivery.status))) == ["claimed"]
    clock, sender = Clock(NOW + timedelta(minutes=1)), RecordingSender()
    survivor = DigestScheduler(core, {"telegram": sender}, clock=clock, instance_id="survivor")
    await survivor.tick()
    assert sender.sent == []  # the dead process's lease still holds
    clock.now = NOW + timedelta(minutes=6)
    await survivor.tick()
    await survivor.tick()
    assert len(sender.sent) == 1
    with core.database.session() as session:
        delivery = session.scalar(select(DigestDelivery))
        assert delivery is not None and delivery.status == "sent"
        assert delivery.claimed_by == "survivor" and delivery.attempts == 2
    core.close()
