"""Discord embeds: within every limit Discord enforces, with fact text escaped."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from adapters.discord import render
from bot.answers import (
    Answer,
    AttributedClaim,
    Citation,
    Notice,
    Outcome,
    SourceInfo,
    Suggestion,
)
from bot.core import FactBot
from bot.desk import GapCard, GapsBoard
from bot.gaps import Gap

SOURCE = SourceInfo(id="900", file="900_x.txt", title="**Bold** title @everyone",
                    speaker="A _speaker_ <@&123>", speaker_role="", publisher="p",
                    date=date(2022, 1, 10), kind="statement", cited_as="A speaker")


def _answer(claims: int, quote_chars: int, text_chars: int = 60) -> Answer:
    claim = AttributedClaim(text="According to A speaker, " + "x" * text_chars, says="x",
                  citation=Citation(SOURCE, "q" * quote_chars, SOURCE.speaker))
    return Answer(question="q", outcome=Outcome.ANSWER, score=90, fact_id="f",
                  headline="H" * 400, text="t", claims=(claim,) * claims,
                  sources_differ=claims > 1)


@pytest.mark.parametrize(("claims", "quote_chars", "text_chars"), [
    (1, 10_000, 60), (5, 3_000, 300), (30, 500, 400), (2, 40, 5_000),
])
@pytest.mark.parametrize("full_quotes", [False, True])
def test_answers_fit_every_embed_limit(claims: int, quote_chars: int, text_chars: int,
                                       full_quotes: bool) -> None:
    """Huge quotes, many claims and long claim text are shortened to Discord's limits."""
    embed = render.answer_embed(_answer(claims, quote_chars, text_chars),
                                full_quotes=full_quotes)
    assert len(embed.title or "") <= render.TITLE_LIMIT
    assert len(embed.description or "") <= render.DESCRIPTION_LIMIT
    assert len(embed.fields) <= render.FIELDS_LIMIT
    assert all(len(f.name or "") <= render.FIELD_NAME_LIMIT
               and len(f.value or "") <= render.FIELD_VALUE_LIMIT for f in embed.fields)
    assert len(embed) <= render.EMBED_LIMIT


def test_fact_and_source_text_is_escaped() -> None:
    """Markdown and mentions in a source's metadata arrive as text."""
    embed = render.answer_embed(_answer(1, 20))
    field = embed.fields[0]
    assert "\\_speaker\\_" in (field.name or "")
    assert "\\*\\*Bold\\*\\*" in (field.value or "")
    assert "@everyone" not in (field.value or "")


def test_a_long_quote_is_collapsed_until_asked_for() -> None:
    """Quotes are cut in the answer and offered in full behind the button."""
    answer = _answer(1, 600)
    assert answer.has_long_quotes
    collapsed = render.answer_embed(answer).fields[0].value or ""
    full = render.answer_embed(answer, full_quotes=True).fields[0].value or ""
    assert "q" * 600 in full and "q" * 600 not in collapsed


@pytest.mark.parametrize(("shorten", "limit"), [
    (render.choice_name, 100), (render.choice_value, 100), (render.button_label, 80),
])
def test_choices_and_labels_fit(shorten: object, limit: int) -> None:
    """Autocomplete choices and button labels stay within Discord's lengths."""
    assert callable(shorten)
    assert len(shorten("word " * 100)) <= limit


def test_an_unknown_source_is_quoted_short_and_escaped(shared_core: FactBot) -> None:
    """Whatever was typed as a source id is echoed short and inert."""
    notice = shared_core.source_card("@everyone **bold** [link](http://x) " + "9" * 3000)
    assert isinstance(notice, Notice)
    text = render.notice_text(notice)
    assert len(text) < 300 and "@everyone" not in text and "**bold**" not in text
    assert "000, 001, 002, 003, 004" in text


def test_the_gaps_board_fits_and_escapes() -> None:
    """/gaps: more gaps than rows of buttons, long and marked-up questions: as many fields
    as rows, each within Discord's limits, markdown and mentions escaped."""
    suggestion = Suggestion("curfew", "q", "**Curfew** " + "h" * 300, 50.0)
    gap = Gap("**who** @everyone " + "w" * 400, 3, ("_again_ " + "v" * 300,) * 4,
              datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC),
              (suggestion,) * 3)
    board = GapsBoard(tuple(GapCard(gap, ()) for _ in range(7)), "7 days")
    embed = render.gaps_embed(board)
    assert len(embed.fields) == render.ACTION_ROWS_LIMIT
    assert all(len(f.name or "") <= render.FIELD_NAME_LIMIT
               and len(f.value or "") <= render.FIELD_VALUE_LIMIT for f in embed.fields)
    assert len(embed) <= render.EMBED_LIMIT
    assert embed.fields[0].name.startswith("1. 3× “\\*\\*who\\*\\* @\u200beveryone")
    assert "\\*\\*Curfew\\*\\*" in (embed.fields[0].value or "")
