"""Turning free text into comparable terms: case, punctuation, numbers, aliases, stems.

Questions and fact texts go through the same `Normalizer`, so any consistent
rewrite (British/American spelling, "2,500" → "2500", "six thousand" → "6000",
"jan" → "january") is safe on both sides.

Each term also says whether it is *content* the answer must account for. Telling
content from filler needs general English, not only our table: question scaffolding
and conversational filler ("so", "exactly", "latest", "any newer figure") are
listed below, and words very frequent in English at large (from `wordfreq`) are
soft: they help a match when a fact has them and cost nothing when it has not.
Rarer words (names, places, "students", "extended") are required.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer
from wordfreq import zipf_frequency

# Words that say what kind of question it is, or are too common to identify a fact.
STOP_WORDS = frozenset(
    """
    a about above again against all am an and any are aren't as at be been
    being below between both but by can could did do does doing don't down during each few
    for from further had has have having he her here hers herself him himself his how i if
    in into is it its itself just let me more my myself no nor not of off on once
    only or other our ours ourselves out over own same she should so some such than that
    the their theirs them themselves then there these they this those through to too under
    up very was we were what when where which while who whom why will with would you
    your yours yourself yourselves s t many much tell know please give show find info
    information say said says there's what's who's it's get got also any anything
    something thing things whats whos like one ones really ever still now yet did does
    done go going went come came make made latest exactly approximately about around
    roughly number numbers figure figures total happen happened happening
    hi hello hey thanks thank thx ok okay bye goodbye cheers great cool yes yeah nope sure
    per according via regarding concerning re
    """.split()  # noqa: SIM905
)

# Conversational filler and newsroom scaffolding: they never name what is asked, whether
# or not the table happens to contain them ("is that right", "i keep seeing different
# figures", "any newer figure", "for a piece i'm writing").
FILLER_WORDS = frozenset(
    """
    actually basically honestly literally seriously exactly precisely just simply really
    apparently supposedly reportedly allegedly anyway anyhow btw fyi pls plz ok okay
    latest newest newer recent recently updated update updates current currently overall
    whole entire exact precise official officially kind sort lot lots bit
    figure figures number numbers stats statistics data detail details info information
    fact facts news word words question questions answer answers quick brief short
    summary overview context background status
    true correct right wrong accurate confirm confirmed verify verified check
    claim claims claimed claiming say saying says said tell telling told mention mentioned
    mentions state states stated describe described description explain explained put
    keep kept seeing seen see saw hear heard read reading different various conflicting
    wonder wondering curious looking look writing write piece
    story article report reporting editor deadline
    gonna wanna gotta kinda sorta yeah yep nah hmm um uh oh well like
    guess suppose think thought believe blame blamed ground
    """.split()  # noqa: SIM905
)

# Words that appear in nearly every question about this corpus and so cannot carry a match.
GENERIC_WORDS = frozenset(
    """
    kazakhstan kazakh kazakhstani kazakhstan's republic country countries nation national
    people person persons situation event events official officials state
    """.split()  # noqa: SIM905
)

# The topic of the whole corpus: "in the unrest", "during the riots" only set the scene.
TOPIC_WORDS = frozenset(
    """
    unrest protest protests riot riots rioting crisis turmoil uprising events violence
    clashes demonstrations unrests troubles
    """.split()  # noqa: SIM905
)
_SCENE_PREPOSITIONS = frozenset({"in", "during", "amid", "amidst", "throughout", "over",
                                 "into", "of", "behind"})
# After these, the rest of the clause is granted, not asked ("even after the demands
# were met", "despite the fulfilment of the requirements").
_CONCESSIVE_OPENERS = (("even", "after"), ("even", "though"), ("even", "if"),
                       ("despite",), ("although",), ("in", "spite"), ("even", "when"))
# Words that order events: never filler, however frequent ("after" vs "before").
RELATION_WORDS = frozenset({"after", "before", "since", "until", "most", "least", "largest",
                            "biggest", "smallest", "highest", "lowest", "worst"})

# Verbs that carry little of their own ("are services running", "what will the measures
# achieve"): soft, however rare.
LIGHT_VERBS = frozenset(
    """
    run running runs apply applies applied reach reached achieve achieved occur occurred
    involve involves involved concern concerns relate relates work working works happen
    """.split()  # noqa: SIM905
)

# Words this frequent in English at large (Zipf scale) are soft unless the table's
# aliases give them a domain meaning.
SOFT_ZIPF = 5.5

# Spelling of chat and search-box English, folded before anything else. Values with
# spaces expand to several words.
COMMON_ABBREVIATIONS: Mapping[str, str] = {
    "u": "you", "ur": "your", "r": "are", "pls": "please", "plz": "please", "hw": "how",
    "ppl": "people", "wat": "what", "wht": "what", "whn": "when", "wen": "when", "whr": "where",
    "govt": "government", "gov": "government", "gvt": "government", "pres": "president",
    "nr": "number", "num": "number", "mny": "many", "tho": "though", "thx": "thanks",
    "approx": "about", "intl": "international", "w": "with", "b4": "before", "bc": "because",
    "cuz": "because", "coz": "because", "abt": "about", "re": "about", "ppls": "people",
    "kz": "kazakhstan", "kaz": "kazakhstan", "op": "operation", "ops": "operations",
    "sec": "secretary", "gen": "general", "rep": "representative", "reps": "representatives",
    "intro": "introduction", "amb": "ambassador", "ambo": "ambassador", "dept": "department",
    "min": "minister", "demo": "demonstration", "demos": "demonstrations", "yr": "year",
    "yrs": "years", "info": "information", "jan": "january", "feb": "february",
    "dec": "december", "natl": "national", "mil": "military", "sr": "senior",
    # "what are the peacekeepers doing": their tasks.
    "doing": "tasks",
    "tho'": "though", "whats": "what", "hows": "how",
}

# Past forms the stemmer cannot reduce: "sent" must meet "send", "began" meet "begin".
IRREGULAR_VERBS: Mapping[str, str] = {
    "sent": "send", "began": "begin", "begun": "begin", "took": "take", "taken": "take",
    "went": "go", "gone": "go", "came": "come", "said": "say", "told": "tell", "made": "make",
    "held": "hold", "fled": "flee", "fought": "fight", "brought": "bring", "led": "lead",
    "saw": "see", "seen": "see", "left": "leave", "gave": "give", "given": "give",
    "struck": "strike", "shot": "shoot", "ran": "run", "rose": "rise", "risen": "rise",
    "fell": "fall", "fallen": "fall", "spoke": "speak", "spoken": "speak", "broke": "break",
    "broken": "break", "chose": "choose", "chosen": "choose", "kept": "keep", "met": "meet",
    "paid": "pay", "sought": "seek", "thought": "think", "understood": "understand",
    "won": "win", "wrote": "write", "written": "write", "bought": "buy", "caught": "catch",
    "dealt": "deal", "drove": "drive", "driven": "drive", "felt": "feel", "found": "find",
    "heard": "hear", "hid": "hide", "hidden": "hide", "laid": "lay", "lost": "lose",
    "meant": "mean", "put": "put", "set": "set", "stood": "stand", "arose": "arise",
    "froze": "freeze", "frozen": "freeze", "flew": "fly", "flown": "fly", "grew": "grow",
    "grown": "grow", "knew": "know", "known": "know", "sank": "sink", "withdrew": "withdraw",
    "withdrawn": "withdraw", "overtook": "overtake", "undertook": "undertake",
    "undertaken": "undertake", "beheld": "behold", "bore": "bear", "born": "bear",
}

# Numbers written as words become digits, so "eighteen" meets "18" and "six thousand"
# meets "6 thousand" and "6,000".
_UNITS = {
    "zero": 0, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}
_SCALES = {"hundred": 100, "thousand": 1000, "k": 1000, "million": 1_000_000,
           "mln": 1_000_000, "m": 1_000_000, "billion": 1_000_000_000, "bn": 1_000_000_000}
_ORDINAL = re.compile(r"^(\d+)(st|nd|rd|th)$")
_DIGITS_WITH_SCALE = re.compile(r"^(\d+)(k|m|mln|bn)$")

_QUOTES = str.maketrans({
    "‘": "'", "’": "'", "‚": "'", "‛": "'", "`": "'", "´": "'",
    "“": '"', "”": '"', "„": '"', "«": '"', "»": '"',
    "–": "-", "—": "-", "‒": "-", "−": "-",
})
_CONTROL = re.compile(
    r"[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]"
)
_THOUSANDS = re.compile(r"(?<=\d)[,\u00a0\u202f ](?=\d{3}\b)")
_BRITISH_IZE = re.compile(r"(\w{4,})is(ation|ations|ed|es|ing|e)\b")
_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)?", re.UNICODE)
# Clause breaks, for the rules that read a clause as a whole.
_CLAUSE_BREAK = re.compile(r"[,;:?!()]|\s-\s|\.(?:\s|$)")

_stemmer = snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    if word.isdigit() or not word.isascii():
        return word
    return str(_stemmer.stemWord(word))


@lru_cache(maxsize=65536)
def english_frequency(word: str) -> float:
    """How common `word` is in English at large, on the Zipf scale (0 = unknown, 7 = "the")."""
    return float(zipf_frequency(word, "en"))


def fold(text: str) -> str:
    """Unicode, case, quotes, dashes, control characters and digit grouping, folded."""
    text = unicodedata.normalize("NFKC", text)
    if not text.isascii():
        # Digits that are not decimal ("❶", "⑴") pass isdigit() but not int(): spell them
        # as the digit they stand for.
        text = "".join(str(unicodedata.digit(char)) if char.isdigit() and not char.isdecimal()
                       else char for char in text)
    text = _CONTROL.sub(" ", text).translate(_QUOTES).casefold()
    text = _THOUSANDS.sub("", text)
    return _BRITISH_IZE.sub(r"\1iz\2", text)


def _spelled_numbers(tokens: list[str]) -> list[str]:
    """'two thousand five hundred' → '2500'; '6 thousand' → '6000'; '20k' → '20000'."""
    result: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        scaled = _DIGITS_WITH_SCALE.match(token)
        if scaled:
            result.append(str(int(scaled.group(1)) * _SCALES[scaled.group(2)]))
            i += 1
            continue
        starts = token in _UNITS or token.isdigit() or (
            token in ("a", "one") and i + 1 < len(tokens) and tokens[i + 1] in _SCALES
            and tokens[i + 1] not in ("k", "m"))
        if not starts:
            result.append(token)
            i += 1
            continue
        total, current, j = 0, 0, i
        while j < len(tokens):
            word = tokens[j]
            if word.isdigit() and j == i:
                current = int(word)
            elif word in ("a", "one") and j == i:
                current = 1
            elif word in _UNITS and (j == i or tokens[j - 1] not in _UNITS
                                     or _UNITS[tokens[j - 1]] >= 20 > _UNITS[word]):
                current += _UNITS[word]
            elif word in _SCALES and word not in ("k", "m") and j > i:
                scale = _SCALES[word]
                if scale == 100:
                    current = max(current, 1) * 100
                else:
                    total += max(current, 1) * scale
                    current = 0
            elif word == "and" and j > i and j + 1 < len(tokens) and tokens[j + 1] in _UNITS \
                    and tokens[j - 1] in _SCALES:
                pass
            else:
                break
            j += 1
        result.append(str(total + current))
        i = j
    return result


def _written_words(text: str) -> list[str]:
    """The folded words as written (before irregular verbs are reduced)."""
    expanded: list[str] = []
    for word in _TOKEN.findall(fold(text)):
        word = word.removesuffix("'s")
        ordinal = _ORDINAL.match(word)
        if ordinal:
            word = ordinal.group(1)
        replacement = COMMON_ABBREVIATIONS.get(word, word)
        expanded.extend(replacement.split())
    return _spelled_numbers(expanded)


def words(text: str) -> list[str]:
    """The folded words of `text`, possessives dropped, chat shorthand and numbers expanded."""
    return [IRREGULAR_VERBS.get(word, word) for word in _written_words(text)]


def is_past_form(word: str) -> bool:
    """'detained', 'sent', 'taken': a verb in the past, or a participle."""
    return word in IRREGULAR_VERBS or (len(word) > 4 and word.endswith("ed"))


@dataclass(frozen=True, slots=True)
class Terms:
    """A text as the matcher sees it."""

    content: tuple[str, ...]  # stemmed, aliases folded, stop and generic words removed
    generic: tuple[str, ...]  # stemmed generic words that were removed
    # Parallel to `content`: True for a word the answer must account for, False for a
    # soft one (very frequent in English, or only setting the scene).
    required: tuple[bool, ...] = ()
    # Every token in order, content or not, as (term, its role): the role is "content",
    # "generic", "stop" or "filler". Used to read who does what to whom.
    sequence: tuple[tuple[str, str], ...] = ()
    # Parallel to `sequence`: True where the words were a past form ("detained", "sent").
    past: tuple[bool, ...] = ()
    # Parallel to `content`: the words as written, for telling a typo from a real word.
    written: tuple[str, ...] = ()
    # Stems of the words inside alias phrases ("armed" in "armed groups"): a fact that
    # says "armed groups" accounts for a question's "armed" too.
    parts: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return " ".join(self.content)


# Stop, filler and generic words are also recognised by their stems ("happens" as "happen").
_STOP_STEMS = frozenset(stem(word) for word in STOP_WORDS - RELATION_WORDS)
_FILLER_STEMS = frozenset(stem(word) for word in FILLER_WORDS)
_GENERIC_STEMS = frozenset(stem(word) for word in GENERIC_WORDS)
_TOPIC_STEMS = frozenset(stem(word) for word in TOPIC_WORDS)


def is_soft_word(word: str) -> bool:
    """A word so common in English that a fact need not contain it to answer."""
    if word.isdigit() or word in RELATION_WORDS:
        return False
    return word in LIGHT_VERBS or english_frequency(word) >= SOFT_ZIPF


def _clause_spans(text: str) -> list[tuple[int, int]]:
    """Word-index ranges of the clauses of `text`, by punctuation."""
    spans, start = [], 0
    for piece in _CLAUSE_BREAK.split(fold(text)):
        count = len(words(piece))
        spans.append((start, start + count))
        start += count
    return spans


class Normalizer:
    """Folds aliases ("ОДКБ", "collective security treaty organization" → "csto") and stems.

    Aliases are matched on stems, so one variant covers its plural and verb forms.
    """

    def __init__(self, aliases: Mapping[str, Sequence[str]] | None = None):
        self._phrases: dict[tuple[str, ...], str] = {}
        for canonical, variants in (aliases or {}).items():
            target = "_".join(stem(word) for word in words(canonical))
            for variant in (canonical, *variants):
                key = tuple(stem(word) for word in words(variant))
                if key:
                    self._phrases.setdefault(key, target)
        # Most words start no alias: skip the phrase lookups for them.
        self._phrase_starts = frozenset(key[0] for key in self._phrases)
        self._max_phrase = max((len(k) for k in self._phrases), default=1)
        # One-word variants, for typo matching: "peacekeepres" is near "peacekeepers".
        self.single_word_variants: dict[str, str] = {
            key[0]: target for key, target in self._phrases.items() if len(key) == 1
        }

    def alias_of(self, stemmed: str) -> str | None:
        return self._phrases.get((stemmed,))

    def terms(self, text: str, *, question: bool = False) -> Terms:
        """`question` marks scene-setting and granted clauses soft (facts need all terms)."""
        written = _written_words(text)
        tokens = [IRREGULAR_VERBS.get(word, word) for word in written]
        stems = [stem(token) for token in tokens]
        past: list[bool] = []
        soft_positions = self._granted_positions(text, tokens) if question else set()
        content: list[str] = []
        parts: list[str] = []
        written_content: list[str] = []
        required: list[bool] = []
        generic: list[str] = []
        sequence: list[tuple[str, str]] = []
        i = 0
        while i < len(tokens):
            longest = min(self._max_phrase, len(tokens) - i) \
                if stems[i] in self._phrase_starts else 0
            for size in range(longest, 0, -1):
                canonical = self._phrases.get(tuple(stems[i : i + size]))
                if canonical:
                    phrase = tokens[i : i + size]
                    if size > 1:
                        parts.extend(stems[j] for j in range(i, i + size)
                                     if tokens[j] not in STOP_WORDS)
                    past.append(any(is_past_form(w) for w in written[i : i + size]))
                    # An alias of frequent words only ("hit", "help") stays soft.
                    soft = question and (all(is_soft_word(w) for w in phrase)
                                         or i in soft_positions)
                    if canonical in _GENERIC_STEMS:
                        generic.append(canonical)
                        sequence.append((canonical, "generic"))
                    else:
                        content.append(canonical)
                        written_content.append(" ".join(written[i : i + size]))
                        required.append(not soft)
                        sequence.append((canonical, "content"))
                    i += size
                    break
            else:
                token, token_stem = tokens[i], stems[i]
                past.append(is_past_form(written[i]))
                if token in GENERIC_WORDS or token_stem in _GENERIC_STEMS:
                    generic.append(token_stem)
                    sequence.append((token_stem, "generic"))
                elif token in RELATION_WORDS:
                    content.append(token_stem)
                    written_content.append(written[i])
                    required.append(i not in soft_positions)
                    sequence.append((token_stem, "content"))
                elif token in STOP_WORDS or token_stem in _STOP_STEMS:
                    sequence.append((token, "stop"))
                elif question and (token in FILLER_WORDS or token_stem in _FILLER_STEMS):
                    sequence.append((token_stem, "filler"))
                else:
                    content.append(token_stem)
                    written_content.append(written[i])
                    required.append(not question or (not is_soft_word(token)
                                                     and i not in soft_positions))
                    sequence.append((token_stem, "content"))
                i += 1
        return Terms(tuple(content), tuple(generic), tuple(required), tuple(sequence),
                     tuple(past), tuple(written_content), tuple(parts))

    def _granted_positions(self, text: str, tokens: list[str]) -> set[int]:
        """Word positions that set the scene or are granted rather than asked.

        "killed in the unrest": the unrest is the topic of every document; "why did it
        escalate even after the demands were met": the demands are granted."""
        soft: set[int] = set()
        for start, end in _clause_spans(text):
            for i in range(start, min(end, len(tokens))):
                word = tokens[i]
                if any(tuple(tokens[i : i + len(opener)]) == opener
                       for opener in _CONCESSIVE_OPENERS):
                    soft.update(range(i, min(end, len(tokens))))
                    break
                if word in _SCENE_PREPOSITIONS or word in ("after", "since"):
                    j = i + 1
                    while j < end and j < len(tokens) and tokens[j] in ("the", "these",
                                                                        "this", "all"):
                        j += 1
                    if j < len(tokens) and (tokens[j] in TOPIC_WORDS
                                            or stem(tokens[j]) in _TOPIC_STEMS):
                        # "after the unrest": every document is set in its aftermath.
                        soft.update({i, j} if word in ("after", "since") else {j})
        return soft

    def all_terms(self, texts: Iterable[str]) -> set[str]:
        found: set[str] = set()
        for text in texts:
            found.update(self.terms(text).content)
        return found
