"""What the Discord adapter counts for operators: 429s from the API and handler errors."""

from __future__ import annotations

from tests.adapters.discord.conftest import RunningBot, embed_of
from tests.fakes.discord_api import option, slash_command


def counted(bot: RunningBot, metric: str) -> float | None:
    return bot.core.metrics.registry.get_sample_value(metric, {"platform": "discord"})


async def test_a_429_on_a_reply_is_counted_as_rate_limited_and_as_an_error(
        discord_bot: RunningBot) -> None:
    """A reply Discord refuses with 429 counts once as rate limited and once at the error
    boundary; the next question is answered and adds to neither."""
    discord_bot.fake.callback_failures.append(429)
    interaction = slash_command("fact", [option("question", "curfew")])
    callbacks = f"/interactions/{interaction['id']}/"
    await discord_bot.fake.dispatch("INTERACTION_CREATE", interaction)
    await discord_bot.fake.wait_for(lambda: len(discord_bot.fake.calls("POST", callbacks)) >= 2)
    callback = await discord_bot.interact(slash_command("fact", [option("question", "curfew")]))
    assert "11 p.m." in embed_of(callback)["description"]
    assert counted(discord_bot, "factbot_platform_rate_limited_total") == 1
    assert counted(discord_bot, "factbot_platform_errors_total") == 1
