"""Digests: due subscriptions claimed, built and handed to a sender per second, by one
scheduler instance and by two instances (two processes) sharing one PostgreSQL.

    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        python bench/bench_digest.py [--subscriptions 500]

Runs in a schema of its own, dropped afterwards. The sender renders nothing over the
network: this measures the claim-then-send bookkeeping and building the digests.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time

from _support import throwaway_core  # noqa: F401  (puts the project on sys.path)

from bot.core import FactBot
from bot.digest.content import Digest
from bot.digest.scheduler import DigestScheduler
from bot.settings import load_settings
from bot.subscriptions import DigestSubscription
from tests.databases import postgres_schema_url

NOW = datetime(2026, 3, 2, 4, 1, tzinfo=UTC)


class NullSender:
    name = "telegram"

    async def send_digest(self, subscription: DigestSubscription, digest: Digest) -> Digest:
        digest.to_json()
        return digest


def _instance(url: str, name: str) -> None:
    core = FactBot.open(load_settings(database_url=url))
    scheduler = DigestScheduler(core, {"telegram": NullSender()}, clock=lambda: NOW,
                                instance_id=name)
    asyncio.run(scheduler.tick())
    core.close()


def _prepare(url: str, count: int) -> None:
    core = FactBot.open(load_settings(database_url=url))
    from sqlalchemy import update

    from db.models import Subscription

    for number in range(count):
        core.subscriptions.subscribe(
            platform="telegram", chat_id=str(number), local_time=clock_time(9, 0),
            timezone="Asia/Almaty", created_by="bench")
    with core.database.session() as session:
        session.execute(update(Subscription).values(created_at=NOW - timedelta(hours=12)))
    core.close()


def measure(base_url: str, count: int, instances: int) -> float:
    with postgres_schema_url(base_url) as url:
        _prepare(url, count)
        context = multiprocessing.get_context("spawn")
        workers = [context.Process(target=_instance, args=(url, f"bench-{n}"))
                   for n in range(instances)]
        started = time.perf_counter()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        elapsed = time.perf_counter() - started
        if any(worker.exitcode for worker in workers):
            sys.exit("a scheduler instance failed")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=500)
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL"))
    args = parser.parse_args()
    if not args.database_url:
        sys.exit("set TEST_DATABASE_URL or pass --database-url (PostgreSQL)")
    for instances in (1, 2):
        elapsed = measure(args.database_url, args.subscriptions, instances)
        print(f"digest, {instances} instance(s): {args.subscriptions} due subscriptions "
              f"claimed, built and sent in {elapsed:.2f} s (process start-up included) = "
              f"{args.subscriptions / elapsed:.0f}/s")


if __name__ == "__main__":
    main()
