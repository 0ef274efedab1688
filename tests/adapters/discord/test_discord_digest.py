"""A digest delivered through the Discord adapter to the fake Discord."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from bot.digest.scheduler import DigestScheduler
from db.models import Subscription
from tests.adapters.discord.conftest import RunningBot
from tests.digest_support import Clock
from tests.fakes.discord_api import CHANNEL_ID


async def test_a_digest_arrives_in_the_channel(discord_bot: RunningBot) -> None:
    """The scheduler posts the digest embed once to the subscribed channel, mentions off."""
    now = datetime(2027, 1, 10, 4, 1, tzinfo=UTC)
    discord_bot.core.subscribe(platform="discord", chat_id=str(CHANNEL_ID),
                               local_time=time(9, 0), timezone="Asia/Almaty",
                               created_by="editor", guild_id="800100")
    with discord_bot.core.database.session() as session:
        for row in session.scalars(select(Subscription)):
            row.created_at = now - timedelta(hours=6)
    scheduler = DigestScheduler(discord_bot.core, {"discord": discord_bot.adapter},
                                clock=Clock(now))
    await scheduler.tick()
    await scheduler.tick()
    posts = discord_bot.fake.calls("POST", f"/channels/{CHANNEL_ID}/messages")
    assert len(posts) == 1
    embed = posts[0].body["embeds"][0]
    assert embed["title"].startswith("Daily digest")
    assert any("On this day" in field["name"] for field in embed["fields"])
    assert posts[0].body["allowed_mentions"] == {"parse": []}
