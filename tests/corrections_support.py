"""Shared pieces for correction tests: a fact desk that changes facts through the
curation service (whose listener queues the corrections), a clock, and a recording
corrector."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot.answering import Chat
from bot.answers import Answer
from bot.core import FactBot
from bot.corrections import CorrectedAnswer, PostedMessage
from bot.frontends import CorrectionPace, EditRefused, MessageGone, RateLimit
from bot.settings import DEFAULT_SEEDS_DIR, Settings, load_settings
from bot.store import Actor
from db.models import Correction

FACT = "csto-contingent-size"  # "how many CSTO troops?"
QUESTION = "how many CSTO troops?"
OTHER_FACT = "curfew"
OTHER_QUESTION = "curfew hours"
NEW_SAYS = "the CSTO contingent numbers about 3,000 personnel (a corrected figure)"
# What the curation service says of the change `FactDesk.correct` makes.
SAYS_CHANGED = "what it says of claim 1 (001) changed"
EDITOR = Actor("telegram:111", "telegram:-100")
UNPACED = CorrectionPace(overall=RateLimit(10_000, 1.0), per_chat=RateLimit(10_000, 1.0))


def copy_seeds(directory: Path) -> Path:
    target = directory / "seeds"
    shutil.copytree(DEFAULT_SEEDS_DIR, target)
    return target


@dataclass
class Clock:
    """A worker's clock: now when made, then only moved on by the test."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class FactDesk:
    """Changes facts through the real curation service, as an editor would: the
    corrections hear of each change as its listener."""

    def __init__(self, seeds_dir: Path) -> None:
        self.seeds_dir = seeds_dir

    def settings(self, database_url: str, **overrides: object) -> Settings:
        return load_settings(database_url=database_url, seeds_dir=self.seeds_dir, **overrides)

    def correct(self, core: FactBot, fact_id: str = FACT, *, says: str = NEW_SAYS) -> int:
        """Change what the fact's first claim says; return how many messages were queued."""
        fact = core.curation.fact(fact_id)
        claims = [fact.claims[0].model_copy(update={"says": says}), *fact.claims[1:]]
        return self._queued(core, fact_id, lambda: core.curation.correct(
            fact.model_copy(update={"claims": claims}), actor=EDITOR))

    def teach(self, core: FactBot, fact_id: str = FACT, question: str = "csto headcount"
              ) -> int:
        """Add a question form: a new version that does not change the answer."""
        return self._queued(core, fact_id,
                            lambda: core.curation.teach(fact_id, question, actor=EDITOR))

    def retract(self, core: FactBot, fact_id: str = FACT,
                reason: str = "the source withdrew the figure") -> int:
        return self._queued(core, fact_id,
                            lambda: core.curation.retract(fact_id, reason=reason, actor=EDITOR))

    @staticmethod
    def _queued(core: FactBot, fact_id: str, change: Callable[[], object]) -> int:
        with core.database.session() as session:
            before = session.scalar(select(func.count()).select_from(Correction)
                                    .where(Correction.fact_id == fact_id)) or 0
        change()
        with core.database.session() as session:
            after = session.scalar(select(func.count()).select_from(Correction)
                                   .where(Correction.fact_id == fact_id)) or 0
        return after - before


def post(core: FactBot, message: PostedMessage, question: str = QUESTION) -> Answer:
    """What an adapter does when it answers: ask, post, record where."""
    answer = core.ask(question, chat=Chat(message.platform, message.chat_id))
    core.corrections.record_posted(message, answer)
    return answer


@dataclass
class RecordingCorrector:
    """A platform stand-in that keeps every edit and reply; can refuse or fail on purpose."""

    name: str = "telegram"
    correction_pace: CorrectionPace = UNPACED
    edits: list[tuple[PostedMessage, CorrectedAnswer]] = field(default_factory=list)
    replies: list[tuple[PostedMessage, CorrectedAnswer]] = field(default_factory=list)
    refuse_edits: set[str] = field(default_factory=set)  # message ids
    deleted: set[str] = field(default_factory=set)  # message ids
    failures: list[Exception] = field(default_factory=list)  # raised by the next edits

    async def edit_answer(self, message: PostedMessage, correction: CorrectedAnswer) -> None:
        if self.failures:
            raise self.failures.pop(0)
        if message.message_id in self.deleted:
            raise MessageGone("message to edit not found")
        if message.message_id in self.refuse_edits:
            raise EditRefused("message can't be edited")
        self.edits.append((message, correction))

    async def reply_to_answer(self, message: PostedMessage, correction: CorrectedAnswer
                              ) -> None:
        self.replies.append((message, correction))
