"""Quote check: who said these words, where, and are they quoted verbatim?

A reporter pastes a quotation ("who said 'the police did not use any force'?").
The words are looked up in the source documents — fuzzily, because quotations
are misremembered — and the answer gives the exact words the document has, who
speaks them there (the interviewer's question is not the ambassador's answer,
see `bot.documents`), and how the pasted words differ: words changed, added,
missing or moved.

Words are compared folded — case, punctuation, quote-mark style, whitespace and
digit grouping ("2,500" = "2500") do not count — but spelling does: "stabilise"
for "stabilize" is a change, so `verbatim` means the document's very words.
The search is not a general text search: a passage needs a few distinctive
words, and a close match over most of them, to count as found, so "the
president said" finds nothing rather than something.
"""

from __future__ import annotations

import bisect
import logging
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from difflib import Match, SequenceMatcher
from enum import StrEnum
from typing import Any

from rapidfuzz import fuzz

from bot import texts
from bot.documents import Document, Passage, Voice, load_documents
from bot.facttable import FactTable, SeedSource, fold_whitespace
from bot.normalize import STOP_WORDS

log = logging.getLogger(__name__)

# A passage to check needs this many words, this many of them distinctive (not stop words),
# and as many distinctive words must match for a document's passage to count as found.
MIN_QUOTE_WORDS = 5
MIN_CONTENT_WORDS = 3
# In a quotation a negation is the point ("there were no clashes"), never filler.
NEGATIONS = frozenset({"no", "not", "never", "nor", "none", "nothing", "nobody", "without",
                       "don't", "didn't", "doesn't", "won't", "isn't", "aren't", "wasn't",
                       "weren't", "can't", "cannot", "couldn't", "shouldn't", "wouldn't"})
# A question carries a quotation to check when it quotes at least this many words.
MIN_QUESTION_QUOTE_WORDS = 6
# Character-level alignment (0-100) a document must reach to be looked at word by word: low,
# because a few inserted words cost much here; the word-level similarity below decides.
MIN_ALIGNMENT_SCORE = 60.0
# Word-level similarity (0-1, difflib ratio) of the pasted words and the document's words.
MIN_WORD_SIMILARITY = 0.6
# Pastes up to this many folded characters are aligned character by character (see `locate`).
MAX_CHARACTER_ALIGNMENT = 400
# Longer pastes are cut here: a quotation is a sentence or a paragraph, not a document.
MAX_QUOTE_CHARS = 5000

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'"})
_DIGIT_GROUPING = re.compile(r"[,\u00a0\u202f\u2009]")
_WORD = re.compile(
    r"\d{1,3}(?:[,\u00a0\u202f\u2009]\d{3})+(?!\d)"  # 2,500 — one number, not two
    r"|[^\W_]+(?:['’‘ʼ`´][^\W_]+)*"  # words, with their apostrophes (country's, didn't)
)


@dataclass(frozen=True, slots=True)
class Word:
    """A word of a text, folded for comparison, with where it stands in the text."""

    key: str
    start: int
    end: int


def quote_words(text: str) -> list[Word]:
    """The words of `text` as a quotation is compared: case, quote style, grouping folded."""
    result = []
    for match in _WORD.finditer(text):
        key = unicodedata.normalize("NFKC", match.group()).casefold().translate(_APOSTROPHES)
        if key[0].isdigit():
            key = _DIGIT_GROUPING.sub("", key)
        result.append(Word(key, match.start(), match.end()))
    return result


def _is_content(key: str) -> bool:
    """A word that tells one passage from another: not filler, and negations always."""
    return key in NEGATIONS or (key not in STOP_WORDS and (len(key) > 1 or key.isdigit()))


class DifferenceKind(StrEnum):
    CHANGED = "changed"  # the pasted words stand where the document has others
    ADDED = "added"  # pasted words the document does not have
    MISSING = "missing"  # document words the paste leaves out
    MOVED = "moved"  # the same words, in another place


@dataclass(frozen=True, slots=True)
class Difference:
    """One way the pasted words depart from the document's, in both texts' own spelling."""

    kind: DifferenceKind
    pasted: str  # the reporter's words ("" when missing)
    document: str  # the document's words ("" when added)

    def __str__(self) -> str:
        if self.kind is DifferenceKind.CHANGED:
            return f"'{self.pasted}' for '{self.document}'"
        if self.kind is DifferenceKind.ADDED:
            return f"added '{self.pasted}'"
        if self.kind is DifferenceKind.MISSING:
            return f"missing '{self.document}'"
        return f"moved '{self.pasted}'"


@dataclass(frozen=True, slots=True)
class Sighting:
    """Where the words stand: document, speaker at that place, and the exact words."""

    source: SeedSource
    speaker: str
    voice: Voice
    words: str  # the document's exact words, runs of whitespace folded
    start: int  # offsets into the document's text
    end: int

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source.file,
            "source_id": self.source.id,
            "speaker": self.speaker,
            "date": self.source.date.isoformat() if self.source.date else None,
        }


@dataclass(frozen=True, slots=True)
class QuoteCheck:
    """The answer to "who said this, and is it verbatim?"."""

    pasted: str
    found: Sighting | None  # None: no document has these words (or too few to look for)
    verbatim: bool = False
    differences: tuple[Difference, ...] = ()
    also_in: tuple[Sighting, ...] = ()  # the same words in other documents
    too_short: bool = False  # not looked up: too few distinctive words to tell sources apart

    @property
    def verdict(self) -> str:
        """What to tell the reporter about the words: verbatim, how they differ, or not found."""
        if self.too_short:
            return texts.QUOTE_TOO_SHORT
        if self.found is None:
            return texts.QUOTE_NOT_FOUND
        if self.verbatim:
            return texts.QUOTE_VERBATIM
        return texts.QUOTE_DIFFERS.format(
            differences="; ".join(str(difference) for difference in self.differences))

    def to_json(self) -> dict[str, Any]:
        """The `quote_check` object of `ask --json` and of `factbot quote --json`."""
        where: dict[str, Any] = (self.found.to_json() if self.found else
                                 {"source": None, "source_id": None, "speaker": None,
                                  "date": None})
        return {
            "verbatim": self.verbatim,
            "found": self.found.words if self.found else None,
            **where,
            "differences": [str(difference) for difference in self.differences],
            "also_in": [sighting.to_json() for sighting in self.also_in],
        }


@dataclass(frozen=True)
class _IndexedDocument:
    """A document's words, folded and joined, so a paste can be aligned against it."""

    document: Document
    words: list[Word]
    keys: list[str]
    joined: str  # the keys joined by single spaces
    joined_starts: list[int]  # where each key starts in `joined`
    word_starts: list[int]  # where each word starts in the document's text
    sentence_starts: list[int]
    trigrams: dict[tuple[str, str, str], list[int]]  # three-word runs → where they start

    @classmethod
    def of(cls, document: Document) -> _IndexedDocument:
        words = quote_words(document.text)
        keys = [word.key for word in words]
        joined_starts, position = [], 0
        for key in keys:
            joined_starts.append(position)
            position += len(key) + 1
        trigrams: dict[tuple[str, str, str], list[int]] = defaultdict(list)
        for index in range(len(keys) - 2):
            trigrams[keys[index], keys[index + 1], keys[index + 2]].append(index)
        return cls(document, words, keys, " ".join(keys), joined_starts,
                   [word.start for word in words], [s.start for s in document.sentences],
                   dict(trigrams))

    def word_range(self, start: int, end: int) -> tuple[int, int]:
        """The words touched by characters start..end of `joined`."""
        first = max(bisect.bisect_right(self.joined_starts, start) - 1, 0)
        if start >= self.joined_starts[first] + len(self.keys[first]):
            first += 1  # start fell on the space after a word
        last = bisect.bisect_left(self.joined_starts, end)
        return first, max(first, last)

    def sentence_number(self, word: int) -> int:
        """Which sentence of the document word number `word` stands in."""
        return max(bisect.bisect_right(self.sentence_starts, self.words[word].start) - 1, 0)

    def sentence_words(self, first: int, last: int) -> tuple[int, int]:
        """The word range of the sentences holding words first and last - 1."""
        opening = self.document.sentences[self.sentence_number(first)]
        closing = self.document.sentences[self.sentence_number(last - 1)]
        return (bisect.bisect_left(self.word_starts, opening.start),
                bisect.bisect_left(self.word_starts, closing.end))

    def locate(self, keys: Sequence[str]) -> tuple[int, int] | None:
        """The word range where the pasted words most likely stand, if anywhere.

        A sentence or two is aligned character by character (rapidfuzz), which
        survives typos; that alignment grows steeply with the paste's length, so a
        paragraph is placed by its three-word runs the document shares instead.
        """
        query = " ".join(keys)
        if len(query) <= MAX_CHARACTER_ALIGNMENT:
            alignment = fuzz.partial_ratio_alignment(query, self.joined,
                                                     score_cutoff=MIN_ALIGNMENT_SCORE)
            if alignment is None:
                return None
            return self.word_range(alignment.dest_start, alignment.dest_end)
        votes: Counter[int] = Counter()
        for index in range(len(keys) - 2):
            for position in self.trigrams.get((keys[index], keys[index + 1], keys[index + 2]),
                                              ()):
                votes[position - index] += 1
        if not votes:
            return None
        offset = votes.most_common(1)[0][0]
        return max(offset, 0), min(offset + len(keys), len(self.keys))

    def occurrences(self, keys: Sequence[str]) -> Iterator[int]:
        """Every word index where exactly these words follow one another."""
        size = len(keys)
        for index in range(len(self.keys) - size + 1):
            if self.keys[index] == keys[0] and self.keys[index : index + size] == list(keys):
                yield index


@dataclass(frozen=True, slots=True)
class _Candidate:
    indexed: _IndexedDocument
    first: int  # word range in the document
    last: int  # exclusive
    similarity: float

    @property
    def keys(self) -> list[str]:
        return self.indexed.keys[self.first : self.last]


def _trim_stray_edges(blocks: list[Match], query: Sequence[str],
                      sentence_of: Callable[[int], int]) -> list[Match]:
    """Drop matches at either end that only caught a stray word near the passage.

    difflib happily matches an "and" or "the" a few words away from the quotation
    proper; kept, it would stretch the found passage over words the reporter never
    quoted. An edge match goes when it is short and farther from its neighbour in
    the document than in the paste — a lone filler word by any distance, two filler
    words by more than one word ("there were [no] clashes" keeps "there were"),
    distinctive words by more than two — or when it is filler alone in another
    sentence. `sentence_of` numbers the sentence of a word of the window.
    """

    def stray(block: Match, neighbour: Match, *, leading: bool) -> bool:
        inner, outer = (neighbour, block) if leading else (block, neighbour)
        pasted_gap = inner.a - (outer.a + outer.size)
        document_gap = inner.b - (outer.b + outer.size)
        if any(_is_content(key) for key in query[block.a : block.a + block.size]):
            allowance = 2
        elif sentence_of(block.b) != sentence_of(neighbour.b):
            return True
        else:
            allowance = 0 if block.size == 1 else 1
        return block.size < 3 and document_gap > pasted_gap + allowance

    while len(blocks) > 1 and stray(blocks[0], blocks[1], leading=True):
        blocks = blocks[1:]
    while len(blocks) > 1 and stray(blocks[-1], blocks[-2], leading=False):
        blocks = blocks[:-1]
    return blocks


def _similarity(query: Sequence[str], found: Sequence[str]) -> tuple[float, int]:
    """difflib's ratio of the two word lists, and how many distinctive pasted words match."""
    matcher = SequenceMatcher(None, query, found, autojunk=False)
    blocks = matcher.get_matching_blocks()
    matched = sum(block.size for block in blocks)
    content = {key for block in blocks for key in query[block.a : block.a + block.size]
               if _is_content(key)}
    return 2 * matched / (len(query) + len(found)), len(content)


def _differences(pasted: str, query: Sequence[Word], candidate: _Candidate) -> list[Difference]:
    indexed = candidate.indexed
    document_words = indexed.words[candidate.first : candidate.last]

    def pasted_text(i: int, j: int) -> str:
        return fold_whitespace(pasted[query[i].start : query[j - 1].end])

    def document_text(i: int, j: int) -> str:
        text = indexed.document.text
        return fold_whitespace(text[document_words[i].start : document_words[j - 1].end])

    matcher = SequenceMatcher(None, [w.key for w in query], candidate.keys, autojunk=False)
    differences = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "replace":
            differences.append(Difference(DifferenceKind.CHANGED, pasted_text(i1, i2),
                                          document_text(j1, j2)))
        elif tag == "delete":
            differences.append(Difference(DifferenceKind.ADDED, pasted_text(i1, i2), ""))
        elif tag == "insert":
            differences.append(Difference(DifferenceKind.MISSING, "", document_text(j1, j2)))
    return _pair_moves(differences)


def _pair_moves(differences: list[Difference]) -> list[Difference]:
    """An added phrase the document has elsewhere in the passage was moved, not invented."""
    result = list(differences)
    for added in [d for d in differences if d.kind is DifferenceKind.ADDED]:
        key = [w.key for w in quote_words(added.pasted)]
        missing = next((d for d in result if d.kind is DifferenceKind.MISSING
                        and [w.key for w in quote_words(d.document)] == key), None)
        if missing is not None:
            result[result.index(added)] = Difference(DifferenceKind.MOVED, added.pasted,
                                                     missing.document)
            result.remove(missing)
    return result


def _include_moved(document: Sequence[str], query: Sequence[str], first: int, last: int,
                   low: int, high: int) -> tuple[int, int]:
    """Widen the passage over a pasted phrase that stands just outside it in the document.

    difflib lines words up in order only, so "In Almaty, peaceful demonstrations
    have been hijacked" against "peaceful demonstrations in Almaty have been
    hijacked" leaves "peaceful demonstrations" outside the passage, as if added.
    """
    matcher = SequenceMatcher(None, query, document[first:last], autojunk=False)
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        phrase = list(query[i1:i2])
        if tag not in {"delete", "replace"} or not any(_is_content(k) for k in phrase):
            continue
        for start in range(low, high - len(phrase) + 1):
            outside = start + len(phrase) <= first or start >= last
            if outside and document[start : start + len(phrase)] == phrase:
                first, last = min(first, start), max(last, start + len(phrase))
                break
    return first, last


def _passage(candidate: _Candidate) -> Passage:
    words = candidate.indexed.words
    return candidate.indexed.document.speaker_of(words[candidate.first].start,
                                                 words[candidate.last - 1].end)


def _citation_rank(candidate: _Candidate) -> int:
    """The speaker's own words first, then as a report quotes them, then anyone else's."""
    passage = _passage(candidate)
    if passage.voice is not Voice.SPEAKER:
        return 0
    return 1 if passage.reported else 2


def _prefer_speakers_voice(candidate: _Candidate) -> _Candidate:
    """Of the same words twice in a document, prefer where the speaker says them.

    A report repeats its speaker's words in its headline and lead; the answer
    itself is the better citation.
    """
    occurrences = [_Candidate(candidate.indexed, index, index + len(candidate.keys),
                              candidate.similarity)
                   for index in candidate.indexed.occurrences(candidate.keys)]
    return max([candidate, *occurrences], key=_citation_rank)


def _sighting(candidate: _Candidate) -> Sighting:
    indexed = candidate.indexed
    start = indexed.words[candidate.first].start
    end = indexed.words[candidate.last - 1].end
    passage = indexed.document.speaker_of(start, end)
    return Sighting(indexed.document.source, passage.speaker, passage.voice,
                    fold_whitespace(indexed.document.text[start:end]), start, end)


class QuoteChecker:
    """The documents prepared once for quote checks; `check` answers one paste."""

    def __init__(self, documents: Sequence[Document]):
        self._documents = [_IndexedDocument.of(document) for document in documents]

    @classmethod
    def from_fact_table(cls, table: FactTable) -> QuoteChecker:
        return cls(load_documents(table))

    def check(self, pasted: str) -> QuoteCheck:
        """Find the pasted words in the documents and say how they differ, if they do."""
        pasted = pasted[:MAX_QUOTE_CHARS]
        query = quote_words(pasted)
        keys = [word.key for word in query]
        if len(keys) < MIN_QUOTE_WORDS or len({k for k in keys if _is_content(k)}) < \
                MIN_CONTENT_WORDS:
            return QuoteCheck(pasted, None, too_short=True)
        candidates = [c for indexed in self._documents
                      if (c := self._best_in(indexed, keys)) is not None]
        if not candidates:
            log.debug("quote check: no document has %d pasted words", len(keys))
            return QuoteCheck(pasted, None)
        candidates = [_prefer_speakers_voice(c) for c in candidates]
        best = max(candidates, key=lambda c: (c.similarity, _citation_rank(c)))
        also_in = tuple(_sighting(c) for c in candidates
                        if c.indexed is not best.indexed and c.keys == best.keys)
        log.debug("quote check: found in %s, similarity %.2f", best.indexed.document.source.id,
                  best.similarity)
        return QuoteCheck(pasted, _sighting(best), verbatim=best.keys == keys,
                          differences=tuple(_differences(pasted, query, best)), also_in=also_in)

    def _best_in(self, indexed: _IndexedDocument, keys: Sequence[str]) -> _Candidate | None:
        """The passage of one document closest to the pasted words, if it is close enough.

        rapidfuzz finds the region, difflib lines the words up inside it; the passage
        then runs from the first to the last matched word, widened to the edge of its
        sentence when the paste has unmatched words there ("'abroad' for 'outside the
        country'", not "added 'abroad'"), and over a phrase the paste moved.
        """
        region = indexed.locate(keys)
        if region is None:
            return None
        first, last = region
        slack = max(3, len(keys) // 4)
        low, high = max(0, first - slack), min(len(indexed.keys), last + slack)
        matcher = SequenceMatcher(None, keys, indexed.keys[low:high], autojunk=False)
        blocks = _trim_stray_edges([b for b in matcher.get_matching_blocks() if b.size], keys,
                                   lambda word: indexed.sentence_number(low + word))
        if not blocks:
            return None
        first, last = low + blocks[0].b, low + blocks[-1].b + blocks[-1].size
        sentence_first, sentence_last = indexed.sentence_words(first, last)
        if 0 < first - sentence_first <= blocks[0].a + 2 and blocks[0].a:
            first = sentence_first
        unmatched_tail = len(keys) - blocks[-1].a - blocks[-1].size
        if 0 < sentence_last - last <= unmatched_tail + 2 and unmatched_tail:
            last = sentence_last
        first, last = _include_moved(indexed.keys, keys, first, last, low, high)
        similarity, content = _similarity(keys, indexed.keys[first:last])
        if similarity < MIN_WORD_SIMILARITY or content < MIN_CONTENT_WORDS:
            return None
        return _Candidate(indexed, first, last, similarity)


_QUOTED = re.compile(
    r"“([^”]+)”"
    r"|«([^»]+)»"
    r"|„([^“”]+)[“”]"
    r"|\"([^\"]+)\""
    r"|(?<!\w)‘(.+?)’(?!\w)"
    r"|(?<!\w)'(.+?)'(?!\w)",
    re.DOTALL,
)
_WHO_SAID = re.compile(
    r"^\W*(?:who|which \w+)\s+(?:said|says|wrote|writes|stated|states|claimed|claims)"
    r"(?:\s+that)?\s*[:,]?\s*(.+?)[\s?!.]*$",
    re.IGNORECASE | re.DOTALL,
)


def quoted_passage(question: str) -> str | None:
    """The quotation a question asks about, if it quotes six words or more.

    Quoted in straight or curly quotes or « », or asked as "who said ..." with no
    quotes around the words (or quotes around a part of them only). The longest
    quotation wins; a short quoted term ("the “Listening State” concept") is not
    a quote check.
    """

    def long_enough(passages: list[str]) -> str | None:
        passages = [p for p in passages if len(quote_words(p)) >= MIN_QUESTION_QUOTE_WORDS]
        return max(passages, key=lambda p: len(quote_words(p)), default=None)

    quoted = long_enough([next(group for group in match.groups() if group is not None).strip()
                          for match in _QUOTED.finditer(question)])
    if quoted is not None:
        return quoted
    who_said = _WHO_SAID.match(question.strip())
    return long_enough([who_said.group(1).strip()]) if who_said else None
