"""The Discord adapter on the real discord.py, over a real gateway connection to a fake."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from adapters.discord.app import DiscordAdapter
from bot.core import FactBot
from tests.adapters.discord.conftest import TOKEN, RunningBot, discord_settings
from tests.fakes.discord_api import (
    CHANNEL_ID,
    MANAGE_GUILD,
    FakeDiscord,
    autocomplete,
    button_press,
    option,
    slash_command,
)


async def _run(bot: RunningBot, interaction: dict[str, Any]) -> dict[str, Any]:
    await bot.fake.dispatch("INTERACTION_CREATE", interaction)
    return await bot.fake.callback_for(interaction["id"])


def _embed(callback: dict[str, Any]) -> dict[str, Any]:
    embeds = callback["data"]["embeds"]
    assert len(embeds) == 1
    return dict(embeds[0])


def _ephemeral(callback: dict[str, Any]) -> bool:
    return bool(callback["data"].get("flags", 0) & 64)


async def test_commands_are_registered_once(discord_bot: RunningBot) -> None:
    """Start-up registers the commands; a second sync with nothing changed writes nothing."""
    puts = discord_bot.fake.calls("PUT", "/commands")
    assert len(puts) == 1
    names = {c["name"] for c in puts[0].body}
    assert names == {"fact", "sources", "source", "digest"}
    digest = next(c for c in puts[0].body if c["name"] == "digest")
    assert int(digest["default_member_permissions"]) == MANAGE_GUILD
    assert await discord_bot.adapter.sync_commands() == []
    assert len(discord_bot.fake.calls("PUT", "/commands")) == 1


async def test_no_privileged_intents(discord_bot: RunningBot) -> None:
    """IDENTIFY asks for no privileged intent (members, presences, message content)."""
    identify = next(op for op in discord_bot.fake.gateway_ops if op["op"] == 2)
    privileged = (1 << 1) | (1 << 8) | (1 << 15)
    assert identify["d"]["intents"] & privileged == 0


async def test_fact_in_a_guild_answers_with_an_embed(discord_bot: RunningBot) -> None:
    """/fact answers with an embed: attributed answer and a field per citation."""
    callback = await _run(discord_bot, slash_command(
        "fact", [option("question", "how many CSTO troops?")]))
    assert callback["type"] == 4 and not _ephemeral(callback)
    embed = _embed(callback)
    assert embed["description"].startswith("According to ") and "2,500" in embed["description"]
    assert len(embed["fields"]) == 3 and all(len(f["value"]) <= 1024 for f in embed["fields"])
    assert callback["data"]["allowed_mentions"] == {"parse": []}


async def test_fact_in_a_dm(discord_bot: RunningBot) -> None:
    """/fact works in a direct message too."""
    callback = await _run(discord_bot, slash_command(
        "fact", [option("question", "curfew hours")], guild=False))
    assert "11 p.m." in _embed(callback)["description"]


async def test_sources_differ_shows_every_claim(discord_bot: RunningBot) -> None:
    """Where sources disagree the embed says so and shows every claim."""
    embed = _embed(await _run(discord_bot, slash_command(
        "fact", [option("question", "death toll")])))
    assert "Sources differ" in embed["description"]
    assert "18" in embed["description"] and "164" in embed["description"]


@pytest.mark.parametrize("question", ["", "   ", "who painted the mona lisa"])
async def test_no_answer_replies_ephemerally(discord_bot: RunningBot, question: str) -> None:
    """Empty questions and questions outside the table get a private, honest reply."""
    callback = await _run(discord_bot, slash_command("fact", [option("question", question)]))
    assert _ephemeral(callback)
    assert "ask a question" in callback["data"]["content"] or "don't know" in \
        callback["data"]["content"]


async def test_long_and_markup_questions_get_a_proper_reply(discord_bot: RunningBot) -> None:
    """A 3,000-character question and mention/markdown syntax never ping or break the reply."""
    long_question = "csto troops " + "y" * 3000
    callback = await _run(discord_bot, slash_command("fact", [option("question",
                                                                     long_question)]))
    assert callback["data"]["allowed_mentions"] == {"parse": []}
    hostile = "@everyone <@&123> **csto** troops __now__"
    callback = await _run(discord_bot, slash_command("fact", [option("question", hostile)]))
    assert callback["data"]["allowed_mentions"] == {"parse": []}
    assert "@everyone" not in str(callback["data"].get("content", ""))


async def test_autocomplete_offers_matching_facts(discord_bot: RunningBot) -> None:
    """Typing in /fact question offers up to 25 facts within Discord's 100-character limits."""
    callback = await _run(discord_bot, autocomplete("fact", "question", "csto tro"))
    assert callback["type"] == 8
    choices = callback["data"]["choices"]
    assert 1 <= len(choices) <= 25
    assert all(len(c["name"]) <= 100 and len(c["value"]) <= 100 for c in choices)
    assert choices[0]["value"] == "fact:csto-contingent-size"
    picked = await _run(discord_bot, slash_command(
        "fact", [option("question", choices[0]["value"])]))
    assert "2,500" in _embed(picked)["description"]


async def test_sources_and_source(discord_bot: RunningBot) -> None:
    """/sources lists the documents, /source shows one (autocompleted), unknown ids explained."""
    listing = _embed(await _run(discord_bot, slash_command("sources")))
    assert len(listing["fields"]) == 5
    detail = _embed(await _run(discord_bot, slash_command("source", [option("id", "4")])))
    assert "Barlybay Sadykov" in str(detail) and "facts cite it" in detail["description"]
    unknown = await _run(discord_bot, slash_command("source", [option("id", "999")]))
    assert _ephemeral(unknown)
    choices = (await _run(discord_bot, autocomplete("source", "id", "00")))["data"]["choices"]
    assert [c["value"] for c in choices] == ["000", "001", "002", "003", "004"]


async def test_full_quotes_button(discord_bot: RunningBot) -> None:
    """The button under an answer shows the full quotes to whoever pressed it."""
    callback = await _run(discord_bot, slash_command(
        "fact", [option("question", "when was the state of emergency declared")]))
    button = callback["data"]["components"][0]["components"][0]
    pressed = await _run(discord_bot, button_press(button["custom_id"],
                                                   callback["data"]["components"]))
    assert _ephemeral(pressed)
    assert "Against the background of mass riots" in str(pressed["data"]["embeds"])


async def test_digest_needs_manage_server(discord_bot: RunningBot) -> None:
    """/digest without Manage Server is refused in code too, and nothing is stored."""
    refused = await _run(discord_bot, slash_command(
        "digest", [option("time", "09:00")], subcommand="on", permissions=0))
    assert _ephemeral(refused) and "Manage Server" in refused["data"]["content"]
    assert discord_bot.core.subscription("discord", str(CHANNEL_ID)) is None


async def test_digest_on_status_off(discord_bot: RunningBot) -> None:
    """With Manage Server, /digest on stores the subscription; status and off follow it."""
    on = await _run(discord_bot, slash_command(
        "digest", [option("time", "07:45"), option("timezone", "europe/berlin")],
        subcommand="on", permissions=MANAGE_GUILD))
    assert "07:45" in on["data"]["content"] and "Europe/Berlin" in on["data"]["content"]
    stored = discord_bot.core.subscription("discord", str(CHANNEL_ID))
    assert stored is not None and stored.guild_id is not None
    status = await _run(discord_bot, slash_command("digest", subcommand="status",
                                                   permissions=MANAGE_GUILD))
    assert "07:45" in status["data"]["content"]
    off = await _run(discord_bot, slash_command("digest", subcommand="off",
                                                permissions=MANAGE_GUILD))
    assert "turned off" in off["data"]["content"]
    bad = await _run(discord_bot, slash_command(
        "digest", [option("time", "7pm")], subcommand="on", permissions=MANAGE_GUILD))
    assert "HH:MM" in bad["data"]["content"]


async def test_an_http_error_on_the_callback_is_logged_and_survived(
    discord_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    """A failed reply is logged; the next interaction is answered as usual."""
    discord_bot.fake.callback_failures.append(400)
    with caplog.at_level(logging.ERROR):
        interaction = slash_command("fact", [option("question", "curfew")])
        await discord_bot.fake.dispatch("INTERACTION_CREATE", interaction)
        await discord_bot.fake.wait_for(
            lambda: len(discord_bot.fake.calls("POST", f"/interactions/{interaction['id']}/"))
            >= 2)
    assert any("error in /fact" in r.getMessage() for r in caplog.records)
    callback = await _run(discord_bot, slash_command("fact", [option("question", "curfew")]))
    assert "11 p.m." in _embed(callback)["description"]


async def test_gateway_disconnect_is_resumed(discord_bot: RunningBot) -> None:
    """When the gateway drops the connection the client resumes and keeps answering."""
    await discord_bot.fake.drop_connection()
    await discord_bot.fake.wait_for(lambda: discord_bot.fake.resumed.is_set(), within=15)
    assert any(op["op"] == 6 for op in discord_bot.fake.gateway_ops)
    callback = await _run(discord_bot, slash_command("fact", [option("question", "curfew")]))
    assert "11 p.m." in _embed(callback)["description"]


async def test_guild_registration_and_the_token_stays_out_of_logs(
    fake_discord: FakeDiscord, fresh_core: FactBot, sqlite_database_url: str,
    caplog: pytest.LogCaptureFixture
) -> None:
    """DISCORD_GUILD_IDS registers per guild; no log line carries the token."""
    from adapters.runner import configured_secrets
    from bot.redact import protect_secrets

    settings = discord_settings(fake_discord, sqlite_database_url,
                                discord_guild_ids=[111, 222])
    protect_secrets(configured_secrets(settings))
    with caplog.at_level(logging.DEBUG):
        adapter = DiscordAdapter(fresh_core, settings, guild_ready_timeout=0.05)
        await adapter.start()
        await adapter.stop()
    assert set(fake_discord.registered) == {"111", "222"}
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert TOKEN not in logged
