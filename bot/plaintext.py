"""Plain-text rendering for the console (`factbot ask`, `factbot chat`)."""

from __future__ import annotations

import textwrap

from bot import texts
from bot.answers import Answer, Outcome, SourceInfo, format_date
from bot.quotecheck import QuoteCheck, Sighting


def _wrap(text: str, indent: str = "") -> str:
    return textwrap.fill(text, width=88, initial_indent=indent, subsequent_indent=indent)


def render_answer(answer: Answer) -> str:
    if answer.outcome is Outcome.ANSWER:
        lines = []
        if answer.sources_differ:
            lines.append(texts.SOURCES_DIFFER)
            lines.extend(_wrap(f"- {claim.text}", "  ") for claim in answer.claims)
        else:
            lines.append(_wrap(" ".join(claim.text for claim in answer.claims)))
        lines.append("")
        lines.append("Citations:")
        for number, citation in enumerate(answer.citations, 1):
            source = citation.source
            lines.append(_wrap(
                f"[{number}] {source.speaker}, “{source.title}” ({source.kind}, "
                f"{source.date_label}) — {source.file}", "  "))
            lines.append(_wrap(f"“{citation.quote}”", "      "))
        return "\n".join(lines)
    if not answer.question:
        return texts.EMPTY_QUESTION
    if answer.outcome is Outcome.SUGGEST:
        lines = [texts.SUGGEST_INTRO]
        lines.extend(f"  - {s.question}  ({s.headline})" for s in answer.suggestions)
        return "\n".join(lines)
    return f"{texts.DONT_KNOW}\n{answer.hint or texts.DONT_KNOW_HINT}"


def render_source(source: SourceInfo) -> str:
    return "\n".join([
        f"[{source.id}] {source.title}",
        f"      speaker: {source.speaker} — {source.speaker_role}" if source.speaker_role
        else f"      speaker: {source.speaker}",
        f"      published by: {source.publisher}",
        f"      kind: {source.kind}; date: {source.date_label}; file: {source.file}",
    ])


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
