"""The Telegram adapter on the real python-telegram-bot, against a fake Bot API over HTTP."""

from __future__ import annotations

import asyncio
import logging

import pytest

from tests.adapters.telegram.conftest import TOKEN, RunningBot
from tests.fakes.telegram_api import (
    BOT_USERNAME,
    Call,
    bot_message,
    callback_update,
    channel_chat,
    channel_post_update,
    group_chat,
    inline_query_update,
    message_update,
    private_chat,
)


async def _reply_to(bot: RunningBot, text: str, chat: dict | None = None, **kwargs: object
                    ) -> Call:
    chat = chat or private_chat()
    before = len(bot.fake.calls_of("sendMessage"))
    bot.fake.push_update(message_update(text, chat, **kwargs))  # type: ignore[arg-type]
    calls = await bot.fake.wait_for("sendMessage", before + 1)
    return calls[-1]


async def test_start_up_registers_commands_and_polls(telegram_bot: RunningBot) -> None:
    """At start-up the bot learns who it is, registers its commands and starts polling."""
    fake = telegram_bot.fake
    assert fake.calls_of("getMe")
    commands = {c["command"] for c in fake.calls_of("setMyCommands")[0].params["commands"]}
    assert {"start", "help", "fact", "ask", "sources", "source", "digest"} <= commands
    await fake.wait_for("getUpdates")
    assert all(call.token == TOKEN for call in fake.calls)


@pytest.mark.parametrize("command", ["/start", "/help"])
async def test_start_and_help_explain_the_bot(telegram_bot: RunningBot, command: str) -> None:
    """/start and /help say what the bot knows, how to ask and where facts come from."""
    text = (await _reply_to(telegram_bot, command)).params["text"]
    assert "claims, not established truth" in text and "/fact" in text and "/sources" in text


@pytest.mark.parametrize("command", ["/fact", "/ask"])
async def test_fact_answers_with_attribution_and_citation(telegram_bot: RunningBot,
                                                          command: str) -> None:
    """/fact (and /ask) reply with the attributed answer and its quoted citation."""
    call = await _reply_to(telegram_bot, f"{command} how many CSTO troops?")
    text = call.params["text"]
    assert call.params["parse_mode"] == "HTML"
    assert text.startswith("<b>about 2,500 personnel — according to ") and "2,500" in text
    assert "\nAccording to " in text
    assert "<blockquote>" in text and "<i>" in text


async def test_empty_fact_asks_for_a_question(telegram_bot: RunningBot) -> None:
    """An empty /fact gets a prompt with an example, not silence."""
    text = (await _reply_to(telegram_bot, "/fact")).params["text"]
    assert "Please ask a question" in text


async def test_private_plain_text_is_a_question(telegram_bot: RunningBot) -> None:
    """In a private chat any text is a question."""
    text = (await _reply_to(telegram_bot, "when was the state of emergency declared?")
            ).params["text"]
    assert "January 5" in text


async def test_unknown_question_says_so_and_points_to_sources(telegram_bot: RunningBot) -> None:
    """A question outside the table gets an honest "don't know" with a hint."""
    text = (await _reply_to(telegram_bot, "who painted the mona lisa")).params["text"]
    assert "I don't know" in text and "/sources" in text


async def test_markup_in_a_question_is_escaped(telegram_bot: RunningBot) -> None:
    """Markup typed by a user never reaches Telegram as markup."""
    call = await _reply_to(telegram_bot, "/fact <script>alert(1)</script> <b>csto</b> troops")
    assert "<script>" not in call.params["text"]


async def test_a_5000_character_message_gets_a_proper_reply(telegram_bot: RunningBot) -> None:
    """A huge message gets an answer within Telegram's limit."""
    text = (await _reply_to(telegram_bot, "csto troops " + "x" * 5000)).params["text"]
    assert 0 < len(text) <= 4096


async def test_groups_ignore_chatter(telegram_bot: RunningBot) -> None:
    """In groups, messages not addressed to the bot get no reply."""
    fake = telegram_bot.fake
    fake.push_update(message_update("how many csto troops?", group_chat()))
    await _reply_to(telegram_bot, "/help")  # a later update, processed after the chatter
    assert len(fake.calls_of("sendMessage")) == 1


async def test_groups_answer_mentions_replies_and_addressed_commands(
    telegram_bot: RunningBot,
) -> None:
    """In groups the bot answers a mention, a reply to its message, and /fact@botname."""
    chat = group_chat()
    mentioned = await _reply_to(telegram_bot, f"@{BOT_USERNAME} how many csto troops?", chat)
    assert "2,500" in mentioned.params["text"]
    replied = await _reply_to(telegram_bot, "when is the curfew?", chat,
                              reply_to=bot_message(chat))
    assert "11 p.m." in replied.params["text"]
    addressed = await _reply_to(telegram_bot, f"/fact@{BOT_USERNAME} national mourning", chat)
    assert "January 10" in addressed.params["text"]


async def test_sources_and_source(telegram_bot: RunningBot) -> None:
    """/sources lists the five documents; /source shows one with the facts citing it."""
    listing = (await _reply_to(telegram_bot, "/sources")).params["text"]
    assert all(f"[{n}]" in listing for n in ("000", "001", "002", "003", "004"))
    detail = (await _reply_to(telegram_bot, "/source 3")).params["text"]
    assert "Berik Aryn" in detail and "facts cite it" in detail and len(detail) <= 4096
    unknown = (await _reply_to(telegram_bot, "/source 999")).params["text"]
    assert "no document 999" in unknown


async def test_digest_in_private_chat(telegram_bot: RunningBot) -> None:
    """/digest on stores the subscription through the core; status and off follow it."""
    on = (await _reply_to(telegram_bot, "/digest on 09:30 Asia/Almaty")).params["text"]
    assert "09:30" in on and "Asia/Almaty" in on
    stored = telegram_bot.core.subscriptions.get("telegram", "4242")
    assert stored is not None and stored.enabled and stored.created_by == "4242"
    assert "09:30" in (await _reply_to(telegram_bot, "/digest status")).params["text"]
    assert "turned off" in (await _reply_to(telegram_bot, "/digest off")).params["text"]
    bad = (await _reply_to(telegram_bot, "/digest on 25:00")).params["text"]
    assert "HH:MM" in bad


async def test_digest_in_groups_is_for_admins_only(telegram_bot: RunningBot) -> None:
    """In groups only administrators may change the digest; others get a polite refusal."""
    chat = group_chat(-100777)
    refused = (await _reply_to(telegram_bot, "/digest on 08:00", chat)).params["text"]
    assert "only the chat's administrators" in refused
    assert telegram_bot.core.subscriptions.get("telegram", "-100777") is None
    telegram_bot.fake.chat_member_status = "administrator"
    accepted = (await _reply_to(telegram_bot, "/digest on 08:00", chat)).params["text"]
    assert "08:00" in accepted


async def test_inline_query_offers_cited_answers(telegram_bot: RunningBot) -> None:
    """An inline query returns up to 10 articles: short answer, attribution, full answer."""
    telegram_bot.fake.push_update(inline_query_update("csto troops"))
    call = (await telegram_bot.fake.wait_for("answerInlineQuery"))[0]
    results = call.params["results"]
    assert 1 <= len(results) <= 10
    first = results[0]
    assert "2,500" in first["title"] and first["description"].startswith("According to")
    assert first["input_message_content"]["message_text"].startswith("<b>about 2,500 personnel")
    assert int(call.params["cache_time"]) > 0 and call.params.get("is_personal") in (None, False)


async def test_empty_inline_query_offers_most_asked(telegram_bot: RunningBot) -> None:
    """An empty inline query offers the most asked facts."""
    await _reply_to(telegram_bot, "curfew")
    telegram_bot.fake.push_update(inline_query_update(""))
    results = (await telegram_bot.fake.wait_for("answerInlineQuery"))[0].params["results"]
    assert results[0]["id"] == "curfew" and len(results) == 10


async def test_inline_query_with_no_match_offers_nothing(telegram_bot: RunningBot) -> None:
    """An inline query about nothing in the table returns no results."""
    telegram_bot.fake.push_update(inline_query_update("banana bread recipe"))
    results = (await telegram_bot.fake.wait_for("answerInlineQuery"))[0].params["results"]
    assert results == []


async def test_quote_button_expands_and_collapses(telegram_bot: RunningBot) -> None:
    """The inline keyboard button shows the full quotes, then hides them again."""
    call = await _reply_to(telegram_bot, "when was the state of emergency declared")
    keyboard = call.params["reply_markup"]["inline_keyboard"]
    data = keyboard[0][0]["callback_data"]
    assert data.endswith(":1")
    sent = bot_message(private_chat(), call.params["text"])
    telegram_bot.fake.push_update(callback_update(data, sent))
    edited = (await telegram_bot.fake.wait_for("editMessageText"))[0]
    assert len(edited.params["text"]) > len(call.params["text"])
    assert edited.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"].endswith(":0")
    await telegram_bot.fake.wait_for("answerCallbackQuery")


async def test_flood_control_retry_after_is_honoured(telegram_bot: RunningBot) -> None:
    """A 429 with retry_after is waited out and the message still delivered."""
    telegram_bot.fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 1",
                                retry_after=1)
    telegram_bot.fake.push_update(message_update("/fact curfew"))
    attempts = await telegram_bot.fake.wait_for("sendMessage", 2)
    assert attempts[1].at - attempts[0].at >= 0.9
    assert "11 p.m." in attempts[1].params["text"]


async def test_an_api_error_is_logged_and_the_bot_keeps_running(
    telegram_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    """An error from the API is logged with the update's kind and chat; later updates work."""
    telegram_bot.fake.fail_next("sendMessage", 400, "Bad Request: chat not found",
                                chat_id=4242)
    with caplog.at_level(logging.ERROR):
        telegram_bot.fake.push_update(message_update("/fact curfew"))
        await telegram_bot.fake.wait_for("sendMessage", 2)  # the failure, then the apology
    assert any("message update in chat 4242" in r.getMessage() for r in caplog.records)
    assert "11 p.m." in (await _reply_to(telegram_bot, "/fact curfew")).params["text"]


async def test_the_token_never_reaches_the_logs(
    fake_telegram: object, fresh_core: object, sqlite_database_url: str,
    caplog: pytest.LogCaptureFixture
) -> None:
    """httpx logs request URLs with the token in them; every log line is redacted."""
    from adapters.runner import configured_secrets
    from adapters.telegram.app import TelegramAdapter
    from bot.redact import protect_secrets
    from tests.adapters.telegram.conftest import telegram_settings

    settings = telegram_settings(fake_telegram, sqlite_database_url)  # type: ignore[arg-type]
    protect_secrets(configured_secrets(settings))
    with caplog.at_level(logging.DEBUG):
        adapter = TelegramAdapter(fresh_core, settings, poll_timeout=1)  # type: ignore[arg-type]
        await adapter.start()
        fake_telegram.fail_next("sendMessage", 400, "Bad Request: boom")  # type: ignore[attr-defined]
        fake_telegram.push_update(message_update("/fact curfew"))  # type: ignore[attr-defined]
        await fake_telegram.wait_for("sendMessage", 2)  # type: ignore[attr-defined]
        await adapter.stop()
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "[REDACTED]" in logged
    assert TOKEN not in logged and TOKEN.split(":")[1] not in logged


async def test_stop_is_clean_and_quick(telegram_bot: RunningBot) -> None:
    """Stopping the adapter returns within seconds."""
    await asyncio.wait_for(telegram_bot.adapter.stop(), 5)


async def test_digest_options_can_be_chosen(telegram_bot: RunningBot) -> None:
    """Editors can add the unanswered questions and skip quiet days when subscribing."""
    reply = (await _reply_to(telegram_bot, "/digest on 18:00 UTC unanswered quiet")
             ).params["text"]
    assert "unanswered" in reply and "quiet" in reply
    stored = telegram_bot.core.subscriptions.get("telegram", "4242")
    assert stored is not None and stored.include_unanswered and stored.skip_empty


async def test_commands_work_in_channels(telegram_bot: RunningBot) -> None:
    """A channel post with /fact is answered, and /digest on (only admins post in channels)
    switches the channel's digest on without asking Telegram who posted."""
    fake = telegram_bot.fake
    fake.push_update(channel_post_update("/fact curfew"))
    [answer] = await fake.wait_for("sendMessage")
    assert "11 p.m." in answer.params["text"]
    assert str(answer.params["chat_id"]) == str(channel_chat()["id"])
    fake.push_update(channel_post_update("/digest on 09:00 Asia/Almaty"))
    confirmation = (await fake.wait_for("sendMessage", 2))[-1]
    assert "09:00 (Asia/Almaty)" in confirmation.params["text"]
    stored = telegram_bot.core.subscriptions.get("telegram", str(channel_chat()["id"]))
    assert stored is not None and stored.enabled
    assert not fake.calls_of("getChatMember")


async def test_an_anonymous_group_admin_may_change_the_digest(telegram_bot: RunningBot
                                                              ) -> None:
    """An anonymous admin posts as the group itself (sender_chat): that is an admin."""
    group = group_chat(-100888)
    update = message_update("/digest on 10:00", group)
    update["message"]["sender_chat"] = group
    telegram_bot.fake.push_update(update)
    reply = (await telegram_bot.fake.wait_for("sendMessage"))[-1]
    assert "10:00 (UTC)" in reply.params["text"]


async def test_quote_names_the_speaker_and_says_how_the_words_differ(
        telegram_bot: RunningBot) -> None:
    """/quote finds misremembered words, names who said them and what was changed."""
    call = await _reply_to(telegram_bot, "/quote the police did not use any weapons")
    text = call.params["text"]
    assert "Barlybay Sadykov" in text and "Not verbatim" in text and "force" in text
    missing = await _reply_to(telegram_bot, "/quote the moon is made of green cheese today")
    assert "can't find these words" in missing.params["text"]


async def test_questions_are_logged_as_private_or_group_by_chat_type(
        telegram_bot: RunningBot) -> None:
    """A private chat's question is logged private, a group's not; no chat id is stored."""
    from sqlalchemy import select

    from db.models import QuestionLog

    await _reply_to(telegram_bot, "/fact is our source at the ministry safe")
    await _reply_to(telegram_bot, "/fact curfew", group_chat(-100555))
    with telegram_bot.core.database.session() as session:
        rows = session.execute(select(QuestionLog.private, QuestionLog.chat_key)).all()
    assert sorted(private for private, _ in rows) == [False, True]
    assert all(key and "4242" not in key and "100555" not in key for _, key in rows)


async def _posted_answer(bot: RunningBot, question: str, chat: dict) -> dict:
    """Ask; return the bot's answer message (as a reply would quote it) once the adapter
    has recorded where it posted it."""
    from bot.corrections import PostedMessage

    before = len(bot.fake.calls_of("sendMessage"))
    bot.fake.push_update(message_update(question, chat))
    await bot.fake.wait_for("sendMessage", before + 1)
    message = [m for (chat_id, _), m in bot.fake.messages.items() if chat_id == chat["id"]][-1]
    posted = PostedMessage("telegram", str(chat["id"]), str(message["message_id"]))
    for _ in range(100):
        if await asyncio.to_thread(bot.core.corrections.fact_of, posted):
            return message
        await asyncio.sleep(0.05)
    raise AssertionError("the answer was never recorded")


@pytest.mark.parametrize(("chat", "follow_up", "expected"), [
    (private_chat(), "who said so?", "2,500"),
    (group_chat(-100321), "what about the injured?", "1,300"),
])
async def test_a_reply_to_an_answer_is_read_with_its_topic(
        telegram_bot: RunningBot, chat: dict, follow_up: str, expected: str) -> None:
    """A reply to one of the bot's answers is a follow-up: pointers ("who said so?") take
    the earlier answer's fact; a new topic ("what about the injured?") is answered."""
    earlier = await _posted_answer(telegram_bot, "/fact how many CSTO troops?", chat)
    call = await _reply_to(telegram_bot, follow_up, chat, reply_to=earlier)
    assert expected in call.params["text"] and "According to" in call.params["text"]


async def test_a_bare_pointer_without_a_reply_is_not_guessed(telegram_bot: RunningBot) -> None:
    """"who said so?" out of the blue has no topic: the bot says it does not know."""
    call = await _reply_to(telegram_bot, "who said so?")
    assert "I don't know" in call.params["text"]
