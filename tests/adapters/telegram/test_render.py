"""Telegram HTML rendering: escaped, and never over 4,096 characters or cut mid-tag."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from html.parser import HTMLParser

from adapters.telegram.render import MESSAGE_LIMIT, render_answer
from bot.answers import Answer, AttributedClaim, Citation, Outcome, SourceInfo

SOURCE = SourceInfo(id="900", file="900_x.txt", title="<Title> & more", speaker="A <b>speaker",
                    speaker_role="", publisher="", date=date(2022, 1, 10), kind="statement",
                    cited_as="A speaker")


def _answer(claims: int, quote_chars: int) -> Answer:
    claim = AttributedClaim(text="According to A <speaker>, x & y.", says="x & y",
                  citation=Citation(SOURCE, "q<" * (quote_chars // 2), SOURCE.speaker))
    return Answer(question="q", outcome=Outcome.ANSWER, score=90, fact_id="f", headline="H",
                  text="t", claims=tuple(replace(claim) for _ in range(claims)),
                  sources_differ=claims > 1)


class _TagBalance(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open.pop() == tag


def test_every_text_is_escaped() -> None:
    """Markup in fact or source text arrives as text, not as tags."""
    html = render_answer(_answer(1, 20), expanded=True)
    assert "<Title>" not in html and "&lt;Title&gt; &amp; more" in html
    assert "A &lt;b&gt;speaker" in html and "q&lt;q&lt;" in html


def test_long_answers_fit_and_keep_their_tags_whole() -> None:
    """Huge quotes and many claims are shortened to fit, with every tag closed."""
    for claims, quote_chars in ((1, 10_000), (8, 3000), (60, 500)):
        for expanded in (False, True):
            html = render_answer(_answer(claims, quote_chars), expanded=expanded)
            assert len(html) <= MESSAGE_LIMIT
            balance = _TagBalance()
            balance.feed(html)
            assert balance.open == []
            assert not re.search(r"<[^>]*$", html)
