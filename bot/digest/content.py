"""What a daily digest says: built once in the core, rendered by each adapter.

1. changes since the subscription's last digest (facts added, corrected, retracted);
2. on this day: facts whose event date falls on today's month and day;
3. one highlighted fact, rotating so a channel sees every fact before any repeats;
4. for subscriptions that opt in, the most-asked questions of the last day left unanswered,
   among those the chat may see (`bot.question_log.QuestionScope`).

A platform may not hold every item: its renderer cuts the lists with `fit_digest`, which
counts what it leaves out, and the cut digest is what the scheduler records as delivered.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import texts
from bot.answers import Answer
from bot.matching import FactIndex
from bot.question_log import QuestionScope
from db.models import Fact, FactChange, QuestionLog

UNANSWERED_LIMIT = 5


@dataclass(frozen=True, slots=True)
class FactUpdate:
    kind: str  # added | corrected | retracted
    fact_id: str
    headline: str
    answer: Answer | None  # None for a retracted fact: it is no longer asserted by anyone

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "fact_id": self.fact_id, "headline": self.headline,
                "answer": self.answer.text if self.answer else None}


@dataclass(frozen=True, slots=True)
class Anniversary:
    answer: Answer
    event_date: date
    years_ago: int

    @property
    def when(self) -> str:
        """"05 Jan 2022 (5 years ago)": the date and how long ago, as every front end says."""
        return texts.DIGEST_ANNIVERSARY.format(event_date=self.event_date,
                                               years_ago=self.years_ago)

    def to_json(self) -> dict[str, Any]:
        return {"fact_id": self.answer.fact_id, "event_date": self.event_date.isoformat(),
                "years_ago": self.years_ago, "headline": self.answer.headline,
                "answer": self.answer.text}


@dataclass(frozen=True, slots=True)
class UnansweredQuestion:
    question: str
    times: int


class DigestList(StrEnum):
    """The digest's lists: the parts a renderer may cut to fit a message."""

    CHANGES = "changes"
    ON_THIS_DAY = "on_this_day"
    UNANSWERED = "unanswered"


@dataclass(frozen=True, slots=True)
class Digest:
    local_date: date
    timezone: str
    changes: tuple[FactUpdate, ...]
    on_this_day: tuple[Anniversary, ...]
    highlight: Answer | None
    unanswered: tuple[UnansweredQuestion, ...] = ()
    # Items cut from the end of each list to fit a message: shown as "… and N more".
    more_changes: int = 0
    more_on_this_day: int = 0
    more_unanswered: int = 0

    @property
    def is_empty(self) -> bool:
        """No news and no anniversary: only the highlight to offer. Subscriptions with
        `skip_empty` get no digest on such days (and the highlight waits for the next)."""
        return not (self.changes or self.more_changes or self.on_this_day
                    or self.more_on_this_day)

    @property
    def title(self) -> str:
        return texts.DIGEST_TITLE.format(local_date=self.local_date)

    def more_text(self, which: DigestList) -> str:
        """"… and N more" for the items cut from the list, or "" when none was."""
        count = self.left_out(which)
        return texts.DIGEST_MORE.format(count=count) if count else ""

    def items(self, which: DigestList) -> Sequence[object]:
        return {DigestList.CHANGES: self.changes, DigestList.ON_THIS_DAY: self.on_this_day,
                DigestList.UNANSWERED: self.unanswered}[which]

    def left_out(self, which: DigestList) -> int:
        return {DigestList.CHANGES: self.more_changes,
                DigestList.ON_THIS_DAY: self.more_on_this_day,
                DigestList.UNANSWERED: self.more_unanswered}[which]

    def without_last(self, which: DigestList, count: int = 1) -> Digest:
        """This digest with the last `count` items of one list left out, and counted."""
        items = self.items(which)
        count = min(count, len(items))
        changed = {which.value: tuple(items[:len(items) - count]),
                   f"more_{which.value}": self.left_out(which) + count}
        return replace(self, **changed)  # type: ignore[arg-type]

    def to_json(self) -> dict[str, Any]:
        return {
            "local_date": self.local_date.isoformat(), "timezone": self.timezone,
            "changes": [c.to_json() for c in self.changes],
            "on_this_day": [a.to_json() for a in self.on_this_day],
            "highlight": None if self.highlight is None else {
                "fact_id": self.highlight.fact_id, "headline": self.highlight.headline,
                "answer": self.highlight.text},
            "unanswered": [{"question": u.question, "times": u.times} for u in self.unanswered],
            "left_out": {which.value: self.left_out(which) for which in DigestList},
        }


# How many characters of each answer a list quotes, per list; 0: the headline alone.
Detail = dict[DigestList, int]


def fit_digest(digest: Digest,
               overflow: Callable[[Digest, Detail], Sequence[DigestList]],
               levels: Mapping[DigestList, Sequence[int]]) -> tuple[Digest, Detail]:
    """`digest` shortened until its rendering fits, and the wording each list keeps.

    `overflow(candidate, detail)` renders a candidate and names the lists to shorten, most
    urgent first (none when it fits). Each round, the first named list with a shorter
    level of wording left (`levels`, longest first) takes it; only when none has, the
    first named list with items loses its last ones: as few as make the rendering fit or
    another list the one to shorten (found by bisection, since fewer items never render
    longer). A renderer that always shows each heading, and "… and N more" for what was
    cut, keeps every section of the digest in the message; the digest returned is what
    the message holds.
    """
    detail: Detail = {which: steps[0] for which, steps in levels.items() if steps}
    while wanted := overflow(digest, detail):
        shorter = next((w for w in wanted if detail.get(w, 0) > min(levels.get(w, [0]))),
                       None)
        if shorter is not None:
            detail[shorter] = max(n for n in levels[shorter] if n < detail[shorter])
            continue
        cut = next((w for w in wanted if digest.items(w)), None)
        if cut is None:
            raise ValueError("the digest does not fit even with its lists emptied: the "
                             "renderer must bound its headings and highlight")
        fewest, most = 1, len(digest.items(cut))
        while fewest < most:
            middle = (fewest + most) // 2
            still = overflow(digest.without_last(cut, middle), detail)
            if still and still[0] == cut:
                fewest = middle + 1
            else:
                most = middle
        digest = digest.without_last(cut, fewest)
    return digest, detail


def fact_updates(*, session: Session, index: FactIndex, since: datetime, until: datetime,
                 answer_for: Any) -> tuple[FactUpdate, ...]:
    """The latest change of each fact changed in (since, until], newest first: all of
    them (renderers cut the list to fit, and say how many they left out)."""
    rows = session.execute(
        select(FactChange.fact_id, FactChange.kind, FactChange.changed_at)
        .where(FactChange.changed_at > since, FactChange.changed_at <= until)
        .order_by(FactChange.changed_at.desc(), FactChange.id.desc())
    ).all()
    latest: dict[str, str] = {}
    for fact_id, kind, _ in rows:
        latest.setdefault(fact_id, kind)
    updates = []
    for fact_id, kind in latest.items():
        answer = None if kind == "retracted" else answer_for(fact_id)
        if answer is not None:
            headline = answer.headline or fact_id
        else:
            row = session.get(Fact, fact_id)
            headline = row.headline if row else fact_id
        updates.append(FactUpdate(kind, fact_id, headline, answer))
    return tuple(updates)


def anniversaries(*, index: FactIndex, local_date: date, answer_for: Any
                  ) -> tuple[Anniversary, ...]:
    found = []
    for fact in index.facts:
        when = fact.event_date
        if when and (when.month, when.day) == (local_date.month, local_date.day) \
                and when < local_date:
            answer = answer_for(fact.id)
            if answer is not None:
                found.append(Anniversary(answer, when, local_date.year - when.year))
    return tuple(found)


def next_highlight(*, index: FactIndex, already_shown: list[str]) -> tuple[str | None, list[str]]:
    """The first fact, in table order, not yet shown this cycle; a new cycle when all were."""
    shown = set(already_shown)
    facts = index.facts
    if not facts:
        return None, already_shown
    if all(f.id in shown for f in facts):
        already_shown, shown = [], set()
    chosen = next(f.id for f in facts if f.id not in shown)
    return chosen, [*already_shown, chosen]


def unanswered_questions(*, session: Session, until: datetime, scope: QuestionScope
                         ) -> tuple[UnansweredQuestion, ...]:
    """The most-asked questions of the day before `until` left unanswered, among those
    `scope` may see (a chat's own, and for editors every group's; never another chat's
    private questions)."""
    visible = scope.condition()
    if visible is None:
        return ()
    rows = session.execute(
        select(QuestionLog.question, func.count().label("times"))
        .where(visible, QuestionLog.outcome != "answer", QuestionLog.question != "",
               QuestionLog.asked_at > until - timedelta(days=1), QuestionLog.asked_at <= until)
        .group_by(QuestionLog.question)
        .order_by(func.count().desc(), QuestionLog.question)
        .limit(UNANSWERED_LIMIT)
    ).all()
    return tuple(UnansweredQuestion(question, int(times)) for question, times in rows)
