"""Corrections on Telegram: the real python-telegram-bot against the fake Bot API.

Answers posted through the adapter are recorded with the message id Telegram returned;
after a fact changes the worker edits them with editMessageText, or replies where
Telegram refuses the edit.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from adapters.telegram.app import TelegramAdapter
from bot import texts
from bot.core import FactBot
from bot.corrections import CorrectionWorker
from db.models import PostedAnswer
from tests.adapters.telegram.conftest import TOKEN
from tests.corrections_support import FACT, NEW_SAYS, SAYS_CHANGED, FactDesk, copy_seeds
from tests.fakes.telegram_api import (
    FakeTelegram,
    callback_update,
    group_chat,
    message_update,
    private_chat,
)

LONG_QUOTES_FACT = "state-of-emergency-reason"  # quotes shown shortened, with a button


@pytest.fixture
def desk(tmp_path: Path) -> FactDesk:
    return FactDesk(copy_seeds(tmp_path))


@pytest.fixture
def core(desk: FactDesk, sqlite_database_url: str) -> Iterator[FactBot]:
    bot = FactBot.open(desk.settings(sqlite_database_url))
    yield bot
    bot.close()


def adapter_for(core: FactBot, fake: FakeTelegram) -> TelegramAdapter:
    settings = core.settings.model_copy(update={"telegram_bot_token": SecretStr(TOKEN),
                                                "telegram_api_base_url": fake.base_url})
    return TelegramAdapter(core, settings, poll_timeout=1)


@pytest.fixture
async def adapter(core: FactBot, fake_telegram: FakeTelegram
                  ) -> AsyncIterator[TelegramAdapter]:
    running = adapter_for(core, fake_telegram)
    await running.start()
    yield running
    await running.stop()


def worker(adapter: TelegramAdapter, instance: str = "instance-a", **options: Any
           ) -> CorrectionWorker:
    return CorrectionWorker(adapter.core.corrections, {"telegram": adapter},
                            instance_id=instance, **options)


async def ask(fake: FakeTelegram, core: FactBot, chat: dict[str, Any],
              text: str = "/fact how many CSTO troops?") -> int:
    """Ask in `chat` through Telegram; return the id of the bot's answer, once recorded."""
    before = len(fake.calls_of("sendMessage"))
    fake.push_update(message_update(text, chat))
    await fake.wait_for("sendMessage", before + 1)
    message_id = max(mid for (chat_id, mid) in fake.messages if chat_id == chat["id"])
    for _ in range(100):
        with core.database.session() as session:
            if session.scalar(select(PostedAnswer.id).where(
                    PostedAnswer.message_id == str(message_id))):
                return message_id
        await asyncio.sleep(0.05)
    raise AssertionError("the answer was not recorded")


async def test_an_answer_is_recorded_with_the_message_id_telegram_returned(
    adapter: TelegramAdapter, fake_telegram: FakeTelegram, core: FactBot,
) -> None:
    """Where the answer went, as Telegram numbered it: chat, message, fact."""
    chat = group_chat(-100501)
    message_id = await ask(fake_telegram, core, chat)
    with core.database.session() as session:
        row = session.scalars(select(PostedAnswer)).one()
        assert (row.platform, row.chat_id, row.message_id, row.fact_id) == (
            "telegram", "-100501", str(message_id), FACT)


async def test_a_correction_edits_every_earlier_answer_in_place(
    adapter: TelegramAdapter, fake_telegram: FakeTelegram, core: FactBot, desk: FactDesk,
) -> None:
    """Each earlier answer, in a group and in a private chat, is edited once: the dated
    correction above the corrected answer."""
    chats = [group_chat(-100601), private_chat(4601)]
    posted = [(chat["id"], await ask(fake_telegram, core, chat)) for chat in chats]
    desk.correct(core)
    assert (await worker(adapter).run_once()).edited == 2
    await worker(adapter).run_once()
    for chat_id, message_id in posted:
        [edit] = fake_telegram.edits_of(chat_id, message_id)
        text = fake_telegram.messages[(chat_id, message_id)]["text"]
        assert text == edit.params["text"] and edit.params["parse_mode"] == "HTML"
        assert text.startswith("<i>Corrected on ") and f"{SAYS_CHANGED}.</i>" in text
        assert NEW_SAYS in text and "2,500 personnel totaling" not in text
    assert not fake_telegram.replies_to(*posted[0])


async def test_a_message_telegram_will_not_edit_gets_a_reply(
    adapter: TelegramAdapter, fake_telegram: FakeTelegram, core: FactBot, desk: FactDesk,
) -> None:
    """"Message can't be edited": the correction is posted as a reply to the old answer."""
    chat = group_chat(-100701)
    message_id = await ask(fake_telegram, core, chat)
    fake_telegram.uneditable.add((chat["id"], message_id))
    desk.correct(core)
    assert (await worker(adapter).run_once()).replied == 1
    [reply] = fake_telegram.replies_to(chat["id"], message_id)
    assert reply["text"].startswith(f"<b>{texts.CORRECTION_REPLY}</b>\n<i>Corrected on ")
    assert NEW_SAYS in reply["text"]


async def test_a_deleted_answer_is_not_corrected(
    adapter: TelegramAdapter, fake_telegram: FakeTelegram, core: FactBot, desk: FactDesk,
) -> None:
    """A deleted answer gets no edit and no reply."""
    chat = group_chat(-100801)
    message_id = await ask(fake_telegram, core, chat)
    fake_telegram.delete_message(chat["id"], message_id)
    sent = len(fake_telegram.calls_of("sendMessage"))
    desk.correct(core)
    assert (await worker(adapter).run_once()).gone == 1
    assert len(fake_telegram.calls_of("sendMessage")) == sent


async def test_a_retracted_fact_is_marked_retracted_without_buttons(
    adapter: TelegramAdapter, fake_telegram: FakeTelegram, core: FactBot, desk: FactDesk,
) -> None:
    """After a retraction the old answer says it no longer stands, and why."""
    chat = group_chat(-100901)
    message_id = await ask(fake_telegram, core, chat, "/fact reason for the state of "
                                                      "emergency")
    desk.retract(core, LONG_QUOTES_FACT, reason="withdrawn by the ministry")
    await worker(adapter).run_once()
    [edit] = fake_telegram.edits_of(chat["id"], message_id)
    assert "retracted: withdrawn by the ministry.</i>" in edit.params["text"]
    assert texts.CORRECTION_RETRACTED in edit.params["text"]
    assert "reply_markup" not in fake_telegram.messages[(chat["id"], message_id)]


async def test_showing_full_quotes_keeps_the_correction(
    adapter: TelegramAdapter, fake_telegram: FakeTelegram, core: FactBot, desk: FactDesk,
) -> None:
    """The quotes button on a corrected answer re-renders it with its correction."""
    chat = group_chat(-101001)
    message_id = await ask(fake_telegram, core, chat, "/fact reason for the state of "
                                                      "emergency")
    desk.correct(core, LONG_QUOTES_FACT, says="a corrected reason")
    await worker(adapter).run_once()
    corrected = fake_telegram.messages[(chat["id"], message_id)]
    button = corrected["reply_markup"]["inline_keyboard"][0][0]
    fake_telegram.push_update(callback_update(button["callback_data"], corrected))
    await fake_telegram.wait_for("editMessageText", 2)
    expanded = fake_telegram.edits_of(chat["id"], message_id)[-1].params["text"]
    assert f"{SAYS_CHANGED}.</i>" in expanded and "a corrected reason" in expanded


async def test_edits_in_one_chat_are_paced_a_second_apart(
    adapter: TelegramAdapter, fake_telegram: FakeTelegram, core: FactBot, desk: FactDesk,
) -> None:
    """Two answers in one chat are edited about a second apart, as Telegram advises."""
    chat = group_chat(-101101)
    first = await ask(fake_telegram, core, chat)
    second = await ask(fake_telegram, core, chat)
    desk.correct(core)
    await worker(adapter).run_once()
    [one] = fake_telegram.edits_of(chat["id"], first)
    [two] = fake_telegram.edits_of(chat["id"], second)
    assert two.at - one.at >= 0.9


async def test_a_restart_in_the_middle_corrects_the_rest_once(
    fake_telegram: FakeTelegram, desk: FactDesk, sqlite_database_url: str,
) -> None:
    """Stopped (SIGTERM) while correcting, then started again: every answer edited once."""
    core = FactBot.open(desk.settings(sqlite_database_url))
    adapter = adapter_for(core, fake_telegram)
    await adapter.start()
    chats = [group_chat(-101200 - n) for n in range(5)]
    posted = [(chat["id"], await ask(fake_telegram, core, chat)) for chat in chats]
    desk.correct(core)
    fake_telegram.delays["editMessageText"] = 0.2
    first = worker(adapter, lanes=1)
    first.start()
    await fake_telegram.wait_for("editMessageText", 2)
    await first.shutdown(5)
    await adapter.stop()
    core.close()
    done_before = len(fake_telegram.calls_of("editMessageText"))
    assert done_before < len(posted)

    core = FactBot.open(desk.settings(sqlite_database_url))
    adapter = adapter_for(core, fake_telegram)
    await adapter.start()
    try:
        await worker(adapter, "instance-b").run_once()
    finally:
        await adapter.stop()
        core.close()
    assert all(len(fake_telegram.edits_of(*message)) == 1 for message in posted)


async def test_two_instances_on_one_database_edit_each_answer_once(
    fake_telegram: FakeTelegram, desk: FactDesk, database_url: str,
) -> None:
    """Two instances, each with its worker, share the corrections: no answer edited twice."""
    cores = [FactBot.open(desk.settings(database_url)) for _ in range(2)]
    polling, other = (adapter_for(core, fake_telegram) for core in cores)
    await polling.start()  # one instance polls (Telegram allows one); both send
    await other.application.initialize()
    try:
        posted = [(chat["id"], await ask(fake_telegram, cores[0], chat))
                  for chat in (group_chat(-101300 - n) for n in range(8))]
        desk.correct(cores[0])
        workers = [worker(polling, "instance-a", lanes=3), worker(other, "instance-b", lanes=3)]
        started = time.monotonic()
        while time.monotonic() - started < 10 and any(
                not fake_telegram.edits_of(*message) for message in posted):
            await asyncio.gather(*(w.run_once() for w in workers))
        assert all(len(fake_telegram.edits_of(*message)) == 1 for message in posted)
    finally:
        await other.application.shutdown()
        await polling.stop()
        for core in cores:
            core.close()
