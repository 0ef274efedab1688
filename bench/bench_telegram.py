"""Telegram: updates answered per second through the real python-telegram-bot, and the
latency from an update entering getUpdates to its sendMessage, against the fake Bot API.

    python bench/bench_telegram.py [--updates 300]

Replies go through the adapter's rate limiter, which keeps to Telegram's global limit of
about 30 messages a second; the figure is therefore bounded by that, by design.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from _support import describe_latencies, throwaway_core

from adapters.telegram.app import TelegramAdapter
from bot.settings import load_settings
from tests.fakes.telegram_api import FakeTelegram, message_update, private_chat

QUESTIONS = ["how many csto troops?", "curfew hours", "death toll", "national mourning date",
             "who painted the mona lisa", "when was the state of emergency declared"]


async def run(updates: int) -> None:
    fake = FakeTelegram()
    await fake.start()
    core = throwaway_core()
    settings = load_settings(database_url=core.settings.resolved_database_url,
                             telegram_bot_token="123:bench-token-abcdefghijklmnopqrstuvwxyz",
                             telegram_api_base_url=fake.base_url)
    adapter = TelegramAdapter(core, settings, poll_timeout=1)
    await adapter.start()
    quiet = []
    for number in range(50):  # one at a time: the latency a reporter sees
        update = message_update(QUESTIONS[number % len(QUESTIONS)], private_chat(5_000))
        before = len(fake.calls_of("sendMessage"))
        pushed_at = time.perf_counter()
        fake.push_update(update)
        reply = (await fake.wait_for("sendMessage", before + 1, within=30))[-1]
        quiet.append((reply.at - pushed_at) * 1000)
    print(f"telegram, one update at a time: update→sendMessage {describe_latencies(quiet)}")
    fake.calls.clear()
    pushed: dict[int, float] = {}
    started = time.perf_counter()
    for number in range(updates):
        update = message_update(QUESTIONS[number % len(QUESTIONS)],
                                private_chat(10_000 + number))
        pushed[update["message"]["message_id"]] = time.perf_counter()
        fake.push_update(update)
    calls = await fake.wait_for("sendMessage", updates, within=600)
    elapsed = time.perf_counter() - started
    latencies = [(call.at - pushed[int(call.params["reply_parameters"]["message_id"])]) * 1000
                 if "reply_parameters" in call.params else
                 (call.at - pushed[int(call.params["reply_to_message_id"])]) * 1000
                 for call in calls]
    await adapter.stop()
    await fake.stop()
    core.close()
    print(f"telegram, burst: {updates} updates answered in {elapsed:.2f} s = "
          f"{updates / elapsed:.1f} updates/s; update→sendMessage {describe_latencies(latencies)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=300)
    asyncio.run(run(parser.parse_args().updates))


if __name__ == "__main__":
    main()
