"""Plain text for the console (`factbot ask`, `factbot chat`, `factbot digest preview`,
`factbot gaps`)."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from datetime import datetime

from bot import texts
from bot.answers import Answer, Notice, SourceCard, SourceInfo, format_date
from bot.digest.content import Digest
from bot.gaps import Gap
from bot.quotecheck import QuoteCheck, Sighting


def _wrap(text: str, indent: str = "") -> str:
    return textwrap.fill(text, width=88, initial_indent=indent, subsequent_indent=indent)


def render_answer(answer: Answer) -> str:
    if answer.answered:
        lines = [_wrap(answer.lead)] if answer.lead else []
        if answer.sources_differ:
            lines.append("" if answer.lead else texts.SOURCES_DIFFER)
            lines.extend(_wrap(f"- {claim.text}", "  ") for claim in answer.claims)
        else:
            lines.append(_wrap(" ".join(claim.text for claim in answer.claims)))
        if answer.as_of_label:
            lines.append(answer.as_of_label)
        lines.append("")
        lines.append("Citations:")
        for number, citation in enumerate(answer.citations, 1):
            source = citation.source
            lines.append(_wrap(
                f"[{number}] {citation.speaker}, “{source.title}” ({source.kind}, "
                f"{source.date_label}) — {source.file}", "  "))
            lines.append(_wrap(f"“{citation.quote}”", "      "))
        return "\n".join(lines)
    lines = [answer.notice]
    lines.extend(f"  - {s.question}  ({s.headline})" for s in answer.suggestions)
    return "\n".join(lines)


def render_source(source: SourceInfo) -> str:
    return "\n".join([
        f"[{source.id}] {source.title}",
        f"      speaker: {source.speaker} — {source.speaker_role}" if source.speaker_role
        else f"      speaker: {source.speaker}",
        f"      published by: {source.publisher}",
        f"      kind: {source.kind}; date: {source.date_label}; file: {source.file}",
    ])


def render_reply(reply: SourceCard | Notice) -> str:
    if isinstance(reply, Notice):
        return reply.text
    lines = [render_source(reply.source), "", f"{len(reply.facts)} facts cite it:"]
    lines += [f"  - {fact.headline}" for fact in reply.facts]
    return "\n".join(lines)


def render_digest(digest: Digest) -> str:
    """The whole digest as text for a terminal: no length limit, so nothing is cut."""
    lines = [f"{texts.DIGEST_TITLE.format(local_date=digest.local_date)} ({digest.timezone})",
             ""]
    if digest.changes:
        lines.append(f"{texts.DIGEST_CHANGES}:")
        for change in digest.changes:
            lines.append(f"  [{change.kind}] {change.headline}")
            if change.answer and change.answer.text:
                lines.append(f"      {change.answer.text}")
    if digest.on_this_day:
        lines.append(f"{texts.DIGEST_ON_THIS_DAY}:")
        for entry in digest.on_this_day:
            when = texts.DIGEST_ANNIVERSARY.format(event_date=entry.event_date,
                                                   years_ago=entry.years_ago)
            lines.append(f"  {when}: {entry.answer.headline}")
            lines.append(f"      {entry.answer.text}")
    if digest.highlight:
        lines += [texts.DIGEST_HIGHLIGHT.format(headline=digest.highlight.headline or ""),
                  f"      {digest.highlight.text}"]
    if digest.unanswered:
        lines.append(f"{texts.DIGEST_UNANSWERED}:")
        lines += [f"  {u.times}× {u.question}" for u in digest.unanswered]
    if digest.is_empty:
        lines.append(texts.DIGEST_NOTHING_NEW)
    return "\n".join(lines)


def _speaker_line(sighting: Sighting) -> str:
    source = sighting.source
    date = format_date(source.date) if source.date else "date not stated"
    return f"{sighting.speaker} ({source.kind}, {date})"


def render_quote_check(check: QuoteCheck) -> str:
    """Who says the words, in which document and when, their exact words, and the verdict."""
    if check.found is None:
        return check.verdict
    source = check.found.source
    lines = [_speaker_line(check.found),
             _wrap(f"in {source.title} — {source.file}", "    "),
             _wrap(f"“{check.found.words}”", "    "),
             _wrap(check.verdict)]
    if check.also_in:
        lines.append(texts.QUOTE_ALSO_IN)
        lines.extend(_wrap(f"- {_speaker_line(sighting)} — {sighting.source.file}", "  ")
                     for sighting in check.also_in)
    return "\n".join(lines)


def _moment(when: datetime) -> str:
    return f"{when:%d %b %Y %H:%M} UTC"


def render_gaps(gaps: Sequence[Gap], *, window: str, include_private: bool) -> str:
    """Gaps for an editor at a terminal: each question, how often and when it was asked,
    its other wordings and the facts it could be taught to (by id)."""
    if not gaps:
        lines = [texts.GAPS_NONE.format(window=window)]
    else:
        lines = [texts.GAPS_TITLE.format(window=window)]
    if not include_private:
        lines.append(texts.GAPS_PRIVATE_LEFT_OUT)
    for number, gap in enumerate(gaps, 1):
        asked = (texts.GAPS_ASKED_ONCE.format(last=_moment(gap.last_asked)) if gap.count == 1
                 else texts.GAPS_ASKED.format(count=gap.count, first=_moment(gap.first_asked),
                                              last=_moment(gap.last_asked)))
        lines += ["", _wrap(f"{number}. “{gap.question}” — {asked}")]
        if gap.variants:
            lines.append(_wrap(f"{texts.GAPS_ALSO_ASKED} "
                               + ", ".join(f"“{v}”" for v in gap.variants), "   "))
        if not gap.candidates:
            lines.append(f"   {texts.GAPS_NO_CANDIDATES}")
            continue
        lines.append(f"   {texts.GAPS_CANDIDATES}")
        lines += [_wrap(f"- {c.fact_id} ({c.score:.0f}): {c.headline} — “{c.question}”",
                        "     ")
                  for c in gap.candidates]
    return "\n".join(lines)
