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
from bot.corrections import CorrectedAnswer
from bot.desk import GapsBoard
from bot.digest.content import Detail, Digest, DigestList, fit_digest
from bot.layout import fit_lines, shorten

MESSAGE_LIMIT = 4096
_MIN_QUOTE_CHARS = 40

# Callback data: "q:<fact>:1" shows full quotes, "q:<fact>:0" hides them, "f:<fact>" answers.
EXPAND, FACT = "q", "f"
# The desk's buttons: "t:<gap>:<fact>" teaches, "tdoc:<source>" and "tadd:yes|no" are /teach's.
TEACH, TEACH_DOCUMENT, TEACH_ADD = "t", "tdoc", "tadd"
CALLBACK_DATA_LIMIT = 64  # bytes, as Telegram counts them
_BUTTON_CHARS = 60


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


def render_answer(answer: Answer, *, expanded: bool = False, limit: int = MESSAGE_LIMIT
                  ) -> str:
    """The attributed answer, then each citation with its quote (shortened unless expanded),
    in at most `limit` characters."""
    if not answer.answered:
        return _fit(html(answer.notice), limit)
    body = _answer_body(answer)
    if answer.as_of_label:
        body = f"{body}\n<i>{html(answer.as_of_label)}</i>"
    heads = [_citation_line(n, c) for n, c in enumerate(answer.citations, 1)]
    quote_limit = max(len(c.quote) for c in answer.citations) if expanded else (
        COLLAPSED_QUOTE_CHARS)
    while True:
        parts = [body, ""]
        for head, citation in zip(heads, answer.citations, strict=True):
            parts.append(f"{head}\n<blockquote>{html(shorten(citation.quote, quote_limit))}"
                         "</blockquote>")
        message = "\n".join(parts)
        if len(message) <= limit or quote_limit <= _MIN_QUOTE_CHARS:
            break
        quote_limit = max(_MIN_QUOTE_CHARS, quote_limit * 3 // 4)
    if len(message) > limit:  # many claims: drop the quotes rather than the claims
        message = "\n".join([body, "", *heads])
    return _fit(message, limit)


def _fit(message: str, limit: int = MESSAGE_LIMIT) -> str:
    if len(message) <= limit:
        return message
    # Last resort for pathological input: plain text cannot have a tag cut in half.
    plain = unescape(re.sub(r"<[^>]+>", "", message))
    cut = limit
    while len(escaped := html(shorten(plain, cut))) > limit:
        cut -= len(escaped) - limit
    return escaped


def render_correction(correction: CorrectedAnswer, *, reply: bool = False,
                      expanded: bool = False) -> str:
    """A corrected answer: its corrections in italics, then the answer as it now stands (or
    that the fact was retracted). A reply carries only the corrections it brings."""
    lines = [f"<b>{html(texts.CORRECTION_REPLY)}</b>"] if reply else []
    lines += [f"<i>{html(line)}</i>" for line in correction.note_lines(fresh_only=reply)]
    head = "\n".join(lines)
    if correction.answer is None:
        body = f"<b>{html(texts.CORRECTION_RETRACTED)}</b>"
    else:
        body = render_answer(correction.answer, expanded=expanded,
                             limit=MESSAGE_LIMIT - len(head) - 2)
    return f"{head}\n\n{body}"


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
        *desk_help_lines(),
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


# How much of each answer a digest's list items quote, longest first: a list too long
# for the message takes the next level; 0 leaves the headline alone.
DIGEST_DETAIL = {DigestList.CHANGES: (400, 160, 0), DigestList.ON_THIS_DAY: (400, 160, 0)}
DIGEST_HEADLINE_CHARS = 200
DIGEST_HIGHLIGHT_CHARS = 600
DIGEST_QUESTION_CHARS = 120


def render_digest(digest: Digest) -> tuple[str, Digest]:
    """The daily digest as one message of at most 4,096 characters, and the digest it holds.

    Every section appears. When the lists do not fit, the longest first loses the answers'
    wording down to their headlines; then the longest loses its last item, again and
    again, ending in "… and N more". The digest returned is the one the message shows,
    so the scheduler records only what was delivered.
    """
    fitted, detail = fit_digest(digest, _digest_overflow, DIGEST_DETAIL)
    return "\n\n".join(_digest_sections(fitted, detail).values()), fitted


def _digest_overflow(digest: Digest, detail: Detail) -> list[DigestList]:
    """Nothing if the digest fits one message; else its lists, longest first."""
    sections = _digest_sections(digest, detail)
    if _units("\n\n".join(sections.values())) <= MESSAGE_LIMIT:
        return []
    lists = [which for which in DigestList if which in sections]
    return sorted(lists, key=lambda which: -_units(sections[which]))


def _units(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (a character beyond the BMP is two)."""
    return len(text) + sum(1 for character in text if ord(character) > 0xFFFF)


def _escaped(text: str, limit: int) -> str:
    """`text` escaped for HTML in at most `limit` units, shortened before escaping so no
    entity is cut in half."""
    cut = limit
    while _units(escaped := html(shorten(text, cut))) > limit:
        cut -= max(1, _units(escaped) - limit)
    return escaped


def _digest_sections(digest: Digest, detail: Detail) -> dict[str | DigestList, str]:
    """The message's sections in order, each list's keyed by which list it shows."""
    def listed(which: DigestList, heading: str, lines: list[str]) -> str:
        more = digest.more_text(which)
        return "\n".join([f"<b>{html(heading)}</b>", *lines, *([html(more)] if more else [])])

    def wording(answer: Answer | None, which: DigestList) -> str:
        chars = detail.get(which, 0)
        return _escaped(answer.text or "", chars) if answer and chars else ""

    def headline(text: str) -> str:
        return _escaped(text, DIGEST_HEADLINE_CHARS)

    sections: dict[str | DigestList, str] = {"title": f"<b>{html(digest.title)}</b>"}
    if digest.changes or digest.more_changes:
        sections[DigestList.CHANGES] = listed(DigestList.CHANGES, texts.DIGEST_CHANGES, [
            f"• <i>{html(change.kind)}</i>: {headline(change.headline)}"
            + (f"\n  {text}" if (text := wording(change.answer, DigestList.CHANGES)) else "")
            for change in digest.changes])
    if digest.on_this_day or digest.more_on_this_day:
        sections[DigestList.ON_THIS_DAY] = listed(
            DigestList.ON_THIS_DAY, texts.DIGEST_ON_THIS_DAY, [
                f"• {html(entry.when)}: " + (wording(entry.answer, DigestList.ON_THIS_DAY)
                                             or headline(entry.answer.headline or ""))
                for entry in digest.on_this_day])
    if digest.highlight:
        title = texts.DIGEST_HIGHLIGHT.format(headline=digest.highlight.headline or "")
        wording_of_the_day = _escaped(digest.highlight.text or "", DIGEST_HIGHLIGHT_CHARS)
        sections["highlight"] = f"<b>{headline(title)}</b>\n{wording_of_the_day}"
    if digest.unanswered or digest.more_unanswered:
        sections[DigestList.UNANSWERED] = listed(
            DigestList.UNANSWERED, texts.DIGEST_UNANSWERED,
            [f"• {u.times}× {_escaped(u.question, DIGEST_QUESTION_CHARS)}"
             for u in digest.unanswered])
    if digest.is_empty:
        sections["nothing new"] = html(texts.DIGEST_NOTHING_NEW)
    return sections


# --- the newsroom desk: /gaps, /teach and their buttons -------------------------------------

def desk_help_lines() -> list[str]:
    """The editors' commands, for /help: anyone sees them, only editors may use them."""
    return [
        "<b>For the newsroom's editors</b>",
        "/gaps — questions I could not answer, with buttons to teach them",
        "/teach FACT_ID question — teach a question to a fact; /teach alone — a new fact, "
        "step by step (/cancel stops)",
        "/retract FACT_ID reason — take a fact out of every answer",
        "/revert FACT_ID VERSION — make an earlier version current again",
    ]


def render_gaps(board: GapsBoard) -> tuple[str, InlineKeyboardMarkup | None]:
    """The gaps board as one message: numbered gaps, and under the message one teach
    button per candidate fact, numbered like its gap."""
    lines = [f"<b>{html(texts.GAPS_HEADING.format(window=board.window))}</b>"]
    rows: list[list[InlineKeyboardButton]] = []
    for number, card in enumerate(board.cards, 1):
        gap = card.gap
        lines.append(f"\n<b>{number}.</b> "
                     + html(texts.GAP_LINE.format(count=gap.count,
                                                  question=shorten(gap.question, 200))))
        if gap.variants:
            also = "; ".join(f"“{shorten(v, 80)}”" for v in gap.variants)
            lines.append(f"    <i>{html(texts.GAPS_ALSO_ASKED)}</i> {html(also)}")
        if not card.choices:
            lines.append(f"    {html(texts.GAPS_NO_CANDIDATES)}")
        for choice in card.choices:
            data = f"{TEACH}:{choice.data}"
            if len(data.encode("utf-8")) > CALLBACK_DATA_LIMIT:
                raise ValueError(f"teach button data is over {CALLBACK_DATA_LIMIT} bytes")
            rows.append([InlineKeyboardButton(shorten(f"{number}. {choice.label}",
                                                      _BUTTON_CHARS), callback_data=data)])
    lines += ["", html(texts.GAPS_TEACH_HINT)]
    return _fit("\n".join(lines)), InlineKeyboardMarkup(rows) if rows else None


def document_keyboard(sources: list[SourceInfo]) -> InlineKeyboardMarkup:
    """/teach's first step: one button per stored document."""
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(shorten(f"[{source.id}] {source.title}", _BUTTON_CHARS),
                              callback_data=f"{TEACH_DOCUMENT}:{source.id}")]
        for source in sources
    ])


def render_preview(answer: Answer) -> str:
    """/teach's last step: the new fact's answer as readers will get it, quotes in full."""
    return _fit(f"<b>{html(texts.TEACH_PREVIEW)}</b>\n\n{render_answer(answer, expanded=True)}")


def add_fact_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(texts.TEACH_ADD_BUTTON, callback_data=f"{TEACH_ADD}:yes"),
        InlineKeyboardButton(texts.TEACH_CANCEL_BUTTON, callback_data=f"{TEACH_ADD}:no"),
    ]])
