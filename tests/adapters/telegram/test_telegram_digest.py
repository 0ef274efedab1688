"""A digest delivered through the Telegram adapter to the fake Bot API."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from bot.digest.scheduler import DigestScheduler
from db.models import Subscription
from tests.adapters.telegram.conftest import RunningBot
from tests.digest_support import Clock


def _subscribe(bot: RunningBot, chat_id: str) -> datetime:
    now = datetime(2027, 1, 5, 4, 1, tzinfo=UTC)  # 09:01 in Almaty, 5 January
    bot.core.subscriptions.subscribe(platform="telegram", chat_id=chat_id, local_time=time(9, 0),
                       timezone="Asia/Almaty", created_by="editor")
    with bot.core.database.session() as session:
        for row in session.scalars(select(Subscription)):
            row.created_at = now - timedelta(hours=6)
    return now


async def test_a_digest_arrives_in_the_chat(telegram_bot: RunningBot) -> None:
    """The scheduler posts the rendered digest once, as HTML, to the subscribed chat."""
    now = _subscribe(telegram_bot, "-100555")
    scheduler = DigestScheduler(telegram_bot.core, {"telegram": telegram_bot.adapter},
                                clock=Clock(now))
    await scheduler.tick()
    await scheduler.tick()
    sent = telegram_bot.fake.calls_of("sendMessage")
    assert len(sent) == 1 and sent[0].params["chat_id"] == -100555
    text = sent[0].params["text"]
    assert "Daily digest" in text and "On this day" in text and "5 years ago" in text
    assert len(text) <= 4096 and sent[0].params["parse_mode"] == "HTML"


async def test_a_blocked_bot_turns_the_digest_off(telegram_bot: RunningBot) -> None:
    """Telegram's 403 disables the subscription instead of retrying forever."""
    now = _subscribe(telegram_bot, "-100666")
    telegram_bot.fake.fail_next("sendMessage", 403, "Forbidden: bot was kicked from the group")
    await DigestScheduler(telegram_bot.core, {"telegram": telegram_bot.adapter},
                          clock=Clock(now)).tick()
    view = telegram_bot.core.subscriptions.get("telegram", "-100666")
    assert view is not None and not view.enabled
