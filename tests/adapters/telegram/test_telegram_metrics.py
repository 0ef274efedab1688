"""What the Telegram adapter counts for operators: 429s from the Bot API and handler errors."""

from __future__ import annotations

from tests.adapters.telegram.conftest import RunningBot
from tests.fakes.telegram_api import message_update


def counted(bot: RunningBot, metric: str) -> float | None:
    return bot.core.metrics.registry.get_sample_value(metric, {"platform": "telegram"})


async def test_a_429_is_counted_even_when_the_retry_succeeds(telegram_bot: RunningBot) -> None:
    """Flood control waited out by the rate limiter still shows as one 429, and no error."""
    telegram_bot.fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 1",
                                retry_after=1)
    telegram_bot.fake.push_update(message_update("/fact curfew"))
    attempts = await telegram_bot.fake.wait_for("sendMessage", 2)
    assert "11 p.m." in attempts[1].params["text"]
    assert counted(telegram_bot, "factbot_platform_rate_limited_total") == 1
    assert counted(telegram_bot, "factbot_platform_errors_total") in (None, 0)


async def test_an_error_at_the_error_boundary_is_counted(telegram_bot: RunningBot) -> None:
    """A reply the Bot API refuses reaches `on_error` and is counted as a platform error."""
    telegram_bot.fake.fail_next("sendMessage", 400, "Bad Request: chat not found", chat_id=4242)
    telegram_bot.fake.push_update(message_update("/fact curfew"))
    await telegram_bot.fake.wait_for("sendMessage", 2)  # the failure, then the apology
    assert counted(telegram_bot, "factbot_platform_errors_total") == 1
    assert counted(telegram_bot, "factbot_platform_rate_limited_total") in (None, 0)
