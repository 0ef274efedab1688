"""Shared pieces for correction tests: a fact desk on a copy of seeds/, a clock, and a
recording corrector.

Until versioned facts land, a change is made the way a deploy makes one — `seeds/`
edited and loaded — and the curation service's listener call is made by hand with the
four arguments it will pass (`FactDesk.correct`, `FactDesk.retract`).
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.answering import Chat
from bot.answers import Answer
from bot.core import FactBot
from bot.corrections import CorrectedAnswer, PostedMessage
from bot.frontends import CorrectionPace, EditRefused, MessageGone, RateLimit
from bot.settings import DEFAULT_SEEDS_DIR, Settings, load_settings

FACT = "csto-contingent-size"  # "how many CSTO troops?"
QUESTION = "how many CSTO troops?"
OTHER_FACT = "curfew"
OTHER_QUESTION = "curfew hours"
NEW_SAYS = "the CSTO contingent numbers about 3,000 personnel (a corrected figure)"
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
    """Changes facts in a copy of seeds/ and tells a core's corrections, as curation will."""

    def __init__(self, seeds_dir: Path) -> None:
        self.seeds_dir = seeds_dir
        self.versions: dict[str, int] = {}

    def settings(self, database_url: str, **overrides: object) -> Settings:
        return load_settings(database_url=database_url, seeds_dir=self.seeds_dir, **overrides)

    @property
    def _facts(self) -> Path:
        return self.seeds_dir / "facts.yaml"

    def _fact_block(self, text: str, fact_id: str) -> tuple[int, int]:
        start = text.index(f"  - id: {fact_id}\n")
        following = text.find("\n  - id: ", start + 1)
        return start, len(text) if following < 0 else following + 1

    def correct(self, core: FactBot, fact_id: str = FACT, *, says: str = NEW_SAYS,
                summary: str = "what the first claim says changed") -> int:
        """Change what the fact's first claim says; return how many messages were queued."""
        text = self._facts.read_text(encoding="utf-8")
        start, end = self._fact_block(text, fact_id)
        block = re.sub(r"(\n\s+says: ).*", lambda m: m.group(1) + says, text[start:end],
                       count=1)
        self._facts.write_text(text[:start] + block + text[end:], encoding="utf-8")
        return self._changed(core, fact_id, summary)

    def teach(self, core: FactBot, fact_id: str = FACT, question: str = "csto headcount"
              ) -> int:
        """Add a question form: a new version that does not change the answer."""
        text = self._facts.read_text(encoding="utf-8")
        start, end = self._fact_block(text, fact_id)
        block = text[start:end].replace("questions: [", f"questions: [{question}, ", 1)
        self._facts.write_text(text[:start] + block + text[end:], encoding="utf-8")
        return self._changed(core, fact_id, f"question form added: {question!r}")

    def retract(self, core: FactBot, fact_id: str = FACT,
                reason: str = "the source withdrew the figure") -> int:
        text = self._facts.read_text(encoding="utf-8")
        start, end = self._fact_block(text, fact_id)
        self._facts.write_text(text[:start] + text[end:], encoding="utf-8")
        return self._changed(core, fact_id, f"retracted: {reason}")

    def _changed(self, core: FactBot, fact_id: str, summary: str) -> int:
        core.answering.load_seeds()
        old = self.versions.get(fact_id, 1)
        self.versions[fact_id] = old + 1
        return core.corrections.queue(fact_id, old, old + 1, summary)


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
