"""/digest on Discord: who may change it, what it stores, and a digest delivered."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from bot.digest.scheduler import DigestScheduler
from db.models import DigestDelivery, FactChange, Subscription
from tests.adapters.discord.conftest import RunningBot, is_ephemeral
from tests.digest_support import Clock
from tests.fakes.discord_api import (
    CHANNEL_ID,
    MANAGE_GUILD,
    OTHER_CHANNEL_ID,
    autocomplete,
    channel_option,
    option,
    slash_command,
)


def digest(subcommand: str, *options: dict[str, object], permissions: int = MANAGE_GUILD,
           guild: bool = True) -> dict[str, object]:
    return slash_command("digest", list(options), subcommand=subcommand,
                         permissions=permissions, guild=guild)


@pytest.mark.parametrize(("permissions", "guild"), [(0, True), (MANAGE_GUILD, False)])
async def test_digest_needs_manage_server(discord_bot: RunningBot, permissions: int,
                                          guild: bool) -> None:
    """Without Manage Server (or outside a server) /digest is refused in code; nothing stored."""
    refused = await discord_bot.interact(
        digest("on", option("time", "09:00"), permissions=permissions, guild=guild))
    assert is_ephemeral(refused) and "Manage Server" in refused["data"]["content"]
    with discord_bot.core.database.session() as session:
        assert session.scalars(select(Subscription)).first() is None


async def test_digest_on_status_off_in_this_channel(discord_bot: RunningBot) -> None:
    """With Manage Server, /digest on stores this channel's subscription; status and off follow."""
    on = await discord_bot.interact(digest(
        "on", option("time", "07:45"), option("timezone", "europe/berlin"),
        option("unanswered", True, 5)))
    assert is_ephemeral(on)
    assert "07:45" in on["data"]["content"] and "Europe/Berlin" in on["data"]["content"]
    stored = discord_bot.core.subscriptions.get("discord", str(CHANNEL_ID))
    assert stored is not None and stored.guild_id == "800100" and stored.include_unanswered
    status = await discord_bot.interact(digest("status"))
    assert "07:45" in status["data"]["content"]
    off = await discord_bot.interact(digest("off"))
    assert "turned off" in off["data"]["content"]
    assert "no daily digest" in (await discord_bot.interact(digest("off")))["data"]["content"]


async def test_digest_for_another_channel(discord_bot: RunningBot) -> None:
    """channel: picks where the digest goes; the subscription is keyed by that channel."""
    on = await discord_bot.interact(digest(
        "on", option("time", "18:00"), channel_option("channel", OTHER_CHANNEL_ID)))
    assert f"<#{OTHER_CHANNEL_ID}>" in on["data"]["content"]
    assert on["data"]["allowed_mentions"] == {"parse": []}
    assert discord_bot.core.subscriptions.get("discord", str(OTHER_CHANNEL_ID)) is not None
    assert discord_bot.core.subscriptions.get("discord", str(CHANNEL_ID)) is None
    status = await discord_bot.interact(
        digest("status", channel_option("channel", OTHER_CHANNEL_ID)))
    assert "18:00" in status["data"]["content"]


@pytest.mark.parametrize(("time_typed", "zone", "expected"), [
    ("7pm", "UTC", "HH:MM"),
    ("09:00", "Mars/Olympus", "Unknown time zone"),
])
async def test_bad_digest_times_and_zones_are_explained(
    discord_bot: RunningBot, time_typed: str, zone: str, expected: str
) -> None:
    """A time or zone the core cannot read gets its message, privately; nothing is stored."""
    bad = await discord_bot.interact(digest("on", option("time", time_typed),
                                            option("timezone", zone)))
    assert is_ephemeral(bad) and expected in bad["data"]["content"]
    assert discord_bot.core.subscriptions.get("discord", str(CHANNEL_ID)) is None


async def test_timezone_is_autocompleted(discord_bot: RunningBot) -> None:
    """Typing a city offers IANA zones, those starting with it first."""
    callback = await discord_bot.interact(
        autocomplete("digest", "timezone", "asia/al", subcommand="on"))
    assert [c["value"] for c in callback["data"]["choices"]][:1] == ["Asia/Almaty"]


async def test_a_digest_arrives_in_the_channel(discord_bot: RunningBot) -> None:
    """The scheduler posts the digest embed once to the subscribed channel, mentions off."""
    now = datetime(2027, 1, 10, 4, 1, tzinfo=UTC)
    discord_bot.core.subscriptions.subscribe(platform="discord", chat_id=str(CHANNEL_ID),
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


async def test_forty_changed_facts_fit_the_embed_with_every_section(discord_bot: RunningBot
                                                                    ) -> None:
    """40 changed facts: each field within 1,024, every section there, recorded as shown."""
    now = datetime(2027, 1, 5, 4, 1, tzinfo=UTC)
    core = discord_bot.core
    core.subscriptions.subscribe(platform="discord", chat_id=str(CHANNEL_ID), local_time=time(9, 0),
                   timezone="Asia/Almaty", created_by="editor", guild_id="800100")
    with core.database.session() as session:
        for row in session.scalars(select(Subscription)):
            row.created_at = now - timedelta(hours=6)
        session.add_all(FactChange(fact_id=fact.id, kind="corrected",
                                   changed_at=now - timedelta(hours=1))
                        for fact in core.index.facts[:40])
    await DigestScheduler(core, {"discord": discord_bot.adapter}, clock=Clock(now)).tick()
    embed = discord_bot.fake.calls("POST", f"/channels/{CHANNEL_ID}/messages")[0].body[
        "embeds"][0]
    fields = {field["name"]: field["value"] for field in embed["fields"]}
    assert all(len(value) <= 1024 for value in fields.values())
    assert len(embed["title"]) + sum(len(n) + len(v) for n, v in fields.items()) <= 6000
    assert {"Changes to the fact table", "On this day"} <= set(fields)
    assert any(name.startswith("Fact of the day") for name in fields)
    with core.database.session() as session:
        content = session.scalars(select(DigestDelivery.content)).one()
    assert content is not None
    shown, left_out = content["changes"], content["left_out"]["changes"]
    changes = fields["Changes to the fact table"]
    assert left_out > 0 and len(shown) + left_out == 40
    assert changes.count("• ") == len(shown) and changes.endswith(f"… and {left_out} more")
