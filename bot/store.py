"""Moving the fact table between `seeds/`, the database and memory."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session, selectinload

from bot.answers import SourceInfo
from bot.facttable import FactTable, FactTableError, SeedFact
from db.models import Claim, Fact, FactChange, Meta, Source
from db.types import utcnow

log = logging.getLogger(__name__)

SEEDS_DIGEST_KEY = "seeds_sha256"
_SEED_LOCK_KEY = 0x53454544


@dataclass(frozen=True, slots=True)
class ClaimRecord:
    source: SourceInfo
    says: str
    quote: str
    speaker: str | None = None  # when the words are not the document speaker's own


@dataclass(frozen=True, slots=True)
class FactRecord:
    """A fact as the matcher and the answer builder hold it in memory."""

    id: str
    headline: str
    short: str
    questions: tuple[str, ...]
    tags: tuple[str, ...]
    event_date: date | None
    sources_differ: bool
    claims: tuple[ClaimRecord, ...]
    position: int = 0


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    corrected: list[str] = field(default_factory=list)
    retracted: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.corrected or self.retracted)

    def summary(self) -> str:
        return (f"{len(self.added)} added, {len(self.corrected)} corrected, "
                f"{len(self.retracted)} retracted, {self.unchanged} unchanged")


class MassRetractionRefused(FactTableError):
    """Loading the table would retract more of the live facts than the operator allows.

    A subclass of `FactTableError` so every front end refuses it the same way: nothing
    is written, and the message says how many facts and how to override.
    """

    _EXAMPLES = 5

    def __init__(self, retracting: Sequence[str], *, live: int, max_share: float) -> None:
        self.retracting = list(retracting)
        self.live = live
        examples = ", ".join(self.retracting[: self._EXAMPLES])
        if len(self.retracting) > self._EXAMPLES:
            examples += f" and {len(self.retracting) - self._EXAMPLES} more"
        message = (
            f"refusing to load the fact table: it would retract {len(self.retracting)} of the "
            f"{live} facts in the database ({len(self.retracting) / live:.0%}; "
            f"SEEDS_MAX_RETRACTION_SHARE allows {max_share:.0%}): {examples}. Nothing was "
            "changed. An empty or truncated facts.yaml does this; if the facts were removed "
            "on purpose, run `factbot seeds load --allow-mass-retraction`."
        )
        Exception.__init__(self, message)  # one message, not a list of table problems
        self.problems = [message]


def source_info(row: Source) -> SourceInfo:
    return SourceInfo(
        id=row.id, file=row.file, title=row.title, speaker=row.speaker,
        speaker_role=row.speaker_role, publisher=row.publisher, date=row.date, kind=row.kind,
        cited_as=row.cited_as,
    )


def _apply_fact(row: Fact, seed: SeedFact, position: int) -> None:
    row.headline = seed.headline
    row.short = seed.short
    row.questions = list(seed.questions)
    row.tags = list(seed.tags)
    row.event_date = seed.event_date
    row.sources_differ = seed.sources_differ
    row.position = position
    row.content_sha256 = seed.content_sha256()
    row.retracted = False
    row.claims = [
        Claim(position=i, source_id=c.source, says=c.says, quote=c.quote, speaker=c.speaker)
        for i, c in enumerate(seed.claims)
    ]


def sync_fact_table(*, session: Session, table: FactTable, now: datetime | None = None,
                    max_retraction_share: float | None = None) -> SyncReport:
    """Make the database hold `table`: idempotent, ids kept, removals kept as retractions.

    With `max_retraction_share`, raise `MassRetractionRefused` before writing anything
    when `table` would retract more than that share of the live facts; None loads
    whatever it retracts (the operator's explicit override).
    """
    now = now or utcnow()
    if session.get_bind().dialect.name == "postgresql":
        # Several instances may start at once: one loads, the others then see it done.
        # The retraction check below reads the table under the same lock.
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SEED_LOCK_KEY})
    existing = {row.id: row for row in session.scalars(
        select(Fact).options(selectinload(Fact.claims)))}
    if max_retraction_share is not None:
        _refuse_mass_retraction(existing.values(), table, max_retraction_share)
    report = SyncReport()
    for seed_source in table.sources:
        source_row = session.get(Source, seed_source.id) or Source(id=seed_source.id)
        for name, value in seed_source.model_dump().items():
            setattr(source_row, name, value)
        source_row.content_sha256 = _sha256(table.documents[seed_source.id])
        session.add(source_row)
    session.flush()

    for position, seed in enumerate(table.facts):
        row = existing.pop(seed.id, None)
        if row is None:
            row = Fact(id=seed.id, created_at=now, updated_at=now)
            _apply_fact(row, seed, position)
            session.add(row)
            report.added.append(seed.id)
        elif row.content_sha256 != seed.content_sha256() or row.retracted:
            was_retracted = row.retracted
            _apply_fact(row, seed, position)
            row.updated_at = now
            (report.added if was_retracted else report.corrected).append(seed.id)
        else:
            row.position = position
            report.unchanged += 1
    for row in existing.values():
        if not row.retracted:
            row.retracted = True
            row.updated_at = now
            report.retracted.append(row.id)
    for kind, ids in (("added", report.added), ("corrected", report.corrected),
                      ("retracted", report.retracted)):
        session.add_all(FactChange(fact_id=i, kind=kind, changed_at=now) for i in ids)
    _set_meta(session=session, key=SEEDS_DIGEST_KEY, value=table.digest)
    return report


def _refuse_mass_retraction(rows: Iterable[Fact], table: FactTable, max_share: float) -> None:
    live = [row.id for row in rows if not row.retracted]
    kept = {seed.id for seed in table.facts}
    retracting = [fact_id for fact_id in live if fact_id not in kept]
    if live and len(retracting) > max_share * len(live):
        raise MassRetractionRefused(retracting, live=len(live), max_share=max_share)


def _sha256(content: str) -> str:
    return hashlib.sha256(content.encode()).hexdigest()


def _set_meta(*, session: Session, key: str, value: str) -> None:
    row = session.get(Meta, key)
    if row is None:
        session.add(Meta(key=key, value=value))
    else:
        row.value = value


def loaded_seeds_digest(*, session: Session) -> str | None:
    row = session.get(Meta, SEEDS_DIGEST_KEY)
    return row.value if row else None


def load_facts(*, session: Session) -> tuple[list[SourceInfo], list[FactRecord]]:
    """The whole live table, for building the in-memory index."""
    sources = {row.id: source_info(row) for row in session.scalars(select(Source))}
    facts = []
    rows = session.scalars(
        select(Fact).where(Fact.retracted.is_(False)).options(selectinload(Fact.claims))
        .order_by(Fact.position, Fact.id)
    )
    for row in rows:
        facts.append(FactRecord(
            id=row.id, headline=row.headline, short=row.short,
            questions=tuple(row.questions), tags=tuple(row.tags), event_date=row.event_date,
            sources_differ=row.sources_differ, position=row.position,
            claims=tuple(
                ClaimRecord(source=sources[c.source_id], says=c.says, quote=c.quote,
                            speaker=c.speaker)
                for c in row.claims
            ),
        ))
    return sorted(sources.values(), key=lambda s: s.id), facts
