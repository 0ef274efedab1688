"""The Telegram digest: one message within 4,096 units, every section, what it holds."""

from __future__ import annotations

import re
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.telegram.render import MESSAGE_LIMIT, render_digest
from bot import texts
from bot.answers import Answer
from bot.core import FactBot
from bot.digest.content import Anniversary, Digest, DigestList, FactUpdate
from tests.digest_support import any_digest, assert_shows_a_prefix_of_each_list


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _answers(core: FactBot) -> list[Answer]:
    return [a for a in (core.answer_for(f.id) for f in core.index.facts) if a]


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(data=st.data())
def test_any_digest_fits_one_message_with_every_section(shared_core: FactBot,
                                                        data: st.DataObject) -> None:
    """Whatever the digest holds, the message fits, shows each section, and is escaped."""
    digest: Digest = data.draw(any_digest(_answers(shared_core)))
    message, delivered = render_digest(digest)
    assert _units(message) <= MESSAGE_LIMIT
    assert_shows_a_prefix_of_each_list(digest, delivered)
    for present, heading in ((digest.changes, texts.DIGEST_CHANGES),
                             (digest.on_this_day, texts.DIGEST_ON_THIS_DAY),
                             (digest.highlight, "Fact of the day"),
                             (digest.unanswered, texts.DIGEST_UNANSWERED)):
        assert (f"<b>{heading}" in message) == bool(present)
    for which in DigestList:
        more = delivered.left_out(which)
        assert not more or f"… and {more} more" in message
    assert "<" not in re.sub(r"</?[bi]>", "", message)


def test_all_facts_changed_are_cut_to_fit_and_counted(shared_core: FactBot) -> None:
    """Every fact changed: the list ends in "… and N more", the other sections follow."""
    answers = _answers(shared_core)
    digest = Digest(
        local_date=date(2027, 1, 5), timezone="UTC",
        changes=tuple(FactUpdate("corrected", a.fact_id or "", a.headline or "", a)
                      for a in answers),
        on_this_day=(Anniversary(answers[0], date(2022, 1, 5), 5),), highlight=answers[1])
    message, delivered = render_digest(digest)
    assert 0 < len(delivered.changes) < len(answers)
    assert f"… and {len(answers) - len(delivered.changes)} more" in message
    assert message.index(texts.DIGEST_CHANGES) < message.index(texts.DIGEST_ON_THIS_DAY) \
        < message.index("Fact of the day")
