"""Discord embeds for the core's answers, within Discord's limits.

Limits (discord.com/developers/docs/resources/message#embed-object-embed-limits): title
256, description 4,096, 25 fields, field name 256, field value 1,024, 6,000 in all.
All fact and user text is markdown-escaped; mentions are disabled on every send anyway.
"""

from __future__ import annotations

import discord
from discord.utils import escape_markdown, escape_mentions

from bot import texts
from bot.answers import COLLAPSED_QUOTE_CHARS, Answer, Citation, Notice, SourceCard, SourceInfo
from bot.corrections import CorrectedAnswer
from bot.desk import GapCard, GapsBoard
from bot.digest.content import Detail, Digest, DigestList, fit_digest
from bot.layout import fit_lines, shorten

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FIELDS_LIMIT = 25
EMBED_LIMIT = 6000
MESSAGE_LIMIT = 2000
CHOICE_LIMIT = 100  # autocomplete choice name and value, select option label
BUTTON_LABEL_LIMIT = 80
ACTION_ROWS_LIMIT = 5  # rows of buttons under a message
BUTTONS_PER_ROW = 5
GAP_VARIANT_CHARS = 120  # each other wording of a gap's question
MIN_FIELD_CHARS = 120  # a citation field: speaker, document, date and the start of the quote
MIN_CLAIM_CHARS = 120
COLOUR = discord.Colour.dark_teal()


def safe(text: str) -> str:
    return escape_mentions(escape_markdown(text))


def _citation_field(number: int, citation: Citation, quote_limit: int, room: int
                    ) -> tuple[str, str]:
    """Speaker as the name; document, date and quote as the value; in `room` characters."""
    source = citation.source
    name = shorten(f"[{number}] {safe(citation.speaker)}", min(FIELD_NAME_LIMIT, room // 3))
    value_limit = min(FIELD_VALUE_LIMIT, room - len(name))
    heading = shorten(f"*{safe(source.title)}* ({source.kind}, {source.date_label})",
                      value_limit // 2)
    quote = shorten(citation.quote, max(0, min(quote_limit, value_limit - len(heading) - 3)))
    return name, shorten(f"{heading}\n> {safe(quote)}", value_limit)


def _claims_text(answer: Answer, limit: int) -> str:
    """The attributed claims; where sources differ, every one of them as a list."""
    lead = f"**{safe(answer.lead)}**\n" if answer.lead else ""
    if not answer.sources_differ:
        return shorten(lead + "\n".join(safe(claim.text) for claim in answer.claims), limit)
    heading = lead.rstrip("\n") or f"**{texts.SOURCES_DIFFER}**"
    each = max(MIN_CLAIM_CHARS, (limit - len(heading)) // max(1, len(answer.claims)) - 1)
    lines = [shorten(f"• {safe(claim.text)}", each) for claim in answer.claims]
    return "\n".join([heading, *fit_lines(lines, limit, already=len(heading) + 1)])


def answer_embed(answer: Answer, *, full_quotes: bool = False) -> discord.Embed:
    """The attributed answer, one field per citation, "sources differ" where they do.

    The claims come first; the citation fields share what is left of Discord's 6,000
    characters per embed, each at least `MIN_FIELD_CHARS`."""
    title = shorten(safe(answer.headline or "Answer"), TITLE_LIMIT)
    citations = answer.citations[:FIELDS_LIMIT]
    description = _claims_text(answer, min(
        DESCRIPTION_LIMIT, EMBED_LIMIT - len(title) - MIN_FIELD_CHARS * len(citations)))
    embed = discord.Embed(title=title, description=description, colour=COLOUR)
    if answer.as_of_label:
        embed.set_footer(text=answer.as_of_label)
    room = (EMBED_LIMIT - len(title) - len(description)) // max(1, len(citations))
    quote_limit = FIELD_VALUE_LIMIT if full_quotes else COLLAPSED_QUOTE_CHARS
    for number, citation in enumerate(citations, 1):
        name, value = _citation_field(number, citation, quote_limit, room)
        embed.add_field(name=name, value=value, inline=False)
    return embed


def correction_message(correction: CorrectedAnswer, *, reply: bool = False
                       ) -> tuple[str, discord.Embed]:
    """A corrected answer: its corrections, in italics, as the message text, and the answer
    as it now stands as the embed (or an embed saying the fact was retracted). A reply
    carries only the corrections it brings."""
    lines = [f"**{safe(texts.CORRECTION_REPLY)}**"] if reply else []
    lines += [f"*{safe(line)}*" for line in correction.note_lines(fresh_only=reply)]
    content = "\n".join(fit_lines(lines, MESSAGE_LIMIT))
    if correction.answer is None:
        return content, discord.Embed(title=texts.CORRECTION_RETRACTED_TITLE,
                                      description=texts.CORRECTION_RETRACTED, colour=COLOUR)
    return content, answer_embed(correction.answer)


def not_answered_text(answer: Answer) -> str:
    lines = [safe(answer.notice)]
    lines += [f"• {safe(s.question)}" for s in answer.suggestions]
    return shorten("\n".join(lines), MESSAGE_LIMIT)


def notice_text(notice: Notice) -> str:
    """A core notice as message content: escaped (it may echo what a user typed) and
    short enough to leave room for what the adapter adds."""
    return shorten(safe(notice.text), MESSAGE_LIMIT - 100)


def sources_embed(sources: list[SourceInfo]) -> discord.Embed:
    embed = discord.Embed(
        title=texts.SOURCES_HEADING,
        description=f"{texts.SOURCES_CAVEAT} Use `/source id:` for one document and its facts.",
        colour=COLOUR)
    for source in sources[:FIELDS_LIMIT]:
        embed.add_field(
            name=shorten(f"[{source.id}] {safe(source.speaker)}", FIELD_NAME_LIMIT),
            value=shorten(f"*{safe(source.title)}*\n{source.kind}, {source.date_label}",
                          FIELD_VALUE_LIMIT),
            inline=False)
    return embed


def source_embed(card: SourceCard) -> discord.Embed:
    source, facts = card.source, card.facts
    embed = discord.Embed(title=shorten(f"[{source.id}] {safe(source.title)}", TITLE_LIMIT),
                          colour=COLOUR)
    embed.add_field(name="Speaker", value=shorten(
        safe(f"{source.speaker} — {source.speaker_role}" if source.speaker_role
             else source.speaker), FIELD_VALUE_LIMIT), inline=False)
    embed.add_field(name="Published by", value=shorten(safe(source.publisher),
                                                       FIELD_VALUE_LIMIT), inline=True)
    embed.add_field(name="Kind and date", value=f"{source.kind}, {source.date_label}",
                    inline=True)
    heading = f"**{len(facts)} facts cite it:**"
    lines = fit_lines([f"• {safe(fact.headline or '')}" for fact in facts], DESCRIPTION_LIMIT,
                      already=len(heading) + 1)
    embed.description = "\n".join([heading, *lines])
    return embed


def choice_name(text: str) -> str:
    return shorten(" ".join(text.split()), CHOICE_LIMIT)


def choice_value(text: str) -> str:
    """Values are matched, not read: cut, never ellipsised."""
    return text[:CHOICE_LIMIT]


def button_label(text: str) -> str:
    return shorten(" ".join(text.split()), BUTTON_LABEL_LIMIT)


def gaps_embed(board: GapsBoard) -> discord.Embed:
    """/gaps: a numbered field per gap (how often asked, other wordings, the closest facts),
    numbered like the row of teach buttons under it; as many gaps as there are rows, each
    field within an equal share of the embed's 6,000 characters."""
    title = shorten(texts.GAPS_HEADING.format(window=board.window), TITLE_LIMIT)
    embed = discord.Embed(title=title, description=texts.GAPS_NEW_FACT_HINT, colour=COLOUR)
    cards = board.cards[:ACTION_ROWS_LIMIT]
    room = (EMBED_LIMIT - len(title) - len(texts.GAPS_NEW_FACT_HINT)) // max(1, len(cards))
    for number, card in enumerate(cards, 1):
        name, value = _gap_field(number, card, room)
        embed.add_field(name=name, value=value, inline=False)
    return embed


def _gap_field(number: int, card: GapCard, room: int) -> tuple[str, str]:
    gap = card.gap
    asked = texts.GAP_LINE.format(count=gap.count, question=gap.question)
    name = shorten(f"{number}. {safe(asked)}", min(FIELD_NAME_LIMIT, room // 4))
    lines = []
    if gap.variants:
        lines.append(f"{texts.GAPS_ALSO_ASKED} " + "; ".join(
            f"“{shorten(safe(v), GAP_VARIANT_CHARS)}”" for v in gap.variants))
    if gap.candidates:
        lines.append(texts.GAPS_CANDIDATES)
        lines += [f"• {safe(c.headline)} (`{c.fact_id}`)" for c in gap.candidates]
    else:
        lines.append(texts.GAPS_NO_CANDIDATES)
    return name, shorten("\n".join(lines), min(FIELD_VALUE_LIMIT, room - len(name)))


def teach_button_label(number: int, label: str) -> str:
    """A teach button's label, numbered like its gap in the embed above it."""
    return button_label(f"{number}. {label}")


# How much of each anniversary's answer the digest quotes, longest first: a field too
# long takes the next level; 0 leaves the headline alone.
DIGEST_DETAIL = {DigestList.ON_THIS_DAY: (300, 120, 0)}
DIGEST_HEADLINE_CHARS = 200
DIGEST_QUESTION_CHARS = 120


def digest_embed(digest: Digest) -> tuple[discord.Embed, Digest]:
    """The daily digest as one embed, and the digest it holds.

    A field per section, each within 1,024 characters (the whole embed far within 6,000).
    Anniversaries lose their wording down to the headline if need be; then a list still
    too long for its field loses its last items, ending in "… and N more". The digest
    returned is the one the embed shows, so the scheduler records only what was delivered.
    """
    fitted, detail = fit_digest(digest, _digest_overflow, DIGEST_DETAIL)
    embed = discord.Embed(title=shorten(safe(fitted.title), TITLE_LIMIT), colour=COLOUR)
    for _, name, value in _digest_fields(fitted, detail):
        embed.add_field(name=name, value=value, inline=False)
    if fitted.is_empty:
        embed.description = texts.DIGEST_NOTHING_NEW
    return embed, fitted


def _digest_overflow(digest: Digest, detail: Detail) -> list[DigestList]:
    """Nothing if every field and the embed fit; else the lists to cut, longest first."""
    fields = _digest_fields(digest, detail)
    lists = sorted(((len(value), which) for which, _, value in fields if which is not None),
                   reverse=True)
    total = TITLE_LIMIT + len(texts.DIGEST_NOTHING_NEW) + sum(
        len(name) + len(value) for _, name, value in fields)
    return [which for size, which in lists if size > FIELD_VALUE_LIMIT or total > EMBED_LIMIT]


def _digest_fields(digest: Digest, detail: Detail
                   ) -> list[tuple[DigestList | None, str, str]]:
    """(list shown or None, field name, field value) per section, in order; list values are
    not yet checked against the field limit."""
    def listed(which: DigestList, heading: str, lines: list[str]
               ) -> tuple[DigestList, str, str]:
        more = digest.more_text(which)
        return which, heading, "\n".join([*lines, *([more] if more else [])])

    def anniversary(answer: Answer) -> str:
        chars = detail.get(DigestList.ON_THIS_DAY, 0)
        return (shorten(safe(answer.text or ""), chars) if chars
                else shorten(safe(answer.headline or ""), DIGEST_HEADLINE_CHARS))

    fields: list[tuple[DigestList | None, str, str]] = []
    if digest.changes or digest.more_changes:
        fields.append(listed(DigestList.CHANGES, texts.DIGEST_CHANGES, [
            f"• *{change.kind}*: {shorten(safe(change.headline), DIGEST_HEADLINE_CHARS)}"
            for change in digest.changes]))
    if digest.on_this_day or digest.more_on_this_day:
        fields.append(listed(DigestList.ON_THIS_DAY, texts.DIGEST_ON_THIS_DAY, [
            f"• **{entry.when}**: {anniversary(entry.answer)}" for entry in digest.on_this_day]))
    if digest.highlight:
        fields.append((None, shorten(texts.DIGEST_HIGHLIGHT.format(
            headline=safe(digest.highlight.headline or "")), FIELD_NAME_LIMIT),
            shorten(safe(digest.highlight.text or ""), FIELD_VALUE_LIMIT)))
    if digest.unanswered or digest.more_unanswered:
        fields.append(listed(DigestList.UNANSWERED, texts.DIGEST_UNANSWERED, [
            f"• {u.times}× {shorten(safe(u.question), DIGEST_QUESTION_CHARS)}"
            for u in digest.unanswered]))
    return fields
