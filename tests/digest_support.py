"""Shared pieces for digest tests: a clock, a recording sender, a worker process."""

from __future__ import annotations

import argparse
import asyncio
import os
from dataclasses import dataclass, field
from datetime import datetime

from bot.core import FactBot, SubscriptionView
from bot.digest.content import Digest
from bot.digest.scheduler import DigestScheduler
from bot.settings import load_settings


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass
class RecordingSender:
    """A platform stand-in: records each digest; can fail on purpose."""

    name: str = "telegram"
    sent: list[tuple[SubscriptionView, Digest]] = field(default_factory=list)
    failures: list[Exception] = field(default_factory=list)

    async def send_digest(self, subscription: SubscriptionView, digest: Digest) -> Digest:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((subscription, digest))
        return digest


class FileSender:
    """Appends one line per digest to a shared file (O_APPEND writes do not interleave)."""

    def __init__(self, path: str, *, crash_on_send: bool = False):
        self.name = "telegram"
        self.path = path
        self.crash_on_send = crash_on_send

    async def send_digest(self, subscription: SubscriptionView, digest: Digest) -> Digest:
        if self.crash_on_send:
            os._exit(3)  # dies between claim and send, as a killed process would
        line = f"{subscription.chat_id} {digest.local_date.isoformat()} {os.getpid()}\n"
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        try:
            os.write(descriptor, line.encode())
        finally:
            os.close(descriptor)
        return digest


async def _work(args: argparse.Namespace) -> None:
    core = FactBot.open(load_settings(database_url=args.database_url))
    try:
        scheduler = DigestScheduler(
            core, {"telegram": FileSender(args.output, crash_on_send=args.crash)},
            clock=Clock(datetime.fromisoformat(args.now)), instance_id=args.instance)
        for _ in range(args.ticks):
            await scheduler.tick()
    finally:
        core.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--now", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--instance", required=True)
    parser.add_argument("--ticks", type=int, default=3)
    parser.add_argument("--crash", action="store_true")
    asyncio.run(_work(parser.parse_args()))


if __name__ == "__main__":
    main()
