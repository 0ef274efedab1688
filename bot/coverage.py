"""How much of what the documents say the fact table can answer.

A reporter may ask about any statement in the five documents; the bot can only
answer from claims. This module reads each document sentence by sentence, keeps
the *askable* ones (those carrying something a reporter would ask about), and
reports which of them no claim cites, so editors know what to curate next. CI
holds the overall share to a floor.

The rules are deliberately simple and written out here, so an editor can predict
the verdict on any sentence:

Sentences
    A document is read in blocks (paragraphs). A line break continues the block
    only when the line before has no final punctuation and the next line starts
    in lower case (a title or byline broken across lines). A block that does not
    end in ``.``, ``!``, ``?`` or ``…`` (a closing quote or bracket may follow) is a
    heading, byline, dateline or boilerplate ("Leave a Reply"): the document's
    own metadata, described in ``sources.yaml`` rather than by claims, so it is
    not counted. A leading turn label ("Ambassador: ") is dropped. Inside a block
    a sentence ends at ``.``, ``!``, ``?`` or ``…`` followed by white space and an
    upper-case letter, a digit or an opening quote, except after a title that
    precedes a name ("Mr.", "H.E."), after "e.g."/"i.e."/"vs.", after a single or
    dotted initial ("J.", "U.N."), and before a digit after "No."/"Art.". Numbers
    such as "2,500" or "2.5" never split, since no space follows their mark.

Askable
    A sentence that asks something ("…?") asserts nothing a claim could cite and
    is not counted. Any other sentence is askable when it carries at least one of:
    a figure (a digit or a number word), a date (a capitalised month name), a name,
    a reason (because, due to, as a result, triggered, led to, …) or a reaction or
    position (condemn, support, call for, urge, committed, hope, thank, must, …).
    A name is a word that starts with a capital where grammar does not ask for
    one: not the sentence's first word, not "I", not a function word ("The"),
    not a month (a date already).
    The first word counts too when the document capitalises it elsewhere
    mid-sentence ("Kazakhstan provides …"), or when it is an acronym ("CSTO").

Cited
    A sentence is cited when claims of its own document quote most of it: the
    quotes (whitespace folded, every place they occur) together cover at least
    `MIN_CITED_SHARE` of the sentence's characters. A quote of the whole
    sentence, or of its main clause, qualifies; a name lifted from it does not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.facttable import FactTable, fold_whitespace
from bot.normalize import STOP_WORDS

# Share of a sentence's characters that claims must quote for it to count as cited.
MIN_CITED_SHARE = 0.6

_CLOSERS = "”’\"'»)]"
_OPENERS = "“‘\"'«(["
_FINAL = re.compile(rf"[.!?…][{re.escape(_CLOSERS)}]*$")
# A candidate boundary: final mark, optional closing quotes, white space, then what may
# begin a sentence.
_BOUNDARY = re.compile(
    rf"[.!?…][{re.escape(_CLOSERS)}]*(?P<gap>\s+)(?=[A-Z0-9{re.escape(_OPENERS)}])"
)
_WORD_BEFORE_MARK = re.compile(r"(\S+)[.!?…]$")
_TURN_LABEL = re.compile(r"^(?:[A-Z][\w’'-]*\s){0,2}[A-Z][\w’'-]*:\s+(?=\S)")

# Titles stand before a name; a sentence never ends on them.
_TITLES = frozenset({
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "gen", "col", "lt", "capt", "sgt",
    "hon", "rev", "gov", "sen", "rep", "amb", "h.e", "messrs",
})
# Abbreviations inside a sentence that never end one.
_INNER_ABBREVIATIONS = frozenset({"e.g", "i.e", "vs", "cf", "approx", "ca"})
# Abbreviations that stand before a number ("No. 5", "Art. 2").
_BEFORE_NUMBER = frozenset({"no", "nos", "art", "arts", "p", "pp", "vol", "para"})
_DOTTED_INITIALS = re.compile(r"^(?:[A-Za-z]\.)*[A-Za-z]$")
_TIME_OF_DAY = frozenset({"a.m", "p.m"})

_TOKEN = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*|\d+")

_NUMBER_WORDS = frozenset(
    """
    two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen
    sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty
    ninety hundred hundreds thousand thousands million millions billion billions dozen
    dozens half two-fold twofold threefold
    """.split()  # noqa: SIM905
)
_MONTHS = frozenset(
    """
    january february march april may june july august september october november december
    """.split()  # noqa: SIM905
)
# Reasons: single words and phrases, matched on whole lower-case words.
_REASON_CUES = (
    "because", "due to", "owing to", "as a result", "result of", "in order to", "so that",
    "therefore", "thus", "hence", "reason", "reasons", "cause", "caused", "causes",
    "triggered", "led to", "lead to", "in response", "in view of", "in light of", "given",
    "aimed at", "to prevent", "in connection with", "in this regard", "against the background",
)
# Reactions and positions: word beginnings, so "support" covers "supported", "supports".
_POSITION_CUES = (
    "condemn", "support", "call on", "called on", "calls on", "call for", "called for",
    "calls for", "urge", "demand", "welcom", "regret", "express", "condolence", "thank",
    "hope", "reject", "deny", "denied", "denounc", "commit", "determin", "believ", "insist",
    "emphasi", "stress", "affirm", "must", "important", "unacceptable", "false",
    "misrepresent", "assur", "guarant", "pledg", "promis", "warn", "wish", "justif",
    "unfortunately", "regretfully", "tragedy", "tragic", "clear",
)

_REASON = re.compile(r"\b(?:" + "|".join(map(re.escape, _REASON_CUES)) + r")\b")
_POSITION = re.compile(r"\b(?:" + "|".join(map(re.escape, _POSITION_CUES)) + r")")


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of a document, with its place in the whitespace-folded text."""

    text: str  # whitespace folded
    start: int  # offsets into fold_whitespace(document)
    end: int


def _blocks(document: str) -> list[str]:
    """Paragraphs of `document`, with titles broken over lines joined back."""
    blocks: list[str] = []
    current: list[str] = []
    for raw_line in document.splitlines():
        line = fold_whitespace(raw_line)
        if not line:
            if current:
                blocks.append(" ".join(current))
                current = []
            continue
        continues = bool(current) and not _FINAL.search(current[-1]) and line[0].islower()
        if current and not continues:
            blocks.append(" ".join(current))
            current = []
        current.append(line)
    if current:
        blocks.append(" ".join(current))
    return blocks


def _ends_sentence(block: str, mark_end: int, next_char: str) -> bool:
    """Whether the final mark just before `mark_end` closes a sentence."""
    found = _WORD_BEFORE_MARK.search(block[:mark_end])
    if not found:
        return True
    word = found.group(1).lstrip(_OPENERS).casefold()
    if block[mark_end - 1] != ".":
        return True
    if word in _TITLES or word in _INNER_ABBREVIATIONS:
        return False
    if word in _BEFORE_NUMBER and next_char.isdigit():
        return False
    if word in _TIME_OF_DAY:
        return True
    # "J." or "U.N.": initials of a name or an organisation, not the end of a sentence.
    return not _DOTTED_INITIALS.match(word)


def _split_block(block: str) -> list[str]:
    sentences: list[str] = []
    start = 0
    for boundary in _BOUNDARY.finditer(block):
        mark_end = boundary.start("gap")
        # Step back over closing quotes to the mark itself.
        mark = mark_end
        while block[mark - 1] in _CLOSERS:
            mark -= 1
        if _ends_sentence(block, mark, block[boundary.end()]):
            sentences.append(block[start:mark_end])
            start = boundary.end()
    sentences.append(block[start:])
    return [s for s in (s.strip() for s in sentences) if s]


def split_sentences(document: str) -> list[Sentence]:
    """The sentences of `document` in order, headings and turn labels left out."""
    folded = fold_whitespace(document)
    sentences: list[Sentence] = []
    cursor = 0
    for block in _blocks(document):
        if not _FINAL.search(block):
            continue  # heading, byline, dateline or boilerplate
        block = _TURN_LABEL.sub("", block)
        for text in _split_block(block):
            start = folded.find(text, cursor)
            if start < 0:  # cannot happen: every piece is a folded slice of the document
                raise ValueError(f"sentence not found in its document: {text!r}")
            sentences.append(Sentence(text, start, start + len(text)))
            cursor = start + len(text)
    return sentences


def _is_name(token: str) -> bool:
    folded = token.casefold()
    return (token[0].isupper() and token != "I" and folded not in STOP_WORDS
            and folded not in _MONTHS)


def names_in(sentences: Iterable[str]) -> frozenset[str]:
    """Words the text capitalises mid-sentence: its names, wherever they stand."""
    return frozenset(t for s in sentences for t in _TOKEN.findall(s)[1:] if _is_name(t))


def askable_signals(sentence: str, names: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """What makes `sentence` askable: figure, date, name, reason, position; () if nothing.

    `names` are the document's names (see `names_in`), recognised as a first word too.
    A question ("…?") is never askable: it asserts nothing a claim could cite.
    """
    text = sentence.rstrip(_CLOSERS)
    if text.endswith("?"):
        return ()
    tokens = _TOKEN.findall(sentence)
    lowered_tokens = [t.casefold() for t in tokens]
    lowered = " ".join(lowered_tokens)
    signals: list[str] = []
    if any(t.isdigit() or t in _NUMBER_WORDS for t in lowered_tokens):
        signals.append("figure")
    if any(t.casefold() in _MONTHS and t[0].isupper() for t in tokens):
        signals.append("date")
    first = tokens[:1]
    if (any(_is_name(t) for t in tokens[1:])
            or any(t in names or (len(t) > 1 and t.isupper()) for t in first)):
        signals.append("name")
    if _REASON.search(lowered):
        signals.append("reason")
    if _POSITION.search(lowered):
        signals.append("position")
    return tuple(signals)


@dataclass(frozen=True)
class DocumentCoverage:
    """One document: its askable sentences, and those no claim cites."""

    source: str
    title: str
    total: int
    uncited: tuple[tuple[str, tuple[str, ...]], ...]  # (sentence, its askable signals)

    @property
    def cited(self) -> int:
        return self.total - len(self.uncited)

    @property
    def share(self) -> float:
        return self.cited / self.total if self.total else 1.0


@dataclass(frozen=True)
class CoverageReport:
    documents: tuple[DocumentCoverage, ...] = field(default_factory=tuple)

    @property
    def cited(self) -> int:
        return sum(d.cited for d in self.documents)

    @property
    def total(self) -> int:
        return sum(d.total for d in self.documents)

    @property
    def share(self) -> float:
        return self.cited / self.total if self.total else 1.0

    def to_json(self) -> dict[str, Any]:
        return {
            "overall": {"cited": self.cited, "total": self.total, "share": round(self.share, 4)},
            "documents": [
                {"source": d.source, "cited": d.cited, "total": d.total,
                 "share": round(d.share, 4), "uncited": [text for text, _ in d.uncited]}
                for d in self.documents
            ],
        }

    def to_text(self) -> str:
        lines = [f"Askable sentences cited by a claim: {self.cited} of {self.total} "
                 f"({self.share:.1%})", ""]
        for document in self.documents:
            lines.append(f"{document.source}  {document.cited}/{document.total} "
                         f"({document.share:.1%})  {document.title}")
            for text, signals in document.uncited:
                lines.append(f"    not cited [{', '.join(signals)}]: {text}")
        return "\n".join(lines)


def _quoted_spans(document: str, quotes: Iterable[str]) -> list[tuple[int, int]]:
    """Every place in the folded `document` where one of `quotes` stands."""
    spans = []
    for quote in {fold_whitespace(q) for q in quotes}:
        start = document.find(quote)
        while start >= 0:
            spans.append((start, start + len(quote)))
            start = document.find(quote, start + 1)
    return spans


def cited_share(sentence: Sentence, spans: Sequence[tuple[int, int]]) -> float:
    """Share of the sentence's characters that lie inside some quoted span."""
    covered = [False] * (sentence.end - sentence.start)
    for start, end in spans:
        for offset in range(max(start, sentence.start), min(end, sentence.end)):
            covered[offset - sentence.start] = True
    return sum(covered) / len(covered) if covered else 0.0


def measure_coverage(table: FactTable) -> CoverageReport:
    """The coverage of every document of `table` by its own claims."""
    documents = []
    for source in table.sources:
        document = table.documents[source.id]
        quotes = [c.quote for f in table.facts for c in f.claims if c.source == source.id]
        spans = _quoted_spans(fold_whitespace(document), quotes)
        sentences = split_sentences(document)
        names = names_in(s.text for s in sentences)
        total = 0
        uncited = []
        for sentence in sentences:
            signals = askable_signals(sentence.text, names)
            if not signals:
                continue
            total += 1
            if cited_share(sentence, spans) < MIN_CITED_SHARE:
                uncited.append((sentence.text, signals))
        documents.append(DocumentCoverage(source.id, source.title, total, tuple(uncited)))
    return CoverageReport(tuple(documents))
