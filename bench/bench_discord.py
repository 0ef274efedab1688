"""Discord: interactions answered per second through the real discord.py, and the latency
from INTERACTION_CREATE on the gateway to the callback, against the fake Discord.

    python bench/bench_discord.py [--interactions 300]
"""

from __future__ import annotations

import argparse
import asyncio
import time

from _support import describe_latencies, throwaway_core

from adapters.discord.app import DiscordAdapter
from bot.settings import load_settings
from tests.fakes.discord_api import FakeDiscord, option, slash_command

QUESTIONS = ["how many csto troops?", "curfew hours", "death toll", "national mourning date",
             "who painted the mona lisa", "when was the state of emergency declared"]


async def run(interactions: int) -> None:
    fake = FakeDiscord()
    await fake.start()
    core = throwaway_core()
    settings = load_settings(database_url=core.settings.resolved_database_url,
                             discord_bot_token="bench.discord.token-abcdefghijklmnop",
                             discord_api_base_url=fake.api_base_url,
                             discord_gateway_url=fake.gateway_url)
    adapter = DiscordAdapter(core, settings, guild_ready_timeout=0.05)
    await adapter.start()
    quiet = []
    for number in range(50):  # one at a time: the latency a reporter sees
        interaction = slash_command("fact", [option("question",
                                                    QUESTIONS[number % len(QUESTIONS)])])
        dispatched = time.perf_counter()
        await fake.dispatch("INTERACTION_CREATE", interaction)
        await fake.callback_for(interaction["id"], within=30)
        quiet.append((fake.calls("POST", f"/{interaction['id']}/")[0].at - dispatched) * 1000)
    print(f"discord, one interaction at a time: INTERACTION_CREATE→callback "
          f"{describe_latencies(quiet)}")
    fake.rest_calls.clear()
    sent: dict[str, float] = {}
    started = time.perf_counter()
    for number in range(interactions):
        interaction = slash_command("fact", [option("question",
                                                    QUESTIONS[number % len(QUESTIONS)])])
        sent[interaction["id"]] = time.perf_counter()
        await fake.dispatch("INTERACTION_CREATE", interaction)
    await fake.wait_for(lambda: len(fake.calls("POST", "/callback")) >= interactions,
                        within=600)
    elapsed = time.perf_counter() - started
    latencies = [(call.at - sent[call.path.split("/")[2]]) * 1000
                 for call in fake.calls("POST", "/callback")]
    await adapter.stop()
    await fake.stop()
    core.close()
    print(f"discord, burst: {interactions} interactions answered in {elapsed:.2f} s = "
          f"{interactions / elapsed:.1f} interactions/s; INTERACTION_CREATE→callback "
          f"{describe_latencies(latencies)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interactions", type=int, default=300)
    asyncio.run(run(parser.parse_args().interactions))


if __name__ == "__main__":
    main()
