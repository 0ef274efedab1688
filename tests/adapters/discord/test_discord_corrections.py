"""Corrections on Discord: the real discord.py against the fake Discord.

An answer's message id comes from the interaction callback's response (or the deferred
original response); after a fact changes the worker edits the message through the
channel, or replies where Discord refuses the edit.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from adapters.discord.app import DiscordAdapter
from bot import texts
from bot.answers import Answer
from bot.core import FactBot
from bot.corrections import CorrectionWorker
from db.models import PostedAnswer
from tests.adapters.discord.conftest import FAST, TOKEN, RunningBot
from tests.corrections_support import FACT, NEW_SAYS, SAYS_CHANGED, FactDesk, copy_seeds
from tests.fakes.discord_api import (
    CHANNEL_ID,
    DM_CHANNEL_ID,
    FakeDiscord,
    option,
    slash_command,
)


@pytest.fixture
def desk(tmp_path: Path) -> FactDesk:
    return FactDesk(copy_seeds(tmp_path))


@pytest.fixture
def core(desk: FactDesk, sqlite_database_url: str) -> Iterator[FactBot]:
    bot = FactBot.open(desk.settings(sqlite_database_url))
    yield bot
    bot.close()


@pytest.fixture
async def bot(core: FactBot, fake_discord: FakeDiscord) -> AsyncIterator[RunningBot]:
    settings = core.settings.model_copy(update={
        "discord_bot_token": SecretStr(TOKEN), "discord_api_base_url": fake_discord.api_base_url,
        "discord_gateway_url": fake_discord.gateway_url})
    adapter = DiscordAdapter(core, settings, **FAST)
    await adapter.start()
    yield RunningBot(fake_discord, adapter, core)
    await adapter.stop()


def worker(bot: RunningBot) -> CorrectionWorker:
    return CorrectionWorker(bot.core.corrections, {"discord": bot.adapter},
                            instance_id="instance-a")


def fact(question: str, *, guild: bool = True) -> dict[str, Any]:
    return slash_command("fact", [option("question", question)], guild=guild)


async def ask(bot: RunningBot, interaction: dict[str, Any]) -> str:
    """Ask through an interaction; return the id of the answer's message, once recorded."""
    await bot.interact(interaction)
    for _ in range(100):
        with bot.core.database.session() as session:
            recorded = session.scalars(select(PostedAnswer.message_id)
                                       .order_by(PostedAnswer.id.desc()).limit(1)).first()
        created = [m["id"] for m in bot.fake.messages.values()
                   if (m.get("interaction_metadata") or {}).get("id") == interaction["id"]]
        if recorded is not None and recorded in created:
            return recorded
        await asyncio.sleep(0.05)
    raise AssertionError("the answer was not recorded")


def slowed(ask: Callable[..., Answer]) -> Callable[..., Answer]:
    def slow(*args: Any, **kwargs: Any) -> Answer:
        time.sleep(0.3)
        return ask(*args, **kwargs)

    return slow


async def test_an_answer_is_recorded_as_the_message_discord_created(bot: RunningBot) -> None:
    """The callback's response names the message: that id and channel are recorded."""
    interaction = fact("how many CSTO troops?")
    message_id = await ask(bot, interaction)
    callback_message = bot.fake.messages[message_id]
    assert callback_message["channel_id"] == str(CHANNEL_ID)
    with bot.core.database.session() as session:
        row = session.scalars(select(PostedAnswer)).one()
        assert (row.platform, row.chat_id, row.fact_id) == ("discord", str(CHANNEL_ID), FACT)


async def test_a_deferred_answer_is_recorded_as_the_original_response(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A slow answer replaces the "thinking…" message: that message is the one recorded."""
    monkeypatch.setattr(bot.core, "ask", slowed(bot.core.ask))
    bot.adapter.defer_after = 0.05
    interaction = fact("how many CSTO troops?")
    message_id = await ask(bot, interaction)
    [edit] = await bot.fake.webhook_calls_for(interaction, 1)
    assert edit.path.endswith("/messages/@original")
    assert "2,500" in str(bot.fake.messages[message_id]["embeds"])


async def test_a_correction_edits_every_earlier_answer_through_its_channel(
    bot: RunningBot, desk: FactDesk,
) -> None:
    """Answers in a server channel and in a DM are each edited once: the dated correction
    as the text, the corrected answer as the embed."""
    posted = [await ask(bot, fact("how many CSTO troops?")),
              await ask(bot, fact("how many CSTO troops?", guild=False))]
    desk.correct(bot.core)
    assert (await worker(bot).run_once()).edited == 2
    await worker(bot).run_once()
    for message_id, channel in zip(posted, (CHANNEL_ID, DM_CHANNEL_ID), strict=True):
        [edit] = bot.fake.channel_edits(message_id)
        assert edit.path == f"/channels/{channel}/messages/{message_id}"
        message = bot.fake.messages[message_id]
        assert message["content"].startswith("*Corrected on ")
        assert message["content"].endswith(f"{SAYS_CHANGED}.*")
        assert NEW_SAYS in message["embeds"][0]["description"]
        assert edit.body["allowed_mentions"] == {"parse": []}


async def test_a_message_discord_will_not_edit_gets_a_reply(bot: RunningBot, desk: FactDesk
                                                           ) -> None:
    """A 403 on the edit: the correction is posted as a reply to the old answer."""
    message_id = await ask(bot, fact("how many CSTO troops?"))
    bot.fake.refused_edits.add(message_id)
    desk.correct(bot.core)
    assert (await worker(bot).run_once()).replied == 1
    [reply] = bot.fake.replies_to(message_id)
    assert reply["content"].startswith(f"**{texts.CORRECTION_REPLY}**\n*Corrected on ")
    assert NEW_SAYS in reply["embeds"][0]["description"]


async def test_a_channel_closed_to_the_bot_fails_the_correction(bot: RunningBot,
                                                                desk: FactDesk) -> None:
    """No access to the channel at all: neither edit nor reply; recorded as failed."""
    message_id = await ask(bot, fact("how many CSTO troops?"))
    bot.fake.closed_channels.add(str(CHANNEL_ID))
    desk.correct(bot.core)
    assert (await worker(bot).run_once()).failed == 1
    assert not bot.fake.replies_to(message_id)


async def test_a_deleted_answer_is_not_corrected(bot: RunningBot, desk: FactDesk) -> None:
    """Unknown Message: nothing is edited or posted."""
    message_id = await ask(bot, fact("how many CSTO troops?"))
    bot.fake.delete_message(message_id)
    desk.correct(bot.core)
    assert (await worker(bot).run_once()).gone == 1
    assert not bot.fake.replies_to(message_id)


async def test_a_retracted_fact_is_marked_retracted_without_buttons(
    bot: RunningBot, desk: FactDesk,
) -> None:
    """After a retraction the answer's embed says so and its quotes button goes."""
    message_id = await ask(bot, fact("reason for the state of emergency"))
    assert bot.fake.messages[message_id]["components"]
    desk.retract(bot.core, "state-of-emergency-reason", reason="withdrawn by the ministry")
    await worker(bot).run_once()
    message = bot.fake.messages[message_id]
    assert message["content"].endswith("retracted: withdrawn by the ministry.*")
    assert message["embeds"][0]["title"] == texts.CORRECTION_RETRACTED_TITLE
    assert message["components"] == []


async def test_edits_in_one_channel_stay_within_five_per_five_seconds(
    bot: RunningBot, desk: FactDesk,
) -> None:
    """Six answers in one channel: five edits at once, the sixth five seconds later."""
    posted = [await ask(bot, fact("how many CSTO troops?")) for _ in range(6)]
    desk.correct(bot.core)
    await worker(bot).run_once()
    times = sorted(bot.fake.channel_edits(message_id)[0].at for message_id in posted)
    assert times[4] - times[0] < 1.0 and times[5] - times[0] >= 4.9
