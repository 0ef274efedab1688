"""A digest delivered through the Telegram adapter to the fake Bot API."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from html import escape

import pytest
from sqlalchemy import select

from bot.core import FactBot
from bot.digest.scheduler import DigestScheduler
from db.models import DigestDelivery, FactChange, Subscription
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


def _correct_facts(core: FactBot, count: int | None, at: datetime) -> int:
    """Record `count` facts (all when None) as corrected at `at`, as a seed reload would."""
    facts = core.index.facts[:count]
    with core.database.session() as session:
        session.add_all(FactChange(fact_id=fact.id, kind="corrected", changed_at=at)
                        for fact in facts)
    return len(facts)


@pytest.mark.parametrize("changed", [35, None])
async def test_many_changed_facts_leave_every_section_in_the_digest(
    telegram_bot: RunningBot, changed: int | None,
) -> None:
    """35 or all facts changed: one message under 4,096 with every section, recorded as shown."""
    now = _subscribe(telegram_bot, "-100777")
    count = _correct_facts(telegram_bot.core, changed, now - timedelta(hours=1))
    await DigestScheduler(telegram_bot.core, {"telegram": telegram_bot.adapter},
                          clock=Clock(now)).tick()
    text = telegram_bot.fake.calls_of("sendMessage")[0].params["text"]
    assert len(text.encode("utf-16-le")) // 2 <= 4096
    assert all(heading in text for heading in ("Changes to the fact table", "On this day",
                                               "Fact of the day"))
    with telegram_bot.core.database.session() as session:
        content = session.scalars(select(DigestDelivery.content)).one()
        highlighted = session.scalars(select(Subscription.highlighted)).one()
    assert content is not None
    shown, left_out = content["changes"], content["left_out"]["changes"]
    assert len(shown) + left_out == count
    changes_section = text.split("\n\n")[1]
    assert changes_section.count("\n• ") == len(shown)
    assert all(escape(change["headline"], quote=False) in changes_section for change in shown)
    assert (f"… and {left_out} more" in changes_section) == (left_out > 0)
    assert highlighted == [content["highlight"]["fact_id"]]
