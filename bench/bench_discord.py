"""Discord: interactions answered per second through the real discord.py, and the latency
from INTERACTION_CREATE on the gateway to the interaction callback, against the fake Discord.

    python bench/bench_discord.py [--interactions 300]

Three runs: /fact one at a time (the latency a reporter sees), autocomplete one at a time
(Discord allows 3 s), and a burst of /fact dispatched all at once (throughput; the burst
latencies include the time each interaction waits behind the others).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from _support import describe_latencies, throwaway_core

from adapters.discord.app import DiscordAdapter
from bot.settings import load_settings
from tests.fakes.discord_api import FakeDiscord, autocomplete, option, slash_command

QUESTIONS = ["how many csto troops?", "curfew hours", "death toll", "national mourning date",
             "who painted the mona lisa", "when was the state of emergency declared"]
TYPED = ["c", "cs", "csto", "csto tr", "state of em", "death", "curf", "mourning"]
ONE_AT_A_TIME = 50


def _fact(number: int) -> dict[str, Any]:
    return slash_command("fact", [option("question", QUESTIONS[number % len(QUESTIONS)])])


def _autocomplete(number: int) -> dict[str, Any]:
    return autocomplete("fact", "question", TYPED[number % len(TYPED)])


def _callback_at(fake: FakeDiscord, interaction: dict[str, Any]) -> float:
    return fake.calls("POST", f"/interactions/{interaction['id']}/")[0].at


async def _one_at_a_time(fake: FakeDiscord, interactions: list[dict[str, Any]]
                         ) -> list[float]:
    latencies = []
    for interaction in interactions:
        dispatched = time.monotonic()
        await fake.dispatch("INTERACTION_CREATE", interaction)
        await fake.callback_for(interaction["id"], within=30)
        latencies.append((_callback_at(fake, interaction) - dispatched) * 1000)
    return latencies


async def _burst(fake: FakeDiscord, count: int) -> tuple[float, list[float]]:
    interactions = [_fact(number) for number in range(count)]
    dispatched: dict[str, float] = {}
    started = time.monotonic()
    for interaction in interactions:
        dispatched[interaction["id"]] = time.monotonic()
        await fake.dispatch("INTERACTION_CREATE", interaction)
    ids = set(dispatched)
    await fake.wait_for(lambda: len([c for c in fake.calls("POST", "/callback")
                                     if c.path.split("/")[2] in ids]) >= count, within=600)
    latencies = [(_callback_at(fake, i) - dispatched[i["id"]]) * 1000 for i in interactions]
    last = max(_callback_at(fake, i) for i in interactions)
    return last - started, latencies


async def run(count: int) -> None:
    fake = FakeDiscord()
    await fake.start()
    core = throwaway_core()
    settings = load_settings(database_url=core.settings.resolved_database_url,
                             discord_bot_token="bench.discord.token-abcdefghijklmnop",
                             discord_api_base_url=fake.api_base_url,
                             discord_gateway_url=fake.gateway_url)
    adapter = DiscordAdapter(core, settings, guild_ready_timeout=0.05)
    await adapter.start()
    try:
        facts = await _one_at_a_time(fake, [_fact(n) for n in range(ONE_AT_A_TIME)])
        print(f"discord /fact, one at a time: INTERACTION_CREATE→callback "
              f"{describe_latencies(facts)}")
        choices = await _one_at_a_time(fake, [_autocomplete(n) for n in range(ONE_AT_A_TIME)])
        print(f"discord autocomplete, one at a time: INTERACTION_CREATE→callback "
              f"{describe_latencies(choices)}")
        elapsed, latencies = await _burst(fake, count)
        print(f"discord /fact, burst: {count} interactions answered in {elapsed:.2f} s = "
              f"{count / elapsed:.1f} interactions/s; INTERACTION_CREATE→callback "
              f"{describe_latencies(latencies)}")
    finally:
        await adapter.stop()
        await fake.stop()
        core.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interactions", type=int, default=300)
    asyncio.run(run(parser.parse_args().interactions))


if __name__ == "__main__":
    main()
