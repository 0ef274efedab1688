"""Corrections follow the answer: recorded where posted, queued on a change, delivered once.

The platform is a recording stand-in here (the adapters' own tests use the real libraries
against fake servers); the database is real, SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, select

from bot.answering import Chat
from bot.core import FactBot
from bot.corrections import (
    CLAIMED,
    EDITED,
    FAILED,
    GONE,
    MERGED,
    PENDING,
    REPLIED,
    CorrectedAnswer,
    CorrectionNote,
    CorrectionWorker,
    PostedMessage,
    SlidingWindow,
    answer_digest,
)
from bot.frontends import ChatUnavailable, RateLimit
from db.models import Correction, PostedAnswer
from tests.corrections_support import (
    FACT,
    NEW_SAYS,
    OTHER_FACT,
    OTHER_QUESTION,
    QUESTION,
    SAYS_CHANGED,
    Clock,
    FactDesk,
    RecordingCorrector,
    copy_seeds,
    post,
)


@pytest.fixture
def desk(tmp_path: Path) -> FactDesk:
    return FactDesk(copy_seeds(tmp_path))


@pytest.fixture
def core(desk: FactDesk, database_url: str) -> Iterator[FactBot]:
    bot = FactBot.open(desk.settings(database_url))
    yield bot
    bot.close()


def message(number: int, chat: str | None = None, platform: str = "telegram"
            ) -> PostedMessage:
    return PostedMessage(platform, chat or f"-100{number}", str(1000 + number))


def worker(core: FactBot, corrector: RecordingCorrector, clock: Clock | None = None,
           instance: str = "instance-a", **options: object) -> CorrectionWorker:
    return CorrectionWorker(core.corrections, {corrector.name: corrector},
                            instance_id=instance, clock=clock or Clock(), **options)  # type: ignore[arg-type]


def statuses(core: FactBot) -> list[str]:
    with core.database.session() as session:
        return list(session.scalars(select(Correction.status).order_by(Correction.id)))


# --- recording ----------------------------------------------------------------------------

def test_a_posted_answer_is_recorded_by_where_it_went_never_who_asked(core: FactBot) -> None:
    """The record holds platform, chat, message, fact, version and time: no user."""
    post(core, message(1))
    columns = {c["name"] for c in inspect(core.database.engine).get_columns("posted_answers")}
    assert columns == {"id", "platform", "chat_id", "message_id", "fact_id", "fact_version",
                       "answer_sha256", "posted_at"}
    with core.database.session() as session:
        row = session.scalars(select(PostedAnswer)).one()
        assert (row.platform, row.chat_id, row.message_id, row.fact_id) == (
            "telegram", "-1001", "1001", FACT)
        assert row.answer_sha256 == answer_digest(core.answer_for(FACT))


@pytest.mark.parametrize("question", ["who painted the mona lisa", "internet",
                                      "“a state of emergency was introduced across the "
                                      "entire territory of the country”"])
def test_only_a_facts_answer_is_recorded(core: FactBot, question: str) -> None:
    """"Don't know", "did you mean" and a quote check have no fact to correct."""
    post(core, message(1), question)
    with core.database.session() as session:
        assert session.scalars(select(PostedAnswer)).all() == []


def test_recording_the_same_message_twice_keeps_one_row(core: FactBot) -> None:
    """A message is recorded once, whatever retries the adapter makes."""
    post(core, message(1))
    post(core, message(1))
    with core.database.session() as session:
        assert len(session.scalars(select(PostedAnswer)).all()) == 1


# --- queueing -----------------------------------------------------------------------------

def test_a_correction_is_queued_once_for_each_earlier_message_of_the_fact(
    core: FactBot, desk: FactDesk,
) -> None:
    """Three answers of the fact get a row each; another fact's answer none; the same
    change told twice queues nothing more."""
    for number in (1, 2, 3):
        post(core, message(number))
    post(core, message(4), OTHER_QUESTION)
    assert desk.correct(core) == 3
    assert core.corrections.queue(FACT, 1, 2, "told again") == 0
    assert statuses(core) == [PENDING] * 3


def test_a_change_that_leaves_the_answer_as_it_was_queues_nothing(
    core: FactBot, desk: FactDesk,
) -> None:
    """A new question form is a new version of the fact, but no message needs an edit."""
    post(core, message(1))
    assert desk.teach(core) == 0


def test_an_answer_posted_after_the_change_is_not_corrected(core: FactBot,
                                                            desk: FactDesk) -> None:
    """A message that already shows the corrected answer is left alone."""
    post(core, message(1))
    desk.correct(core)
    post(core, message(2))
    assert statuses(core) == [PENDING]


def test_an_answer_posted_by_an_instance_behind_the_change_is_caught_when_recorded(
    desk: FactDesk, database_url: str,
) -> None:
    """Another instance answers from its old index after the change: recording the
    message finds it out of date and queues it, with the change's own words."""
    first = FactBot.open(desk.settings(database_url))
    behind = FactBot.open(desk.settings(database_url))
    try:
        post(first, message(1))
        stale = behind.ask(QUESTION, chat=Chat("telegram", "-1002"))
        desk.correct(first)
        behind.corrections.record_posted(message(2), stale)
        with behind.database.session() as session:
            rows = session.scalars(select(Correction).order_by(Correction.id)).all()
            assert [(r.posted_answer_id, r.summary) for r in rows] == [
                (1, SAYS_CHANGED), (2, SAYS_CHANGED)]
        assert NEW_SAYS in (behind.answer_for(FACT).text or "")  # type: ignore[union-attr]
    finally:
        first.close()
        behind.close()


# --- delivering ---------------------------------------------------------------------------

async def test_each_earlier_message_is_edited_once_with_the_note_and_new_answer(
    core: FactBot, desk: FactDesk,
) -> None:
    """After a correction every message of the fact is edited once: dated note above the
    answer as it now stands; a second pass finds nothing to do."""
    for number in (1, 2, 3):
        post(core, message(number))
    post(core, message(4), OTHER_QUESTION)
    desk.correct(core)
    corrector = RecordingCorrector()
    report = await worker(core, corrector).run_once()
    assert report.edited == 3 and not corrector.replies
    assert sorted(m.message_id for m, _ in corrector.edits) == ["1001", "1002", "1003"]
    for _, correction in corrector.edits:
        assert correction.answer is not None and NEW_SAYS in (correction.answer.text or "")
        assert correction.note_lines() == [
            f"Corrected on {datetime.now(UTC).day} {datetime.now(UTC):%b %Y}: {SAYS_CHANGED}."]
    assert (await worker(core, corrector).run_once()).due == 0
    assert len(corrector.edits) == 3 and statuses(core) == [EDITED] * 3


async def test_a_message_the_platform_will_not_edit_gets_a_reply(core: FactBot,
                                                                 desk: FactDesk) -> None:
    """Where the edit is refused the correction goes as a reply to the old message."""
    post(core, message(1))
    post(core, message(2))
    desk.correct(core)
    corrector = RecordingCorrector(refuse_edits={"1002"})
    report = await worker(core, corrector).run_once()
    assert (report.edited, report.replied) == (1, 1)
    [(replied_to, correction)] = corrector.replies
    assert replied_to == message(2) and correction.fresh == 1
    assert statuses(core) == [EDITED, REPLIED]


async def test_a_deleted_message_is_left_alone(core: FactBot, desk: FactDesk) -> None:
    """A message someone deleted shows nothing any more: no edit, no reply, recorded gone."""
    post(core, message(1))
    desk.correct(core)
    corrector = RecordingCorrector(deleted={"1001"})
    assert (await worker(core, corrector).run_once()).gone == 1
    assert not corrector.edits and not corrector.replies and statuses(core) == [GONE]


async def test_a_retraction_says_so_in_place_of_the_answer(core: FactBot,
                                                           desk: FactDesk) -> None:
    """A retracted fact's messages are edited to say it is retracted, and why."""
    post(core, message(1))
    desk.retract(core, reason="the source withdrew the figure")
    corrector = RecordingCorrector()
    await worker(core, corrector).run_once()
    [(_, correction)] = corrector.edits
    assert correction.retracted
    assert correction.note_lines()[0].endswith(": retracted: the source withdrew the figure.")


async def test_corrections_queued_before_delivery_reach_the_message_in_one_edit(
    core: FactBot, desk: FactDesk,
) -> None:
    """Two changes before the worker runs: one edit, both notes, the second row merged."""
    post(core, message(1))
    desk.correct(core, says="first correction of the figure")
    desk.correct(core, says="second correction of the figure")
    corrector = RecordingCorrector()
    report = await worker(core, corrector).run_once()
    assert (report.edited, report.merged) == (1, 1)
    [(_, correction)] = corrector.edits
    assert [n.what for n in correction.notes] == [SAYS_CHANGED, SAYS_CHANGED]
    assert "second correction" in (correction.answer.text or "")  # type: ignore[union-attr]
    assert statuses(core) == [EDITED, MERGED]


async def test_a_later_correction_keeps_the_earlier_note(core: FactBot, desk: FactDesk,
                                                         ) -> None:
    """The second edit of a message shows both corrections; a reply only the new one."""
    post(core, message(1))
    corrector = RecordingCorrector()
    desk.correct(core, says="first correction of the figure")
    await worker(core, corrector).run_once()
    desk.correct(core, says="second correction of the figure")
    await worker(core, corrector).run_once()
    second = corrector.edits[-1][1]
    assert [n.what for n in second.notes] == [SAYS_CHANGED, SAYS_CHANGED]
    assert second.fresh == 1 and len(second.note_lines(fresh_only=True)) == 1


async def test_a_failed_send_is_retried_after_a_backoff(core: FactBot, desk: FactDesk
                                                        ) -> None:
    """A platform error puts the row back for later, not before its backoff."""
    post(core, message(1))
    desk.correct(core)
    clock = Clock()
    corrector = RecordingCorrector(failures=[RuntimeError("502 Bad Gateway")])
    assert (await worker(core, corrector, clock).run_once()).retrying == 1
    assert (await worker(core, corrector, clock).run_once()).due == 0
    clock.advance(seconds=31)
    assert (await worker(core, corrector, clock).run_once()).edited == 1
    assert len(corrector.edits) == 1


async def test_a_chat_gone_for_good_fails_without_retries(core: FactBot, desk: FactDesk
                                                          ) -> None:
    """A chat that blocked the bot is recorded as failed at once."""
    post(core, message(1))
    desk.correct(core)
    corrector = RecordingCorrector(failures=[ChatUnavailable("bot was blocked by the user")])
    assert (await worker(core, corrector).run_once()).failed == 1
    assert statuses(core) == [FAILED]


async def test_a_crash_after_the_claim_is_taken_over_after_the_lease(
    core: FactBot, desk: FactDesk, database_url: str,
) -> None:
    """An instance dies with a correction claimed: another delivers it once the lease has
    run out, not before, and the rest exactly once."""
    for number in (1, 2, 3):
        post(core, message(number))
    desk.correct(core)
    clock = Clock()
    hanging = RecordingCorrector()
    started = asyncio.Event()

    async def hang(message: PostedMessage, correction: CorrectedAnswer) -> None:
        started.set()
        await asyncio.Event().wait()  # the process froze, then died

    hanging.edit_answer = hang  # type: ignore[method-assign]
    doomed = asyncio.create_task(worker(core, hanging, clock, "instance-a", lanes=1).run_once())
    await asyncio.wait_for(started.wait(), 5)
    doomed.cancel()
    await asyncio.gather(doomed, return_exceptions=True)
    assert statuses(core).count(CLAIMED) == 1

    restarted = FactBot.open(desk.settings(database_url))
    try:
        survivor = RecordingCorrector()
        await worker(restarted, survivor, clock, "instance-b").run_once()
        assert len(survivor.edits) == 2  # the claimed one waits for its lease
        clock.advance(minutes=3)
        await worker(restarted, survivor, clock, "instance-b").run_once()
        assert sorted(m.message_id for m, _ in survivor.edits) == ["1001", "1002", "1003"]
        assert statuses(restarted) == [EDITED] * 3
    finally:
        restarted.close()


async def test_a_correction_whose_claimer_keeps_dying_is_given_up(
    core: FactBot, desk: FactDesk,
) -> None:
    """Out of attempts with no outcome recorded, the row is failed rather than retried."""
    post(core, message(1))
    desk.correct(core)
    clock = Clock()
    hanging = RecordingCorrector()
    started = asyncio.Event()

    async def hang(message: PostedMessage, correction: CorrectedAnswer) -> None:
        started.set()
        await asyncio.Event().wait()

    hanging.edit_answer = hang  # type: ignore[method-assign]
    doomed = asyncio.create_task(worker(core, hanging, clock, max_attempts=1).run_once())
    await asyncio.wait_for(started.wait(), 5)
    doomed.cancel()
    await asyncio.gather(doomed, return_exceptions=True)
    clock.advance(minutes=3)
    survivor = RecordingCorrector()
    assert (await worker(core, survivor, clock, max_attempts=1).run_once()).failed == 1
    assert not survivor.edits and statuses(core) == [FAILED]


async def test_a_restart_in_the_middle_resumes_where_it_stopped(
    core: FactBot, desk: FactDesk, database_url: str,
) -> None:
    """Stopped after two edits, a restarted instance corrects the rest: nothing twice,
    nothing lost."""
    for number in range(1, 7):
        post(core, message(number, chat="-1009"))
    desk.correct(core)
    first = RecordingCorrector()
    stopping = worker(core, first)

    async def edit_then_stop(message: PostedMessage, correction: CorrectedAnswer) -> None:
        first.edits.append((message, correction))
        if len(first.edits) == 2:
            await stopping.shutdown()

    first.edit_answer = edit_then_stop  # type: ignore[method-assign]
    await stopping.run_once()
    assert len(first.edits) == 2

    restarted = FactBot.open(desk.settings(database_url))
    try:
        second = RecordingCorrector()
        await worker(restarted, second, instance="instance-b").run_once()
        edited = [m.message_id for m, _ in first.edits + second.edits]
        assert sorted(edited) == [str(1000 + n) for n in range(1, 7)]
    finally:
        restarted.close()


async def test_two_instances_on_one_database_deliver_each_correction_once(
    desk: FactDesk, database_url: str,
) -> None:
    """Two workers on one database, passes racing: every message edited exactly once."""
    one = FactBot.open(desk.settings(database_url))
    two = FactBot.open(desk.settings(database_url))
    try:
        for number in range(1, 25):
            post(one if number % 2 else two, message(number))
        desk.correct(one)
        first, second = RecordingCorrector(), RecordingCorrector()
        workers = [worker(one, first, instance="instance-a", lanes=4),
                   worker(two, second, instance="instance-b", lanes=4)]
        for _ in range(3):
            await asyncio.gather(*(w.run_once() for w in workers))
        edited = [m.message_id for m, _ in first.edits + second.edits]
        assert sorted(edited) == sorted(str(1000 + n) for n in range(1, 25))
        assert statuses(one) == [EDITED] * 24
    finally:
        one.close()
        two.close()


async def test_the_background_worker_resumes_what_was_queued_before_it_started(
    core: FactBot, desk: FactDesk,
) -> None:
    """Started (as the runner starts it after a restart), the worker delivers at once."""
    post(core, message(1))
    desk.correct(core)
    corrector = RecordingCorrector()
    background = worker(core, corrector, poll_seconds=0.05)
    background.start()
    try:
        for _ in range(100):
            if corrector.edits:
                break
            await asyncio.sleep(0.05)
    finally:
        await background.shutdown(5)
    assert len(corrector.edits) == 1


# --- the digest's list, notes, pacing, forgetting -------------------------------------------

async def test_corrections_since_lists_the_days_changes_with_their_messages(
    core: FactBot, desk: FactDesk,
) -> None:
    """The digest gets each change once, with how many messages it reached so far."""
    for number in (1, 2):
        post(core, message(number))
    post(core, message(3), OTHER_QUESTION)
    start = datetime.now(UTC) - timedelta(minutes=1)
    desk.correct(core)
    desk.retract(core, OTHER_FACT, reason="withdrawn")
    await worker(core, RecordingCorrector(deleted={"1002"})).run_once()
    listed = core.corrections.corrections_since(start, datetime.now(UTC) + timedelta(minutes=1))
    assert [(c.fact_id, c.kind, c.summary, c.messages, c.delivered) for c in listed] == [
        (FACT, "corrected", SAYS_CHANGED, 2, 1),
        (OTHER_FACT, "retracted", "retracted: withdrawn", 1, 1)]
    assert listed[0].headline == "Size of the CSTO peacekeeping contingent"
    assert core.corrections.corrections_since(start - timedelta(days=1), start) == []


def test_a_message_shows_its_latest_notes_and_counts_the_rest() -> None:
    """Past five corrections, the oldest are counted rather than listed."""
    notes = tuple(CorrectionNote(datetime(2026, 2, day, tzinfo=UTC), f"change {day}.")
                  for day in range(1, 8))
    lines = CorrectedAnswer(None, notes, 2).note_lines()
    assert lines[0] == "… and 2 earlier corrections"
    assert lines[1:] == [f"Corrected on {day} Feb 2026: change {day}." for day in range(3, 8)]
    assert CorrectedAnswer(None, notes, 2).note_lines(fresh_only=True) == lines[-2:]


@pytest.mark.parametrize(("limit", "starts"), [
    (RateLimit(1, 1.0), [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]),  # Telegram, one chat
    (RateLimit(5, 5.0), [0.0, 0.0, 0.0, 0.0, 0.0, 5.0]),  # Discord, one channel
])
def test_sends_are_paced_within_the_platforms_limits(limit: RateLimit, starts: list[float]
                                                     ) -> None:
    """Six messages asked for at once start no faster than the limit allows."""
    window = SlidingWindow(limit)
    assert [window.reserve(0.0) for _ in starts] == starts


def test_answers_posted_long_ago_are_forgotten(core: FactBot, desk: FactDesk) -> None:
    """Past the retention, a posted answer (and its finished corrections) is deleted;
    one with a correction still to deliver is kept."""
    post(core, message(1))
    post(core, message(2), OTHER_QUESTION)
    desk.correct(core, OTHER_FACT)
    assert core.corrections.forget_posted(datetime.now(UTC) + timedelta(days=1)) == 1
    with core.database.session() as session:
        assert session.scalars(select(PostedAnswer.fact_id)).all() == [OTHER_FACT]
