"""Gaps in the fact table: what people keep asking that the bot could not answer.

An editor closes a gap by teaching the question to a fact or by writing a new fact, so
the report lists the most frequent questions the question log recorded as unanswered
("I don't know") or suggested-only ("did you mean ...?"), near-duplicates grouped, each
with the facts the matcher finds closest: the ones to attach it to.

Privacy: a gap carries only wordings, counts, times and facts — never a chat key, a
platform or anything else that says who asked or where. Questions asked in private chats
(a reporter's private question may name a source) are left out unless
GAPS_INCLUDE_PRIVATE=true.

Cost is bounded whatever the log holds: the database counts the wordings of at most the
`MAX_ROWS_READ` most recent matching questions, and grouping compares each wording with at
most `_LEADERS_COMPARED` earlier groups that share a word (or its first letters) with it.

A gap reports how questions went when they were asked: one taught since stays listed
until its questions leave the window (a front end may hide those `FactBot.match` now
answers).

Grouping, in two steps:
1. the same normalised terms, order ignored ("death toll?", "whats the death toll"): the
   matcher's own normaliser, so stop words, stems and aliases ("ОДКБ" → csto) agree;
2. typos ("death tol"): rapidfuzz's ratio of the words as spelled (stop words dropped,
   sorted) at least `_NEAR_DUPLICATE_SCORE`. Not `token_set_ratio`, which scores a subset
   100, so "csto" would swallow every question about the CSTO: a question with another
   word in it ("death toll in Almaty") is another question.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import texts
from bot.answers import Outcome, Suggestion
from bot.compose import suggestion_for
from bot.errors import UserError
from bot.layout import shorten
from bot.matching import FactIndex
from bot.normalize import STOP_WORDS, words
from db.models import QuestionLog

log = logging.getLogger(__name__)

# The outcomes that leave a gap: nothing found, only "did you mean ...?", or a passage of
# the documents that no curated fact holds yet.
GAP_OUTCOMES = (Outcome.NONE.value, Outcome.SUGGEST.value, Outcome.PASSAGE.value)
# At most this many of the most recent matching questions are read per report.
MAX_ROWS_READ = 20_000
# A report lists at most this many gaps, whatever is asked for.
MAX_GAPS = 100
# Per gap: other wordings shown, and candidate facts.
VARIANTS_SHOWN = 4
CANDIDATES_SHOWN = 3
# Candidate facts scoring below this share of MATCH_SUGGEST_THRESHOLD share hardly a word
# with the question: listing them would only be noise.
CANDIDATE_FLOOR_SHARE = 0.5
# The longest window a report may cover: longer than any question log retention.
MAX_WINDOW = timedelta(days=3650)

_NEAR_DUPLICATE_SCORE = 85.0
_LEADERS_COMPARED = 200
# A term's first letters also block a comparison, so a typo in it still meets its group.
_PREFIX_CHARS = 3

_DURATION = re.compile(r"(\d{1,7})\s*([mhdw])", re.IGNORECASE | re.ASCII)
_UNITS = {"w": timedelta(weeks=1), "d": timedelta(days=1), "h": timedelta(hours=1),
          "m": timedelta(minutes=1)}
_UNIT_NAMES = {"w": "week", "d": "day", "h": "hour", "m": "minute"}


class GapsCommandError(UserError):
    """A gaps request that cannot be understood; str() is the message for the user."""

    exit_code = 2


@dataclass(frozen=True, slots=True)
class Gap:
    """One question people asked and the table could not answer, near-duplicates merged.

    `candidates` are facts the question could be taught to, best first, as the matcher
    scores them now (a `Suggestion`: fact id, one of its question forms, headline, score).
    """

    question: str  # the most asked wording
    count: int  # times asked, every wording together
    variants: tuple[str, ...]  # other wordings, most asked first (a few)
    first_asked: datetime
    last_asked: datetime
    candidates: tuple[Suggestion, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "count": self.count,
            "variants": list(self.variants),
            "first_asked": self.first_asked.isoformat(),
            "last_asked": self.last_asked.isoformat(),
            "candidates": [
                {"fact_id": c.fact_id, "question": c.question, "headline": c.headline,
                 "score": round(c.score, 1)}
                for c in self.candidates
            ],
        }


def parse_duration(text: str) -> timedelta:
    """"90m", "12h", "7d", "2w" as a timedelta; `GapsCommandError` for anything else."""
    found = _DURATION.fullmatch(text.strip())
    if found is None:
        echoed = shorten(" ".join(text.split()), texts.ECHO_CHARS)
        raise GapsCommandError(texts.GAPS_BAD_DURATION.format(value=repr(echoed)))
    amount, unit = int(found[1]), found[2].lower()
    if amount == 0:
        raise GapsCommandError(texts.GAPS_ZERO_DURATION.format(value=repr(found[0])))
    if amount * _UNITS[unit] > MAX_WINDOW:
        raise GapsCommandError(texts.GAPS_LONG_DURATION.format(
            value=repr(found[0]), most=describe_duration(MAX_WINDOW)))
    return amount * _UNITS[unit]


def describe_duration(window: timedelta) -> str:
    """The window in the largest unit that divides it, to follow "the last": "week",
    "7 days", "90 minutes"."""
    for unit, size in _UNITS.items():
        amount, rest = divmod(window, size)
        if amount == 1 and not rest:
            return _UNIT_NAMES[unit]
        if amount and not rest:
            return f"{amount} {_UNIT_NAMES[unit]}s"
    return str(window)


@dataclass(slots=True)
class _Wording:
    """One wording as the log has it (folded words alike), with when and how often."""

    text: str
    count: int
    first_asked: datetime
    last_asked: datetime


@dataclass(slots=True)
class _Group:
    """Wordings taken for one question, most asked first (they are added in that order)."""

    key: str
    wordings: list[_Wording] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(w.count for w in self.wordings)

    @property
    def last_asked(self) -> datetime:
        return max(w.last_asked for w in self.wordings)


def asked_wordings(*, session: Session, since: datetime, include_private: bool,
                   max_rows: int = MAX_ROWS_READ) -> list[_Wording]:
    """How often each wording was asked since `since` and left a gap, among the
    `max_rows` most recent such questions; private chats' only with `include_private`."""
    conditions = [QuestionLog.outcome.in_(GAP_OUTCOMES), QuestionLog.question != "",
                  QuestionLog.asked_at >= since]
    if not include_private:
        conditions.append(QuestionLog.private.is_(False))
    recent = (select(QuestionLog.question, QuestionLog.asked_at).where(*conditions)
              .order_by(QuestionLog.asked_at.desc()).limit(max_rows).subquery())
    rows = session.execute(
        select(recent.c.question, func.count(), func.min(recent.c.asked_at),
               func.max(recent.c.asked_at))
        .group_by(recent.c.question)
    ).all()
    return _merge_alike([_Wording(text, int(count), first, last)
                         for text, count, first, last in rows if text.strip()])


def _merge_alike(wordings: Iterable[_Wording]) -> list[_Wording]:
    """One wording per folded spelling ("Death toll?" is "death toll"), shown as its most
    asked form; most asked first, then most recent."""
    alike: dict[str, list[_Wording]] = defaultdict(list)
    for wording in wordings:
        alike[" ".join(words(wording.text))].append(wording)
    merged = []
    for spellings in alike.values():
        shown = max(spellings, key=lambda w: (w.count, w.last_asked, w.text))
        merged.append(_Wording(
            text=shown.text, count=sum(w.count for w in spellings),
            first_asked=min(w.first_asked for w in spellings),
            last_asked=max(w.last_asked for w in spellings)))
    merged.sort(key=lambda w: (-w.count, -w.last_asked.timestamp(), w.text))
    return merged


def group_near_duplicates(wordings: list[_Wording], index: FactIndex) -> list[_Group]:
    """Groups of wordings that ask the same thing, most asked first.

    Wordings arrive most asked first, so each group is led by a frequent wording and a
    rare typo joins it rather than the other way round. A wording is compared only with
    the groups that share a word or a word's first letters with it, the most asked
    `_LEADERS_COMPARED` of each: the cost grows with the wordings, not their square.
    """
    by_terms: dict[str, _Group] = {}
    groups: list[_Group] = []
    spellings: list[str] = []  # each group's leading spelling, for typos to meet
    blocks: dict[str, list[int]] = defaultdict(list)
    for wording in wordings:
        terms = " ".join(sorted(set(index.normalizer.terms(wording.text).content)))
        spelled = _spelling(wording.text)
        group = by_terms.get(terms) if terms else None
        if group is None:
            group = _nearest_group(spelled, groups, spellings, blocks)
        if group is None:
            group = _Group(terms or spelled)
            for block in _blocking(spelled):
                blocks[block].append(len(groups))
            groups.append(group)
            spellings.append(spelled)
        if terms:
            by_terms[terms] = group
        group.wordings.append(wording)
    groups.sort(key=lambda g: (-g.count, -g.last_asked.timestamp(), g.key))
    return groups


def _spelling(text: str) -> str:
    """The words as spelled, sorted, without stop words (all of them if nothing is left):
    a typo is a difference in spelling, which stems and aliases would hide ("death toll"
    is an alias of "kill", "death tol" is not)."""
    folded = words(text)
    content = [w for w in folded if w not in STOP_WORDS]
    return " ".join(sorted(set(content or folded)))


def _blocking(spelled: str) -> set[str]:
    """The blocks a spelling is found by: its words, and each word's first letters."""
    found = spelled.split()
    return {*found, *(f"{w[:_PREFIX_CHARS]}…" for w in found if len(w) >= _PREFIX_CHARS)}


def _nearest_group(spelled: str, groups: list[_Group], spellings: list[str],
                   blocks: dict[str, list[int]]) -> _Group | None:
    """The group whose spelling is closest to `spelled`, if close enough to be a typo."""
    nearby = sorted({number for block in _blocking(spelled)
                     for number in blocks.get(block, ())[:_LEADERS_COMPARED]})
    if not nearby:
        return None
    best = process.extractOne(spelled, {n: spellings[n] for n in nearby[:_LEADERS_COMPARED]},
                              scorer=fuzz.ratio, score_cutoff=_NEAR_DUPLICATE_SCORE)
    return None if best is None else groups[best[2]]


def candidate_facts(group: _Group, index: FactIndex, floor: float) -> tuple[Suggestion, ...]:
    """The facts closest to any of the group's shown wordings, best score first."""
    best: dict[str, Suggestion] = {}
    for wording in group.wordings[: 1 + VARIANTS_SHOWN]:
        for match in index.search(wording.text, limit=CANDIDATES_SHOWN):
            known = best.get(match.fact.id)
            if match.score >= floor and (known is None or match.score > known.score):
                best[match.fact.id] = suggestion_for(match.fact, match.score)
    ranked = sorted(best.values(), key=lambda s: (-s.score, s.fact_id))
    return tuple(ranked[:CANDIDATES_SHOWN])


def find_gaps(*, session: Session, index: FactIndex, since: datetime, limit: int,
              include_private: bool, suggest_threshold: float,
              max_rows: int = MAX_ROWS_READ) -> list[Gap]:
    """The `limit` most asked gaps since `since`, with their candidate facts from `index`."""
    wordings = asked_wordings(session=session, since=since, include_private=include_private,
                              max_rows=max_rows)
    groups = group_near_duplicates(wordings, index)
    log.debug("gaps: %d wordings in %d groups", len(wordings), len(groups))
    floor = suggest_threshold * CANDIDATE_FLOOR_SHARE
    gaps = []
    for group in groups[: max(0, min(limit, MAX_GAPS))]:
        gaps.append(Gap(
            question=group.wordings[0].text, count=group.count,
            variants=tuple(w.text for w in group.wordings[1 : 1 + VARIANTS_SHOWN]),
            first_asked=min(w.first_asked for w in group.wordings),
            last_asked=group.last_asked,
            candidates=candidate_facts(group, index, floor)))
    return gaps
