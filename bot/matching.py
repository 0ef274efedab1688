"""The in-memory index and the checks that decide answer / suggest / don't know.

A question is reduced to terms (see `bot.normalize`). Candidate facts come from an
inverted index over those terms, never from a scan of the table. Each candidate is
then *checked* and *scored*:

* the check — every content word of the question must be accounted for by this
  fact: its question forms, headline, short answer, tags, or the words of its claims
  (by stem, alias, typo or a related form of the word). A word the fact lacks
  ("students" where the fact has police officers, "Shymkent" where it has Almaty)
  means the fact does not answer the question, however much else it shares;
* the kind — what the question asks for (a figure, a date, a place, a person or
  organisation, a reason) must be given by the fact's claims;
* speakers — "per Sadykov", "the MFA says", "the Ethiopia interview" name a
  document's voice: those words select that voice's claims instead of counting as
  missing content, and a fact that voice says nothing about is no answer;
* the score — how much of the question the fact's own phrasings account for
  (terms weighted by rarity across the table) and how closely the question reads
  like one of its question forms; it ranks the candidates that pass the check.
"""

from __future__ import annotations

import bisect
import heapq
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from bot.answers import SourceInfo
from bot.normalize import Normalizer, Terms, english_frequency, fold, is_past_form, stem
from bot.store import ClaimRecord, FactRecord

# How much a term found only in a fact's claims (not its questions, headline or tags) counts.
_CLAIM_TEXT_WEIGHT = 0.6
_COVERAGE_SHARE = 0.7
_CANDIDATES_SCORED = 64
_MIN_FUZZY_LENGTH = 3
_MIN_NOMINATING_LIMIT = 500
# A question word this common in English is a word, not a typo of a table word; a word
# rarer than the second bound may be a typo, one between them only a very close one.
_TYPO_MAX_ZIPF = 4.6
_RARE_ZIPF = 3.0
# A related form of a word: one stem extends the other by a derivational ending
# ("russian" and "russia", "investor" and "invest"), or negates it ("unauthoriz").
_RELATED_MIN_STEM = 5
_DERIVATIONAL_ENDINGS = frozenset({
    "n", "an", "ian", "i", "ia", "e", "y", "s", "er", "or", "ment", "ion", "al", "ic",
    "ist", "ism", "iz", "ity", "ship", "ed", "ing", "ive", "ori", "ant", "ent",
})
_NEGATING_PREFIXES = ("un", "non", "in", "dis")
_RELATED_SIMILARITY = 0.85
_LINKING_WORDS = frozenset({"of", "to", "in", "at", "for", "the", "and", "from", "on"})
_ROLE_PREPOSITIONS = frozenset({"to", "in", "at", "for", "of"})
# Where a speaker's post stops and its place begins: "Ambassador | to Saudi Arabia".
_ROLE_SPLIT = re.compile(r"\b(?:of|to|for|with|in|at|and|published|by)\b|[,(]", re.I)
# How much a voice word counts when choosing among voices: names and posts over places.
_HEAD_WEIGHT, _DETAIL_WEIGHT = 2, 1


class AnswerKind(Enum):
    """What a question asks for, read from its wording; facts are typed by what they give."""

    NUMBER = "number"
    DATE = "date"
    PLACE = "place"
    AGENT = "agent"  # a person or an organisation
    REASON = "reason"
    IDENTITY = "identity"  # "who is X": a name or a title
    NAMED = "named"  # "which country", "which town": a name the question does not give


_ASKS_FOR = {
    AnswerKind.NUMBER: re.compile(
        r"\b(how (many|much|big|large)|number of|size of|count|toll|total|figures?|"
        r"amount of|how high)\b"),
    AnswerKind.DATE: re.compile(
        r"\b(when|what (date|day|time)|which (date|day)|date|dates|dated|since when|"
        r"how long|until when|by when|what year)\b"),
    AnswerKind.PLACE: re.compile(
        r"\b(where|(which|what) (city|cities|town|towns|region|regions|place|places|"
        r"province|area|areas|oblast))\b"),
    AnswerKind.AGENT: re.compile(
        r"\b(who(?!'?s? (said|says|say|claims?|claimed|stated|states|reported|told))|whom|"
        r"whose|(which|what) (organi[sz]ations?|groups?|alliance|bloc|body|bodies|agency|"
        r"agencies|countries|country|leaders?|officials?|forces|states|members?))\b"),
    AnswerKind.REASON: re.compile(
        r"\b(why|what (caused|causes|triggered|sparked|prompted|led to)|reasons?|"
        r"how come|what was behind|the spark|cause of|causes of|grounds for|motive|"
        r"justification|rationale)\b"),
}
_NAMED_ASKED = re.compile(
    r"\b((which|what) (foreign )?(countries|country|city|cities|town|towns|region|regions|"
    r"alliance|bloc|organi[sz]ations?|leaders?|nations?|states|groups?)|name of|"
    r"(is|are|was|were) (it|they|this|that)? ?called|what (is|was) .{3,40} called)\b")
_IDENTITY_QUESTION = re.compile(r"^\W*(who|what) ?('s|is|was|are|were)\b")
# The time of day or the weather now: nothing a document answers.
_CLOCK = re.compile(r"\b(what time is it|what's the time|time now|weather|forecast)\b")
_PAST_WHEN = re.compile(r"\bwhen (did|was|were|had)\b")
_MONTH = re.compile(r"\b(january|february|march|april|may|june|july|august|september|"
                    r"october|november|december)\b", re.IGNORECASE)
# A calendar date ("January 6-7, 2022", "5 January"): its numbers count days, not anything.
_MONTHS = (r"(january|february|march|april|may|june|july|august|september|october|november|"
           r"december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\.?")
_DAYS = r"\d{1,2}(st|nd|rd|th)?(\s*[-–]\s*\d{1,2}(st|nd|rd|th)?)?"
_CALENDAR_DATE = re.compile(rf"\b({_MONTHS}\s+{_DAYS}|{_DAYS}\s+{_MONTHS})\b|\b(19|20)\d\d\b",
                            re.IGNORECASE)
_TIME_POINT = re.compile(
    r"\b(january|february|march|april|may|june|july|august|september|october|november|"
    r"december|(19|20)\d\d|\d{1,2} ?[ap]\.?m\b|next day|last week|this week|afternoon|"
    r"morning|evening|from the very beginning|since)", re.IGNORECASE)
_TIME_CONDITION = re.compile(
    r"\b(until|till|as soon as|temporar\w*|short period|soon|upon|once)\b",
    re.IGNORECASE)
_QUANTITY = re.compile(
    r"\b(\d[\d,.]*|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|"
    r"hundreds?|thousands?|millions?|several|double|two-fold|twofold)\b", re.IGNORECASE)
_REASON = re.compile(
    r"\b(because|due to|triggered|caused|cause|causes|reasons?|in order to|so that|to "
    r"prevent|as a result|in response|in light of|in view of|given|owing to|led to|"
    r"demanded|demands?|compelled|since|why|aimed at|to correct|to deal with|to repel|"
    r"against the background)\b", re.IGNORECASE)
_PLACE = re.compile(
    r"\b(regions?|city|cities|towns?|country|countries|abroad|outside|capital|territory|"
    r"provinces?|oblast|west|western|east|eastern|north|south|sites?|airport|nationwide|"
    r"throughout|across|site|jeddah|abroad|headquarters)\b", re.IGNORECASE)
_AGENT = re.compile(
    r"\b(government|president|police|army|ministry|agencies|forces|groups?|terrorists?|"
    r"people|citizens|residents|protesters|leaders|organi[sz]ations?|chamber|council|"
    r"guard|troops|peacekeepers|state|heads?|secretary|ambassador|representative|"
    r"authorities|perpetrators|attackers|extremists|criminals|powers|investigative group)\b",
    re.IGNORECASE)
_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+")
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][A-Za-z-]+")
_HOME_NAMES = frozenset({"kazakhstan", "kazakh", "republ", "the", "presid", "govern",
                         "head", "state", "constitut", "chairman"})
# Words that only say what kind of answer is wanted: a fact giving that kind accounts
# for them even when it does not contain them ("state of emergency date").
_KIND_WORDS = {
    "date": AnswerKind.DATE, "day": AnswerKind.DATE, "time": AnswerKind.DATE,
    "year": AnswerKind.DATE, "place": AnswerKind.PLACE, "locat": AnswerKind.PLACE,
    "reason": AnswerKind.REASON, "size": AnswerKind.NUMBER, "amount": AnswerKind.NUMBER,
    "count": AnswerKind.NUMBER, "toll": AnswerKind.NUMBER,
}


_ANY_KIND = re.compile(r"\b(how|number|size|count|toll|total|figures?|amount|when|what|which|"
                       r"date|dates|dated|since|until|by|where|who|whom|whose|why|reasons?|"
                       r"the spark|cause|causes|name|called)\b")


def asked_kinds(question: str) -> frozenset[AnswerKind]:
    text = fold(question)
    if not _ANY_KIND.search(text):
        return frozenset()
    kinds = {kind for kind, pattern in _ASKS_FOR.items() if pattern.search(text)}
    if AnswerKind.AGENT in kinds and _IDENTITY_QUESTION.search(text) \
            and len(text.split()) <= 8 \
            and not any(w.endswith("ing") or is_past_form(w) for w in text.split()[2:]):
        kinds.add(AnswerKind.IDENTITY)
    if _NAMED_ASKED.search(text):
        kinds.add(AnswerKind.NAMED)
    return frozenset(kinds)


def names_in(texts: Iterable[str]) -> set[str]:
    """Capitalised names in `texts` ("Russia", "CSTO", "Zhanaozen"), folded and stemmed,
    except the country every document is about."""
    found = set()
    for text in texts:
        for word in _NAME.findall(text):
            folded = stem(fold(word))
            if folded not in _HOME_NAMES:
                found.add(folded)
    return found


def _kinds_in(text: str, *, past: bool) -> set[AnswerKind]:
    kinds: set[AnswerKind] = set()
    if _TIME_POINT.search(text) or (not past and _TIME_CONDITION.search(text)):
        kinds.add(AnswerKind.DATE)
    if _QUANTITY.search(_MONTH.sub("", _CALENDAR_DATE.sub("", text))):
        kinds.add(AnswerKind.NUMBER)
    if _PLACE.search(text) or any(word not in ("Kazakhstan", "Kazakh")
                                  for word in _CAPITALISED.findall(text)):
        kinds.add(AnswerKind.PLACE)
    if _AGENT.search(text) or _CAPITALISED.search(text):
        kinds.add(AnswerKind.AGENT)
    if _REASON.search(text):
        kinds.add(AnswerKind.REASON)
    return kinds


def given_kinds(fact: FactRecord, claims: Sequence[ClaimRecord] | None = None, *,
                past: bool = False) -> frozenset[AnswerKind]:
    """What `fact` gives, from its short answer, its date and the claims shown."""
    shown = fact.claims if claims is None else claims
    kinds = _kinds_in(fact.short, past=past)
    for claim in shown:
        kinds |= _kinds_in(claim.says, past=past)
    if fact.event_date:
        kinds.add(AnswerKind.DATE)
    if any(fold(form).startswith(("why", "what caused", "what triggered", "reason"))
           for form in fact.questions) or _REASON.search(fact.headline):
        kinds.add(AnswerKind.REASON)
    # "Who is X" is answered by a name or a title, not by any sentence with an agent in it.
    if any(_IDENTITY_QUESTION.match(fold(form)) and fold(form).startswith("who")
           for form in fact.questions):
        kinds.add(AnswerKind.IDENTITY)
    return frozenset(kinds)


@dataclass(frozen=True, slots=True)
class Voice:
    """Who speaks a claim: a document's speaker, or someone else quoted in it."""

    source_id: str
    speaker: str | None = None  # None: the document's own speaker

    @property
    def order(self) -> tuple[str, str]:
        return self.source_id, self.speaker or ""


def _voice_order(voice: Voice) -> tuple[str, str]:
    return voice.order


def voice_of(claim: ClaimRecord) -> Voice:
    return Voice(claim.source.id, claim.speaker)


@dataclass(frozen=True, slots=True)
class Match:
    fact: FactRecord
    score: float  # 0-100
    precision: float  # 0-1: how much of the closest question form the question accounts for
    # False when the question asks "how many" and the fact gives no figure at all.
    gives_asked_number: bool = True
    # Every content word of the question is accounted for by this fact (or names a voice).
    accounts: bool = True
    missing: tuple[str, ...] = ()  # content words the fact does not account for
    gives_asked_kind: bool = True  # the figure, date, place, name or reason asked for
    # The claims to show: all of them, or those of the voices the question names.
    claims: tuple[ClaimRecord, ...] = ()
    # Voices the question names that say nothing in this fact.
    silent_voices: tuple[Voice, ...] = ()
    named_voices: tuple[Voice, ...] = field(default=())
    # How much the accounted content words say (their rarity across the table, summed):
    # one common word ("police") is thin evidence, "beheaded" or three words are not.
    evidence: float = 0.0

    @property
    def answers(self) -> bool:
        """The fact contains what is asked, of the kind asked, from the voice asked."""
        return self.accounts and self.gives_asked_kind and bool(self.claims) \
            and not self.silent_voices


@dataclass(frozen=True, slots=True)
class _IndexedFact:
    record: FactRecord
    primary: frozenset[str]
    secondary: frozenset[str]
    claim_terms: tuple[frozenset[str], ...]
    forms: tuple[str, ...]  # normalised question forms and headline, generic words kept
    form_terms: tuple[frozenset[str], ...]
    form_kinds: tuple[frozenset[AnswerKind], ...]  # what each form asks: "why ..."
    voices: frozenset[Voice]
    roles: _Roles
    # Terms standing next to a figure: in the short answer, then in each claim.
    counted_in_short: frozenset[str]
    counted: tuple[frozenset[str], ...]


@dataclass(frozen=True, slots=True)
class _QuestionTerm:
    term: str
    options: tuple[tuple[str, float], ...]
    weight: float
    required: bool


@dataclass(frozen=True, slots=True)
class _VoiceMention:
    terms: frozenset[str]
    voices: frozenset[Voice]  # empty: a speaker none of the documents has


_BE = frozenset({"is", "are", "was", "were", "be", "been", "being", "get", "got"})
# Words that may stand between a doer and its verb: "Tokayev has assumed".
_AUXILIARIES = frozenset({"has", "have", "had", "also", "not", "then", "promptly",
                          "officially", "publicly", "immediately", "reportedly"})
# Words that open a question whose subject comes next: "did Kazakhstan send ...".
_INVERTING = frozenset({"did", "does", "do", "will", "would", "has", "have", "had", "can",
                        "could", "should"})
_ARTICLES = frozenset({"the", "a", "an", "its", "their", "his", "her"})


@dataclass(frozen=True, slots=True)
class _Roles:
    """Who does what in a text: (doer, verb) and (undergoer, verb) pairs of terms."""

    doers: frozenset[tuple[str, str]] = frozenset()
    undergoers: frozenset[tuple[str, str]] = frozenset()
    # Doers of a verb with an object ("police detained people"), not "prices rose".
    agents: frozenset[tuple[str, str]] = frozenset()

    @classmethod
    def of(cls, analyses: Iterable[Terms], *, question: bool = False) -> _Roles:
        """Read roles from word order, only where the grammar is plain: "police detained"
        and "did police detain" make the police the doer, "police were detained" and
        "were police detained" the ones it happened to. In a question a bare "police
        detained?" is a headline, so there only the plain forms with a helper verb count."""
        doers: set[tuple[str, str]] = set()
        undergoers: set[tuple[str, str]] = set()
        agents: set[tuple[str, str]] = set()
        for analysis in analyses:
            sequence = analysis.sequence
            for i, ((term, role), past) in enumerate(zip(sequence, analysis.past,
                                                         strict=True)):
                if role != "content":
                    continue
                j, passive = i - 1, False
                while j >= 0 and sequence[j][1] == "stop" and (
                        sequence[j][0] in _AUXILIARIES or sequence[j][0] in _BE):
                    passive = passive or sequence[j][0] in _BE
                    j -= 1
                if j < 0 or sequence[j][1] not in ("content", "generic"):
                    continue
                subject = sequence[j][0]
                opener = _clause_opener(sequence, j)
                inverted = opener in _INVERTING and not passive
                # "were the organizers arrested": the helper verb comes first.
                passive = passive or opener in _BE
                # "the contingent sent by the CSTO": passive, though no "was" says so.
                agent = _agent_after(sequence, i)
                if agent:
                    doers.add((agent, term))
                passive = passive or agent is not None
                if past and passive:
                    undergoers.add((subject, term))
                elif inverted or (not question and not passive
                                  and ((past and j == i - 1) or j < i - 1)):
                    doers.add((subject, term))
                    if _has_object(sequence, i):
                        agents.add((subject, term))
                if agent:
                    agents.add((agent, term))
        return cls(frozenset(doers), frozenset(undergoers), frozenset(agents))


    def __add__(self, other: _Roles) -> _Roles:
        return _Roles(self.doers | other.doers, self.undergoers | other.undergoers,
                      self.agents | other.agents)


_COUNT_WORDS = frozenset({"hundr", "thousand", "dozen", "million", "sever"})
_COUNT_REACH = 4


def _counted_terms(analysis: Terms) -> frozenset[str]:
    """Terms within a few words of a figure: what the figure counts ("18 law enforcement
    officers", "2,500 personnel", "damage ... of 212 million")."""
    sequence = analysis.sequence
    figures = [i for i, (term, _) in enumerate(sequence)
               if term.isdigit() or term in _COUNT_WORDS]
    counted = set()
    for i in figures:
        for j in range(max(0, i - _COUNT_REACH), min(len(sequence), i + _COUNT_REACH + 1)):
            if sequence[j][1] in ("content", "generic"):
                counted.add(sequence[j][0])
    return frozenset(counted) | frozenset(analysis.parts if figures else ())


def _counted_group(analysis: Terms) -> str | None:
    """What "how many" asks to count: "how many *members*", "number of *police*"."""
    sequence = analysis.sequence
    for i in range(len(sequence) - 1):
        first, second = sequence[i][0], sequence[i + 1][0]
        if (first == "how" and second in ("many", "much")) or (first, second) == (
                "number", "of"):
            j = i + 2
            while j < len(sequence) and sequence[j][0] in _ARTICLES:
                j += 1
            if j < len(sequence) and sequence[j][1] == "content":
                return sequence[j][0]
            return None
    return None


def _alternatives(analysis: Terms) -> tuple[tuple[frozenset[str], frozenset[str]], ...]:
    """The content terms either side of each "or": ("nationwid",) | ("region",)."""
    sequence = analysis.sequence
    pairs = []
    for i, (word, role) in enumerate(sequence):
        if word != "or" or role != "stop":
            continue
        left = {t for t, r in sequence[max(0, i - 4) : i] if r == "content"}
        right = {t for t, r in sequence[i + 1 : i + 5] if r == "content"}
        if left and right:
            pairs.append((frozenset(left), frozenset(right)))
    return tuple(pairs)


def _other_side_given(term: str, asked: _Asked, accounted: set[str]) -> bool:
    """A word on one side of "A or B" the fact lacks, when it has the other side."""
    for left, right in asked.alternatives:
        if (term in left and right & accounted) or (term in right and left & accounted):
            return True
    return False


def _kind_noun(analysis: Terms) -> str | None:
    """The noun of "which town", "what alliance": the kind of name asked for."""
    sequence = analysis.sequence
    for i in range(len(sequence) - 1):
        if sequence[i][0] in ("which", "what"):
            j = i + 1
            while j < len(sequence) and sequence[j][0] == "foreign":
                j += 1
            if j < len(sequence) and sequence[j][1] in ("content", "generic"):
                return sequence[j][0]
    return None


_PREPOSITIONS = frozenset({"to", "in", "from", "by", "with", "on", "at", "for", "of", "into",
                           "across", "throughout", "during", "after", "before", "until"})


def _has_object(sequence: tuple[tuple[str, str], ...], verb: int) -> bool:
    """Whether a noun follows the verb before any preposition: "detained more than 6,000
    people" has one, "prices rose from 50 to 120" has none."""
    for term, role in sequence[verb + 1 : verb + 4]:
        if term in _PREPOSITIONS:
            return False
        if role in ("content", "generic"):
            return True
    return False


def _clause_opener(sequence: tuple[tuple[str, str], ...], subject: int) -> str:
    """The helper verb before a subject ("did", "were"), skipping its articles and the
    other nouns of the subject ("were ambulances and firefighters ...")."""
    k = subject - 1
    while k >= 0 and (sequence[k][0] in _ARTICLES or sequence[k][0] in ("and", "or")
                      or sequence[k][1] in ("content", "generic")) and subject - k < 6:
        k -= 1
    return sequence[k][0] if k >= 0 else ""


def _agent_after(sequence: tuple[tuple[str, str], ...], verb: int) -> str | None:
    """The doer in "sent by the CSTO": the first term after "by" (and its articles)."""
    j = verb + 1
    if j >= len(sequence) or sequence[j][0] != "by":
        return None
    j += 1
    while j < len(sequence) and sequence[j][0] in _ARTICLES:
        j += 1
    if j < len(sequence) and sequence[j][1] in ("content", "generic"):
        return sequence[j][0]
    return ""


# Words that ask about a document as a document.
_DOCUMENT_STEMS = frozenset(stem(w) for w in (
    "published", "publish", "dated", "date", "issued", "issue", "interviewed", "released",
    "wrote", "written", "author", "outlet", "appeared", "posted"))

# Words before a name that make it what is asked about, not who is asked: "the role of
# Berik Aryn", "who is Berik Aryn", "what do we know about the MFA".
_TOPIC_OPENERS = frozenset({"of", "is", "was", "are", "were", "about", "'s"})


def _is_topic(sequence: tuple[tuple[str, str], ...] | list[tuple[str, str]],
              start: int) -> bool:
    """Whether the speaker words from `start` on are the question's subject matter:
    after "of", "is" or a content word ("who interviewed Berik Aryn"); "per Sadykov",
    "did the MFA say", "the Ethiopia interview: ..." name a source instead."""
    k = start - 1
    while k >= 0 and sequence[k][0] in _ARTICLES:
        k -= 1
    if k < 0:
        return False
    word, role = sequence[k]
    return word in _TOPIC_OPENERS or role == "content"


class FactIndex:
    def __init__(self, facts: Sequence[FactRecord], normalizer: Normalizer):
        self.normalizer = normalizer
        self._facts: list[_IndexedFact] = []
        self._by_id: dict[str, int] = {}
        postings: dict[str, list[int]] = defaultdict(list)
        identity_texts: dict[Voice, tuple[list[str], list[str], list[str]]] = {}
        self._sources: dict[str, SourceInfo] = {}
        for number, fact in enumerate(facts):
            form_analyses = [normalizer.terms(text) for text in (*fact.questions, fact.headline)]
            primary = frozenset(
                t for a in form_analyses for t in (*a.content, *a.parts)
            ) | normalizer.all_terms([*fact.tags, fact.short])
            claim_analyses = [normalizer.terms(f"{c.says} \n {c.quote}") for c in fact.claims]
            claim_terms = tuple(frozenset(a.content) | frozenset(a.generic) | frozenset(a.parts)
                                for a in claim_analyses)
            secondary = frozenset().union(*claim_terms) - primary
            self._facts.append(_IndexedFact(
                record=fact, primary=primary, secondary=secondary, claim_terms=claim_terms,
                forms=tuple(" ".join(t for t, r in a.sequence if r in ("content", "generic"))
                            for a in form_analyses),
                form_terms=tuple(frozenset(a.content) for a in form_analyses),
                form_kinds=tuple(asked_kinds(text) for text in (*fact.questions, fact.headline)),
                voices=frozenset(voice_of(c) for c in fact.claims),
                roles=_Roles.of(form_analyses, question=True) + _Roles.of(claim_analyses),
                counted_in_short=_counted_terms(normalizer.terms(fact.short)),
                counted=tuple(_counted_terms(a) for a in claim_analyses),
            ))
            self._by_id[fact.id] = number
            for term in primary | secondary:
                postings[term].append(number)
            for claim in fact.claims:
                self._sources.setdefault(claim.source.id, claim.source)
                voice = voice_of(claim)
                if voice not in identity_texts:
                    identity_texts[voice] = _identity_texts(claim)
        self._postings = dict(postings)
        total = max(1, len(self._facts))
        self._weight = {
            term: math.log(1 + total / len(ids)) for term, ids in self._postings.items()
        }
        # A term the table has never seen is as informative as the rarest one.
        self._unknown_weight = math.log(1 + total) + 1.0
        self._vocabulary = sorted(self._postings)
        # Typo candidates for a word: known terms and alias variants with its first letter
        # (typos there are rare) and a length within two of its own.
        self._typo_targets: dict[str, str] = {t: t for t in self._vocabulary}
        for variant, canonical in normalizer.single_word_variants.items():
            if canonical in self._postings:
                # "tokaev" is a slip for "tokayev", and so stands for the president.
                self._typo_targets[variant] = canonical
        by_shape: dict[tuple[str, int], list[str]] = defaultdict(list)
        for term in self._typo_targets:
            by_shape[term[0], len(term)].append(term)
        self._similar_shape = {
            (first, n): [t for m in range(n - 2, n + 3) for t in by_shape.get((first, m), ())]
            for first, length in by_shape for n in range(length - 2, length + 3)
        }
        # Terms this common are too weak to nominate candidates (they still score them).
        self._nominating_limit = max(_MIN_NOMINATING_LIMIT, total // 50)
        self._build_voices(identity_texts)

    def _build_voices(self, identity_texts: dict[Voice, tuple[list[str], list[str], list[str]]]
                      ) -> None:
        """Which words name which voices: "sadykov", "ethiopia", "mfa", "commentary".

        A name or a post ("Sadykov", "ambassador", "MFA", "interview") can name a voice on
        its own; a place or an organisation in a post ("Saudi Arabia", "the OIC") only
        beside one: "what did the OIC say" is not Berik Aryn speaking."""
        self._identity: dict[str, dict[Voice, int]] = defaultdict(dict)
        self._role_heads: set[str] = set()
        for voice, (heads, posts, details) in identity_texts.items():
            for weight, texts in ((_DETAIL_WEIGHT, details), (_HEAD_WEIGHT, heads)):
                for term in self.normalizer.all_terms(t for t in texts if t):
                    self._identity[term][voice] = weight
            if self._names(heads[:1]):  # a person's post: "ambassador", "representative"
                self._role_heads |= self.normalizer.all_terms(posts) - self._names(heads[:1])
        self._can_name = frozenset(
            term for term, voices in self._identity.items() if _HEAD_WEIGHT in voices.values()
        )

    def _names(self, texts: list[str]) -> set[str]:
        """The terms of a person's name ("Berik Aryn"): none for an organisation."""
        return {t for t in self.normalizer.all_terms(texts) if english_frequency(t) < _RARE_ZIPF}

    def __len__(self) -> int:
        return len(self._facts)

    @property
    def facts(self) -> list[FactRecord]:
        return [f.record for f in self._facts]

    def get(self, fact_id: str) -> FactRecord | None:
        number = self._by_id.get(fact_id)
        return None if number is None else self._facts[number].record

    # --- reading the question -------------------------------------------------------

    def _near_terms(self, term: str, *, as_prefix: bool, written: str = ""
                    ) -> list[tuple[str, float]]:
        """Known terms that `term` may stand for, with a similarity in 0-1; `written` is
        the word as typed, so a real English word is not read as a typo."""
        if term in self._postings:
            # A known word still meets its derivations: "investor" and "investment".
            return [(term, 1.0), *self._related_forms(term)]
        found: list[tuple[str, float]] = []
        if as_prefix and len(term) >= 2:
            start = bisect.bisect_left(self._vocabulary, term)
            for known in self._vocabulary[start : start + 8]:
                if known.startswith(term):
                    found.append((known, 0.9))
        if term.isdigit():
            return found
        found.extend(self._related_forms(term))
        frequency = english_frequency(written or term)
        if len(term) >= _MIN_FUZZY_LENGTH and frequency < _TYPO_MAX_ZIPF:
            nearby = self._similar_shape.get((term[0], len(term)), ())
            cutoff = 80 if len(term) >= 6 and frequency < _RARE_ZIPF else 85
            for variant, similarity, _ in process.extract(
                term, nearby, scorer=fuzz.ratio, score_cutoff=cutoff, limit=3
            ):
                known = self._typo_targets[variant]
                # A real but uncommon word ("tim") may be one slip away, no further.
                if frequency >= _RARE_ZIPF and Levenshtein.distance(term, variant) > 1:
                    continue
                if not known.isdigit():
                    found.append((known, similarity / 100 * 0.9))
        return found

    def _related_forms(self, term: str) -> list[tuple[str, float]]:
        """Known stems that extend, shorten or negate `term`: derivations, not typos."""
        found = []
        if len(term) >= _RELATED_MIN_STEM:
            start = bisect.bisect_left(self._vocabulary, term)
            for known in self._vocabulary[start : start + 6]:
                if not known.startswith(term):
                    break
                if known[len(term):] in _DERIVATIONAL_ENDINGS:
                    found.append((known, _RELATED_SIMILARITY))
            for cut in range(_RELATED_MIN_STEM, len(term)):
                if term[cut:] in _DERIVATIONAL_ENDINGS and term[:cut] in self._postings:
                    found.append((term[:cut], _RELATED_SIMILARITY))
        for prefix in _NEGATING_PREFIXES:
            negated = prefix + term
            if negated in self._postings:
                found.append((negated, _RELATED_SIMILARITY))
            if term.startswith(prefix) and term[len(prefix):] in self._postings \
                    and len(term) - len(prefix) >= _RELATED_MIN_STEM:
                found.append((term[len(prefix):], _RELATED_SIMILARITY))
        return found

    def _voice_mentions(self, terms: Terms) -> list[_VoiceMention]:
        """Runs of speaker words in the question: "the ambassador to saudi arabia"."""
        mentions: list[_VoiceMention] = []
        sequence = list(terms.sequence)
        run: list[int] = []

        def close() -> None:
            names = [sequence[i][0] for i in run]
            if any(t in self._can_name for t in names) and not _is_topic(sequence, run[0]):
                mentions.append(self._mention(sequence, run))
            run.clear()

        for position, (term, role) in enumerate(sequence):
            if role == "content" and term in self._identity:
                run.append(position)
            elif run and (role == "generic" or (role == "stop" and term in _LINKING_WORDS)):
                continue
            else:
                close()
        close()
        return mentions

    def _mention(self, sequence: list[tuple[str, str]], run: list[int]) -> _VoiceMention:
        """The voices a run of speaker words fits best, or none when the words name a
        speaker no document has: "the ambassador to Turkey", "the Russian MFA"."""
        names = frozenset(sequence[i][0] for i in run)
        stranger = self._stranger(sequence, run)
        if stranger:
            return _VoiceMention(names | {stranger}, frozenset())
        fit: dict[Voice, int] = defaultdict(int)
        for term in names:
            for voice, weight in self._identity[term].items():
                fit[voice] += weight
        best = max(fit.values(), default=0)
        return _VoiceMention(names, frozenset(v for v, n in fit.items() if n == best))

    def _stranger(self, sequence: list[tuple[str, str]], run: list[int]) -> str | None:
        """A word that makes the speaker someone else: the place after a post ("ambassador
        to Turkey") or the word right before an organisation ("the Russian MFA")."""
        before = run[0] - 1
        while before >= 0 and sequence[before] in (("the", "stop"), ("a", "stop")):
            before -= 1
        if before >= 0 and sequence[before][1] == "content" and before == run[0] - 1:
            return sequence[before][0]
        last = run[-1]
        if sequence[last][0] not in self._role_heads or last + 1 >= len(sequence) \
                or sequence[last + 1][0] not in _ROLE_PREPOSITIONS:
            return None
        j = last + 1
        while j < len(sequence) and (sequence[j][1] == "generic"
                                     or sequence[j][0] in _LINKING_WORDS):
            j += 1
        if j < len(sequence) and sequence[j][1] == "content":
            return sequence[j][0]
        return None

    def document_asked(self, question: str) -> SourceInfo | None:
        """The document a question asks *about* ("when is the Ethiopia interview dated",
        "where was Aryn's interview published"), or None for a question about events.

        Every content word must name the document (its speaker, kind or title) or ask
        about it as a document (published, dated, issued, interviewed)."""
        analysis = self.normalizer.terms(question, question=True)
        content = set(analysis.content)
        if not content & _DOCUMENT_STEMS:
            return None
        fit: dict[str, float] = defaultdict(float)
        for term in content - _DOCUMENT_STEMS:
            for voice, weight in self._identity.get(term, {}).items():
                if voice.speaker is None:
                    fit[voice.source_id] = fit[voice.source_id] + weight
        if not fit:
            return None
        best = max(fit.values())
        folded = fold(question)
        candidates = sorted(
            (sid for sid, n in fit.items() if n == best),
            key=lambda sid: -fuzz.partial_ratio(fold(self._sources[sid].title), folded))
        source = self._sources[candidates[0]]
        known = (self._voice_names(source.id) | _DOCUMENT_STEMS
                 | frozenset(self.normalizer.terms(source.title).content))
        return source if content <= known else None

    def _voice_names(self, source_id: str) -> frozenset[str]:
        return frozenset(term for term, voices in self._identity.items()
                         if Voice(source_id) in voices)

    # --- searching ------------------------------------------------------------------

    def search(self, question: str, *, limit: int = 5, prefix: bool = False) -> list[Match]:
        """Best matches first. `prefix` treats the last word as unfinished (autocomplete)."""
        analysis = self.normalizer.terms(question, question=True)
        seen: dict[str, bool] = {}
        spelled: dict[str, str] = {}
        for term, required, written in zip(analysis.content, analysis.required,
                                           analysis.written, strict=True):
            seen[term] = seen.get(term, False) or required
            spelled.setdefault(term, written)
        if not seen or _CLOCK.search(fold(question)):
            return []
        items = list(seen.items())
        question_terms: list[_QuestionTerm] = []
        for i, (term, required) in enumerate(items):
            options = self._near_terms(term, as_prefix=prefix and i == len(items) - 1,
                                       written=spelled[term])
            weight = max((self._weight[k] for k, _ in options), default=self._unknown_weight)
            question_terms.append(_QuestionTerm(term, tuple(options), weight, required))
        shortlist = self._nominate(question_terms)
        if not shortlist:
            return []
        kinds = asked_kinds(question)
        mentions = self._voice_mentions(analysis)
        speaker_words = frozenset().union(*(m.terms for m in mentions))
        asked = _Asked(
            terms=question_terms, mentions=mentions,
            kinds=kinds, past=bool(_PAST_WHEN.search(fold(question))),
            # Read like a question form without the speaker: "per Sadykov, X" reads as X.
            text=" ".join(t for t, r in analysis.sequence
                          if r in ("content", "generic") and t not in speaker_words),
            known=frozenset(k for q in question_terms for k, _ in q.options) | set(seen)
            | set(analysis.generic),
            roles=_Roles.of([analysis], question=True),
            generic=frozenset(analysis.generic),
            counting=_counted_group(analysis),
            alternatives=_alternatives(analysis),
            kind_noun=_kind_noun(analysis) if AnswerKind.NAMED in kinds else None,
        )
        matches = [self._check(self._facts[number], asked) for number in shortlist]
        matches.sort(key=lambda m: (not m.answers, -m.score, m.fact.position))
        return matches[:limit]

    def _check(self, fact: _IndexedFact, asked: _Asked) -> Match:
        record = fact.record
        everything = fact.primary | fact.secondary
        # Speaker words the fact does not contain as content select that voice's claims.
        named: set[Voice] = set()
        naming: set[str] = set()
        stranger = False
        for mention in asked.mentions:
            if mention.voices and all(self._accounted(t, everything) for t in mention.terms):
                continue
            naming |= mention.terms
            stranger = stranger or not mention.voices
            named |= mention.voices
        if named or stranger:
            shown = tuple(c for c in record.claims if voice_of(c) in named)
            vocabulary = fact.primary.union(*(
                terms for c, terms in zip(record.claims, fact.claim_terms, strict=True)
                if voice_of(c) in named))
        else:
            shown = record.claims
            vocabulary = everything
        silent = tuple(sorted(named, key=_voice_order)) if named and not shown else ()
        kinds = given_kinds(record, shown, past=asked.past) if asked.kinds else frozenset()

        covered, total_weight, evidence, missing = 0.0, 0.0, 0.0, []
        accounted: set[str] = set()
        for q in asked.terms:
            total_weight += q.weight
            best = 0.0
            for known, similarity in q.options:
                if known in fact.primary:
                    best = max(best, similarity)
                elif known in vocabulary:
                    best = max(best, similarity * _CLAIM_TEXT_WEIGHT)
            if best == 0.0 and q.term in naming:
                total_weight -= q.weight  # names the voice, not the content
                continue
            if best == 0.0 and _KIND_WORDS.get(q.term) in kinds:
                best = _CLAIM_TEXT_WEIGHT
            covered += q.weight * best
            if best > 0.0:
                accounted.add(q.term)
                if q.required:
                    evidence += q.weight * min(1.0, best / _CLAIM_TEXT_WEIGHT)
            elif q.required:
                missing.append(q.term)
        missing = [term for term in missing if not _other_side_given(term, asked, accounted)]
        if asked.kind_noun in missing and names_in([record.short, *(c.says for c in shown)]):
            missing.remove(asked.kind_noun)
        missing.extend(self._reversed_roles(fact, asked))
        coverage = covered / total_weight if total_weight > 0 else 0.0
        similarity, precision = self._form_similarity(fact, asked)
        score = 100 * (_COVERAGE_SHARE * coverage + (1 - _COVERAGE_SHARE) * similarity)
        gives_kind = all(kind in kinds for kind in asked.kinds - {AnswerKind.NAMED})
        if AnswerKind.NUMBER in asked.kinds and asked.counting and gives_kind:
            gives_kind = self._counts(fact, shown, asked)
        if AnswerKind.NAMED in asked.kinds:
            gives_kind = gives_kind and bool(
                names_in([record.short, *(c.says for c in shown)]) - asked.known)
        if asked.kinds and not gives_kind:
            score = max(0.0, score - _KIND_PENALTY)
        return Match(
            record, score, precision,
            gives_asked_number=AnswerKind.NUMBER not in asked.kinds
            or AnswerKind.NUMBER in kinds,
            accounts=not missing and covered > 0, missing=tuple(missing),
            gives_asked_kind=gives_kind, claims=() if stranger else shown,
            silent_voices=silent, named_voices=tuple(sorted(named, key=_voice_order)),
            evidence=evidence,
        )

    def _counts(self, fact: _IndexedFact, shown: tuple[ClaimRecord, ...], asked: _Asked
                ) -> bool:
        """A figure *for the group asked*: "how many members" is not answered by 2,500
        personnel. Words that only ask for a figure ("how much damage") count anything."""
        group = asked.counting
        assert group is not None
        options = next((q.options for q in asked.terms if q.term == group), ())
        wanted = {group} | {known for known, _ in options}
        counted = fact.counted_in_short.union(*(
            terms for claim, terms in zip(fact.record.claims, fact.counted, strict=True)
            if claim in shown))
        return bool(wanted & counted)

    def _accounted(self, term: str, vocabulary: frozenset[str]) -> bool:
        return any(known in vocabulary for known, _ in self._near_terms(term, as_prefix=False))

    def _reversed_roles(self, fact: _IndexedFact, asked: _Asked) -> list[str]:
        """Question words the fact has in the opposite role, returned as missing: "were
        police officers arrested" against "the police detained", "did Kazakhstan send
        troops to Russia" against "Russia sent troops"."""
        options = {q.term: {k for k, _ in q.options} | {q.term} for q in asked.terms}

        def forms(term: str) -> set[str]:
            return options.get(term, {term})

        reversed_terms = []
        for who, verb in asked.roles.undergoers:
            verbs = forms(verb)
            doers = {d for d, v in fact.roles.agents if v in verbs}
            undergoers = {u for u, v in fact.roles.undergoers if v in verbs}
            if forms(who) & doers and not forms(who) & undergoers and who not in reversed_terms:
                reversed_terms.append(who)
        for who, verb in asked.roles.doers:
            verbs = forms(verb)
            doers = {d for d, v in fact.roles.doers if v in verbs}
            if doers and not forms(who) & doers and who not in reversed_terms:
                reversed_terms.append(who)
        return reversed_terms

    def _nominate(self, question_terms: list[_QuestionTerm]) -> list[int]:
        """Candidate facts from the postings of the question's rarer terms."""
        nominations = sorted(
            ((known, similarity * q.weight) for q in question_terms
             for known, similarity in q.options),
            key=lambda item: len(self._postings[item[0]]),
        )
        partial: dict[int, float] = defaultdict(float)
        for known, gain in nominations:
            postings = self._postings[known]
            if partial and len(postings) > self._nominating_limit:
                break
            for number in postings[: self._nominating_limit * 4]:
                partial[number] += gain
        return heapq.nlargest(_CANDIDATES_SCORED, partial, key=partial.__getitem__)

    def _form_similarity(self, fact: _IndexedFact, asked: _Asked) -> tuple[float, float]:
        best, best_precision = 0.0, 0.0
        for form, form_terms, kinds in zip(fact.forms, fact.form_terms, fact.form_kinds,
                                           strict=True):
            if not form_terms:
                continue
            # How much of the form the question accounts for, weighted by rarity.
            form_weight = sum(self._weight.get(t, 0.0) for t in form_terms)
            shared = sum(self._weight.get(t, 0.0) for t in form_terms & asked.known)
            precision = shared / form_weight if form_weight else 0.0
            reading = fuzz.token_sort_ratio(asked.text, form) / 100
            # A form asking the same thing ("why ..." for "why ...") reads closer.
            same_kind = _SAME_KIND_BONUS if asked.kinds and kinds == asked.kinds else 0.0
            similarity = 0.6 * precision + 0.4 * reading - _SAME_KIND_BONUS + same_kind
            if similarity > best:
                best, best_precision = similarity, precision
        return max(0.0, best), best_precision


@dataclass(frozen=True, slots=True)
class _Asked:
    """A question as read once, for checking each candidate fact against it."""

    terms: list[_QuestionTerm]
    mentions: list[_VoiceMention]
    kinds: frozenset[AnswerKind]
    past: bool  # "when did": a date, not a condition ("until the situation stabilizes")
    text: str
    known: frozenset[str]
    roles: _Roles
    generic: frozenset[str]
    counting: str | None  # what "how many" counts, when the question says
    # "nationwide or only in some regions": either side may be the one the fact has.
    alternatives: tuple[tuple[frozenset[str], frozenset[str]], ...]
    kind_noun: str | None  # "which *town*": a word the answer's name stands for


def _identity_texts(claim: ClaimRecord) -> tuple[list[str], list[str], list[str]]:
    """The words that name a claim's voice: heads (the speaker's name, the post, the kind
    of document), posts alone (for "ambassador to <somewhere else>"), and details (the
    places and bodies a post is *to*, the publisher)."""
    source = claim.source
    if claim.speaker:
        pieces = _ROLE_SPLIT.split(claim.speaker)
        return [pieces[0]], [], [p for p in pieces[1:] if p]
    heads, posts, details = [source.speaker, source.kind], [], [source.publisher]
    for text in (source.speaker_role, source.cited_as):
        for part in re.split(r",| and ", text):
            pieces = _ROLE_SPLIT.split(part)
            posts.append(pieces[0])
            details.extend(p for p in pieces[1:] if p)
    return [*heads, *posts], posts, [d for d in details if d]


_SAME_KIND_BONUS = 0.05
# Points taken when a fact does not give the kind of answer the question asks for.
_KIND_PENALTY = 6.0
