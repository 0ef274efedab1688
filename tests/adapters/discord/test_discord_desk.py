"""The desk on Discord: editors' commands, teach buttons and the new-fact form, on the real
discord.py against the fake Discord, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from adapters.discord.app import DiscordAdapter
from bot.core import FactBot
from tests.adapters.discord.conftest import (
    FAST,
    RunningBot,
    discord_settings,
    embed_of,
    is_ephemeral,
)
from tests.fakes.discord_api import (
    USER,
    FakeDiscord,
    autocomplete,
    button_press,
    by,
    modal_submit,
    option,
    slash_command,
)

EDITOR_ID = "5151"
EDITOR_ROLE = "777"
ROLE_EDITOR_ID = "6161"  # an editor by role only
REPORTER_ID = USER["id"]
FORM = 9  # the interaction callback type that opens a form
REFUSAL = "Only the newsroom's editors"
GAP = "nightly lockdown hours in the country"
POLICE = "did the police use force against protesters"
TEACH = "teach:abcd1234:ef015678"  # a teach button, as the core names its choices


@pytest.fixture
async def desk_bot(fake_discord: FakeDiscord, database_url: str) -> AsyncIterator[RunningBot]:
    """A bot whose editors are user 5151 and whoever has role 777."""
    settings = discord_settings(fake_discord, database_url, discord_editor_ids=EDITOR_ID,
                                discord_editor_role_id=int(EDITOR_ROLE))
    core = await asyncio.to_thread(FactBot.open, settings)
    adapter = DiscordAdapter(core, settings, **FAST)
    await adapter.start()
    yield RunningBot(fake_discord, adapter, core)
    await adapter.stop()
    core.close()


def as_editor(interaction: dict[str, Any]) -> dict[str, Any]:
    return by(interaction, EDITOR_ID)


def ask(question: str) -> dict[str, Any]:
    return slash_command("fact", [option("question", question)])


def content(callback: dict[str, Any]) -> str:
    return str(callback["data"]["content"])


def buttons(callback: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for row in callback["data"].get("components", []) for b in row["components"]]


async def test_a_non_editor_changes_nothing(desk_bot: RunningBot) -> None:
    """Every editor command from a reporter, or a member without the role, gets one
    private line; no form opens and the table does not change."""
    before = desk_bot.core.curation.history("curfew")
    facts = len(desk_bot.core.index.facts)
    attempts = [
        slash_command("gaps"),
        slash_command("teach", [option("fact", "curfew"), option("question", "lights out")]),
        slash_command("teach", [option("document", "004")]),
        slash_command("retract", [option("fact", "curfew"), option("reason", "wrong")]),
        slash_command("revert", [option("fact", "curfew"), option("version", 1, 4)]),
        button_press(TEACH, [{"type": 1, "components": [
            {"type": 2, "style": 1, "label": "1. Teach to: Curfew", "custom_id": TEACH}]}]),
        by(slash_command("retract", [option("fact", "curfew"), option("reason", "x")]),
           "9999", roles=("778",)),
        by(slash_command("teach", [option("document", "004")], guild=False), "9999"),
    ]
    for attempt in attempts:
        callback = await desk_bot.interact(attempt)
        assert callback["type"] == 4 and is_ephemeral(callback)
        assert content(callback).startswith(REFUSAL) and "\n" not in content(callback)
    assert desk_bot.core.curation.history("curfew") == before
    assert len(desk_bot.core.index.facts) == facts


async def test_an_editor_by_role_retracts_and_reverts(desk_bot: RunningBot) -> None:
    """A member with the editors' role (in a server Discord never sent the bot) retracts
    a fact — /fact answers only from the documents now — and reverts it back."""
    editor = ("111", EDITOR_ROLE)
    retracted = await desk_bot.interact(by(slash_command(
        "retract", [option("fact", "curfew"), option("reason", "superseded by decree")]),
        ROLE_EDITOR_ID, roles=editor))
    assert is_ephemeral(retracted)
    assert content(retracted) == "curfew: version 2: retracted: superseded by decree"
    after = await desk_bot.interact(ask("curfew hours"))
    # The fact is gone, and its sentence is not brought back as a passage either.
    assert is_ephemeral(after) and "I don't know" in content(after)
    reverted = await desk_bot.interact(by(slash_command(
        "revert", [option("fact", "curfew"), option("version", 1, 4)]),
        ROLE_EDITOR_ID, roles=editor))
    assert content(reverted).startswith("curfew: version 3: reverted to version 1")
    assert "11 p.m." in embed_of(await desk_bot.interact(ask("curfew hours")))["description"]
    history = desk_bot.core.curation.history("curfew")
    assert [v.actor for v in history[1:]] == [f"discord:{ROLE_EDITOR_ID}"] * 2


async def test_a_gap_taught_from_its_button_is_answered_at_once(desk_bot: RunningBot) -> None:
    """A question asked in a channel and not answered shows in /gaps; pressing the button
    of its candidate fact teaches it, and /fact answers it from that fact."""
    unanswered = await desk_bot.interact(ask(GAP))
    assert is_ephemeral(unanswered)
    board = await desk_bot.interact(as_editor(slash_command("gaps")))
    assert is_ephemeral(board)
    embed = embed_of(board)
    assert any(GAP in field["name"] for field in embed["fields"])
    assert all(len(b["custom_id"]) <= 100 and len(b["label"]) <= 80 for b in buttons(board))
    curfew = next(b for b in buttons(board) if "Curfew" in b["label"])
    assert curfew["custom_id"].startswith("teach:")
    taught = await desk_bot.interact(as_editor(button_press(
        curfew["custom_id"], board["data"]["components"], flags=64)))
    assert is_ephemeral(taught) and content(taught).startswith(f"Taught: “{GAP}”")
    answered = await desk_bot.interact(ask(GAP))
    assert "11 p.m." in embed_of(answered)["description"]
    assert desk_bot.core.curation.history("curfew")[-1].actor == f"discord:{EDITOR_ID}"


async def test_teach_in_one_step_with_a_fact_from_autocomplete(desk_bot: RunningBot) -> None:
    """/teach fact question: the fact is picked by id from autocomplete; the question is
    answered from it at once."""
    choices = (await desk_bot.interact(autocomplete("teach", "fact", "curf")))["data"]["choices"]
    assert choices[0]["value"] == "curfew" and len(choices) <= 25
    taught = await desk_bot.interact(as_editor(slash_command(
        "teach", [option("fact", choices[0]["value"]), option("question", "lights out time")])))
    assert is_ephemeral(taught) and "curfew (version 2)" in content(taught)
    assert "11 p.m." in embed_of(await desk_bot.interact(ask("lights out time")))["description"]


async def test_the_new_fact_form(desk_bot: RunningBot) -> None:
    """/teach with a document opens the form; a quote not in the document is refused with
    the closest passage and the form offered again as filled in; sent right, the fact is
    added, previewed and answers /fact."""
    opened = await desk_bot.interact(as_editor(slash_command(
        "teach", [option("document", "4"), option("question", POLICE)])))
    assert opened["type"] == FORM
    form = opened["data"]
    assert len(form["title"]) <= 45 and len(form["components"]) == 5
    assert all(len(label["label"]) <= 45 and len(label["description"]) <= 100
               for label in form["components"])
    fields = {label["component"]["custom_id"]: label["component"]
              for label in form["components"]}
    assert [o["value"] for o in fields["document"]["options"] if o.get("default")] == ["004"]
    assert fields["questions"]["value"] == POLICE
    facts = len(desk_bot.core.index.facts)

    submitted = as_editor(modal_submit(form, {
        "quote": "The police never used any force at all",
        "says": "the police did not use any force", "headline": "Police use of force"}))
    wrong = await desk_bot.interact(submitted)
    assert is_ephemeral(wrong) and "closest passage" in content(wrong)
    assert "The police did not use any force" in content(wrong)
    assert len(desk_bot.core.index.facts) == facts

    [again] = buttons(wrong)
    [shown] = [m["id"] for m in desk_bot.fake.messages.values()
               if (m.get("interaction_metadata") or {}).get("id") == submitted["id"]]
    reopened = await desk_bot.interact(as_editor(button_press(
        again["custom_id"], wrong["data"]["components"], flags=64, message_id=shown)))
    assert reopened["type"] == FORM
    refilled = {label["component"]["custom_id"]: label["component"]
                for label in reopened["data"]["components"]}
    assert refilled["quote"]["value"] == "The police never used any force at all"
    assert refilled["headline"]["value"] == "Police use of force"

    added = await desk_bot.interact(as_editor(modal_submit(
        reopened["data"], {"quote": "The police did not use any force."})))
    assert is_ephemeral(added) and content(added).startswith(
        "Added fact police-use-of-force")
    assert "According to Barlybay Sadykov" in embed_of(added)["description"]
    answer = embed_of(await desk_bot.interact(ask(POLICE)))
    assert "did not use any force" in answer["description"]
    assert desk_bot.core.curation.history("police-use-of-force")[0].actor == (
        f"discord:{EDITOR_ID}")


async def test_a_form_without_question_forms_is_offered_again(desk_bot: RunningBot) -> None:
    """Question forms of blank lines only: the editor is told, and nothing is added."""
    opened = await desk_bot.interact(as_editor(slash_command("teach", [option("document",
                                                                             "004")])))
    facts = len(desk_bot.core.index.facts)
    sent = await desk_bot.interact(as_editor(modal_submit(opened["data"], {
        "quote": "The police did not use any force.",
        "says": "the police did not use any force", "questions": " \n \n"})))
    assert content(sent) == "A question form needs some words." and buttons(sent)
    assert len(desk_bot.core.index.facts) == facts


async def test_teach_names_an_unknown_document(desk_bot: RunningBot) -> None:
    """/teach with a document the bot does not have says so instead of opening a form."""
    callback = await desk_bot.interact(as_editor(slash_command(
        "teach", [option("document", "nine")])))
    assert callback["type"] == 4 and content(callback) == "I have no document nine."
