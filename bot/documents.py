"""The five source documents as the bot reads them: sentences, offsets, and who speaks where.

A document is not all in its speaker's voice. An interview carries the
interviewer's headline, lead, questions and thanks; document 002 is Erzhan
Kazykhan's statement reposted under an unsigned introduction. Words found in
those parts must not be put in the speaker's mouth, so each document is cut into
*passages*, each in one voice, from its layout alone:

- an interview: everything before the first question is the interviewer's
  (headline, lead, introduction); so is a question — a paragraph ending in "?"
  that does not carry the answer label ("Ambassador: ...") — and a paragraph
  that addresses the interviewee by that label ("Thank you Ambassador ..."),
  after which the interview is over (what follows is page furniture, not the
  interviewee's); every other paragraph answers, in the speaker's voice;
- a statement or commentary begins at its own title line (the title in
  `sources.yaml`); text above the title is the publisher's introduction, and so
  is text after an "End of statement" line;
- inside the interviewer's or publisher's text, a quotation of six words or
  more is the speaker's words as the report quotes them ("He also stressed that
  his country “will continue to ensure ...”"); shorter ones are terms or scare
  quotes (“from the first-hand”) and stay in the reporter's voice.

The voices are named the way the curated table names them: a claim in
`facts.yaml` with a `speaker:` override quoted from a non-speaker passage lends
that name to the same voice of that document, so answers and quote checks say
the same thing; otherwise a descriptive default is used. `attribution_conflicts`
sets the layout against every claim of the table.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import groupby, pairwise

from bot.facttable import FactTable, SeedSource, fold_whitespace

# A quotation this long inside a report is the speaker's words, not a term or a scare quote.
MIN_REPORTED_QUOTATION_WORDS = 6


class Voice(StrEnum):
    """Whose words a passage holds, relative to the document's speaker."""

    SPEAKER = "speaker"  # the speaker named in sources.yaml
    INTERVIEWER = "interviewer"  # an interview's headline, lead, questions and thanks
    PUBLISHER = "publisher"  # text a publisher put around a statement (002's introduction)


@dataclass(frozen=True, slots=True)
class Passage:
    """A stretch of a document in one voice; `end` is exclusive."""

    start: int
    end: int
    voice: Voice
    speaker: str  # who says it: "Berik Aryn", "the interviewer of Barlybay Sadykov"
    reported: bool = False  # the speaker's words as someone else's text quotes them


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of a document, with its place in the file and who says it."""

    source_id: str
    start: int  # offsets into the document's text; text[start:end] is the sentence
    end: int
    text: str  # the sentence with runs of whitespace folded
    voice: Voice  # the voice the sentence opens in (a reported quotation inside keeps it)
    speaker: str


@dataclass(frozen=True)
class Document:
    """A source document with who speaks where, and its sentences; offsets index `text`."""

    source: SeedSource
    text: str  # the file as it is
    passages: tuple[Passage, ...]  # in order, one voice each
    sentences: tuple[Sentence, ...] = ()
    _starts: list[int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_starts", [passage.start for passage in self.passages])

    def passage_at(self, offset: int) -> Passage:
        """The passage holding `offset`, or the last one before it (between paragraphs)."""
        index = bisect.bisect_right(self._starts, offset) - 1
        return self.passages[max(index, 0)]

    def speaker_of(self, start: int, end: int) -> Passage:
        """The passage holding most of text[start:end] (a quotation rarely crosses voices)."""
        first = max(bisect.bisect_right(self._starts, start) - 1, 0)
        last = max(bisect.bisect_left(self._starts, end), first + 1)
        candidates = self.passages[first:last]
        return max(candidates,
                   key=lambda p: min(end, p.end) - max(start, p.start))


@dataclass(frozen=True, slots=True)
class _Line:
    start: int
    end: int
    text: str  # stripped (no-break spaces too: these files use them on blank lines)


@dataclass(frozen=True)
class _Layout:
    """A document's paragraph lines and the voice of each, before the voices are named."""

    source: SeedSource
    text: str
    lines: list[_Line]
    voices: list[Voice]


_ANSWER_LABEL = re.compile(r"^([A-Z][\w.]*(?: [A-Z][\w.]*){0,3}):\s")
_END_OF_STATEMENT = re.compile(r"^\W*end of (?:the )?statement\W*$", re.IGNORECASE)
_QUOTATION = re.compile(r"[“\"«]([^”\"»\n]+)[”\"»]")
# A sentence ends at . ! or ? (and any closing quote or bracket) before the next one begins.
_SENTENCE_END = re.compile(r"[.!?][”\"’'»)\]]*(?=\s+[“\"‘'«(\[]?[A-Z0-9])")
# Abbreviations that end in a full stop without ending the sentence ("H.E. Mr. Berik Aryn").
_ABBREVIATION = re.compile(r"(?:\b[A-Za-z]|\b(?:Mr|Mrs|Ms|Dr|St|Jr|Sr|No|Gen|Col|Lt|Prof))\.$")


def _lines(text: str) -> list[_Line]:
    lines = []
    for match in re.finditer(r"[^\n]+", text):
        stripped = match.group().strip()
        if stripped:
            offset = match.start() + match.group().index(stripped)
            lines.append(_Line(offset, offset + len(stripped), stripped))
    return lines


def _interview_voices(lines: Sequence[_Line]) -> list[Voice]:
    labels = Counter(m.group(1) for line in lines if (m := _ANSWER_LABEL.match(line.text)))
    label = labels.most_common(1)[0][0] if labels else None
    if not any(line.text.endswith("?") for line in lines):
        return [Voice.SPEAKER] * len(lines)  # no questions: nothing to tell the voices apart by

    voices: list[Voice] = []
    asked = closed = False
    for line in lines:
        labelled = label is not None and line.text.startswith(f"{label}:")
        question = line.text.endswith("?") and not labelled
        thanks = (label is not None and not labelled and asked
                  and re.search(rf"\b{re.escape(label)}\b", line.text) is not None
                  and not question)
        asked = asked or question
        closed = closed or thanks
        voices.append(Voice.SPEAKER if asked and not (question or closed) else Voice.INTERVIEWER)
    return voices


def _statement_voices(lines: Sequence[_Line], title: str) -> list[Voice]:
    title_key = fold_whitespace(title).casefold()
    opening = next((i for i, line in enumerate(lines)
                    if title_key in fold_whitespace(line.text).casefold()), 0)
    voices = []
    ended = False
    for index, line in enumerate(lines):
        voices.append(Voice.PUBLISHER if index < opening or ended else Voice.SPEAKER)
        ended = ended or bool(_END_OF_STATEMENT.match(line.text))
    return voices


def _layout(source: SeedSource, text: str) -> _Layout:
    lines = _lines(text)
    if source.kind == "interview":
        voices = _interview_voices(lines)
    else:
        voices = _statement_voices(lines, source.title)
    return _Layout(source, text, lines, voices)


def _spans(layout: _Layout) -> Iterator[tuple[int, int, Voice, bool]]:
    """Runs of lines in one voice, with reported quotations cut out as the speaker's."""
    for voice, group in groupby(zip(layout.lines, layout.voices, strict=True),
                                key=lambda pair: pair[1]):
        lines = [line for line, _ in group]
        start, end = lines[0].start, lines[-1].end
        if voice is not Voice.SPEAKER:
            for quotation in _QUOTATION.finditer(layout.text, start, end):
                if len(quotation.group(1).split()) >= MIN_REPORTED_QUOTATION_WORDS:
                    yield start, quotation.start(1), voice, False
                    yield quotation.start(1), quotation.end(1), Voice.SPEAKER, True
                    start = quotation.end(1)
        yield start, end, voice, False


def quote_span(document_text: str, quote: str) -> tuple[int, int] | None:
    """Where a table quote (whitespace folded) stands in the file, line breaks and all."""
    words = quote.split()
    if not words:
        return None
    match = re.search(r"\s+".join(re.escape(word) for word in words), document_text)
    return (match.start(), match.end()) if match else None


def _voice_names(table: FactTable, layouts: Sequence[_Layout]) -> dict[tuple[str, Voice], str]:
    """The table's own name for each non-speaker voice it quotes from."""
    by_id = {layout.source.id: layout for layout in layouts}
    names: dict[tuple[str, Voice], str] = {}
    for fact in table.facts:
        for claim in fact.claims:
            layout = by_id.get(claim.source)
            span = quote_span(layout.text, claim.quote) if layout else None
            if claim.speaker is None or layout is None or span is None:
                continue
            for start, end, voice, _ in _spans(layout):
                if start <= span[0] < end and voice is not Voice.SPEAKER:
                    names.setdefault((claim.source, voice), claim.speaker)
    return names


def _default_name(source: SeedSource, voice: Voice) -> str:
    if voice is Voice.SPEAKER:
        return source.speaker
    if voice is Voice.INTERVIEWER:
        return f"the interviewer of {source.speaker}"
    return f"the unsigned text published with {source.speaker}'s {source.kind}"


def _sentences(layout: _Layout, passage_at: Callable[[int], Passage]) -> Iterator[Sentence]:
    """Sentences within paragraphs; a line opening in lower case continues the one above."""
    blocks: list[tuple[int, int, Voice]] = []
    for line, voice in zip(layout.lines, layout.voices, strict=True):
        if blocks and blocks[-1][2] is voice and line.text[0].islower():
            blocks[-1] = (blocks[-1][0], line.end, voice)
        else:
            blocks.append((line.start, line.end, voice))
    text = layout.text
    for block_start, block_end, _ in blocks:
        bounds = [block_start]
        for match in _SENTENCE_END.finditer(text, block_start, block_end):
            if not _ABBREVIATION.search(text, bounds[-1], match.end()):
                bounds.append(match.end())
        bounds.append(block_end)
        for start, end in pairwise(bounds):
            while start < end and text[start].isspace():
                start += 1
            if start < end:
                passage = passage_at(start)
                yield Sentence(layout.source.id, start, end, fold_whitespace(text[start:end]),
                               passage.voice, passage.speaker)


def load_documents(table: FactTable) -> tuple[Document, ...]:
    """Every source document of the table, cut into voices and sentences."""
    layouts = [_layout(source, table.documents[source.id]) for source in table.sources]
    layouts = [layout for layout in layouts if layout.lines]
    names = _voice_names(table, layouts)
    documents = []
    for layout in layouts:
        source = layout.source
        passages = tuple(
            Passage(start, end, voice, names.get((source.id, voice), _default_name(source, voice)),
                    reported)
            for start, end, voice, reported in _spans(layout) if end > start
        )
        document = Document(source, layout.text, passages)
        sentences = tuple(_sentences(layout, document.passage_at))
        documents.append(dataclasses.replace(document, sentences=sentences))
    return tuple(documents)


@dataclass(frozen=True, slots=True)
class AttributionConflict:
    """A claim the table gives to one speaker while the layout puts its words in another's."""

    fact_id: str
    source_id: str
    quote: str
    table_speaker: str
    layout: Passage

    def __str__(self) -> str:
        return (f"fact {self.fact_id!r}, source {self.source_id}: the table says "
                f"{self.table_speaker!r}, the document layout says {self.layout.speaker!r} "
                f"for {self.quote[:70]!r}")


def attribution_conflicts(table: FactTable, documents: Sequence[Document]
                          ) -> list[AttributionConflict]:
    """Every claim whose speaker in facts.yaml is not who speaks its quote, per the layout."""
    by_id = {document.source.id: document for document in documents}
    conflicts = []
    for fact in table.facts:
        for claim in fact.claims:
            document = by_id.get(claim.source)
            span = quote_span(document.text, claim.quote) if document else None
            if document is None or span is None:
                continue
            expected = claim.speaker or document.source.speaker
            passage = document.speaker_of(*span)
            if passage.speaker != expected:
                conflicts.append(AttributionConflict(fact.id, claim.source, claim.quote,
                                                     expected, passage))
    return conflicts
