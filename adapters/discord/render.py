"""Discord embeds for the core's answers, within Discord's limits.

Limits (discord.com/developers/docs/resources/message#embed-object-embed-limits): title
256, description 4,096, 25 fields, field name 256, field value 1,024, 6,000 in all.
All fact and user text is markdown-escaped; mentions are disabled on every send anyway.
"""

from __future__ import annotations

import discord
from discord.utils import escape_markdown, escape_mentions

from bot import texts
from bot.answers import Answer, Citation, Outcome, SourceInfo
from bot.digest.content import Digest
from bot.layout import fit_lines, shorten

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FIELDS_LIMIT = 25
EMBED_LIMIT = 6000
CHOICE_LIMIT = 100
COLLAPSED_QUOTE_CHARS = 160
COLOUR = discord.Colour.dark_teal()


def safe(text: str) -> str:
    return escape_mentions(escape_markdown(text))


def _citation_field(number: int, citation: Citation, quote_limit: int) -> tuple[str, str]:
    source = citation.source
    name = shorten(f"[{number}] {safe(source.speaker)}", FIELD_NAME_LIMIT)
    heading = f"*{safe(source.title)}* ({source.kind}, {source.date_label})"
    room = FIELD_VALUE_LIMIT - len(heading) - 4
    quote = shorten(citation.quote, max(40, min(quote_limit, room)))
    return name, shorten(f"{heading}\n> {safe(quote)}", FIELD_VALUE_LIMIT)


def answer_embed(answer: Answer, *, full_quotes: bool = False) -> discord.Embed:
    """The attributed answer, one field per citation, "sources differ" where they do."""
    if answer.sources_differ:
        body = f"**{texts.SOURCES_DIFFER}**\n" + "\n".join(
            f"• {safe(claim.text)}" for claim in answer.claims)
    else:
        body = "\n".join(safe(claim.text) for claim in answer.claims)
    quote_limit = FIELD_VALUE_LIMIT if full_quotes else COLLAPSED_QUOTE_CHARS
    while True:
        embed = discord.Embed(title=shorten(safe(answer.headline or "Answer"), TITLE_LIMIT),
                              description=shorten(body, DESCRIPTION_LIMIT), colour=COLOUR)
        for number, citation in enumerate(answer.citations[:FIELDS_LIMIT], 1):
            name, value = _citation_field(number, citation, quote_limit)
            embed.add_field(name=name, value=value, inline=False)
        if len(embed) <= EMBED_LIMIT or quote_limit <= 80:
            return embed
        quote_limit = quote_limit * 3 // 4


def needs_full_quotes_button(answer: Answer) -> bool:
    return answer.outcome is Outcome.ANSWER and any(
        len(c.quote) > COLLAPSED_QUOTE_CHARS for c in answer.citations)


def not_answered_text(answer: Answer) -> str:
    if not answer.question:
        return texts.EMPTY_QUESTION
    if answer.outcome is Outcome.SUGGEST:
        lines = [texts.SUGGEST_INTRO]
        lines += [f"• {safe(s.question)}" for s in answer.suggestions]
        return "\n".join(lines)
    return f"{texts.DONT_KNOW}\n{answer.hint or texts.DONT_KNOW_HINT}"


def sources_embed(sources: list[SourceInfo]) -> discord.Embed:
    embed = discord.Embed(
        title="The documents I answer from",
        description="Official statements and interviews of one government: claims, not "
                    "established truth. Use `/source id:` for one document and its facts.",
        colour=COLOUR)
    for source in sources[:FIELDS_LIMIT]:
        embed.add_field(
            name=shorten(f"[{source.id}] {safe(source.speaker)}", FIELD_NAME_LIMIT),
            value=shorten(f"*{safe(source.title)}*\n{source.kind}, {source.date_label}",
                          FIELD_VALUE_LIMIT),
            inline=False)
    return embed


def source_embed(source: SourceInfo, facts: list[Answer]) -> discord.Embed:
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


def digest_embed(digest: Digest) -> discord.Embed:
    """The daily digest as one embed: a field per section, each within the field limits."""
    embed = discord.Embed(title=f"Daily digest — {digest.local_date:%d %b %Y}", colour=COLOUR)
    if digest.changes:
        embed.add_field(name="Changes to the fact table", inline=False, value=shorten("\n".join(
            f"• *{c.kind}*: {safe(c.headline)}" for c in digest.changes), FIELD_VALUE_LIMIT))
    for entry in digest.on_this_day[:5]:
        embed.add_field(
            name=shorten(f"On this day, {entry.event_date:%d %b %Y} ({entry.years_ago} years "
                         f"ago)", FIELD_NAME_LIMIT),
            value=shorten(safe(entry.answer.text or ""), FIELD_VALUE_LIMIT), inline=False)
    if digest.highlight:
        embed.add_field(name=shorten(f"Fact of the day: {safe(digest.highlight.headline or '')}",
                                     FIELD_NAME_LIMIT),
                        value=shorten(safe(digest.highlight.text or ""), FIELD_VALUE_LIMIT),
                        inline=False)
    if digest.unanswered:
        embed.add_field(name="Asked but not answered in the last day", inline=False,
                        value=shorten("\n".join(f"• {u.times}× {safe(u.question)}"
                                                for u in digest.unanswered), FIELD_VALUE_LIMIT))
    if digest.is_empty:
        embed.description = "Nothing new today."
    return embed
