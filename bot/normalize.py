"""Turning free text into comparable terms: case, punctuation, numbers, aliases, stems.

Questions and fact texts go through the same `Normalizer`, so any consistent
rewrite (British/American spelling, "2,500" → "2500") is safe on both sides.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

# Words that say what kind of question it is, or are too common to identify a fact.
STOP_WORDS = frozenset(
    """
    a about above after again against all am an and any are aren't as at be been before
    being below between both but by can could did do does doing don't down during each few
    for from further had has have having he her here hers herself him himself his how i if
    in into is it its itself just let me more most my myself no nor not of off on once
    only or other our ours ourselves out over own same she should so some such than that
    the their theirs them themselves then there these they this those through to too under
    until up very was we were what when where which while who whom why will with would you
    your yours yourself yourselves s t many much tell know please give show find info
    information say said says there's what's who's it's get got also any anything
    something thing things whats whos like one ones really ever still now yet did does
    done go going went come came make made latest exactly approximately about around
    roughly number numbers figure figures total happen happened happening
    hi hello hey thanks thank thx ok okay bye goodbye cheers great cool yes yeah nope sure
    """.split()  # noqa: SIM905
)

# Words that appear in nearly every question about this corpus and so cannot carry a match.
GENERIC_WORDS = frozenset(
    """
    kazakhstan kazakh kazakhstani kazakhstan's republic country countries nation national
    people person persons situation event events official officials state
    """.split()  # noqa: SIM905
)

# Spelling of chat and search-box English, folded before anything else.
COMMON_ABBREVIATIONS: Mapping[str, str] = {
    "u": "you", "ur": "your", "r": "are", "pls": "please", "plz": "please", "hw": "how",
    "ppl": "people", "wat": "what", "wht": "what", "whn": "when", "wen": "when", "whr": "where",
    "govt": "government", "gov": "government", "pres": "president", "nr": "number",
    "num": "number", "mny": "many", "tho": "though", "thx": "thanks", "approx": "about",
    "intl": "international",
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
}

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

_stemmer = snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    if word.isdigit() or not word.isascii():
        return word
    return str(_stemmer.stemWord(word))


def fold(text: str) -> str:
    """Unicode, case, quotes, dashes, control characters and digit grouping, folded."""
    text = unicodedata.normalize("NFKC", text)
    text = _CONTROL.sub(" ", text).translate(_QUOTES).casefold()
    text = _THOUSANDS.sub("", text)
    return _BRITISH_IZE.sub(r"\1iz\2", text)


def words(text: str) -> list[str]:
    """The folded words of `text`, possessives dropped, chat abbreviations expanded."""
    result = []
    for word in _TOKEN.findall(fold(text)):
        word = word.removesuffix("'s")
        word = COMMON_ABBREVIATIONS.get(word, word)
        result.append(IRREGULAR_VERBS.get(word, word))
    return result


@dataclass(frozen=True, slots=True)
class Terms:
    """A text as the matcher sees it."""

    content: tuple[str, ...]  # stemmed, aliases folded, stop and generic words removed
    generic: tuple[str, ...]  # stemmed generic words that were removed

    @property
    def text(self) -> str:
        return " ".join(self.content)


# Stop and generic words are also recognised by their stems ("happens" as "happen").
_STOP_STEMS = frozenset(stem(word) for word in STOP_WORDS)
_GENERIC_STEMS = frozenset(stem(word) for word in GENERIC_WORDS)


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
        self.canonical_terms = frozenset(self._phrases.values())
        self._max_phrase = max((len(k) for k in self._phrases), default=1)

    def terms(self, text: str) -> Terms:
        tokens = words(text)
        stems = [stem(token) for token in tokens]
        content: list[str] = []
        generic: list[str] = []
        i = 0
        while i < len(tokens):
            for size in range(min(self._max_phrase, len(tokens) - i), 0, -1):
                canonical = self._phrases.get(tuple(stems[i : i + size]))
                if canonical:
                    content.append(canonical)
                    i += size
                    break
            else:
                token = tokens[i]
                if token in GENERIC_WORDS or stems[i] in _GENERIC_STEMS:
                    generic.append(stems[i])
                elif token not in STOP_WORDS and stems[i] not in _STOP_STEMS:
                    content.append(stems[i])
                i += 1
        return Terms(tuple(content), tuple(generic))

    def all_terms(self, texts: Iterable[str]) -> set[str]:
        found: set[str] = set()
        for text in texts:
            found.update(self.terms(text).content)
        return found
