"""Shared pieces for digest tests: a clock, a recording sender, a worker process, and
any digest at all (for renderers)."""

from __future__ import annotations

import argparse
import asyncio
import os
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

from hypothesis import strategies as st

from bot.answers import Answer
from bot.core import FactBot
from bot.digest.content import Anniversary, Digest, FactUpdate, UnansweredQuestion
from bot.digest.scheduler import DigestScheduler
from bot.settings import load_settings
from bot.subscriptions import DigestSubscription


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass
class RecordingSender:
    """A platform stand-in: records each digest; can fail on purpose."""

    name: str = "telegram"
    sent: list[tuple[DigestSubscription, Digest]] = field(default_factory=list)
    failures: list[Exception] = field(default_factory=list)

    async def send_digest(self, subscription: DigestSubscription, digest: Digest) -> Digest:
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

    async def send_digest(self, subscription: DigestSubscription, digest: Digest) -> Digest:
        if self.crash_on_send:
            os._exit(3)  # dies between claim and send, as a killed process would
        line = f"{subscription.chat_id} {digest.local_date.isoformat()} {os.getpid()}\n"
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        try:
            os.write(descriptor, line.encode())
        finally:
            os.close(descriptor)
        return digest


T = TypeVar("T")

# One line of any script, markup and emoji included (headlines and questions have no breaks).
HOSTILE_LINES = ["&<>\"'" * 150, "🔥" * 400, "*_~`|>@everyone " * 60, "a" * 5000, ""]
LINE = st.one_of(
    st.sampled_from(HOSTILE_LINES),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cc", "Cs", "Zl", "Zp"]),
            max_size=80),
)


@st.composite
def any_digest(draw: st.DrawFn, answers: list[Answer]) -> Digest:
    """A digest of any size, often too big for a message: up to 150 changes and 40
    anniversaries, with hostile headlines and questions."""
    answer = st.sampled_from(answers)

    def some(strategy: st.SearchStrategy[T], most: int) -> list[T]:
        count = draw(st.integers(0, most))
        return draw(st.lists(strategy, min_size=count, max_size=count))

    changes = some(st.builds(
        FactUpdate, st.sampled_from(["added", "corrected", "retracted"]),
        st.sampled_from(["f1", "f2"]), LINE | st.sampled_from([a.headline for a in answers]),
        st.none() | answer), 150)
    on_this_day = some(st.builds(Anniversary, answer, st.dates(date(1990, 1, 1),
                                                                date(2026, 12, 31)),
                                 st.integers(1, 40)), 40)
    unanswered = some(st.builds(UnansweredQuestion, LINE, st.integers(1, 10_000)), 5)
    return Digest(local_date=draw(st.dates()), timezone="UTC",
                  changes=tuple(changes), on_this_day=tuple(on_this_day),
                  highlight=draw(st.none() | answer), unanswered=tuple(unanswered))


def assert_shows_a_prefix_of_each_list(original: Digest, delivered: Digest) -> None:
    """What a renderer delivers is each list's first items, the rest counted as left out."""
    for items, more, full in ((delivered.changes, delivered.more_changes, original.changes),
                              (delivered.on_this_day, delivered.more_on_this_day,
                               original.on_this_day),
                              (delivered.unanswered, delivered.more_unanswered,
                               original.unanswered)):
        assert items == full[:len(items)] and len(items) + more == len(full)
    assert delivered.highlight == original.highlight


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
