"""Slash commands, autocomplete and buttons on the real discord.py, over a real gateway."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import pytest

from bot.answers import Answer
from tests.adapters.discord.conftest import RunningBot, embed_of, is_ephemeral
from tests.fakes.discord_api import (
    APPLICATION_ID,
    autocomplete,
    button_press,
    option,
    slash_command,
    user_reply,
)

NO_MENTIONS = {"parse": []}


def fact(question: str, *, guild: bool = True) -> dict[str, Any]:
    return slash_command("fact", [option("question", question)], guild=guild)


def slowed(ask: Callable[..., Answer]) -> Callable[..., Answer]:
    """The core's `ask` behind a database that takes its time."""
    def slow(*args: Any, **kwargs: Any) -> Answer:
        time.sleep(0.3)
        return ask(*args, **kwargs)

    return slow


async def test_fact_in_a_guild_answers_with_an_embed(discord_bot: RunningBot) -> None:
    """/fact answers publicly with an embed: attributed answer and a field per citation."""
    callback = await discord_bot.interact(fact("how many CSTO troops?"))
    assert callback["type"] == 4 and not is_ephemeral(callback)
    embed = embed_of(callback)
    assert embed["description"].startswith("**about 2,500 personnel — according to ")
    assert "\nAccording to " in embed["description"] and "2,500" in embed["description"]
    assert len(embed["fields"]) == 3
    assert all(len(f["value"]) <= 1024 and len(f["name"]) <= 256 for f in embed["fields"])
    assert callback["data"]["allowed_mentions"] == NO_MENTIONS


async def test_fact_in_a_dm(discord_bot: RunningBot) -> None:
    """/fact works in a direct message too."""
    callback = await discord_bot.interact(fact("curfew hours", guild=False))
    assert "11 p.m." in embed_of(callback)["description"]


async def test_questions_are_logged_for_the_digest(discord_bot: RunningBot) -> None:
    """A typed question goes through the core's `ask`, which records it."""
    await discord_bot.interact(fact("curfew hours"))
    popular = await asyncio.to_thread(discord_bot.core.inline_answers, "", 1)
    assert popular[0].fact_id == "curfew"


async def test_sources_differ_shows_every_claim(discord_bot: RunningBot) -> None:
    """Where sources disagree the embed says so and shows every claim."""
    embed = embed_of(await discord_bot.interact(fact("death toll")))
    assert "Sources differ" in embed["description"]
    assert "18" in embed["description"] and "164" in embed["description"]


@pytest.mark.parametrize(("question", "expected"), [
    ("", "ask a question"),
    ("   ", "ask a question"),
    ("@everyone <@&123>", "ask a question"),
    ("who painted the mona lisa", "don't know"),
    ("csto troops " + "y" * 3000, "first 500 characters"),
])
async def test_no_answer_replies_ephemerally(discord_bot: RunningBot, question: str,
                                             expected: str) -> None:
    """Empty, unknown and overlong questions get a private, honest reply within limits."""
    callback = await discord_bot.interact(fact(question))
    assert is_ephemeral(callback)
    content = callback["data"]["content"]
    assert expected in content and len(content) <= 2000
    assert callback["data"]["allowed_mentions"] == NO_MENTIONS


async def test_mentions_and_markdown_in_a_question_never_ping(discord_bot: RunningBot) -> None:
    """@everyone, role and user mentions and markdown in a question: answered, pinging no one."""
    callback = await discord_bot.interact(
        fact("@everyone <@&123> <@4242> how many **CSTO** troops? @here"))
    assert callback["data"]["allowed_mentions"] == NO_MENTIONS
    assert "@everyone" not in str(callback["data"])
    assert "2,500" in embed_of(callback)["description"]


async def test_did_you_mean_offers_buttons_that_answer(discord_bot: RunningBot) -> None:
    """An unsure match lists suggestions privately; a suggestion's button posts its answer."""
    unsure = await discord_bot.interact(fact("csto troops in shymkent"))
    assert is_ephemeral(unsure) and "Did you mean" in unsure["data"]["content"]
    buttons = unsure["data"]["components"][0]["components"]
    assert all(len(b["label"]) <= 80 for b in buttons)
    pressed = await discord_bot.interact(button_press(
        buttons[0]["custom_id"], unsure["data"]["components"], flags=64))
    assert not is_ephemeral(pressed)
    assert "According to " in embed_of(pressed)["description"]


async def test_autocomplete_offers_matching_facts(discord_bot: RunningBot) -> None:
    """Typing in /fact question offers up to 25 facts within Discord's 100-character limits."""
    callback = await discord_bot.interact(autocomplete("fact", "question", "csto tro"))
    assert callback["type"] == 8
    choices = callback["data"]["choices"]
    assert 1 <= len(choices) <= 25
    assert all(len(c["name"]) <= 100 and len(c["value"]) <= 100 for c in choices)
    assert choices[0]["value"] == "fact:csto-contingent-size"
    picked = await discord_bot.interact(fact(choices[0]["value"]))
    assert "2,500" in embed_of(picked)["description"]


@pytest.mark.parametrize("typed", ["", "c", "state of emergency", "x" * 6000])
async def test_autocomplete_answers_well_within_three_seconds(discord_bot: RunningBot,
                                                             typed: str) -> None:
    """Whatever is typed — nothing, a letter, a phrase, 6,000 characters — choices come fast."""
    started = time.monotonic()
    callback = await discord_bot.interact(autocomplete("fact", "question", typed))
    assert time.monotonic() - started < 1.0
    assert len(callback["data"]["choices"]) <= 25


async def test_sources_and_source(discord_bot: RunningBot) -> None:
    """/sources lists the documents, /source shows one (autocompleted), unknown ids explained."""
    listing = embed_of(await discord_bot.interact(slash_command("sources")))
    assert len(listing["fields"]) == 5
    detail = embed_of(await discord_bot.interact(slash_command("source", [option("id", "4")])))
    assert "Barlybay Sadykov" in str(detail) and "facts cite it" in detail["description"]
    unknown = await discord_bot.interact(slash_command("source", [option("id", "9" * 3000)]))
    assert is_ephemeral(unknown) and len(unknown["data"]["content"]) < 200
    choices = (await discord_bot.interact(autocomplete("source", "id", "00")))["data"]["choices"]
    assert [c["value"] for c in choices] == ["000", "001", "002", "003", "004"]


async def test_full_quotes_button(discord_bot: RunningBot) -> None:
    """The button under an answer shows the full quotes to whoever pressed it."""
    callback = await discord_bot.interact(fact("when was the state of emergency declared"))
    button = callback["data"]["components"][0]["components"][0]
    pressed = await discord_bot.interact(button_press(button["custom_id"],
                                                      callback["data"]["components"]))
    assert is_ephemeral(pressed)
    assert "Against the background of mass riots" in str(pressed["data"]["embeds"])


async def test_a_slow_answer_is_deferred_then_delivered(
    discord_bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the database is slow the bot acknowledges in time and edits in the answer."""
    monkeypatch.setattr(discord_bot.core, "ask", slowed(discord_bot.core.ask))
    discord_bot.adapter.defer_after = 0.05
    interaction = fact("curfew hours")
    callback = await discord_bot.interact(interaction)
    assert callback["type"] == 5 and not is_ephemeral(callback)
    [edit] = await discord_bot.fake.webhook_calls_for(interaction, 1)
    assert edit.method == "PATCH" and edit.path.endswith("/messages/@original")
    assert "11 p.m." in edit.body["embeds"][0]["description"]
    assert edit.body["allowed_mentions"] == NO_MENTIONS


async def test_a_slow_dont_know_stays_private(discord_bot: RunningBot,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A deferred question that finds nothing swaps the public "thinking" for a private note."""
    monkeypatch.setattr(discord_bot.core, "ask", slowed(discord_bot.core.ask))
    discord_bot.adapter.defer_after = 0.05
    interaction = fact("who painted the mona lisa")
    assert (await discord_bot.interact(interaction))["type"] == 5
    delete, followup = await discord_bot.fake.webhook_calls_for(interaction, 2)
    assert delete.method == "DELETE"
    assert followup.method == "POST" and is_ephemeral(followup.body)
    assert "don't know" in followup.body["content"]


async def test_an_http_error_on_the_callback_is_logged_and_survived(
    discord_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    """A failed reply is logged; the bot apologises and answers the next interaction."""
    discord_bot.fake.callback_failures.append(400)
    interaction = fact("curfew")
    callbacks = f"/interactions/{interaction['id']}/"
    with caplog.at_level(logging.ERROR):
        await discord_bot.fake.dispatch("INTERACTION_CREATE", interaction)
        await discord_bot.fake.wait_for(
            lambda: len(discord_bot.fake.calls("POST", callbacks)) >= 2)
    assert any("error in /fact" in r.getMessage() for r in caplog.records)
    apology = discord_bot.fake.calls("POST", callbacks)[1].body
    assert is_ephemeral(apology) and "went wrong" in apology["data"]["content"]
    callback = await discord_bot.interact(fact("curfew"))
    assert "11 p.m." in embed_of(callback)["description"]


async def test_an_error_in_a_command_is_answered_privately(
    discord_bot: RunningBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """One error boundary: a failing core call is logged and answered with an apology."""
    def broken(*args: Any, **kwargs: Any) -> Answer:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(discord_bot.core, "ask", broken)
    with caplog.at_level(logging.ERROR):
        callback = await discord_bot.interact(fact("curfew"))
    assert is_ephemeral(callback) and "went wrong" in callback["data"]["content"]
    assert any(r.exc_info and "database on fire" in str(r.exc_info[1]) for r in caplog.records)


async def test_quote_command_checks_the_words(discord_bot: RunningBot) -> None:
    """/quote answers publicly with speaker, document and verdict; absent words privately."""
    found = await discord_bot.interact(
        slash_command("quote", [option("words", "The police did not use any force")]))
    embed = embed_of(found)
    assert "Barlybay Sadykov" in embed["description"] and "Verbatim" in embed["description"]
    absent = await discord_bot.interact(
        slash_command("quote", [option("words", "the moon is made of green cheese today")]))
    assert is_ephemeral(absent) and "can't find these words" in absent["data"]["content"]


async def _answer_message(bot: RunningBot, question: str, *, guild: bool = True
                          ) -> dict[str, Any]:
    """Ask with /fact; return the answer's message once the adapter recorded it."""
    from bot.corrections import PostedMessage

    interaction = fact(question, guild=guild)
    await bot.interact(interaction)
    for _ in range(100):
        created = [m for m in bot.fake.messages.values()
                   if (m.get("interaction_metadata") or {}).get("id") == interaction["id"]]
        if created and await asyncio.to_thread(bot.core.corrections.fact_of, PostedMessage(
                "discord", created[0]["channel_id"], created[0]["id"])):
            return created[0]
        await asyncio.sleep(0.05)
    raise AssertionError("the answer was never recorded")


@pytest.mark.parametrize(("follow_up", "expected"), [
    ("who said so?", "2,500"), ("what about the injured?", "1,300"),
])
async def test_a_reply_to_an_answer_is_a_follow_up(discord_bot: RunningBot, follow_up: str,
                                                   expected: str) -> None:
    """A reply to the bot's answer (which mentions the bot) is answered as a reply, read
    with the earlier answer's fact as its topic; no one is pinged."""
    earlier = await _answer_message(discord_bot, "how many CSTO troops?")
    question = user_reply(f"<@{APPLICATION_ID}> {follow_up}", earlier)
    await discord_bot.fake.dispatch("MESSAGE_CREATE", question)
    await discord_bot.fake.wait_for(lambda: bool(discord_bot.fake.replies_to(question["id"])))
    [reply] = discord_bot.fake.replies_to(question["id"])
    assert expected in str(reply["embeds"]) and "According to" in str(reply["embeds"])
    post = discord_bot.fake.calls("POST", f"/channels/{earlier['channel_id']}/messages")[-1]
    assert post.body["allowed_mentions"]["parse"] == []
