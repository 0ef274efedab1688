"""Corrections follow the answer: a fact corrected or retracted reaches every message that
showed it, once.

Recording. Each time a front end posts a fact's answer it calls
`Corrections.record_posted` with where it went (platform, chat, message — never who
asked); the row keeps the fact, the version shown and `answer_digest` of what the
answer says.

Queueing. After a change to a fact is committed, the curation service calls
`Corrections.on_fact_changed(fact_id, old_version, new_version, summary)`. Every earlier
message that shows something other than the new answer gets one `corrections` row; a
change that leaves the answer as it was (a new question form) queues nothing, and a
repeated call queues nothing twice (one row per message and version). An answer posted
from an index that had not yet caught up with a change (another instance refreshes within
a minute) is caught when it is recorded: the recording instance refreshes and compares.

Delivering. `CorrectionWorker`, started by the runner on every instance, takes due rows
with a compare-and-set and a lease (as digests are claimed, `bot.digest.scheduler`) right
before each send, edits the message through the platform's `Corrector` — or replies to it
where the platform refuses the edit — and records the outcome with a compare-and-set on
its own claim. A message has one correction in flight at a time: a row is due only when
no earlier row of the same message is unfinished, and rows queued behind it by then are
delivered with it (merged). The edit shows every correction of the message, dated, above
the answer as it now stands. Sends are paced per platform and per chat within the limits
the `Corrector` declares. A restart loses nothing: unfinished rows are in the database,
and a claim whose process died is taken over when its lease runs out.

Exactly once: an edit repeated after a crash shows the same thing again (harmless); a
reply repeated after a crash in the instant between the platform accepting it and the
outcome being written is the one at-least-once window, as for digests.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Result,
    and_,
    case,
    delete,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, aliased

from bot import texts
from bot.answers import Answer, Outcome, format_date
from bot.frontends import (
    ChatUnavailable,
    CorrectionPace,
    Corrector,
    EditRefused,
    MessageGone,
    RateLimit,
)
from db.database import Database
from db.models import Correction, Fact, PostedAnswer
from db.types import utcnow

if TYPE_CHECKING:
    from bot.answering import Answering

log = logging.getLogger(__name__)

# Correction rows: waiting, in someone's hands, or finished one way or another.
PENDING, CLAIMED = "pending", "claimed"
EDITED, REPLIED, MERGED = "edited", "replied", "merged"
GONE, FAILED = "gone", "failed"
UNFINISHED = (PENDING, CLAIMED)
DELIVERED = (EDITED, REPLIED, MERGED)
CORRECTED, RETRACTED = "corrected", "retracted"

LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 6
RETRY_BASE = timedelta(seconds=30)
POLL_SECONDS = 5.0
# How long a posted answer is remembered. In a private Telegram chat the chat id is the
# reader's user id: kept only as long as a correction is likely, like the question log.
POSTED_RETENTION = timedelta(days=90)
PRUNE_EVERY = timedelta(hours=1)
# Rows looked at per pass, and chats worked on at once (each chat's messages in order).
DUE_BATCH = 200
LANES = 16
# Notes shown above a corrected answer: the latest; older ones are counted.
NOTES_SHOWN = 5
NOTE_CHARS = 300
_INSERT_CHUNK = 500


def answer_digest(answer: Answer | None) -> str:
    """What a message shows of a fact, as a SHA-256: equal digests, same answer shown.

    The question asked and the match score are left out (they differ from message to
    message); a retracted fact (no answer) has a digest of its own."""
    if answer is None:
        payload: dict[str, Any] = {"retracted": True}
    else:
        payload = {
            "headline": answer.headline, "short": answer.short, "lead": answer.lead,
            "text": answer.text, "sources_differ": answer.sources_differ,
            "claims": [claim.to_json() for claim in answer.claims],
            "citations": [citation.to_json() for citation in answer.citations],
        }
    encoded = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(encoded).hexdigest()


def follows(answer: Answer) -> bool:
    """Whether corrections follow a posted `answer`: only a fact's answer has a fact to
    change (a quote check, a suggestion or a "don't know" has none)."""
    return answer.outcome is Outcome.ANSWER and bool(answer.fact_id)


# --- what the front ends are handed -------------------------------------------------------

@dataclass(frozen=True, slots=True)
class PostedMessage:
    """A message the bot posted, as its platform names it."""

    platform: str
    chat_id: str
    message_id: str


@dataclass(frozen=True, slots=True)
class CorrectionNote:
    """One correction as a message shows it: "Corrected on 5 Feb 2026: quote changed."."""

    changed_at: datetime
    what: str

    @property
    def text(self) -> str:
        what = " ".join(self.what.split()).rstrip(".") or texts.CORRECTION_NO_SUMMARY
        if len(what) > NOTE_CHARS:
            what = what[: NOTE_CHARS - 1].rstrip() + "…"
        return texts.CORRECTED_ON.format(date=format_date(self.changed_at.date()), what=what)


@dataclass(frozen=True, slots=True)
class CorrectedAnswer:
    """What a corrected message shows: its corrections, oldest first, then the answer as it
    now stands — `answer` is None when the fact was retracted.

    The last `fresh` notes are the ones this delivery brings (what a reply repeats)."""

    answer: Answer | None
    notes: tuple[CorrectionNote, ...]
    fresh: int

    @property
    def retracted(self) -> bool:
        return self.answer is None

    def note_lines(self, *, fresh_only: bool = False) -> list[str]:
        """The notes to print, the latest `NOTES_SHOWN` of them, older ones counted."""
        notes = self.notes[len(self.notes) - self.fresh:] if fresh_only else self.notes
        shown = notes[-NOTES_SHOWN:]
        lines = [note.text for note in shown]
        if len(notes) > len(shown):
            lines.insert(0, texts.CORRECTION_EARLIER.format(count=len(notes) - len(shown)))
        return lines


@dataclass(frozen=True, slots=True)
class FactCorrection:
    """One change to a fact that earlier answers had to follow: what the digest lists."""

    fact_id: str
    headline: str
    kind: str  # corrected | retracted
    summary: str
    changed_at: datetime
    messages: int  # earlier messages that showed the fact
    delivered: int  # of which corrected so far

    @property
    def note(self) -> CorrectionNote:
        return CorrectionNote(self.changed_at, self.summary)


def corrections_since(*, session: Session, since: datetime, until: datetime
                      ) -> list[FactCorrection]:
    """Changes made in [since, until) that earlier answers had to follow, oldest first,
    each with how many messages showed the fact and how many are corrected so far."""
    delivered = func.sum(case((Correction.status.in_(DELIVERED), 1), else_=0))
    rows = session.execute(
        select(Correction.fact_id, Fact.headline, Correction.kind, Correction.summary,
               Correction.changed_at, func.count(), delivered)
        .outerjoin(Fact, Fact.id == Correction.fact_id)
        .where(Correction.changed_at >= since, Correction.changed_at < until)
        .group_by(Correction.fact_id, Fact.headline, Correction.new_version, Correction.kind,
                  Correction.summary, Correction.changed_at)
        .order_by(Correction.changed_at, Correction.fact_id)
    ).all()
    return [FactCorrection(fact_id, headline or fact_id, kind, summary, changed_at,
                           int(messages), int(done or 0))
            for fact_id, headline, kind, summary, changed_at, messages, done in rows]


def _insert(session: Session) -> Any:
    """The dialect's INSERT, for ON CONFLICT DO NOTHING."""
    return postgresql_insert if session.get_bind().dialect.name == "postgresql" \
        else sqlite_insert


def _rowcount(result: Result[Any]) -> int:
    return cast(CursorResult[Any], result).rowcount


# --- recording and queueing ---------------------------------------------------------------

class Corrections:
    """Where answers were posted, and the corrections queued for them when a fact changes.

    Synchronous (database and in-memory index): adapters call `record_posted` through
    `asyncio.to_thread`; the curation service calls `on_fact_changed` after each commit.
    """

    def __init__(self, database: Database, answering: Answering, *,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.database = database
        self.answering = answering
        self.clock = clock

    def current_answer(self, fact_id: str) -> Answer | None:
        """The fact's answer as the table now has it; None when it is retracted or gone."""
        return self.answering.answer_for(fact_id)

    def shown_version(self, fact_id: str) -> int | None:
        """The version of the fact the index answers from; None before the table is
        versioned (its records then carry no version)."""
        version = getattr(self.answering.index.get(fact_id), "version", None)
        return version if isinstance(version, int) else None

    def record_posted(self, message: PostedMessage, answer: Answer) -> None:
        """Remember that `message` shows `answer`, so a later correction can follow it.

        Never raises: the answer is already posted, and a failure here must not turn
        into an apology for it. An answer out of date by the time it is recorded (this
        instance had not caught up with a change) is queued for correction at once."""
        if not follows(answer):
            return
        assert answer.fact_id is not None
        shown = answer_digest(answer)
        try:
            with self.database.session() as session:
                posted_id = session.scalar(
                    _insert(session)(PostedAnswer).values(
                        platform=message.platform, chat_id=message.chat_id,
                        message_id=message.message_id, fact_id=answer.fact_id,
                        fact_version=self.shown_version(answer.fact_id),
                        answer_sha256=shown, posted_at=self.clock())
                    .on_conflict_do_nothing(
                        index_elements=["platform", "chat_id", "message_id"])
                    .returning(PostedAnswer.id))
            if posted_id is not None:
                self._catch_up(posted_id, answer.fact_id, shown)
        except SQLAlchemyError as error:
            log.warning("could not record where a %s answer was posted: %s",
                        message.platform, type(error).__name__)
        except Exception:
            log.exception("could not record where a %s answer was posted", message.platform)

    def _catch_up(self, posted_id: int, fact_id: str, shown: str) -> None:
        """Queue a correction for a message that is out of date as soon as it is posted."""
        self.answering.refresh_if_changed()
        current = self.current_answer(fact_id)
        digest = answer_digest(current)
        if digest == shown:
            return
        with self.database.session() as session:
            # The change that led to the answer the table now gives, if earlier messages
            # were corrected for it: its words and date; else a plain note.
            cause = session.scalars(
                select(Correction).where(Correction.fact_id == fact_id,
                                         Correction.answer_sha256 == digest)
                .order_by(Correction.changed_at.desc(), Correction.id.desc()).limit(1)
            ).first()
            now = self.clock()
            session.execute(
                _insert(session)(Correction).values(
                    posted_answer_id=posted_id, fact_id=fact_id,
                    old_version=cause.old_version if cause else None,
                    new_version=cause.new_version if cause else self.shown_version(fact_id),
                    kind=RETRACTED if current is None else CORRECTED,
                    summary=cause.summary if cause else texts.CORRECTION_SINCE_POSTED,
                    changed_at=cause.changed_at if cause else now, answer_sha256=digest,
                    status=PENDING, attempts=0, next_attempt_at=now)
                .on_conflict_do_nothing(index_elements=["posted_answer_id", "new_version"]))
        log.info("an answer to fact %s went out behind a change; correction queued", fact_id)

    def on_fact_changed(self, fact_id: str, old_version: int | None, new_version: int,
                        summary: str) -> None:
        """The curation service's listener: queue the change for every earlier message."""
        queued = self.queue(fact_id, old_version, new_version, summary)
        if queued:
            log.info("fact %s version %s: %d earlier messages to correct", fact_id,
                     new_version, queued)

    def queue(self, fact_id: str, old_version: int | None, new_version: int | None,
              summary: str) -> int:
        """One pending correction for each earlier message of the fact that shows
        something other than the fact's answer now; returns how many were queued."""
        self.answering.refresh_if_changed()
        answer = self.current_answer(fact_id)
        digest = answer_digest(answer)
        now = self.clock()
        with self.database.session() as session:
            query = select(PostedAnswer.id).where(PostedAnswer.fact_id == fact_id,
                                                  PostedAnswer.answer_sha256 != digest)
            if new_version is not None:
                query = query.where(or_(PostedAnswer.fact_version.is_(None),
                                        PostedAnswer.fact_version < new_version))
            posted = session.scalars(query.order_by(PostedAnswer.id)).all()
            queued = 0
            for start in range(0, len(posted), _INSERT_CHUNK):
                rows = [{
                    "posted_answer_id": posted_id, "fact_id": fact_id,
                    "old_version": old_version, "new_version": new_version,
                    "kind": RETRACTED if answer is None else CORRECTED,
                    "summary": summary, "changed_at": now, "answer_sha256": digest,
                    "status": PENDING, "attempts": 0, "next_attempt_at": now,
                } for posted_id in posted[start:start + _INSERT_CHUNK]]
                queued += len(session.execute(
                    _insert(session)(Correction).values(rows)
                    .on_conflict_do_nothing(index_elements=["posted_answer_id",
                                                            "new_version"])
                    .returning(Correction.id)).all())
        return queued

    def notes_for(self, message: PostedMessage) -> tuple[CorrectionNote, ...]:
        """The corrections `message` already shows, oldest first (for re-rendering it)."""
        with self.database.session() as session:
            rows = session.execute(
                select(Correction.changed_at, Correction.summary)
                .join(PostedAnswer, PostedAnswer.id == Correction.posted_answer_id)
                .where(PostedAnswer.platform == message.platform,
                       PostedAnswer.chat_id == message.chat_id,
                       PostedAnswer.message_id == message.message_id,
                       Correction.status.in_(DELIVERED))
                .order_by(Correction.changed_at, Correction.id)).all()
        return tuple(CorrectionNote(changed_at, summary) for changed_at, summary in rows)

    def forget_posted(self, before: datetime) -> int:
        """Forget answers posted before `before` (and their finished corrections), except
        those with a correction still to deliver; returns how many were forgotten."""
        unfinished = exists().where(Correction.posted_answer_id == PostedAnswer.id,
                                    Correction.status.in_(UNFINISHED))
        with self.database.session() as session:
            session.execute(delete(Correction).where(
                Correction.posted_answer_id.in_(
                    select(PostedAnswer.id).where(PostedAnswer.posted_at < before,
                                                  ~unfinished))))
            result = session.execute(delete(PostedAnswer).where(
                PostedAnswer.posted_at < before, ~unfinished))
        return _rowcount(result)

    def fact_of(self, message: PostedMessage) -> str | None:
        """The fact a message of the bot's showed, if it was a fact answer."""
        with self.database.session() as session:
            return session.scalar(select(PostedAnswer.fact_id).where(
                PostedAnswer.platform == message.platform,
                PostedAnswer.chat_id == message.chat_id,
                PostedAnswer.message_id == message.message_id))

    def corrections_since(self, since: datetime, until: datetime) -> list[FactCorrection]:
        """`corrections_since` in a session of its own (for the digest)."""
        with self.database.session() as session:
            return corrections_since(session=session, since=since, until=until)


# --- pacing ---------------------------------------------------------------------------------

class SlidingWindow:
    """At most `limit.count` starts in any `limit.seconds`; `reserve` books the next one.

    Reservations are booked in time order (one chat's messages go one after another, and
    a start booked later is never earlier), so the oldest of the last `count` starts
    decides when the next may go."""

    def __init__(self, limit: RateLimit) -> None:
        self.limit = limit
        self._starts: deque[float] = deque(maxlen=limit.count)

    def reserve(self, now: float) -> float:
        """Book a start at `now` or later; return when it is."""
        start = now
        if len(self._starts) == self.limit.count:
            start = max(now, self._starts[0] + self.limit.seconds)
        if self._starts:
            start = max(start, self._starts[-1])
        self._starts.append(start)
        return start

    def idle_since(self, now: float) -> bool:
        """Nothing booked within the window: forgetting it changes nothing."""
        return not self._starts or self._starts[-1] + self.limit.seconds <= now


class Pacer:
    """One platform's pace: each chat's own limit, then the platform's overall limit."""

    _FORGET_AFTER = 1000  # chats remembered before idle ones are forgotten

    def __init__(self, pace: CorrectionPace, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.pace = pace
        self._clock = clock
        self._sleep = sleep
        self._overall = SlidingWindow(pace.overall)
        self._chats: dict[str, SlidingWindow] = {}

    async def wait_turn(self, chat_id: str) -> None:
        """Return when a message may go to `chat_id`."""
        if len(self._chats) > self._FORGET_AFTER:
            now = self._clock()
            self._chats = {chat: window for chat, window in self._chats.items()
                           if not window.idle_since(now)}
        window = self._chats.setdefault(chat_id, SlidingWindow(self.pace.per_chat))
        await self._until(window.reserve(self._clock()))
        await self._until(self._overall.reserve(self._clock()))

    async def _until(self, start: float) -> None:
        delay = start - self._clock()
        if delay > 0:
            await self._sleep(delay)


# --- delivering -----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class DueCorrection:
    """A row due for delivery, as read: its claim is a compare-and-set on these values."""

    correction_id: int
    status: str
    next_attempt_at: datetime
    attempts: int
    fact_id: str
    answer_sha256: str  # the answer the correction brings
    message: PostedMessage


@dataclass(frozen=True, slots=True)
class CorrectionClaim:
    """This instance's hold on one correction, and what the message is to show."""

    correction_id: int
    posted_answer_id: int
    attempt: int
    message: PostedMessage
    correction: CorrectedAnswer
    merged: tuple[int, ...]  # pending rows of the same message delivered with it
    shown: str  # the digest of what the message shows once corrected
    version: int | None


@dataclass
class CorrectionReport:
    due: int = 0
    edited: int = 0
    replied: int = 0
    merged: int = 0
    gone: int = 0
    failed: int = 0
    retrying: int = 0
    lost: int = 0  # taken by another instance between the reading and the claim

    @property
    def finished(self) -> int:
        return self.edited + self.replied + self.gone + self.failed + self.retrying


class CorrectionWorker:
    """Delivers queued corrections through the platforms' `Corrector`s, paced, resumable.

    The runner starts one on every instance; any number share the work through the
    database. `run_once` is one pass over what is due (tests call it directly).
    """

    def __init__(self, corrections: Corrections, correctors: Mapping[str, Corrector], *,
                 instance_id: str, clock: Callable[[], datetime] = utcnow,
                 poll_seconds: float = POLL_SECONDS, lease: timedelta = LEASE,
                 max_attempts: int = MAX_ATTEMPTS, retry_base: timedelta = RETRY_BASE,
                 lanes: int = LANES, retention: timedelta = POSTED_RETENTION,
                 pacers: Mapping[str, Pacer] | None = None) -> None:
        self.corrections = corrections
        self.database = corrections.database
        self.correctors = dict(correctors)
        self.instance_id = instance_id
        self.clock = clock
        self.poll_seconds = poll_seconds
        self.lease = lease
        self.max_attempts = max_attempts
        self.retry_base = retry_base
        self.lanes = lanes
        self.retention = retention
        self._pruned_at: datetime | None = None
        self.pacers = dict(pacers or {})
        for name, corrector in self.correctors.items():
            self.pacers.setdefault(name, Pacer(corrector.correction_pace))
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._pass_lock = asyncio.Lock()
        self._stopping = False

    # --- in the background ------------------------------------------------------------

    def start(self) -> None:
        """Work through what is due now (left over from before a restart too), then poll."""
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="corrections")

    def wake(self) -> None:
        """Look for due corrections now rather than at the next poll (event loop only)."""
        self._wake.set()

    async def shutdown(self, drain_seconds: float = 30.0) -> None:
        """Stop claiming; let the sends in flight finish (up to `drain_seconds`), return.

        Nothing is claimed ahead of its send, so nothing needs handing back; a send cut
        off by the timeout is taken over by any instance when its lease runs out."""
        self._stopping = True
        self._wake.set()
        if self._task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(self._task), drain_seconds)
        except TimeoutError:
            log.warning("corrections still sending after %.0f s; the rest resumes later",
                        drain_seconds)
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._task = None

    async def _run(self) -> None:
        while not self._stopping:
            busy = False
            try:
                # Finishing a row may make the next one of its message due: look again at
                # once after a pass that finished any; otherwise wait for the next poll.
                busy = (await self.run_once()).finished > 0
            except Exception:
                log.exception("correction pass failed; the next one will try again")
            if busy or self._stopping:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
            self._wake.clear()

    # --- one pass -----------------------------------------------------------------------

    async def run_once(self) -> CorrectionReport:
        """Deliver what is due now: each chat's messages in order, chats side by side."""
        async with self._pass_lock:
            report = CorrectionReport()
            if not self.correctors:
                return report
            now = self.clock()
            if self._pruned_at is None or now - self._pruned_at >= PRUNE_EVERY:
                forgotten = await asyncio.to_thread(self.corrections.forget_posted,
                                                    now - self.retention)
                self._pruned_at = now
                if forgotten:
                    log.info("forgot %d answers posted more than %d days ago", forgotten,
                             self.retention.days)
            await asyncio.to_thread(self.corrections.answering.refresh_if_changed)
            due = await asyncio.to_thread(self._due, now)
            report.due = len(due)
            lanes: dict[tuple[str, str], list[DueCorrection]] = {}
            for row in due:
                lanes.setdefault((row.message.platform, row.message.chat_id), []).append(row)
            room = asyncio.Semaphore(self.lanes)
            await asyncio.gather(*(self._work_lane(lane, room, report)
                                   for lane in lanes.values()))
            return report

    def _due(self, now: datetime) -> list[DueCorrection]:
        """Rows due by `now` on this instance's platforms whose message has no earlier row
        unfinished: pending ones, and claims whose lease ran out."""
        earlier = aliased(Correction)
        blocked = exists().where(earlier.posted_answer_id == Correction.posted_answer_id,
                                 earlier.id < Correction.id, earlier.status.in_(UNFINISHED))
        with self.database.session() as session:
            rows = session.execute(
                select(Correction.id, Correction.status, Correction.next_attempt_at,
                       Correction.attempts, Correction.fact_id, Correction.answer_sha256,
                       PostedAnswer.platform, PostedAnswer.chat_id, PostedAnswer.message_id)
                .join(PostedAnswer, PostedAnswer.id == Correction.posted_answer_id)
                .where(Correction.status.in_(UNFINISHED), Correction.next_attempt_at <= now,
                       PostedAnswer.platform.in_(list(self.correctors)), ~blocked)
                .order_by(Correction.next_attempt_at, Correction.id).limit(DUE_BATCH)
            ).all()
        return [DueCorrection(row.id, row.status, row.next_attempt_at, row.attempts,
                              row.fact_id, row.answer_sha256,
                              PostedMessage(row.platform, row.chat_id, row.message_id))
                for row in rows]

    async def _work_lane(self, lane: Sequence[DueCorrection], room: asyncio.Semaphore,
                         report: CorrectionReport) -> None:
        async with room:
            pacer = self.pacers[lane[0].message.platform]
            for due in lane:
                if self._stopping:
                    return
                await pacer.wait_turn(due.message.chat_id)
                if self._stopping:
                    return
                await self._deliver(due, report)

    async def _deliver(self, due: DueCorrection, report: CorrectionReport) -> None:
        if due.attempts >= self.max_attempts:
            if await asyncio.to_thread(self._give_up, due):
                report.failed += 1
            return
        claim = await asyncio.to_thread(self._claim, due)
        if claim is None:
            report.lost += 1
            return
        corrector = self.correctors[due.message.platform]
        try:
            # A send still pending halfway through the lease is given up and retried, so
            # a hung connection cannot outlive the claim.
            outcome = await asyncio.wait_for(self._send(corrector, claim),
                                             self.lease.total_seconds() / 2)
        except MessageGone:
            await asyncio.to_thread(self._finish, claim, GONE, None)
            report.gone += 1
        except ChatUnavailable as error:
            await asyncio.to_thread(self._finish, claim, FAILED, f"chat unavailable: {error}")
            report.failed += 1
        except Exception as error:
            if await asyncio.to_thread(self._retry_later, claim, error):
                report.retrying += 1
            else:
                report.failed += 1
        else:
            if not await asyncio.to_thread(self._finish, claim, outcome, None):
                report.lost += 1
                return
            if outcome == EDITED:
                report.edited += 1
            else:
                report.replied += 1
            report.merged += len(claim.merged)

    @staticmethod
    async def _send(corrector: Corrector, claim: CorrectionClaim) -> str:
        """Edit in place; reply where the platform refuses the edit."""
        try:
            await corrector.edit_answer(claim.message, claim.correction)
        except EditRefused:
            await corrector.reply_to_answer(claim.message, claim.correction)
            return REPLIED
        return EDITED

    # --- claims and outcomes (in a thread) ------------------------------------------------

    def _claim(self, due: DueCorrection) -> CorrectionClaim | None:
        """Take the row with a compare-and-set on what was read, and build what the message
        is to show, in one transaction; None when another instance took it first."""
        answer = self.corrections.current_answer(due.fact_id)
        if answer_digest(answer) != due.answer_sha256:
            # This instance's index may be behind the change: catch up first. What is
            # shown is the answer as it now stands (the row's, or a later change's).
            self.corrections.answering.refresh_if_changed()
            answer = self.corrections.current_answer(due.fact_id)
        now = self.clock()
        with self.database.session() as session:
            taken = session.execute(
                update(Correction).where(self._unchanged(due))
                .values(status=CLAIMED, claimed_by=self.instance_id,
                        attempts=due.attempts + 1, next_attempt_at=now + self.lease))
            if _rowcount(taken) != 1:
                return None
            row = session.get(Correction, due.correction_id)
            assert row is not None
            return self._build(session, row, due, answer)

    def _build(self, session: Session, row: Correction, due: DueCorrection,
               answer: Answer | None) -> CorrectionClaim:
        """The message's corrections already shown, then this one and those queued behind
        it (delivered with it), above `answer`."""
        others = session.scalars(
            select(Correction).where(Correction.posted_answer_id == row.posted_answer_id,
                                     Correction.id != row.id,
                                     Correction.status.in_((*DELIVERED, PENDING)))
            .order_by(Correction.changed_at, Correction.id)).all()
        merged = [other for other in others if other.status == PENDING]
        shown_before = [other for other in others if other.status in DELIVERED]
        new = sorted([row, *merged], key=lambda c: (c.changed_at, c.id))
        notes = tuple(CorrectionNote(c.changed_at, c.summary) for c in [*shown_before, *new])
        return CorrectionClaim(
            correction_id=row.id, posted_answer_id=row.posted_answer_id,
            attempt=due.attempts + 1, message=due.message,
            correction=CorrectedAnswer(answer, notes, len(new)),
            merged=tuple(other.id for other in merged), shown=answer_digest(answer),
            version=self.corrections.shown_version(row.fact_id))

    @staticmethod
    def _unchanged(due: DueCorrection) -> ColumnElement[bool]:
        """The row, if nobody took or settled it since it was read."""
        return and_(Correction.id == due.correction_id, Correction.status == due.status,
                    Correction.next_attempt_at == due.next_attempt_at)

    def _give_up(self, due: DueCorrection) -> bool:
        """A claim that ran out of attempts without an outcome (its claimer kept dying)."""
        with self.database.session() as session:
            result = session.execute(
                update(Correction).where(self._unchanged(due))
                .values(status=FAILED, finished_at=self.clock(), next_attempt_at=None,
                        error="gave up: no outcome recorded after the last attempt"))
        return _rowcount(result) == 1

    def _ours(self, claim: CorrectionClaim) -> ColumnElement[bool]:
        return and_(Correction.id == claim.correction_id, Correction.status == CLAIMED,
                    Correction.claimed_by == self.instance_id,
                    Correction.attempts == claim.attempt)

    def _finish(self, claim: CorrectionClaim, status: str, error: str | None) -> bool:
        """Record the outcome if the claim is still ours; False when it was lost."""
        now = self.clock()
        with self.database.session() as session:
            recorded = session.execute(
                update(Correction).where(self._ours(claim))
                .values(status=status, finished_at=now, next_attempt_at=None,
                        error=error[:500] if error else None))
            if _rowcount(recorded) != 1:
                log.warning("correction %s was taken over before its outcome (%s) was "
                            "recorded", claim.correction_id, status)
                return False
            if status in (EDITED, REPLIED) and claim.merged:
                session.execute(
                    update(Correction)
                    .where(Correction.id.in_(claim.merged), Correction.status == PENDING)
                    .values(status=MERGED, claimed_by=self.instance_id, finished_at=now,
                            next_attempt_at=None))
            elif status == GONE:
                session.execute(
                    update(Correction)
                    .where(Correction.posted_answer_id == claim.posted_answer_id,
                           Correction.status == PENDING)
                    .values(status=GONE, claimed_by=self.instance_id, finished_at=now,
                            next_attempt_at=None))
            if status in (EDITED, REPLIED):
                session.execute(
                    update(PostedAnswer).where(PostedAnswer.id == claim.posted_answer_id)
                    .values(answer_sha256=claim.shown, fact_version=claim.version))
        if status == FAILED:
            log.warning("correction of %s message %s in chat %s failed: %s",
                        claim.message.platform, claim.message.message_id,
                        claim.message.chat_id, error)
        return True

    def _retry_later(self, claim: CorrectionClaim, error: Exception) -> bool:
        """Put the row back with a backoff, or fail it after the last attempt; True when it
        will be tried again."""
        description = f"{type(error).__name__}: {error}"[:500]
        now = self.clock()
        again = claim.attempt < self.max_attempts
        values: dict[str, object] = (
            {"status": PENDING, "error": description,
             "next_attempt_at": now + self.retry_base * (2 ** (claim.attempt - 1))}
            if again else
            {"status": FAILED, "error": description, "finished_at": now,
             "next_attempt_at": None})
        with self.database.session() as session:
            session.execute(update(Correction).where(self._ours(claim)).values(**values))
        log.warning("correction of %s message %s in chat %s failed (attempt %d)%s: %s",
                    claim.message.platform, claim.message.message_id, claim.message.chat_id,
                    claim.attempt, ", will retry" if again else ", giving up", description)
        return again

