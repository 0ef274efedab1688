"""The in-memory index and the scoring that decides answer / suggest / don't know.

A question is reduced to content terms (see `bot.normalize`). Candidate facts
come from an inverted index over those terms, never from a scan of the table;
each candidate is then scored by

* coverage — how much of the question's information (terms weighted by their
  rarity across the table) the fact's question forms, headline and tags account
  for; words the table has never seen count fully against the match, which is
  what makes the bot say "I don't know" to questions about other things;
* form similarity — how closely the question reads like one of the fact's
  question forms (rapidfuzz on the normalised texts).
"""

from __future__ import annotations

import bisect
import heapq
import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from rapidfuzz import fuzz, process

from bot.normalize import Normalizer, fold
from bot.store import FactRecord

# How much a term found only in a fact's claims (not its questions, headline or tags) counts.
_CLAIM_TEXT_WEIGHT = 0.6
_COVERAGE_SHARE = 0.7
_CANDIDATES_SCORED = 64
_MIN_FUZZY_LENGTH = 3
_MIN_NOMINATING_LIMIT = 500


@dataclass(frozen=True, slots=True)
class Match:
    fact: FactRecord
    score: float  # 0-100
    coverage: float  # 0-1
    precision: float  # 0-1: how much of the closest question form the question accounts for
    form: str  # the question form that read closest
    # False when the question asks "how many" and the fact gives no figure at all.
    gives_asked_number: bool = True


class AnswerKind(Enum):
    """What a question asks for, read from its wording; facts are typed by what they give."""

    NUMBER = "number"
    DATE = "date"


_ASKS_FOR = {
    AnswerKind.NUMBER: re.compile(
        r"\b(how (many|much|big|large)|number of|size of|count|toll|total|figure)\b"),
    AnswerKind.DATE: re.compile(r"\b(when|what (date|day)|which (date|day)|date|dates)\b"),
}
_MONTH = re.compile(r"\b(january|february|march|april|may|june|july|august|september|"
                    r"october|november|december)\b", re.IGNORECASE)
# Points added when a fact gives the kind of answer the question asks for, taken when not.
_KIND_BONUS = 6.0


def asked_kinds(question: str) -> frozenset[AnswerKind]:
    text = fold(question)
    return frozenset(kind for kind, pattern in _ASKS_FOR.items() if pattern.search(text))


def given_kinds(fact: FactRecord) -> frozenset[AnswerKind]:
    kinds = set()
    if fact.event_date or _MONTH.search(fact.short):
        kinds.add(AnswerKind.DATE)
    if re.search(r"\d", _MONTH.sub("", fact.short)):
        kinds.add(AnswerKind.NUMBER)
    return frozenset(kinds)


@dataclass(frozen=True, slots=True)
class _IndexedFact:
    record: FactRecord
    kinds: frozenset[AnswerKind]
    primary: frozenset[str]
    secondary: frozenset[str]
    forms: tuple[str, ...]  # normalised question forms and headline
    form_terms: tuple[frozenset[str], ...]


class FactIndex:
    def __init__(self, facts: Sequence[FactRecord], normalizer: Normalizer):
        self.normalizer = normalizer
        self._facts: list[_IndexedFact] = []
        self._by_id: dict[str, int] = {}
        postings: dict[str, list[int]] = defaultdict(list)
        for number, fact in enumerate(facts):
            texts = [*fact.questions, fact.headline]
            terms = [normalizer.terms(text).content for text in texts]
            primary = frozenset(
                t for ts in terms for t in ts
            ) | normalizer.all_terms([*fact.tags, fact.short])
            secondary = frozenset(normalizer.all_terms(c.says for c in fact.claims)) - primary
            self._facts.append(_IndexedFact(
                record=fact, kinds=given_kinds(fact), primary=primary, secondary=secondary,
                forms=tuple(" ".join(ts) for ts in terms),
                form_terms=tuple(frozenset(ts) for ts in terms),
            ))
            self._by_id[fact.id] = number
            for term in primary | secondary:
                postings[term].append(number)
        self._postings = dict(postings)
        total = max(1, len(self._facts))
        self._weight = {
            term: math.log(1 + total / len(ids)) for term, ids in self._postings.items()
        }
        # A term the table has never seen is as informative as the rarest one.
        self._unknown_weight = math.log(1 + total) + 1.0
        self._vocabulary = sorted(self._postings)
        # Typo candidates for a word: known terms with its first letter (typos there are
        # rare) and a length within two of its own.
        by_shape: dict[tuple[str, int], list[str]] = defaultdict(list)
        for term in self._vocabulary:
            by_shape[term[0], len(term)].append(term)
        self._similar_shape = {
            (first, n): [t for m in range(n - 2, n + 3) for t in by_shape.get((first, m), ())]
            for first, length in by_shape for n in range(length - 2, length + 3)
        }
        # Terms this common are too weak to nominate candidates (they still score them).
        self._nominating_limit = max(_MIN_NOMINATING_LIMIT, total // 50)

    def __len__(self) -> int:
        return len(self._facts)

    @property
    def facts(self) -> list[FactRecord]:
        return [f.record for f in self._facts]

    def get(self, fact_id: str) -> FactRecord | None:
        number = self._by_id.get(fact_id)
        return None if number is None else self._facts[number].record

    def _near_terms(self, term: str, *, as_prefix: bool) -> list[tuple[str, float]]:
        """Known terms that `term` may stand for, with a similarity in 0-1."""
        if term in self._postings:
            return [(term, 1.0)]
        found: list[tuple[str, float]] = []
        if as_prefix and len(term) >= 2:
            start = bisect.bisect_left(self._vocabulary, term)
            for known in self._vocabulary[start : start + 8]:
                if known.startswith(term):
                    found.append((known, 0.9))
        if len(term) >= _MIN_FUZZY_LENGTH and not term.isdigit():
            nearby = self._similar_shape.get((term[0], len(term)), ())
            cutoff = 80 if len(term) >= 5 else 85
            for known, similarity, _ in process.extract(
                term, nearby, scorer=fuzz.ratio, score_cutoff=cutoff, limit=3
            ):
                if not known.isdigit():
                    found.append((known, similarity / 100 * 0.9))
        return found

    def search(self, question: str, *, limit: int = 5, prefix: bool = False) -> list[Match]:
        """Best matches first. `prefix` treats the last word as unfinished (autocomplete)."""
        terms = list(dict.fromkeys(self.normalizer.terms(question).content))
        if not terms:
            return []
        resolved = [
            self._near_terms(term, as_prefix=prefix and i == len(terms) - 1)
            for i, term in enumerate(terms)
        ]
        weights = [
            max((self._weight[k] for k, _ in options), default=self._unknown_weight)
            for options in resolved
        ]
        shortlist = self._nominate(resolved, weights)
        if not shortlist:
            return []
        question_text = " ".join(terms)
        wanted = asked_kinds(question)
        question_terms = frozenset(k for options in resolved for k, _ in options) | set(terms)
        total_weight = sum(weights)
        matches = []
        for number in shortlist:
            fact = self._facts[number]
            covered = 0.0
            for options, weight in zip(resolved, weights, strict=True):
                best = 0.0
                for known, similarity in options:
                    if known in fact.primary:
                        best = max(best, similarity)
                    elif known in fact.secondary:
                        best = max(best, similarity * _CLAIM_TEXT_WEIGHT)
                covered += weight * best
            coverage = covered / total_weight
            similarity, precision, form = self._form_similarity(fact, question_text,
                                                                question_terms)
            score = 100 * (_COVERAGE_SHARE * coverage + (1 - _COVERAGE_SHARE) * similarity)
            if wanted & fact.kinds:
                score = min(100.0, score + _KIND_BONUS)
            elif wanted:
                score = max(0.0, score - _KIND_BONUS)
            gives_asked_number = AnswerKind.NUMBER not in wanted or AnswerKind.NUMBER in fact.kinds
            matches.append(Match(fact.record, score, coverage, precision, form,
                                 gives_asked_number))
        matches.sort(key=lambda m: (-m.score, m.fact.position))
        return matches[:limit]

    def _nominate(self, resolved: list[list[tuple[str, float]]], weights: list[float]
                  ) -> list[int]:
        """Candidate facts from the postings of the question's rarer terms."""
        nominations = sorted(
            ((known, similarity * weight) for options, weight in zip(resolved, weights,
                                                                     strict=True)
             for known, similarity in options),
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

    def _form_similarity(self, fact: _IndexedFact, question_text: str,
                         question_terms: frozenset[str]) -> tuple[float, float, str]:
        best, best_precision, best_form = 0.0, 0.0, ""
        for form, form_terms in zip(fact.forms, fact.form_terms, strict=True):
            if not form_terms:
                continue
            # How much of the form the question accounts for, weighted by rarity.
            form_weight = sum(self._weight.get(t, 0.0) for t in form_terms)
            shared = sum(self._weight.get(t, 0.0) for t in form_terms & question_terms)
            precision = shared / form_weight if form_weight else 0.0
            reading = fuzz.token_sort_ratio(question_text, form) / 100
            similarity = 0.6 * precision + 0.4 * reading
            if similarity > best:
                best, best_precision, best_form = similarity, precision, form
        return best, best_precision, best_form
