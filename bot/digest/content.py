"""What a daily digest says: built once in the core, rendered by each adapter.

1. changes since the subscription's last digest (facts added, corrected, retracted);
2. on this day: facts whose event date falls on today's month and day;
3. one highlighted fact, rotating so a channel sees every fact before any repeats;
4. for subscriptions that opt in, the most-asked questions of the last day left unanswered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.answers import Answer
from bot.matching import FactIndex
from db.models import Fact, FactChange, QuestionLog

UNANSWERED_LIMIT = 5
CHANGES_LIMIT = 20


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

    def to_json(self) -> dict[str, Any]:
        return {"fact_id": self.answer.fact_id, "event_date": self.event_date.isoformat(),
                "years_ago": self.years_ago, "headline": self.answer.headline,
                "answer": self.answer.text}


@dataclass(frozen=True, slots=True)
class UnansweredQuestion:
    question: str
    times: int


@dataclass(frozen=True, slots=True)
class Digest:
    local_date: date
    timezone: str
    changes: tuple[FactUpdate, ...]
    on_this_day: tuple[Anniversary, ...]
    highlight: Answer | None
    unanswered: tuple[UnansweredQuestion, ...] = ()

    @property
    def is_empty(self) -> bool:
        """No news and no anniversary: only the highlight to offer. Subscriptions with
        `skip_empty` get no digest on such days (and the highlight waits for the next)."""
        return not self.changes and not self.on_this_day

    def to_json(self) -> dict[str, Any]:
        return {
            "local_date": self.local_date.isoformat(), "timezone": self.timezone,
            "changes": [c.to_json() for c in self.changes],
            "on_this_day": [a.to_json() for a in self.on_this_day],
            "highlight": None if self.highlight is None else {
                "fact_id": self.highlight.fact_id, "headline": self.highlight.headline,
                "answer": self.highlight.text},
            "unanswered": [{"question": u.question, "times": u.times} for u in self.unanswered],
        }


def fact_updates(*, session: Session, index: FactIndex, since: datetime, until: datetime,
                 answer_for: Any) -> tuple[FactUpdate, ...]:
    """The latest change of each fact changed in (since, until], newest first."""
    rows = session.execute(
        select(FactChange.fact_id, FactChange.kind, FactChange.changed_at)
        .where(FactChange.changed_at > since, FactChange.changed_at <= until)
        .order_by(FactChange.changed_at.desc(), FactChange.id.desc())
    ).all()
    latest: dict[str, str] = {}
    for fact_id, kind, _ in rows:
        latest.setdefault(fact_id, kind)
    updates = []
    for fact_id, kind in list(latest.items())[:CHANGES_LIMIT]:
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


def unanswered_questions(*, session: Session, until: datetime
                         ) -> tuple[UnansweredQuestion, ...]:
    rows = session.execute(
        select(QuestionLog.question, func.count().label("times"))
        .where(QuestionLog.outcome != "answer", QuestionLog.question != "",
               QuestionLog.asked_at > until - timedelta(days=1), QuestionLog.asked_at <= until)
        .group_by(QuestionLog.question)
        .order_by(func.count().desc(), QuestionLog.question)
        .limit(UNANSWERED_LIMIT)
    ).all()
    return tuple(UnansweredQuestion(question, int(times)) for question, times in rows)
