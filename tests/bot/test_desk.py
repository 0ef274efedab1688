"""The desk in chat, through the core: editors change the table, everyone else cannot."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.answering import Chat
from bot.answers import Answer, Notice
from bot.core import FactBot
from bot.desk import FactDraft, GapsBoard
from bot.editors import Requester
from bot.settings import load_settings

EDITOR = Requester("telegram", "111")
REPORTER = Requester("telegram", "999")
GROUP = Chat("telegram", "-100200", private=False)


@pytest.fixture
def desk_core(database_url: str) -> Iterator[FactBot]:
    core = FactBot.open(load_settings(database_url=database_url, telegram_editor_ids="111"))
    yield core
    core.close()


def test_a_non_editor_changes_nothing(desk_core: FactBot) -> None:
    """Every editor command from a non-editor gets one clear line and changes nothing."""
    desk = desk_core.desk
    before = desk_core.curation.history("curfew")
    replies = [
        desk.gaps(REPORTER),
        desk.teach(REPORTER, "curfew", "night time ban", chat_id="1"),
        desk.retract(REPORTER, "curfew", "wrong", chat_id="1"),
        desk.revert(REPORTER, "curfew", "1", chat_id="1"),
        desk.add_fact(REPORTER, FactDraft("004", "The police did not use any force.",
                                          "the police did not use any force", ("police force",)),
                      chat_id="1"),
        desk.teach_choice(REPORTER, "abcd:ef01", chat_id="1"),
    ]
    assert all(isinstance(r, Notice) and "Only the newsroom's editors" in r.text
               for r in replies)
    assert desk_core.curation.history("curfew") == before


def test_a_gap_taught_from_its_button_is_answered_at_once(desk_core: FactBot) -> None:
    """An unanswered question from a group shows in /gaps; its button teaches it."""
    question = "nightly lockdown hours in the country"
    desk_core.ask(question, chat=GROUP)
    assert not desk_core.match(question).answered
    board = desk_core.desk.gaps(EDITOR)
    assert isinstance(board, GapsBoard)
    card = next(c for c in board.cards if c.gap.question == question)
    choice = next(c for c in card.choices if "Curfew" in c.label)
    reply = desk_core.desk.teach_choice(EDITOR, choice.data, chat_id="-100200")
    assert "Taught" in reply.text and "curfew" in reply.text
    assert desk_core.match(question).fact_id == "curfew"
    assert desk_core.curation.history("curfew")[-1].actor == "telegram:111"


def test_retract_and_revert_from_chat(desk_core: FactBot) -> None:
    """An editor retracts a fact (never answered again) and reverts it back."""
    notice = desk_core.desk.retract(EDITOR, "curfew", "superseded", chat_id="1")
    assert "curfew" in notice.text
    retracted = desk_core.match("curfew hours")
    # Not the fact, and not its sentence as a passage either: retracted means not said.
    assert not retracted.answered, retracted.text
    assert "Usage" in desk_core.desk.revert(EDITOR, "curfew", "two", chat_id="1").text
    back = desk_core.desk.revert(EDITOR, "curfew", "1", chat_id="1")
    assert "version 3" in back.text
    assert desk_core.match("curfew hours").fact_id == "curfew"


def test_a_new_fact_checks_its_quote_previews_and_answers(desk_core: FactBot) -> None:
    """The quote is checked verbatim (closest passage when not); the fact answers at once."""
    desk = desk_core.desk
    wrong = desk.check_quote("004", "The police never used any force at all")
    assert not wrong.verbatim and "closest passage" in wrong.message
    assert desk.check_quote("004", "The police did not use any force.").verbatim
    draft = FactDraft("004", "The police did not use any force.",
                      "the police did not use any force",
                      ("did the police use force against protesters",), "Police use of force")
    preview = desk.preview(draft)
    assert isinstance(preview, Answer) and "According to Barlybay Sadykov" in (preview.text or "")
    added = desk.add_fact(EDITOR, draft, chat_id="1")
    assert "Added fact police-use-of-force" in added.text
    assert desk_core.match("did the police use force against protesters").fact_id == (
        "police-use-of-force")
    bad = desk.add_fact(EDITOR, FactDraft("004", "words no document has at all",
                                          "x", ("q",)), chat_id="1")
    assert "Not added" in bad.text
