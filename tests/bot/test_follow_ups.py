"""Follow-ups: a reply to an earlier answer is read with that answer's fact as its topic."""

from __future__ import annotations

import pytest

from bot.answering import Chat
from bot.core import FactBot

CLI = Chat("cli")


@pytest.mark.parametrize(("earlier", "question", "expected"), [
    ("csto-contingent-size", "who said so?", "csto-contingent-size"),
    ("state-of-emergency-declared", "and when was that?", "state-of-emergency-declared"),
    ("death-toll", "what about the injured?", "injured-count"),
    ("death-toll", "how many were arrested", "detentions-count"),
])
def test_a_follow_up_takes_its_topic_from_the_earlier_answer(
        shared_core: FactBot, earlier: str, question: str, expected: str) -> None:
    """Pointers take the earlier fact; a question with its own topic is answered as asked."""
    answer = shared_core.ask(question, chat=CLI, follows=earlier, record=False)
    assert answer.answered and answer.fact_id == expected
    assert answer.question == question


@pytest.mark.parametrize("question", ["who said so?", "and when was that?", "when?"])
def test_a_pointer_alone_is_not_guessed(shared_core: FactBot, question: str) -> None:
    """Without an earlier answer, a bare pointer has no topic: no answer."""
    assert not shared_core.match(question).answered


def test_a_follow_up_to_a_retracted_or_unknown_fact_is_answered_as_asked(
        shared_core: FactBot) -> None:
    """An earlier fact no longer in the table lends nothing; the question stands alone."""
    answer = shared_core.ask("curfew hours", chat=CLI, follows="no-such-fact", record=False)
    assert answer.fact_id == "curfew"
    assert not shared_core.ask("who said so?", chat=CLI, follows="no-such-fact",
                               record=False).answered
