"""Telegram HTML for the core's answers: every piece of text escaped, every message < 4,096.

Telegram counts the length of the text after parsing the tags, so measuring the HTML
string is conservative. When a message would be too long, quotes are shortened with an
ellipsis (never a tag cut in half) and long lists end with "… and N more".
"""

from __future__ import annotations

import re
from html import escape, unescape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import texts
from bot.answers import (
    COLLAPSED_QUOTE_CHARS,
    Answer,
    Citation,
    Notice,
    Outcome,
    SourceCard,
    SourceInfo,
)
from bot.digest.content import Digest
from bot.layout import fit_lines, shorten

MESSAGE_LIMIT = 4096
_MIN_QUOTE_CHARS = 40

# Callback data: "q:<fact>:1" shows full quotes, "q:<fact>:0" hides them, "f:<fact>" answers.
EXPAND, FACT = "q", "f"


def html(text: str) -> str:
    return escape(text, quote=False)


def _citation_line(number: int, citation: Citation) -> str:
    source = citation.source
    return (f"<b>[{number}]</b> {html(citation.speaker)}, <i>{html(source.title)}</i> "
            f"({html(source.kind)}, {html(source.date_label)})")


def _answer_body(answer: Answer) -> str:
    lead = f"<b>{html(answer.lead)}</b>\n" if answer.lead else ""
    if answer.sources_differ:
        claims = "\n".join(f"• {html(claim.text)}" for claim in answer.claims)
        heading = "" if answer.lead else f"<b>{html(texts.SOURCES_DIFFER)}</b>\n"
        return f"{lead}{heading}{claims}"
    return lead + "\n".join(html(claim.text) for claim in answer.claims)


def render_answer(answer: Answer, *, expanded: bool = False) -> str:
    """The attributed answer, then each citation with its quote (shortened unless expanded)."""
    if not answer.answered:
        return html(answer.notice)
    body = _answer_body(answer)
    heads = [_citation_line(n, c) for n, c in enumerate(answer.citations, 1)]
    quote_limit = max(len(c.quote) for c in answer.citations) if expanded else (
        COLLAPSED_QUOTE_CHARS)
    while True:
        parts = [body, ""]
        for head, citation in zip(heads, answer.citations, strict=True):
            parts.append(f"{head}\n<blockquote>{html(shorten(citation.quote, quote_limit))}"
                         "</blockquote>")
        message = "\n".join(parts)
        if len(message) <= MESSAGE_LIMIT or quote_limit <= _MIN_QUOTE_CHARS:
            break
        quote_limit = max(_MIN_QUOTE_CHARS, quote_limit * 3 // 4)
    if len(message) > MESSAGE_LIMIT:  # many claims: drop the quotes rather than the claims
        message = "\n".join([body, "", *heads])
    return _fit(message)


def _fit(message: str) -> str:
    if len(message) <= MESSAGE_LIMIT:
        return message
    # Last resort for pathological input: plain text cannot have a tag cut in half.
    plain = unescape(re.sub(r"<[^>]+>", "", message))
    limit = MESSAGE_LIMIT
    while len(escaped := html(shorten(plain, limit))) > MESSAGE_LIMIT:
        limit -= len(escaped) - MESSAGE_LIMIT
    return escaped


def answer_keyboard(answer: Answer, *, expanded: bool = False) -> InlineKeyboardMarkup | None:
    if answer.outcome is Outcome.SUGGEST:
        return InlineKeyboardMarkup([
            [InlineKeyboardButton(shorten(s.question, 60), callback_data=f"{FACT}:{s.fact_id}")]
            for s in answer.suggestions
        ])
    if not answer.has_long_quotes or not answer.fact_id:
        return None
    label, flag = ("Hide full quotes", "0") if expanded else ("Show full quotes", "1")
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=f"{EXPAND}:{answer.fact_id}:{flag}")]])


def render_sources(sources: list[SourceInfo]) -> str:
    lines = [f"<b>{html(texts.SOURCES_HEADING)}</b>", html(texts.SOURCES_CAVEAT), ""]
    for source in sources:
        lines.append(f"<b>[{html(source.id)}]</b> <i>{html(source.title)}</i>\n"
                     f"    {html(source.speaker)} — {html(source.kind)}, "
                     f"{html(source.date_label)}")
    lines += ["", "Send /source &lt;id&gt; for one document and its facts, e.g. /source 003."]
    return _fit("\n".join(lines))


def render_reply(reply: SourceCard | Notice) -> str:
    if isinstance(reply, Notice):
        return _fit(html(reply.text))
    return render_source(reply.source, reply.facts)


def render_source(source: SourceInfo, facts: tuple[Answer, ...]) -> str:
    header = [
        f"<b>[{html(source.id)}] {html(source.title)}</b>",
        f"Speaker: {html(source.speaker)}"
        + (f" — {html(source.speaker_role)}" if source.speaker_role else ""),
        f"Published by: {html(source.publisher)}",
        f"Kind: {html(source.kind)}; date: {html(source.date_label)}",
        f"File: <code>{html(source.file)}</code>",
        "",
        f"<b>{len(facts)} facts cite it:</b>",
    ]
    used = len("\n".join(header)) + 1
    lines = fit_lines([f"• {html(fact.headline or '')}" for fact in facts], MESSAGE_LIMIT,
                      already=used)
    return "\n".join([*header, *lines])


def render_help(bot_username: str) -> str:
    return "\n".join([
        html(texts.ABOUT), "", html(texts.HOW_TO_ASK), "",
        "<b>Commands</b>",
        "/fact &lt;question&gt; — ask (also /ask)",
        "/quote &lt;words&gt; — who said these words, and are they verbatim?",
        "/sources — the documents I answer from",
        "/source &lt;id&gt; — one document and the facts that cite it",
        "/digest on HH:MM [Area/City] — a daily digest in this chat; /digest off; "
        "/digest status",
        "",
        "In a private chat just type your question. In groups, use /fact, reply to me or "
        f"mention @{html(bot_username)}. Inline: type @{html(bot_username)} and a question "
        "in any chat.",
    ])


def inline_title(answer: Answer) -> str:
    return shorten(f"{answer.headline}: {answer.short}" if answer.short
                   else answer.headline or "", 120)


def attribution_line(answer: Answer) -> str:
    """Who says it, for an inline result's description (plain text)."""
    speakers = [f"{c.speaker} ({c.source.kind}, {c.source.date_label})"
                for c in answer.citations]
    prefix = "Sources differ: " if answer.sources_differ else "According to "
    return shorten(prefix + "; ".join(speakers), 200)


def render_digest(digest: Digest) -> str:
    """The daily digest as one message: sections shortened to fit, never cut mid-tag."""
    sections = [f"<b>Daily digest — {digest.local_date:%d %b %Y}</b>"]
    if digest.changes:
        lines = ["<b>Changes to the fact table</b>"]
        for change in digest.changes:
            text = change.answer.text if change.answer and change.answer.text else ""
            lines.append(f"• <i>{html(change.kind)}</i>: {html(change.headline)}"
                         + (f"\n  {html(shorten(text, 400))}" if text else ""))
        sections.append("\n".join(lines))
    if digest.on_this_day:
        lines = ["<b>On this day</b>"]
        for entry in digest.on_this_day:
            lines.append(f"• {entry.event_date:%d %b %Y} ({entry.years_ago} years ago): "
                         f"{html(shorten(entry.answer.text or '', 400))}")
        sections.append("\n".join(lines))
    if digest.highlight:
        sections.append(f"<b>Fact of the day: {html(digest.highlight.headline or '')}</b>\n"
                        f"{html(shorten(digest.highlight.text or '', 600))}")
    if digest.unanswered:
        lines = ["<b>Asked but not answered in the last day</b>"]
        lines += [f"• {u.times}× {html(shorten(u.question, 120))}" for u in digest.unanswered]
        sections.append("\n".join(lines))
    if digest.is_empty:
        sections.append("Nothing new today.")
    message = ""
    for section in sections:
        candidate = f"{message}\n\n{section}" if message else section
        if len(candidate) > MESSAGE_LIMIT - 40:
            return message + "\n\n… (more in the next digest)"
        message = candidate
    return message
