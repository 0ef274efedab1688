"""Passage answers: a sentence of the documents, verbatim, when no curated fact answers.

The fact table cannot hold every statement of the documents. When no fact is
confident, a question may still be answered by one sentence of a document (with
a sentence of context either side), quoted verbatim, attributed to whoever says
it there (see `bot.documents`: an interviewer's question or a publisher's
introduction is not the speaker's word) and marked as not curated.

A wrong confident answer is the worst outcome, so a passage is returned only
when it demonstrably holds what the question asks:

* every content word of the question is accounted for — by stem, by a synonym
  group of `seeds/aliases.yaml`, by a country's adjective ("Russian" for
  "Russia"), or by a close typo of a word that is not itself an English word
  ("peacekeepres"; "contract" is never "contact": general-English frequencies
  from `wordfreq` tell the two apart). Filler and question scaffolding ("so",
  "actually", "is that right") are not content. Words naming a source ("per
  Sadykov", "the MFA statement", "the Ethiopia interview") are accounted for by
  the passage's document and voice rather than its text;
* the words are in the sentence itself; the sentence before may stand in only
  for what a pronoun refers to ("He called for dialogue"); words side by side
  in the question ("foreign minister") stand close together in the sentence;
* the kind of answer asked is in the sentence, and is not just the question's
  own words: a figure that counts what "how many" asks about (not "two days"),
  a date for "when", a clock time for "what time", a name near the words asked
  about for "who" or the one who did it ("killed by extremists"), a place of
  the sort asked ("which town"), a cause for "what caused";
* roles hold: who underwent an act in the question underwent it in the
  sentence ("how many terrorists were killed" is not "killed by … terrorists");
  what happened is not answered by what only will happen; "what did X say"
  wants a sentence reporting X's words;
* a question resting on a single word needs a word rare in English and in the
  documents ("beheadings", not "population"), or, with a kind of answer asked,
  every passage that fits must give the same answer;
* questions (sentences ending in "?") are never an answer.

Anything less is None: the caller says "don't know".
"""

from __future__ import annotations

import logging
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from itertools import pairwise

from rapidfuzz import fuzz, process
from wordfreq import zipf_frequency

from bot.documents import Document, Sentence, Voice
from bot.facttable import FactTable, SeedSource, fold_whitespace
from bot.normalize import (
    GENERIC_WORDS,
    IRREGULAR_VERBS,
    STOP_WORDS,
    Normalizer,
    fold,
    stem,
    words,
)

log = logging.getLogger(__name__)

# Share of the question's content weight the sentence itself must carry; the rest may come
# from the sentence before, for what a pronoun refers to ("They" for the CSTO's troops).
MIN_SENTENCE_SHARE = 0.3
# Words side by side in a question stand at most this many content words apart in the answer.
MAX_PHRASE_GAP = 5
# A name answers "who" or "the name of" only this close to the words asked about.
MAX_NAME_GAP = 3
# A question word at least this frequent in general English (Zipf scale: 3 is once per
# million words) is a word in its own right, never taken for a typo of another.
MIN_ENGLISH_ZIPF = 3.0
# A question resting on one word needs it rarer than this in general English, and in at
# most this many sentences of the documents (with a kind of answer asked, "curfew time",
# every passage that fits must give the same answer instead).
MAX_LONE_WORD_ZIPF = 3.5
MAX_LONE_WORD_SENTENCES = 2


class AnswerKind(StrEnum):
    """What a question asks for, and what a sentence can give."""

    FIGURE = "figure"  # how many, how much
    DATE = "date"  # when, on what date
    DURATION = "duration"  # how long, until when, since when
    TIME = "time"  # what time: a time of day
    WHO = "who"  # who, which organisation: a name, or who did it ("by extremists")
    NAME = "name"  # the name of, which concept: a proper name
    PLACE = "place"  # where
    CITY = "city"  # which town, which cities
    REGION = "region"  # which region
    COUNTRY = "country"  # which countries
    REASON = "reason"  # why: a cause, or a purpose ("to prevent social unrest")
    CAUSE = "cause"  # what caused, what triggered: a cause, never a purpose


@dataclass(frozen=True, slots=True)
class PassageHit:
    """A sentence that answers a question, verbatim, with who says it and where."""

    source_id: str
    speaker: str  # the voice's name: "Barlybay Sadykov", "the interviewer of Berik Aryn"
    voice: Voice
    text: str  # the sentence verbatim (whitespace folded), without an interview's "Ambassador:"
    start: int  # document.text[start:end] is the sentence (whitespace unfolded)
    end: int
    context_before: str | None  # the sentence before, in the same voice
    context_after: str | None  # the sentence after, in the same voice
    score: float  # higher is better; compares the passages for one question only

    @property
    def context(self) -> tuple[str, ...]:
        return tuple(text for text in (self.context_before, self.context_after) if text)


# --- the words of a question ----------------------------------------------------------------

# Words that carry no content in a question to a newsroom bot, beyond normalize.STOP_WORDS:
# discourse filler, hedges, and the scaffolding of asking about a source.
FILLER_WORDS = frozenset(
    """
    actually basically really seriously apparently reportedly supposedly supposed honestly
    gonna wanna kinda sorta just so quick quickly briefly anyway anyhow like well mean means
    keep keeps seeing hear hearing heard read reading wonder wondering curious
    true right correct accurate confirm confirmed check verify claim claims claimed claiming
    according accordance per word words quote quoted mention mentioned mentions describe
    describes described report reports reported reporting stated states stating tell
    source sources document documents text piece article bit lot lots stuff way kind sort
    type details detail update updates news different various latest recent recently
    currently current now exact precise status
    """.split()  # noqa: SIM905
)
# Function words that change what is asked ("before" is not "after"): content here.
SIGNIFICANT_WORDS = frozenset({"before", "after", "new", "next", "during", "without"})
# Newsroom shorthand that bot.normalize's general abbreviations do not cover.
SHORTHAND = {
    "kz": "kazakhstan", "op": "operation", "ops": "operations", "rep": "representative",
    "reps": "representatives", "demos": "demonstrations", "demo": "demonstration",
    "w": "with", "sec": "secretary", "gen": "general", "pm": "prime minister",
    "jan": "january", "feb": "february", "dec": "december",
}

_ASKS = {
    AnswerKind.FIGURE: re.compile(
        r"\b(how (many|much|big|large)|number of|numbers|size of|toll|tally|figures?|"
        r"statistics|stats|count)\b"),
    AnswerKind.DURATION: re.compile(r"\b(how long|until when|since when|till when)\b"),
    AnswerKind.TIME: re.compile(r"\b((what|which) time|hours?|o'clock)\b"),
    AnswerKind.DATE: re.compile(r"\b(when|(what|which) (date|day|year)|dates?|dated)\b"),
    AnswerKind.CITY: re.compile(r"\b(which|what) (\w+ )?(city|cities|town|towns)\b"),
    AnswerKind.REGION: re.compile(
        r"\b(which|what) (\w+ )?(region|regions|province|provinces|area|areas)\b"),
    AnswerKind.COUNTRY: re.compile(r"\b(which|what) (\w+ )?(country|countries)\b"),
    AnswerKind.PLACE: re.compile(r"\b(where|(which|what) (place|places)|in which)\b"),
    AnswerKind.WHO: re.compile(
        r"\b(who|whom|whose|(which|what) (\w+ )?(groups?|organi[sz]ations?|alliances?|"
        r"agency|agencies|body|bodies|party|parties|leaders?|officials?|persons?))\b"),
    AnswerKind.NAME: re.compile(
        r"\b((which|what) (\w+ )?(concepts?|languages?|compan(y|ies)|newspapers?)|"
        r"(the )?name of|named|(is|are|was|were|be) called\b|called\s*\??$)"),
    AnswerKind.REASON: re.compile(r"\b(why|how come|motives?|purpose)\b"),
    AnswerKind.CAUSE: re.compile(
        r"\b(reasons?|causes?|caused|triggers?|triggered|sparks?|sparked|led to)\b"),
}
# "who said …", "who issued the statement": the passage's attribution is the answer, and
# the verb says nothing the passage must hold ("issued" is not "issues").
_WHO = re.compile(r"\bwho\b")
_SOURCE_VERBS = re.compile(
    r"\b(said|says|say|saying|claims?|claimed|claiming|stated?|states|told|tells|wrote|"
    r"writes|written)\b|\b(reported|issued|issues|published|released|authored|gave|made)"
    r"(?= (?:the |this |that |an? )?(?:\w+ )?(?:statement|commentary|interview|report|"
    r"article|comment|remarks?)\b)")
# "how many police officers": a figure that counts them (close to them in the sentence), not
# days, money or articles.
_ASKS_COUNT = re.compile(
    r"\bhow many\s*(.*?)(?=\s+(?:were|was|are|is|did|do|does|have|has|had|will|would|could|"
    r"can|in|at|on|from|by|during|per|according)\b|\s*[?,.!:;-]|$)")
_MEASURES = frozenset(
    """
    day days week weeks month months year years hour hours minute minutes percent per cent
    tenge dollar dollars usd euro euros rouble roubles liter liters litre litres fold times
    """.split()  # noqa: SIM905
)
_REFERENCES = frozenset({"article", "articles", "paragraph", "point", "no", "clause",
                         "chapter", "resolution"})
# "what did X say": X is one of the sources, or the passage reports X's words.
_ASKS_WHAT_SAID = re.compile(
    r"\b(?:what|how)\s+(?:did|does|do|has|have|had)\s+(.+?)\s+(?:say|said|think|make of|"
    r"react|respond|claim|state|mention|describe|tell)\b")
# A question about what happened (not about what is, or will be).
_ASKS_PAST = re.compile(r"\b(did|was|were|had)\b")
_ASKS_FUTURE = re.compile(r"\b(will|would|going to|plan|plans|planned|expected)\b")
# "how many police officers were detained", "protesters killed by police": who underwent it,
# and who did it.
_ASKS_PASSIVE = re.compile(
    r"\b(?:was|were|been|being|be|is|are|get|got)\s+(?:\w+ly\s+)?([a-z]+)\b"
    r"|\b([a-z]+)\s+by\b")
# A role the documents may not hold: "the ambassador to Turkey" is no answer about Ethiopia.
_ROLE_POSTING = re.compile(
    r"\b(?:ambassador|envoy|representative|embassy|consul)\w*\s+(?:of (?:kazakhstan|kz)\s+)?"
    r"(?:to|in|at)\s+(?:the\s+)?([a-z][\w-]*(?:\s+[a-z][\w-]*)?)")
# Where a question's phrases end: punctuation that separates, and a dash between words.
_PHRASE_BREAK = re.compile(r"[,;:!?()\[\]\"“”«»]|\s[-–—]\s")

_UNITS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
          "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
          "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
          "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
          "eighty": 80, "ninety": 90}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000, "billion": 1_000_000_000}
_KILO = re.compile(r"^(\d+(?:\.\d+)?)k$")

# --- the words of a sentence ----------------------------------------------------------------

_MONTHS = frozenset(("january", "february", "march", "april", "may", "june", "july",
                     "august", "september", "october", "november", "december"))
_MONTH = "(?:" + "|".join(sorted(_MONTHS)) + ")"
_DATE_EXPRESSION = re.compile(
    rf"\b{_MONTH}\s+\d{{1,2}}(?:\s*[-–]\s*\d{{1,2}})?(?:st|nd|rd|th)?\b(?:,?\s*(?:19|20)\d\d)?"
    rf"|\b\d{{1,2}}\s+{_MONTH}\b(?:,?\s*(?:19|20)\d\d)?"
    rf"|\b{_MONTH}\b(?:\s+\d{{1,2}}/)?(?:,?\s*(?:19|20)\d\d)?"
    r"|\b(?:19|20)\d\d\b", re.IGNORECASE)
_DAY_CUES = re.compile(
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|yesterday|tomorrow|"
    r"tonight|(?:next|previous|following|same) day|(?:last|this|next) (?:week|month|year))\b",
    re.IGNORECASE)
_DURATION_CUES = re.compile(
    r"\b(?:until|till|since|from the very beginning|temporary|short period|for \w+ (?:days|weeks"
    r"|months))\b", re.IGNORECASE)
_COUNT_WORDS = frozenset({"hundreds", "thousands", "dozens", "millions", "several"})
_CLOCK_TIME = re.compile(r"\b\d{1,2}(?:[.:]\d\d)?\s*[ap]\.?m\.?", re.IGNORECASE)
_FIGURE_WORDS = re.compile(
    r"\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
    r"thirty|forty|fifty|hundred|hundreds|thousand|thousands|million|millions|billion|"
    r"dozens?|several|fold)\b", re.IGNORECASE)
_CAUSE_CUES = re.compile(
    r"\b(?:because|due to|as a result|result of|caused|triggered|reasons?|in view of|"
    r"in light of|owing to|in response|amid|therefore|thus|in this regard|given)\b",
    re.IGNORECASE)
# Cues after which comes the effect: "the protest led to further escalation" gives what the
# protest caused, not what caused it.
_CONSEQUENCE_CUES = re.compile(
    r"\b(?:led to|lead to|leads to|causing|triggering|resulted in|results in)\b",
    re.IGNORECASE)
_PURPOSE_CUES = re.compile(
    r"\b(?:in order to|so that|to correct|to prevent|to avoid|aimed at|for the purpose)\b",
    re.IGNORECASE)
_PLACE_NOUNS = re.compile(
    r"\b(?:regions?|city|cities|towns?|capital|territory|provinces?|oblasts?|across the country|"
    r"throughout the country|all over the country|abroad|outside)\b", re.IGNORECASE)
_REGION_PHRASE = re.compile(
    r"\b(?:western|eastern|northern|southern|central) (?:regions?|parts?|[A-Z][\w-]+)\b",
    re.IGNORECASE)
_REPORTING = re.compile(
    r"\b(?:said|says|stated|states|noted|notes|urged|stressed|emphasi[sz]ed|highlighted|"
    r"mentioned|announced|called|told|affirmed|indicated|revealed|according to|claimed|"
    r"declared|added|warned|thanked|instructed|ordered|considers?|believes?)\b",
    re.IGNORECASE)
_ANAPHORA = re.compile(r"\b(?:he|she|they|it|this|these|those|his|her|their|its|them)\b",
                       re.IGNORECASE)
_BE = frozenset({"am", "is", "are", "was", "were", "be", "been", "being", "get", "got"})
_FINITE = _BE | {"has", "have", "had", "will", "shall", "can", "must", "does", "did"}
_ROLE_BREAK = re.compile(r"[,;:–—]\s")
_CLAUSE_BREAK = re.compile(r"[,;:–—]\s|\s(?:and|but)\s")
_FUTURE = re.compile(r"\b(?:will|shall)\b", re.IGNORECASE)
_PAST = re.compile(r"\b(?:was|were|had|did|(?:has|have) been)\b", re.IGNORECASE)
_CAPITALISED = re.compile(r"\b[A-Z][A-Za-z]+(?:[-'][A-Za-z]+)*\b")
_ANSWER_LABEL = re.compile(r"^[A-Z][\w.]*(?: [A-Z][\w.]*){0,3}:\s+")
_LABEL_AT = re.compile(_ANSWER_LABEL.pattern.removeprefix("^"))  # for match(text, pos)
# Places and their sort are read from how the documents write them.
_NAME = r"[A-Z][\w-]+"
_NAMES = rf"{_NAME}(?:\s+{_NAME})*"
_AFTER_PLACE = re.compile(
    rf"\b(?<!according )(?:in|from|to|across|throughout)\s+(?:the\s+)?"
    rf"({_NAMES}(?:\s*,\s*{_NAMES})*(?:,?\s+and\s+{_NAMES})?)")
# Words that make a capitalised name a body, not a place: "from the Collective Security
# Treaty Organization", "to the President".
_BODY_WORDS = frozenset(
    """
    organization organisation council treaty union ministry agency agencies committee chamber
    guard forces republic government agreement security nations secretary general president
    head state assembly parliament court office bank group groups ambassador representative
    permanent kingdom minister envoy
    """.split()  # noqa: SIM905
)
_COMPASS = frozenset({"western", "eastern", "northern", "southern", "central"})
_CITY_PLACE = re.compile(
    rf"\b({_NAME}) city\b|\bcity of ({_NAME})|\bcities of ({_NAME})(?: and ({_NAME}))?"
    rf"|\b(?:city|capital)(?: of {_NAME})?,\s+({_NAME})")
_REGION_PLACE = re.compile(
    rf"\b({_NAME}) (?:region|oblast|province)\b|\b(?:region|oblast|province) of ({_NAME})")


class _Place(StrEnum):
    CITY = "city"
    REGION = "region"
    COUNTRY = "country"


def _number_value(tokens: Sequence[str]) -> tuple[int, int] | None:
    """The number `tokens` open with, and how many tokens it takes: "six thousand" → 6000."""
    total, current, used = 0, 0, 0
    for token in tokens:
        if token.isdigit() and used == 0:
            current = int(token)
        elif token in _UNITS and (current == 0 or current % 100 == 0):
            current += _UNITS[token]
        elif token in _SCALES and used > 0:
            scale = _SCALES[token]
            if scale >= 1000:
                total, current = total + max(current, 1) * scale, 0
            else:
                current = max(current, 1) * scale
        elif not (token == "and" and used > 0):
            break
        used += 1
    while used > 1 and tokens[used - 1] == "and":
        used -= 1
    value = total + current
    return (value, used) if used and value else None


def _fold_numbers(tokens: Sequence[str]) -> list[str]:
    """Numbers as digits however written: "2,500" (folded before), "20k", "two thousand
    five hundred", "6 thousand"; so a figure in a question meets the same figure in a text."""
    result: list[str] = []
    i = 0
    while i < len(tokens):
        kilo = _KILO.match(tokens[i])
        found = (_number_value(tokens[i:]) if tokens[i].isdigit() or tokens[i] in _UNITS
                 else None)
        if kilo:
            result.append(str(int(float(kilo.group(1)) * 1000)))
            i += 1
        elif found:
            result.append(str(found[0]))
            i += found[1]
        else:
            result.append(tokens[i])
            i += 1
    return result


def _rewrite(text: str) -> str:
    """The text with shorthand spelled out and numbers as digits, ready for the Normalizer."""
    tokens = " ".join(SHORTHAND.get(token, token) for token in words(text)).split()
    return " ".join(_fold_numbers(tokens))


# Stop words end a phrase of a question ("foreign minister" is one, "police and soldiers" two).
_PHRASE_END = re.compile(r"\b(?:" + "|".join(sorted(map(re.escape, STOP_WORDS), key=len,
                                                   reverse=True)) + r")\b")
_STOP_STEMS = frozenset(stem(word) for word in STOP_WORDS | GENERIC_WORDS)
_COUNT_STEMS = frozenset(stem(word) for word in _COUNT_WORDS)


class _Reader:
    """The Normalizer as passages read with it: shorthand and numbers spelled out first, and
    a stop word on its own never content, even where an alias group lists it ("doing" as
    a task would make every "do" one; "over" as an end, "when" as a date)."""

    def __init__(self, normalizer: Normalizer):
        self.normalizer = normalizer
        lone = {word: normalizer.terms(word).content for word in STOP_WORDS}
        self._lone_words = frozenset(word for word, terms in lone.items() if terms)
        self._lone_terms = frozenset(terms[0] for terms in lone.values() if terms)
        # Word → term, bounded: questions bring words without end.
        self._term = lru_cache(maxsize=1 << 16)(self._read_term)

    def terms(self, text: str) -> list[str]:
        """The content terms of a text, in order: aliases folded, significant words kept."""
        tokens = _rewrite(text).split()
        found = list(self.normalizer.terms(" ".join(tokens)).content)
        if self._lone_words.intersection(tokens) and self._lone_terms.intersection(found):
            kept = " ".join(token for token in tokens if token not in self._lone_words)
            without = set(self.normalizer.terms(kept).content)
            found = [term for term in found if term not in self._lone_terms or term in without]
        return found + [token for token in tokens if token in SIGNIFICANT_WORDS]

    def term(self, word: str) -> str | None:
        """The term a single word stands for, if any."""
        return self._term(word)

    def _read_term(self, word: str) -> str | None:
        found = self.terms(word)
        return found[0] if found else None


def _stems(text: str) -> list[str]:
    """The stems of a text's content words as written, before aliases fold them."""
    return [stem(token) for token in _rewrite(text).split()
            if token not in STOP_WORDS and stem(token) not in _STOP_STEMS]


@lru_cache(maxsize=16384)
def _english_zipf(word: str) -> float:
    """How common a word is in general English: 0 (rarer than once per million words) to
    about 8 ("the"). wordfreq's small list holds every word we compare (3 and above) in a
    tenth of the memory and time of its full one."""
    return float(zipf_frequency(word, "en", wordlist="small"))


@dataclass(frozen=True, slots=True)
class _Reference:
    """Question terms that name a source ("per Sadykov"): the documents they name, and
    whose words there they name (the speaker's; the publisher's; or any, for "the interview")."""

    terms: frozenset[str]
    voices: dict[str, frozenset[Voice]]  # source id → the voices the words name there

    @property
    def restricts_voice(self) -> bool:
        return any(len(voices) < len(Voice) for voices in self.voices.values())


@dataclass(frozen=True, slots=True)
class _Question:
    terms: tuple[str, ...]  # content terms a passage must account for
    originals: dict[str, str]  # term → the question's word for it (to judge typos, rarity)
    phrases: tuple[tuple[str, str], ...]  # terms side by side in the question
    kinds: frozenset[AnswerKind]
    asks_past: bool  # about what happened, not what will
    undergone: str | None  # the verb of a passive question without "by" ("were detained")
    doers: frozenset[str]  # who did it, in a passive question with "by" ("killed by police")
    reported: frozenset[str]  # "what did the Human Rights Council say": not one of the sources
    generic: frozenset[str]  # words too common to count, that still tell passages apart
    counts: bool  # "how many": a figure counting people or things
    counted: frozenset[str]  # what "how many" counts: "police officers"
    references: tuple[_Reference, ...]

    def referenced(self, term: str) -> _Reference | None:
        return next((r for r in self.references if term in r.terms), None)


@dataclass(frozen=True)
class _Roles:
    """Who does what in a sentence, as far as its words show it."""

    clauses: tuple[frozenset[str], ...]  # the terms of each clause
    named_by: frozenset[str]  # terms after "by": "killed by extremists and terrorists"
    done_by: frozenset[str]  # terms before "by" in a clause that has one: "killed"
    agents: frozenset[str]  # terms named only after "by"
    active_subjects: dict[str, frozenset[str]]  # verb → terms before it where it is active
    passive_verbs: frozenset[str]  # verbs used in the passive ("were detained")

    def together(self, first: Iterable[str], second: str) -> bool:
        """Whether some clause holds `second` and one of `first`."""
        return any(second in clause and not clause.isdisjoint(first) for clause in self.clauses)


@dataclass(frozen=True)
class _IndexedSentence:
    number: int
    sentence: Sentence
    text: str  # without the answer label
    start: int  # where `text` begins in the document (after the label)
    terms: frozenset[str]  # content terms, and the stems of the words as written
    positions: dict[str, tuple[int, ...]]  # term → where it stands among the content terms
    kinds: frozenset[AnswerKind]  # what it gives whatever the question: figure, date, reason
    generic: frozenset[str]  # its words too common to count ("people", "country")
    values: dict[AnswerKind, frozenset[str]]  # the answers it gives: figures, dates, names
    counts: bool  # has a figure that counts people or things (not days, money, articles)
    names: frozenset[str]  # terms of the names it holds (people, bodies: not places)
    places: tuple[tuple[str, _Place], ...]  # terms of the places it holds, and their sort
    anaphoric: bool  # refers back to the sentence before ("He", "They", "This")
    reports: bool  # reports someone's words ("the President urged", "according to Zas")
    roles: _Roles
    cues: dict[AnswerKind, tuple[int, ...]]  # where a cause or purpose is given, by position
    consequences: tuple[int, ...]  # where an effect follows ("led to …"), by position
    future_terms: frozenset[str]  # terms said only of what will be ("results … will be
    # presented"), never of what was
    before: int | None  # neighbours in the same voice of the same document
    after: int | None


@dataclass(frozen=True, slots=True)
class _Source:
    """How a question names a source: phrases of its metadata, and single words."""

    id: str
    phrases: tuple[tuple[str, ...], ...]  # terms of speaker, role, cited-as, publisher
    single: frozenset[str]  # a word that names it alone: name, role, posting, acronym, kind
    speaker_terms: frozenset[str]  # words that name the speaker, their role or posting
    publisher_terms: frozenset[str]  # words of the publisher's name

    def voices(self, run: Sequence[str]) -> frozenset[Voice]:
        """Whose words in this source a run of question terms names."""
        if self.speaker_terms.intersection(run):
            return frozenset({Voice.SPEAKER})
        if set(run) <= self.publisher_terms:
            return frozenset({Voice.INTERVIEWER, Voice.PUBLISHER})
        return frozenset(Voice)


class PassageIndex:
    """The documents' sentences, indexed by term, to find the one that answers a question."""

    def __init__(self, reader: _Reader, sentences: list[_IndexedSentence],
                 sources: dict[str, _Source], surface: dict[str, str]):
        self._reader = reader
        self._sentences = sentences
        self._sources = sources
        self._surface = surface
        postings: dict[str, list[int]] = defaultdict(list)
        for indexed in sentences:
            for term in indexed.terms:
                postings[term].append(indexed.number)
        self._postings = dict(postings)
        total = max(1, len(sentences))
        self._weight = {term: math.log(1 + total / len(numbers))
                        for term, numbers in postings.items()}
        self._unknown_weight = math.log(1 + total) + 1.0
        by_shape: dict[tuple[str, int], list[str]] = defaultdict(list)
        for key in surface:
            if not key.isdigit():
                by_shape[key[0], len(key)].append(key)
        self._by_shape = dict(by_shape)

    @classmethod
    def build(cls, table: FactTable, documents: Sequence[Document]) -> PassageIndex:
        """Index every sentence of `documents` that could answer (not the questions)."""
        reader = _Reader(Normalizer(table.aliases))
        places = _places(document.text for document in documents)
        proper = _proper_words(documents)
        sentences: list[_IndexedSentence] = []
        surface: dict[str, str] = {}
        for document in documents:
            # A passage's context is the sentence next to it in the same voice: never
            # across a question, which would put the previous answer next to this one.
            numbers: list[int | None] = []
            for sentence in document.sentences:
                numbers.append(None if _is_question(sentence.text)
                               else len(sentences) + sum(n is not None for n in numbers))
            for i, (sentence, number) in enumerate(zip(document.sentences, numbers,
                                                       strict=True)):
                if number is None:
                    continue
                before, after = (
                    numbers[j] if 0 <= j < len(numbers)
                    and document.sentences[j].voice is sentence.voice else None
                    for j in (i - 1, i + 1))
                sentences.append(_index_sentence(reader, document, number, sentence, before,
                                                 after, places, proper))
                _add_surface(reader, sentences[-1].text, surface)
        for variants in table.aliases.values():
            for variant in variants:
                _add_surface(reader, variant, surface)
        sources = {document.source.id: _source_names(reader, document.source)
                   for document in documents}
        for source in sources.values():
            for term in source.single.union(*source.phrases):
                surface.setdefault(term, term)
        _english_zipf("the")  # loads the word list now, not on the first question
        log.debug("passage index: %d sentences", len(sentences))
        return cls(reader, sentences, sources, surface)

    # --- answering ------------------------------------------------------------------------

    def best(self, question: str) -> PassageHit | None:
        """The passage that answers `question` confidently, or None."""
        hits = self.confident(question, limit=1)
        return hits[0] if hits else None

    def confident(self, question: str, *, limit: int = 3) -> list[PassageHit]:
        """Every passage that answers `question` confidently, best first (at most `limit`)."""
        asked = self._read(question)
        if asked is None:
            return []
        scored = []
        for number in self._candidates(asked):
            score = self._score(asked, self._sentences[number])
            if score is not None:
                scored.append((score, number))
        scored.sort(key=lambda item: (-item[0], item[1]))
        if scored and asked.kinds and len(asked.terms) - len(asked.references) == 1:
            scored = self._agreeing(asked, scored)
        return [self._hit(self._sentences[number], score) for score, number in scored[:limit]]

    def _read(self, question: str) -> _Question | None:
        """The question's content terms and the kinds of answer it asks for; None when it
        has no content or names a source the documents do not have."""
        folded = fold(question)
        if not self._postings_known(folded):
            return None
        kinds, scaffolding = _kinds_asked(folded)
        tokens = self._content_tokens(scaffolding)
        originals = _originals(self._reader, tokens)
        resolved: dict[str, str] = {}
        for term in self._reader.terms(" ".join(tokens)):
            original = originals.get(term, term)
            resolved[term] = self._resolve(term, original)
            originals.setdefault(resolved[term], original)
        terms = tuple(dict.fromkeys(resolved.values()))
        if not terms:
            return None
        references = self._references(terms)

        def read(text: str) -> frozenset[str]:
            return frozenset(resolved.get(t, t) for t in self._reader.terms(text))

        passive = next((word for m in _ASKS_PASSIVE.finditer(folded)
                        for word in m.groups() if word and _is_participle(word)), None)
        undergone = next(iter(read(passive)), None) if passive else None
        by = re.search(r"\bby\b(.*)", scaffolding)
        said = _ASKS_WHAT_SAID.search(folded)
        count = _ASKS_COUNT.search(folded)
        return _Question(
            terms=terms, originals=originals, phrases=self._phrases(scaffolding, resolved),
            kinds=frozenset(kinds),
            # "what did the MFA say about …" asks what was said, not what happened.
            asks_past=bool(_ASKS_PAST.search(folded) and not _ASKS_FUTURE.search(folded)
                           and not _SOURCE_VERBS.search(folded)),
            undergone=undergone,
            doers=read(by.group(1)) if by and undergone else frozenset(),
            reported=frozenset(term for term in read(said.group(1))
                               if not any(term in r.terms for r in references)
                               ) if said else frozenset(),
            generic=frozenset(self._reader.normalizer.terms(" ".join(tokens)).generic),
            counts=count is not None, counted=read(count.group(1)) if count else frozenset(),
            references=references)

    def _phrases(self, scaffolding: str, resolved: dict[str, str]
                 ) -> tuple[tuple[str, str], ...]:
        """Pairs of terms side by side in the question, with no stop word or comma between."""
        phrases = []
        for chunk in _PHRASE_BREAK.split(scaffolding):
            for part in _PHRASE_END.split(chunk):
                terms = [resolved[t] for t in
                         self._reader.terms(" ".join(self._content_tokens(part)))
                         if t in resolved]
                phrases += [(a, b) for a, b in pairwise(terms) if a != b]
        return tuple(phrases)

    @staticmethod
    def _content_tokens(text: str) -> list[str]:
        return [token for token in _rewrite(text).split()
                if token in SIGNIFICANT_WORDS or token not in FILLER_WORDS]

    def _postings_known(self, folded: str) -> bool:
        """False when the question names a posting no source holds ("ambassador to Turkey")."""
        for match in _ROLE_POSTING.finditer(folded):
            posting = [t for t in self._reader.terms(match.group(1))
                       if t not in FILLER_WORDS]
            if posting and not any(posting[0] in source.speaker_terms
                                   for source in self._sources.values()):
                return False
        return True

    def _resolve(self, term: str, original: str) -> str:
        """The documents' term for a question term: itself, a country for its adjective, or
        the word a typo stands for; unchanged when none fits (then nothing accounts for it)."""
        if term in self._postings or term.isdigit() or "_" in term:
            return term
        if term in self._surface:
            return self._surface[term]
        for suffix in ("ians", "ian", "ans", "an", "ns", "n", "is", "i", "ese"):
            root = term.removesuffix(suffix)
            if root != term and len(root) >= 4 and root in self._surface:
                return self._surface[root]
        if len(term) < 4 or _english_zipf(original) >= MIN_ENGLISH_ZIPF:
            return term
        nearby = [key for n in range(len(term) - 2, len(term) + 3)
                  for key in self._by_shape.get((term[0], n), ())]
        found = process.extractOne(term, nearby, scorer=fuzz.ratio,
                                   score_cutoff=80 if len(term) >= 6 else 85)
        return self._surface[found[0]] if found else term

    def _references(self, terms: Sequence[str]) -> tuple[_Reference, ...]:
        """Runs of question terms that name a source: "the ambassador to ethiopia", "mfa"."""
        references = []
        i = 0
        while i < len(terms):
            for size in range(len(terms) - i, 0, -1):
                run = tuple(terms[i:i + size])
                voices = {source.id: source.voices(run) for source in self._sources.values()
                          if (size == 1 and run[0] in source.single)
                          or (size > 1 and any(_contains(p, run) for p in source.phrases))}
                if voices:
                    references.append(_Reference(frozenset(run), voices))
                    i += size
                    break
            else:
                i += 1
        return tuple(references)

    def _candidates(self, asked: _Question) -> list[int]:
        """Sentences whose text, or the sentence before, holds the question's rarest term."""
        known = [t for t in asked.terms if t in self._postings and not asked.referenced(t)]
        known = known or [t for t in asked.terms if t in self._postings]
        if not known:
            return []
        rarest = min(known, key=lambda t: len(self._postings[t]))
        found: set[int] = set()
        for number in self._postings[rarest]:
            indexed = self._sentences[number]
            found.update(n for n in (number, indexed.after) if n is not None)
        return sorted(found)

    def _score(self, asked: _Question, indexed: _IndexedSentence) -> float | None:
        """How well the sentence answers; None unless it answers the whole question."""
        # The sentence before stands in for a pronoun ("He called for dialogue"); nothing
        # else does: "no firearms were used" says nothing of protesters named elsewhere.
        context = (self._sentences[indexed.before].terms
                   if indexed.before is not None and indexed.anaphoric else frozenset())
        # Words that only name the source are content when the question is about the source.
        only_source = all(asked.referenced(term) for term in asked.terms)
        in_sentence = in_context = by_source = 0.0
        sentence_terms = []
        for term in asked.terms:
            weight = self._weight.get(term, self._unknown_weight)
            reference = None if only_source else asked.referenced(term)
            if reference is not None:
                if term not in indexed.terms and not self._names(reference, indexed.sentence):
                    return None
                by_source += weight
            elif term in indexed.terms:
                in_sentence += weight
                sentence_terms.append(term)
            elif term in context:
                in_context += weight
            else:
                return None
        for reference in asked.references:
            if (not only_source and reference.restricts_voice
                    and not reference.terms <= indexed.terms
                    and not self._names(reference, indexed.sentence)):
                return None
        if not sentence_terms or in_sentence < MIN_SENTENCE_SHARE * (in_sentence + in_context):
            return None
        if len(sentence_terms) == 1 and not in_context and not asked.kinds and not (
                self._rare(asked, sentence_terms[0])):
            return None
        if not self._phrases_hold(asked, indexed):
            return None
        if asked.asks_past and indexed.future_terms.intersection(sentence_terms):
            return None
        if not self._roles_hold(asked, indexed, sentence_terms):
            return None
        if asked.reported and not (indexed.reports and asked.reported <= indexed.terms):
            return None  # what X said: the sentence itself reports X's words
        if not asked.kinds <= self._gives(asked, indexed, sentence_terms):
            return None
        if asked.counts and not self._counts_hold(asked, indexed):
            return None
        if not self._causes_hold(asked, indexed, sentence_terms):
            return None
        focus = len(sentence_terms) / max(len(indexed.positions), 1)
        voice = 0.5 if indexed.sentence.voice is Voice.SPEAKER else 0.0
        return in_sentence + 0.5 * in_context + 0.5 * by_source + focus + voice

    def _gives(self, asked: _Question, indexed: _IndexedSentence, found: Sequence[str]
               ) -> set[AnswerKind]:
        """The kinds of answer the sentence gives to this question. A place counts only when
        the question does not already name it; a name, only when it also stands close to
        the words the question asks about (the name of that group, not of another), or
        names who did it ("by extremists")."""
        gives = set(indexed.kinds)
        near = {p for term in found for p in indexed.positions.get(term, ())}
        if any(abs(p - q) <= MAX_NAME_GAP for name in indexed.names - set(asked.terms)
               for p in indexed.positions.get(name, ()) for q in near):
            gives.update((AnswerKind.NAME, AnswerKind.WHO))
        roles = indexed.roles
        if roles.done_by.intersection(found) and roles.agents - set(asked.terms):
            gives.add(AnswerKind.WHO)  # "who killed them": "killed by extremists"
        new_places = [sort for term, sort in indexed.places if term not in asked.terms]
        gives.update(AnswerKind(sort.value) for sort in new_places)
        if new_places or AnswerKind.PLACE in indexed.kinds:
            gives.add(AnswerKind.PLACE)
        return gives

    @staticmethod
    def _names(reference: _Reference, sentence: Sentence) -> bool:
        """Whether the sentence is in the named source, in the named voice."""
        return sentence.voice in reference.voices.get(sentence.source_id, frozenset())

    def _rare(self, asked: _Question, term: str) -> bool:
        """A word rare in English and in the documents: enough for a question on its own."""
        return (len(self._postings.get(term, ())) <= MAX_LONE_WORD_SENTENCES
                and _english_zipf(asked.originals.get(term, term)) < MAX_LONE_WORD_ZIPF)

    def _agreeing(self, asked: _Question, scored: list[tuple[float, int]]
                  ) -> list[tuple[float, int]]:
        """The passages for a question resting on one word and a kind of answer ("size of
        the contingent"), if they agree on the answer; none if they differ (2,500 or 700?).
        Passages holding the question's general words ("people") come first."""
        def overlap(number: int) -> int:
            return len(asked.generic & self._sentences[number].generic)

        most = max(overlap(number) for _, number in scored)
        scored = [(score, number) for score, number in scored if overlap(number) == most]
        for kind in asked.kinds - {AnswerKind.CAUSE, AnswerKind.REASON}:  # causes: no values
            answers = [self._sentences[number].values.get(kind, frozenset()) - set(asked.terms)
                       for _, number in scored]
            if len(scored) > 1 and not frozenset.intersection(*answers):
                return []
        return scored

    @staticmethod
    def _roles_hold(asked: _Question, indexed: _IndexedSentence, found: Sequence[str]) -> bool:
        """Who underwent it in the question underwent it in the sentence, at the hands of
        whoever the question names: "how many terrorists were killed" is not answered by
        "killed by extremists and terrorists", nor "how many police were detained" by "the
        internal affairs bodies detained …", nor "killed by police" by "killed by
        extremists"."""
        verb, roles = asked.undergone, indexed.roles
        if verb is None or verb not in found:
            return True
        if not asked.doers <= roles.named_by:  # "killed by police": police did it
            return False
        undergoers = set(found) - {verb} - asked.doers
        if undergoers & roles.agents:
            return False
        if undergoers and not roles.together(undergoers, verb):
            return False  # "detained 6 thousand people, 26 armed criminals were killed"
        return verb in roles.passive_verbs or not (
            undergoers & roles.active_subjects.get(verb, frozenset()))

    @staticmethod
    def _counts_hold(asked: _Question, indexed: _IndexedSentence) -> bool:
        """For "how many X": a figure that counts people or things ("the previous two days"
        counts no protesters), standing close to X ("2,500 people … the CSTO member states"
        does not count members)."""
        if not indexed.counts:
            return False
        figures = [p for term, places in indexed.positions.items()
                   if term.isdigit() or term in _COUNT_STEMS for p in places]
        near = [p for term in asked.counted for p in indexed.positions.get(term, ())]
        return not near or any(abs(f - p) <= MAX_NAME_GAP for f in figures for p in near)

    @staticmethod
    def _causes_hold(asked: _Question, indexed: _IndexedSentence, found: Sequence[str]) -> bool:
        """For "why" and "what caused": the cause stands close to what was asked about
        ("demonstrations … triggered by a spike in the price"), not by some other effect
        ("… lead to violation of human rights")."""
        near = [p for term in found for p in indexed.positions.get(term, ())]
        return all(
            any(abs(cue - p) <= MAX_PHRASE_GAP for cue in indexed.cues.get(kind, ())
                for p in near)
            or any(0 <= p - cue <= MAX_PHRASE_GAP for cue in indexed.consequences
                   for p in near)
            for kind in asked.kinds & {AnswerKind.CAUSE, AnswerKind.REASON})

    def _phrases_hold(self, asked: _Question, indexed: _IndexedSentence) -> bool:
        """Words side by side in the question stand close together in the sentence."""
        for first, second in asked.phrases:
            here, there = indexed.positions.get(first), indexed.positions.get(second)
            if here and there and min(abs(a - b) for a in here for b in there) > MAX_PHRASE_GAP:
                return False
        return True

    def _hit(self, indexed: _IndexedSentence, score: float) -> PassageHit:
        def text_of(number: int | None) -> str | None:
            return None if number is None else self._sentences[number].text

        sentence = indexed.sentence
        return PassageHit(source_id=sentence.source_id, speaker=sentence.speaker,
                          voice=sentence.voice, text=indexed.text, start=indexed.start,
                          end=sentence.end, context_before=text_of(indexed.before),
                          context_after=text_of(indexed.after), score=round(score, 3))


# --- building helpers -----------------------------------------------------------------------


def _kinds_asked(folded: str) -> tuple[set[AnswerKind], str]:
    """The kinds of answer a question asks for, and the question without the words that ask
    it ("how many", "which countries"): those are for the kind check, not the passage."""
    kinds = set()
    scaffolding = folded
    for kind, pattern in _ASKS.items():
        if pattern.search(scaffolding):
            kinds.add(kind)
            scaffolding = pattern.sub(" ", scaffolding)
    if _WHO.search(folded) and _SOURCE_VERBS.search(scaffolding):
        kinds.discard(AnswerKind.WHO)  # "who said …": every passage names its speaker
        scaffolding = _SOURCE_VERBS.sub(" ", scaffolding)
    return kinds, scaffolding


def _is_question(text: str) -> bool:
    return text.rstrip("”\"’')]»").endswith("?")


def _index_sentence(reader: _Reader, document: Document, number: int, sentence: Sentence,
                    before: int | None, after: int | None, places: dict[str, _Place],
                    proper: frozenset[str]) -> _IndexedSentence:
    """A sentence as questions are checked against it: its terms and where they stand,
    what it can answer, and who does what in it."""
    label = _LABEL_AT.match(document.text, sentence.start, sentence.end)
    start = label.end() if label else sentence.start
    text = fold_whitespace(document.text[start:sentence.end])
    sequence: list[str] = []
    future: set[str] = set()
    past: set[str] = set()
    for clause in _CLAUSE_BREAK.split(text):
        clause_terms = reader.terms(clause)
        sequence += clause_terms
        future_only = bool(_FUTURE.search(clause)) and not _PAST.search(clause)
        (future if future_only else past).update(clause_terms)
    positions: dict[str, list[int]] = defaultdict(list)
    for position, term in enumerate(sequence):
        positions[term].append(position)
    names, sentence_places = _names_and_places(reader, text, places, proper)
    return _IndexedSentence(
        number=number, sentence=sentence, text=text, start=start,
        generic=frozenset(reader.normalizer.terms(_rewrite(text)).generic),
        values=_answer_values(text, names, sentence_places), counts=_counts(text),
        terms=frozenset(sequence) | frozenset(_stems(text)),
        positions={term: tuple(p) for term, p in positions.items()},
        kinds=_given_kinds(text), names=names, places=sentence_places,
        future_terms=frozenset(future - past), anaphoric=bool(_ANAPHORA.search(text)),
        reports=bool(_REPORTING.search(text)), roles=_roles(reader, text),
        cues=_cues(reader, text, _CAUSE_CUES, _PURPOSE_CUES),
        consequences=_cues(reader, text, _CONSEQUENCE_CUES)[AnswerKind.CAUSE],
        before=before, after=after)


def _roles(reader: _Reader, text: str) -> _Roles:
    """Who does what in a sentence, clause by clause. A clause ends at a comma, unless it has
    no verb: "More than 700 police officers, military personnel, and 1,000 civilians were
    injured" is one clause, as is "killed by extremists and terrorists"."""
    clauses: list[list[str]] = []
    pending: list[str] = []
    for fragment in _ROLE_BREAK.split(text):
        pending += re.findall(r"[a-z][a-z'-]*|\d+", fragment.casefold())
        if any(_is_participle(token) or token in _FINITE for token in pending):
            clauses.append(pending)
            pending = []
    if pending:
        clauses.append(pending)

    def terms(tokens: Sequence[str]) -> set[str]:  # as the sentence's terms: both forms
        text = " ".join(tokens)
        return {*reader.terms(text), *_stems(text)}

    before_by: set[str] = set()
    after_by: set[str] = set()
    done_by: set[str] = set()
    subjects: dict[str, set[str]] = defaultdict(set)
    passive: set[str] = set()
    for tokens in clauses:
        by = tokens.index("by") if "by" in tokens else len(tokens)
        before_by |= terms(tokens[:by])
        after_by |= terms(tokens[by + 1:])
        if by < len(tokens):
            done_by |= terms(tokens[:by])
        for i, token in enumerate(tokens):
            verb = reader.term(token) if _is_participle(token) else None
            if verb is None:
                continue
            if _BE.intersection(tokens[max(0, i - 2):i]):
                passive.add(verb)
            else:
                subjects[verb] |= terms(tokens[:i])
    return _Roles(
        clauses=tuple(frozenset(terms(tokens)) for tokens in clauses),
        named_by=frozenset(after_by), done_by=frozenset(done_by),
        agents=frozenset(after_by - before_by),
        active_subjects={verb: frozenset(found) for verb, found in subjects.items()},
        passive_verbs=frozenset(passive))


def _is_participle(token: str) -> bool:
    return (len(token) > 4 and token.endswith("ed")) or token in IRREGULAR_VERBS


def _add_surface(reader: _Reader, text: str, surface: dict[str, str]) -> None:
    """Each word's stem → the term it stands for, so that a typo of the word finds the term."""
    for word in _rewrite(text).split():
        term = reader.term(word)
        if term:
            surface.setdefault(stem(word), term)


def _originals(reader: _Reader, tokens: Sequence[str]) -> dict[str, str]:
    """Each single-word term of the question → the word it came from."""
    originals: dict[str, str] = {}
    for token in tokens:
        term = reader.term(token)
        if term:
            originals.setdefault(term, token)
    return originals


def _contains(phrase: Sequence[str], run: Sequence[str]) -> bool:
    size = len(run)
    return any(tuple(phrase[i:i + size]) == tuple(run) for i in range(len(phrase) - size + 1))


def _acronyms(text: str) -> set[str]:
    """Acronyms a name goes by: as written ("KSA", "OIC"), or its initials
    ("Ministry of Foreign Affairs" → "mfa")."""
    found = {word.casefold() for word in re.findall(r"\b[A-Z]{2,}\b", text)}
    for match in re.finditer(r"[A-Z][a-z]+(?:\s+(?:of|the|and|for)?\s*[A-Z][a-z]+)+", text):
        initials = "".join(word[0] for word in match.group().split() if word[0].isupper())
        if len(initials) >= 3:
            found.add(initials.casefold())
    return found


def _source_names(reader: _Reader, source: SeedSource) -> _Source:
    """How a question may name this source: its speaker, role, posting, kind, publisher.

    A posting names the source only beside the role or the kind ("the ambassador to
    Ethiopia", "the Ethiopia interview"): "the troops' tasks in Ethiopia" is about Ethiopia.
    """
    # Not the title: its words are the topic ("coverage in foreign media"), not a name.
    texts = [source.speaker, source.speaker_role, source.cited_as, source.publisher]
    phrases = [tuple(reader.terms(text)) for text in texts if text]
    speaker_terms = set(reader.terms(source.speaker))
    kind = reader.terms(source.kind)
    heads: set[str] = set()
    postings: set[str] = set()
    for clause in re.split(r"\band\b|,", source.speaker_role):
        role = reader.terms(re.split(r"\s+(?:of|to|for)\s+", clause.strip())[0])
        heads.update(role[-1:])
        posting = re.search(r"\bto\s+(?:the\s+)?(.+)$", clause)
        if posting:
            place = tuple(reader.terms(posting.group(1)))
            postings.update(place)
            phrases += [(*place, word) for word in (*kind, *role[-1:])]
            phrases += [(word, *place) for word in kind]
    acronyms = set().union(*(_acronyms(text) for text in (source.title, *texts)))
    single = speaker_terms | set(kind) | heads | (acronyms - postings)
    speaker_terms |= heads | postings | _acronyms(source.speaker) | _acronyms(source.speaker_role)
    return _Source(source.id, tuple(phrases), frozenset(single), frozenset(speaker_terms),
                   frozenset(reader.terms(source.publisher)) - speaker_terms)


def _places(texts: Iterable[str]) -> dict[str, _Place]:
    """Capitalised words the documents write as places, and what sort of place each is:
    "Zhanaozen city", "Mangystau region", "arrived from Russia, Armenia"."""
    found: dict[str, _Place] = {}
    for text in texts:
        for match in _CITY_PLACE.finditer(text):
            found.update((name, _Place.CITY) for name in match.groups() if name)
        for match in _REGION_PLACE.finditer(text):
            found.update((name, _Place.REGION) for name in match.groups() if name)
        for match in _AFTER_PLACE.finditer(text):
            for run in re.split(r"\s*,\s*(?:and\s+)?|\s+and\s+", match.group(1)):
                run_words = run.split()
                if _BODY_WORDS.intersection(word.casefold() for word in run_words) or any(
                        word.casefold() in STOP_WORDS or word.endswith("ist")
                        for word in run_words):
                    continue
                sort = (_Place.REGION if run_words[0].casefold() in _COMPASS
                        else _Place.COUNTRY)
                for name in run_words:
                    found.setdefault(name, sort)
    # Acronyms are bodies (CSTO, OIC), not places.
    return {name: sort for name, sort in found.items()
            if name.casefold() not in _MONTHS and not name.isupper()}


def _proper_words(documents: Sequence[Document]) -> frozenset[str]:
    """Words capitalised mid-sentence and never written in lower case: names, even when
    they open a sentence ("Tokayev", not "The")."""
    capitalised, lower = set(), set()
    for document in documents:
        for sentence in document.sentences:
            text = _ANSWER_LABEL.sub("", sentence.text)
            lower.update(re.findall(r"\b[a-z][\w-]*", text))
            for match in _CAPITALISED.finditer(text):
                if text[:match.start()].strip():
                    capitalised.add(match.group())
    return frozenset(word for word in capitalised if word.casefold() not in lower)


def _names_and_places(reader: _Reader, text: str, places: dict[str, _Place],
                      proper: frozenset[str]
                      ) -> tuple[frozenset[str], tuple[tuple[str, _Place], ...]]:
    """The terms of the names (not places) and of the places a sentence holds."""
    names: set[str] = set()
    found: list[tuple[str, _Place]] = []
    for match in _CAPITALISED.finditer(text):
        word = match.group()
        mid_sentence = bool(text[:match.start()].strip(" “\"«("))
        if word.casefold() in _MONTHS or word == "I" or not (mid_sentence or word in proper):
            continue
        term = reader.term(word)
        if term is None:
            continue
        if word in places:
            found.append((term, places[word]))
        else:
            names.add(term)
    if _REGION_PHRASE.search(text):
        found.append(("", _Place.REGION))
    return frozenset(names), tuple(found)


def _answer_values(text: str, names: frozenset[str],
                   places: Sequence[tuple[str, _Place]]) -> dict[AnswerKind, frozenset[str]]:
    """The answers a sentence gives, comparable across sentences: its figures, its dates
    (day and month: "January 10, 2022" and "January 10" agree), its names and places."""
    dates = set()
    for match in _DATE_EXPRESSION.finditer(text):
        day = re.search(rf"{_MONTH}\s+\d{{1,2}}|\d{{1,2}}\s+{_MONTH}", match.group(), re.I)
        dates.add(" ".join(sorted(day.group().casefold().split())) if day
                  else match.group().casefold())
    without_dates = _CLOCK_TIME.sub(" ", _DATE_EXPRESSION.sub(" ", text))
    figures = {token for token in _rewrite(without_dates).split() if token.isdigit()}
    figures |= {word.casefold() for word in _FIGURE_WORDS.findall(without_dates)}
    by_sort = {kind: frozenset(t for t, sort in places
                               if kind is AnswerKind.PLACE or sort.value == kind.value)
               for kind in (AnswerKind.PLACE, AnswerKind.CITY, AnswerKind.REGION,
                            AnswerKind.COUNTRY)}
    times = {re.sub(r"\W", "", m.group().casefold()) for m in _CLOCK_TIME.finditer(text)}
    return {AnswerKind.FIGURE: frozenset(figures), AnswerKind.DATE: frozenset(dates),
            AnswerKind.TIME: frozenset(times),
            AnswerKind.DURATION: frozenset(dates), AnswerKind.NAME: names,
            AnswerKind.WHO: names, **by_sort}


def _counts(text: str) -> bool:
    """Whether a figure of the sentence counts people or things ("700 police officers", "two
    of young soldiers"), not a span, a sum or an article ("two days", "Articles 2 and 4")."""
    tokens = _rewrite(_CLOCK_TIME.sub(" ", _DATE_EXPRESSION.sub(" ", text))).split()
    for i, token in enumerate(tokens):
        if not (token.isdigit() or token in _COUNT_WORDS):
            continue
        following = next((t for t in tokens[i + 1:] if not t.isdigit() and t != "and"), "")
        preceding = next((t for t in reversed(tokens[:i]) if not t.isdigit() and t != "and"),
                         "")
        if following not in _MEASURES and preceding not in _REFERENCES:
            return True
    return False


def _cues(reader: _Reader, text: str, causes: re.Pattern[str],
          purposes: re.Pattern[str] | None = None) -> dict[AnswerKind, tuple[int, ...]]:
    """Where the sentence gives a cause (or a purpose), as positions among its content
    terms, so that the cause can be checked to be the cause of what was asked about."""
    def positions(pattern: re.Pattern[str]) -> tuple[int, ...]:
        return tuple(len(reader.terms(text[:m.start()])) for m in pattern.finditer(text))

    found = positions(causes)
    return {AnswerKind.CAUSE: found,
            AnswerKind.REASON: found + (positions(purposes) if purposes else ())}


def _given_kinds(text: str) -> frozenset[AnswerKind]:
    """What a sentence gives whatever the question: a figure, a date, a span, a cause or
    a purpose."""
    kinds = set()
    if _DATE_EXPRESSION.search(text) or _DAY_CUES.search(text):
        kinds.add(AnswerKind.DATE)
    if AnswerKind.DATE in kinds or _DURATION_CUES.search(text):
        kinds.add(AnswerKind.DURATION)
    if _CLOCK_TIME.search(text):
        kinds.add(AnswerKind.TIME)
    without_dates = _CLOCK_TIME.sub(" ", _DATE_EXPRESSION.sub(" ", text))
    if re.search(r"\d", without_dates) or _FIGURE_WORDS.search(without_dates):
        kinds.add(AnswerKind.FIGURE)
    if _PLACE_NOUNS.search(text):
        kinds.add(AnswerKind.PLACE)
    if _CAUSE_CUES.search(text) or _CONSEQUENCE_CUES.search(text):
        kinds.update((AnswerKind.CAUSE, AnswerKind.REASON))
    if _PURPOSE_CUES.search(text):
        kinds.add(AnswerKind.REASON)
    return frozenset(kinds)
