"""The newsroom desk on Telegram, on the real python-telegram-bot against the fake Bot API:
editors curate the table from chat; everyone else gets one line and changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from adapters.telegram import desk as telegram_desk
from adapters.telegram.app import TelegramAdapter
from bot.core import FactBot
from bot.settings import load_settings
from tests.adapters.telegram.conftest import RunningBot, telegram_settings
from tests.fakes.telegram_api import (
    USER,
    Call,
    FakeTelegram,
    bot_message,
    callback_update,
    group_chat,
    message_update,
    private_chat,
)

EDITOR = {"id": 111, "is_bot": False, "first_name": "Editor", "username": "desk"}
ADMIN = {"id": 555, "is_bot": False, "first_name": "Chief", "username": "chief"}
EDITORS_CHAT = -100999
GAP_QUESTION = "nightly lockdown hours in the country"


@pytest.fixture
async def desk_bot(fake_telegram: FakeTelegram, sqlite_database_url: str
                   ) -> AsyncIterator[RunningBot]:
    """A bot whose editors are user 111 and the administrators of the editors' chat."""
    editors = {"telegram_editor_ids": "111", "telegram_editors_chat_id": EDITORS_CHAT}
    core = FactBot.open(load_settings(database_url=sqlite_database_url, **editors))
    adapter = TelegramAdapter(core, telegram_settings(fake_telegram, sqlite_database_url,
                                                      **editors), poll_timeout=1)
    await adapter.start()
    yield RunningBot(fake_telegram, adapter, core)
    await adapter.stop()
    core.close()


async def _push(bot: RunningBot, update: dict[str, Any], replies: int = 1) -> list[Call]:
    """Send an update; return the `replies` messages the bot sends for it."""
    before = len(bot.fake.calls_of("sendMessage"))
    bot.fake.push_update(update)
    calls = await bot.fake.wait_for("sendMessage", before + replies)
    return calls[before:]


async def _say(bot: RunningBot, text: str, user: dict[str, Any] = EDITOR,
               chat: dict[str, Any] | None = None, replies: int = 1) -> str:
    chat = chat or private_chat(user["id"])
    sent = await _push(bot, message_update(text, chat, user=user), replies)
    return "\n".join(call.params["text"] for call in sent)


async def _press(bot: RunningBot, data: str, user: dict[str, Any] = EDITOR,
                 chat: dict[str, Any] | None = None, replies: int = 1) -> str:
    chat = chat or private_chat(user["id"])
    sent = await _push(bot, callback_update(data, bot_message(chat), user=user), replies)
    return "\n".join(call.params["text"] for call in sent)


def _buttons(call: Call) -> list[dict[str, str]]:
    return [row[0] for row in call.params["reply_markup"]["inline_keyboard"]] + [
        button for row in call.params["reply_markup"]["inline_keyboard"] for button in row[1:]]


async def _make_a_gap(bot: RunningBot) -> None:
    """A question a group asked that the table cannot answer yet."""
    answer = await _say(bot, f"/fact {GAP_QUESTION}", USER, group_chat())
    assert "11 p.m." not in answer


async def test_a_non_editor_trying_every_editor_command_changes_nothing(desk_bot: RunningBot
                                                                        ) -> None:
    """/gaps, /teach (both forms), /retract, /revert and a teach button: one clear line each,
    and the fact's history is as before."""
    await _make_a_gap(desk_bot)
    before = desk_bot.core.curation.history("curfew")
    for command in ("/gaps", "/teach", "/teach curfew night time ban", "/teach curfew",
                    "/retract curfew wrong", "/retract", "/revert curfew 1", "/revert"):
        reply = await _say(desk_bot, command, USER)
        assert reply.startswith("Only the newsroom's editors") and "\n" not in reply, command
    desk_bot.fake.push_update(callback_update("t:abcd1234:ef012345", bot_message(private_chat())))
    [answered] = await desk_bot.fake.wait_for("answerCallbackQuery")
    assert answered.params["text"].startswith("Only the newsroom's editors")
    assert answered.params["show_alert"] is True
    assert desk_bot.core.curation.history("curfew") == before
    # /teach did not start a conversation: the next message is a question, and answered.
    assert "11 p.m." in await _say(desk_bot, "curfew hours", USER)


async def test_gaps_board_and_a_teach_button_answered_at_once(desk_bot: RunningBot) -> None:
    """/gaps shows the unanswered question with a button per candidate fact; pressing one
    teaches it, and /fact with that question answers from the fact at once."""
    await _make_a_gap(desk_bot)
    [board] = await _push(desk_bot, message_update("/gaps", private_chat(111), user=EDITOR))
    assert board.params["parse_mode"] == "HTML" and GAP_QUESTION in board.params["text"]
    buttons = _buttons(board)
    assert all(len(b["callback_data"].encode()) <= 64 for b in buttons)
    curfew = next(b for b in buttons if "Curfew" in b["text"])
    assert curfew["callback_data"].startswith("t:") and curfew["text"].startswith("1. ")
    confirmation = await _press(desk_bot, curfew["callback_data"])
    assert confirmation.startswith("Taught") and "curfew" in confirmation
    [toast] = desk_bot.fake.calls_of("answerCallbackQuery")
    assert toast.params["text"].startswith("Taught")
    assert desk_bot.core.curation.history("curfew")[-1].actor == "telegram:111"
    assert "11 p.m." in await _say(desk_bot, f"/fact {GAP_QUESTION}", USER, group_chat())
    assert not desk_bot.fake.calls_of("getChatMember")  # 111 is named: nothing to ask


async def test_teach_in_one_step(desk_bot: RunningBot) -> None:
    """/teach FACT_ID question attaches the question to the fact at once."""
    reply = await _say(desk_bot, "/teach curfew nightly lockdown hours in the country")
    assert reply.startswith("Taught") and "version 2" in reply
    assert "11 p.m." in await _say(desk_bot, f"/fact {GAP_QUESTION}", USER)
    assert "no fact 'nofact'" in await _say(desk_bot, "/teach nofact some question")
    assert (await _say(desk_bot, "/teach curfew")).startswith("Usage: /teach")


async def test_teach_builds_a_new_fact_step_by_step(desk_bot: RunningBot) -> None:
    """/teach: document button, a quote that is not verbatim (closest passage, asked again),
    the verbatim quote, the reported clause, the questions, a preview, "Add" — and the new
    fact answers at once, attributed to its speaker."""
    [picker] = await _push(desk_bot, message_update("/teach", private_chat(111), user=EDITOR))
    assert "Which document" in picker.params["text"]
    document = next(b for b in _buttons(picker) if b["text"].startswith("[004]"))
    prompt = await _press(desk_bot, document["callback_data"])
    assert "Paste the quote" in prompt
    assert "[004]" in desk_bot.fake.calls_of("editMessageText")[-1].params["text"]
    wrong = await _say(desk_bot, "The police never used any force at all")
    assert "Not found verbatim" in wrong and "“The police did not use any force" in wrong
    assert "Paste the exact words again" in wrong
    right = await _say(desk_bot, "The police did not use any force.")
    assert right.startswith("Verbatim") and "reported speech" in right
    assert "one per line" in await _say(desk_bot, "the police did not use any force")
    [preview] = await _push(desk_bot, message_update(
        "did the police use force against protesters\nwas force used by police in almaty",
        private_chat(111), user=EDITOR))
    assert preview.params["text"].startswith("<b>Preview")
    assert "According to Barlybay Sadykov" in preview.params["text"]
    add = next(b for b in _buttons(preview) if b["text"] == "Add this fact")
    added = await _press(desk_bot, add["callback_data"])
    assert added.startswith("Added fact did-the-police-use-force-against")
    fact_id = added.split()[2].rstrip(":")
    assert desk_bot.core.curation.history(fact_id)[-1].actor == "telegram:111"
    answer = await _say(desk_bot, "/fact was force used by police in almaty", USER)
    assert "did not use any force" in answer and "Barlybay Sadykov" in answer
    # The conversation is over: its buttons now only say so.
    desk_bot.fake.push_update(callback_update(add["callback_data"], bot_message(
        private_chat(111)), user=EDITOR))
    stale = await desk_bot.fake.wait_for(
        "answerCallbackQuery", where=lambda c: "step is over" in c.params.get("text", ""))
    assert stale


async def test_teach_in_a_group_is_one_editor_s_conversation(desk_bot: RunningBot) -> None:
    """In a group the prompts force a reply from the editor alone, and other members'
    messages to the bot are answered as questions, not taken as the editor's steps."""
    group = group_chat(-100321)
    teach = message_update("/teach", group, user=EDITOR)
    [picker] = await _push(desk_bot, teach)
    document = next(b for b in _buttons(picker) if b["text"].startswith("[004]"))
    await _press(desk_bot, document["callback_data"], chat=group)
    prompt = desk_bot.fake.calls_of("sendMessage")[-1]
    assert prompt.params["reply_markup"] == {"force_reply": True, "selective": True}
    assert prompt.params["reply_parameters"]["message_id"] == teach["message"]["message_id"]
    other = await _say(desk_bot, "@factbot_test_bot curfew hours", USER, group)
    assert "11 p.m." in other
    verdict = await _say(desk_bot, "The police did not use any force.", EDITOR, group)
    assert verdict.startswith("Verbatim")
    assert "nothing changed" in await _say(desk_bot, "/cancel", EDITOR, group)


async def test_cancel_stops_the_new_fact(desk_bot: RunningBot) -> None:
    """/cancel mid-way drops the draft; the editor's next message is a question again."""
    facts_before = len(desk_bot.core.index.facts)
    [picker] = await _push(desk_bot, message_update("/teach", private_chat(111), user=EDITOR))
    await _press(desk_bot, _buttons(picker)[0]["callback_data"])
    assert "nothing changed" in await _say(desk_bot, "/cancel")
    assert "11 p.m." in await _say(desk_bot, "curfew hours")
    assert "nothing to cancel" in await _say(desk_bot, "/cancel")
    assert len(desk_bot.core.index.facts) == facts_before


async def test_cancel_button_under_the_preview_adds_nothing(desk_bot: RunningBot) -> None:
    """"Cancel" under the preview ends the conversation and adds nothing."""
    facts_before = len(desk_bot.core.index.facts)
    [picker] = await _push(desk_bot, message_update("/teach", private_chat(111), user=EDITOR))
    document = next(b for b in _buttons(picker) if b["text"].startswith("[004]"))
    await _press(desk_bot, document["callback_data"])
    await _say(desk_bot, "The police did not use any force.")
    await _say(desk_bot, "the police did not use any force")
    [preview] = await _push(desk_bot, message_update("police force", private_chat(111),
                                                     user=EDITOR))
    assert "Press" in await _say(desk_bot, "what now?")
    cancel = next(b for b in _buttons(preview) if b["text"] == "Cancel")
    assert "nothing changed" in await _press(desk_bot, cancel["callback_data"])
    assert len(desk_bot.core.index.facts) == facts_before


async def test_a_new_fact_left_unfinished_times_out(
        fake_telegram: FakeTelegram, sqlite_database_url: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A half-built fact is dropped after the timeout, and the editor is told."""
    monkeypatch.setattr(telegram_desk, "TEACH_TIMEOUT", timedelta(seconds=1))
    core = FactBot.open(load_settings(database_url=sqlite_database_url,
                                      telegram_editor_ids="111"))
    adapter = TelegramAdapter(core, telegram_settings(fake_telegram, sqlite_database_url),
                              poll_timeout=1)
    await adapter.start()
    try:
        bot = RunningBot(fake_telegram, adapter, core)
        await _say(bot, "/teach")
        timed_out = await fake_telegram.wait_for(
            "sendMessage", within=10, where=lambda c: "unfinished" in c.params["text"])
        assert "nothing changed" in timed_out[0].params["text"]
        assert "11 p.m." in await _say(bot, "curfew hours")
    finally:
        await adapter.stop()
        core.close()


async def test_an_admin_of_the_editors_chat_is_an_editor(desk_bot: RunningBot) -> None:
    """Telegram is asked about the editors' chat: its administrators may curate, its
    other members may not."""
    fake = desk_bot.fake
    fake.chat_member_statuses[EDITORS_CHAT] = "administrator"
    reply = await _say(desk_bot, "/retract curfew superseded by decree", ADMIN)
    assert reply.startswith("curfew: version 2")
    [asked] = fake.calls_of("getChatMember")
    assert int(asked.params["chat_id"]) == EDITORS_CHAT and int(asked.params["user_id"]) == 555
    assert desk_bot.core.curation.history("curfew")[-1].actor == "telegram:555"
    fake.chat_member_statuses[EDITORS_CHAT] = "member"
    assert (await _say(desk_bot, "/revert curfew 1", ADMIN)).startswith(
        "Only the newsroom's editors")
    assert len(desk_bot.core.curation.history("curfew")) == 2


async def test_the_editors_chat_unreachable_means_no_editor(desk_bot: RunningBot) -> None:
    """When Telegram will not say who administers the editors' chat, nobody is let in."""
    desk_bot.fake.fail_next("getChatMember", 403, "Forbidden: bot was kicked from the chat")
    reply = await _say(desk_bot, "/retract curfew superseded", ADMIN)
    assert reply.startswith("Only the newsroom's editors")
    assert len(desk_bot.core.curation.history("curfew")) == 1


async def test_retract_and_revert(desk_bot: RunningBot) -> None:
    """/retract takes a fact out of every answer; /revert brings it back as a new version."""
    retracted = await _say(desk_bot, "/retract curfew superseded by decree")
    assert retracted == "curfew: version 2: retracted: superseded by decree"
    # The fact is gone, and its sentence is not brought back as a passage either.
    assert "I don't know" in await _say(desk_bot, "/fact curfew hours", USER)
    assert (await _say(desk_bot, "/retract curfew")).startswith("Usage: /retract")
    assert (await _say(desk_bot, "/revert curfew")).startswith("Usage: /revert")
    assert (await _say(desk_bot, "/revert curfew two")).startswith("Usage: /revert")
    reverted = await _say(desk_bot, "/revert curfew 1")
    assert reverted.startswith("curfew: version 3")
    assert "11 p.m." in await _say(desk_bot, "/fact curfew hours", USER)
    assert [v.actor for v in desk_bot.core.curation.history("curfew")][1:] == [
        "telegram:111", "telegram:111"]


async def test_help_and_command_list_name_the_desk(desk_bot: RunningBot) -> None:
    """/help and the registered command list include the editors' commands."""
    help_text = await _say(desk_bot, "/help", USER)
    assert all(f"/{name}" in help_text for name in ("gaps", "teach", "retract", "revert"))
    commands = {c["command"] for c in desk_bot.fake.calls_of("setMyCommands")[0].params[
        "commands"]}
    assert {"gaps", "teach", "retract", "revert", "cancel"} <= commands
