"""The fact table in the database: read for the index, written as versions.

The database is the table of record. Every change to a fact — an import, an editor's
correction from the command line or a chat — is written here the same way
(`record_version`): the fact's next `FactVersion` holding the whole fact, a
`FactChange` when the news changed (the digest reads those), and, once per
transaction, a bump of the table revision (`bump_revision`) that tells the other
instances to rebuild their index. `bot.curation` decides what may change and calls
these functions; the seeds importer (`sync_fact_table`) is here because it is only
bookkeeping over them.

Data access only: every function takes the session and writes in the caller's
transaction, so a change is all or nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, selectinload

from bot import texts
from bot.answers import SourceInfo
from bot.facttable import FactTable, FactTableError, SeedFact, SeedSource, fold_whitespace
from db.models import Claim, Fact, FactChange, FactConflict, FactVersion, Meta, Source
from db.types import utcnow

log = logging.getLogger(__name__)

SEEDS_DIGEST_KEY = "seeds_sha256"
# Bumped in the same transaction as every change: instances compare it to rebuild.
REVISION_KEY = "table_revision"
# The seeds' synonym groups, stored so every instance matches with the same ones.
ALIASES_KEY = "aliases"
SEEDS_SOURCES_ACTOR = "import:seeds/sources.yaml"
# One lock for every writer of the table (PostgreSQL): versions are numbered in order.
_TABLE_LOCK_KEY = 0x53454544


class Change(StrEnum):
    """How a version came about: what `factbot facts history` shows."""

    ADDED = "added"  # `facts add`, or a new fact from chat
    CORRECTED = "corrected"  # an editor's edit
    RETRACTED = "retracted"
    REVERTED = "reverted"  # an old version made current again
    TAUGHT = "taught"  # a question form added
    IMPORTED = "imported"  # from seeds/ or `facts import`


@dataclass(frozen=True, slots=True)
class Actor:
    """Who made a change, and where from; recorded with every version."""

    who: str  # "import:seeds/facts.yaml", "cli:<os user>", "telegram:<user id>", ...
    origin: str  # "seeds", "cli", "file:<name>", "telegram:<chat id>", ...


SEEDS_ACTOR = Actor("import:seeds/facts.yaml", "seeds")


@dataclass(frozen=True, slots=True)
class FactChanged:
    """One committed change to one fact, as the curation service's listeners hear of it."""

    fact_id: str
    old_version: int | None  # None for a fact that did not exist
    new_version: int
    change: Change
    summary: str  # what changed, in words ("headline changed; quote from 003 changed")


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
    version: int = 1
    as_of: datetime | None = None  # when what the fact says last changed


@dataclass
class SyncReport:
    """What an import did; `kept` are facts an editor changed, left as the editor made them."""

    added: list[str] = field(default_factory=list)
    corrected: list[str] = field(default_factory=list)
    retracted: list[str] = field(default_factory=list)
    unchanged: int = 0
    kept: list[str] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)  # documents stored or changed
    changes: list[FactChanged] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.corrected or self.retracted)

    def summary(self) -> str:
        line = (f"{len(self.added)} added, {len(self.corrected)} corrected, "
                f"{len(self.retracted)} retracted, {self.unchanged} unchanged")
        if self.kept:
            line += f"; {texts.IMPORT_KEPT.format(count=len(self.kept))}"
        return line


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


# --- facts: rows, content, versions ---------------------------------------------------------


def source_info(row: Source) -> SourceInfo:
    return SourceInfo(
        id=row.id, file=row.file, title=row.title, speaker=row.speaker,
        speaker_role=row.speaker_role, publisher=row.publisher, date=row.date, kind=row.kind,
        cited_as=row.cited_as,
    )


def seed_source(row: Source) -> SeedSource:
    """A stored document's metadata in the seeds' own type (what the quote checker reads)."""
    return SeedSource(id=row.id, file=row.file, title=row.title, speaker=row.speaker,
                      speaker_role=row.speaker_role, publisher=row.publisher,
                      cited_as=row.cited_as, date=row.date, kind=row.kind)


def seed_fact(row: Fact) -> SeedFact:
    """What a fact row says, in the table's own format."""
    return SeedFact.model_validate({
        "id": row.id, "headline": row.headline, "short": row.short,
        "questions": list(row.questions), "tags": list(row.tags),
        "event_date": row.event_date, "sources_differ": row.sources_differ,
        "claims": [{"source": c.source_id, "says": c.says, "quote": c.quote,
                    "speaker": c.speaker} for c in row.claims],
    })


def fact_content(fact: SeedFact) -> dict[str, Any]:
    """A fact as a version stores it: the table's own fields, JSON-ready."""
    return fact.model_dump(mode="json")


def apply_fact(row: Fact, fact: SeedFact) -> None:
    """Make `row` say what `fact` says; its place in the table and its state stay."""
    row.headline = fact.headline
    row.short = fact.short
    row.questions = list(fact.questions)
    row.tags = list(fact.tags)
    row.event_date = fact.event_date
    row.sources_differ = fact.sources_differ
    row.content_sha256 = fact.content_sha256()
    row.claims = [
        Claim(position=i, source_id=c.source, says=c.says, quote=c.quote, speaker=c.speaker)
        for i, c in enumerate(fact.claims)
    ]


def new_fact_row(fact: SeedFact, *, position: int, now: datetime) -> Fact:
    """A row for a fact the table never had; `record_version` makes it version 1."""
    row = Fact(id=fact.id, position=position, retracted=False, version=0, created_at=now,
               updated_at=now)
    apply_fact(row, fact)
    return row


@dataclass(frozen=True, slots=True)
class FactState:
    """A fact row as it was before a change: what `record_version` compares against."""

    version: int
    content_sha256: str
    retracted: bool

    @classmethod
    def of(cls, row: Fact) -> FactState:
        return cls(row.version, row.content_sha256, row.retracted)


def record_version(*, session: Session, row: Fact, before: FactState | None, change: Change,
                   actor: Actor, now: datetime, summary: str) -> FactChanged:
    """Record the row, already changed by the caller, as the fact's next version.

    `before` is the row's state before the change (None for a new fact). Writes the
    version with the whole fact, and the `FactChange` the digest reports when the
    news changed: a fact added or back, corrected, or retracted. Teaching a question
    form changes neither the answer nor its "as of".
    """
    row.version = before.version + 1 if before is not None else 1
    content_changed = before is None or before.content_sha256 != row.content_sha256
    state_changed = before is not None and before.retracted != row.retracted
    if change is not Change.TAUGHT and (content_changed or state_changed):
        row.updated_at = now
    news = None
    if change is Change.TAUGHT:
        pass  # the answer reads the same: no news for the digest
    elif before is None or (before.retracted and not row.retracted):
        news = "added"
    elif row.retracted and not before.retracted:
        news = "retracted"
    elif content_changed and not row.retracted:
        news = "corrected"
    if news is not None:
        session.add(FactChange(fact_id=row.id, kind=news, changed_at=now))
    session.add(FactVersion(
        fact_id=row.id, version=row.version, actor=actor.who[:120], origin=actor.origin[:200],
        changed_at=now, change=change.value, content=fact_content(seed_fact(row)),
        retracted=row.retracted, summary=summary,
    ))
    return FactChanged(row.id, before.version if before is not None else None, row.version,
                       change, summary)


def lock_table(*, session: Session) -> None:
    """Serialise writers of the table (PostgreSQL; SQLite has one writer anyway)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _TABLE_LOCK_KEY})


def table_revision(*, session: Session) -> int:
    """The table's revision: changes with every change to facts, documents or aliases."""
    row = session.get(Meta, REVISION_KEY)
    return int(row.value) if row else 0


def bump_revision(*, session: Session) -> int:
    """Count a change, in the caller's transaction: other instances rebuild on seeing it."""
    row = session.get(Meta, REVISION_KEY, with_for_update=True)
    if row is None:
        row = Meta(key=REVISION_KEY, value="0")
        session.add(row)
    row.value = str(int(row.value) + 1)
    return int(row.value)


def next_position(*, session: Session) -> int:
    """Where a fact added now goes: after every fact in the table."""
    last = session.scalar(select(func.max(Fact.position)))
    return 0 if last is None else last + 1


def fact_versions(*, session: Session, fact_id: str) -> list[FactVersion]:
    return list(session.scalars(select(FactVersion).where(FactVersion.fact_id == fact_id)
                                .order_by(FactVersion.version)))


# --- the seeds importer ---------------------------------------------------------------------


def sync_fact_table(*, session: Session, table: FactTable, now: datetime | None = None,
                    max_retraction_share: float | None = None, only_if_changed: bool = False
                    ) -> SyncReport:
    """Import `table` (seeds/) as new versions, keeping every fact an editor changed.

    A fact seeds/ changed since the last import is updated, unless an editor changed it
    since: then the editor's version stays and the clash is recorded (`FactConflict`,
    `factbot facts conflicts`) and logged. Facts seeds/ no longer holds are retracted
    (kept in the history); facts seeds/ never held (an editor's) are not the importer's.

    With `max_retraction_share`, raise `MassRetractionRefused` before writing anything
    when the import would retract more than that share of the live facts; None imports
    whatever it retracts (the operator's explicit override). With `only_if_changed`,
    do nothing when this very seeds/ was the last imported (checked under the lock).
    """
    now = now or utcnow()
    # Several instances may start at once: one imports, the others then see it done.
    lock_table(session=session)
    if only_if_changed and loaded_seeds_digest(session=session) == table.digest:
        return SyncReport()
    existing = {row.id: row for row in session.scalars(
        select(Fact).options(selectinload(Fact.claims)))}
    if max_retraction_share is not None:
        _refuse_mass_retraction(existing.values(), table, max_retraction_share)
    report = SyncReport()
    documents = {row.id: row for row in session.scalars(select(Source))}
    _refuse_document_clashes(table, documents, existing.values())
    report.documents = _sync_documents(session=session, table=table, rows=documents, now=now)

    for position, seed in enumerate(table.facts):
        row = existing.pop(seed.id, None)
        digest = seed.content_sha256()
        if row is None:
            row = new_fact_row(seed, position=position, now=now)
            session.add(row)
            report.changes.append(record_version(
                session=session, row=row, before=None, change=Change.IMPORTED,
                actor=SEEDS_ACTOR, now=now, summary=texts.SUMMARY_NEW))
            row.seed_sha256, row.seed_version = digest, row.version
            report.added.append(seed.id)
            continue
        row.position = position
        if row.seed_sha256 == digest:  # seeds/ has not changed it since the last import
            report.unchanged += 1
        elif row.content_sha256 == digest and not row.retracted:
            # An editor already made the change seeds/ now brings: the two agree again.
            row.seed_sha256, row.seed_version = digest, row.version
            _resolve_conflict(session=session, fact_id=row.id, now=now)
            report.unchanged += 1
        elif row.version != row.seed_version:
            _record_conflict(session=session, row=row, now=now,
                             seeds_change="added" if row.seed_sha256 is None else "corrected",
                             seeds_content=fact_content(seed))
            row.seed_sha256 = digest
            report.kept.append(seed.id)
        else:
            before = FactState.of(row)
            old = seed_fact(row)
            apply_fact(row, seed)
            row.retracted = False
            report.changes.append(record_version(
                session=session, row=row, before=before, change=Change.IMPORTED,
                actor=SEEDS_ACTOR, now=now, summary=change_summary(before, old, seed)))
            row.seed_sha256, row.seed_version = digest, row.version
            (report.added if before.retracted else report.corrected).append(seed.id)
    for row in existing.values():
        if row.seed_sha256 is None:  # seeds/ did not hold it last time either
            continue
        if row.retracted:  # retracted already: seeds/ and the table agree
            _resolve_conflict(session=session, fact_id=row.id, now=now)
        elif row.version != row.seed_version:
            _record_conflict(session=session, row=row, now=now, seeds_change="retracted",
                             seeds_content=None)
            report.kept.append(row.id)
        else:
            before = FactState.of(row)
            row.retracted = True
            report.changes.append(record_version(
                session=session, row=row, before=before, change=Change.RETRACTED,
                actor=SEEDS_ACTOR, now=now, summary=texts.SUMMARY_DROPPED_FROM_SEEDS))
            row.seed_version = row.version
            report.retracted.append(row.id)
        row.seed_sha256 = None
    aliases_changed = _set_meta(session=session, key=ALIASES_KEY,
                                value=json.dumps(table.aliases, sort_keys=True))
    if report.changes or report.documents or aliases_changed:
        bump_revision(session=session)
    _set_meta(session=session, key=SEEDS_DIGEST_KEY, value=table.digest)
    return report


def _refuse_mass_retraction(rows: Iterable[Fact], table: FactTable, max_share: float) -> None:
    rows = list(rows)
    live = [row for row in rows if not row.retracted]
    kept = {seed.id for seed in table.facts}
    # Only what the importer would retract counts: facts seeds/ held and no editor changed.
    retracting = [row.id for row in live if row.id not in kept and row.seed_sha256 is not None
                  and row.version == row.seed_version]
    if live and len(retracting) > max_share * len(live):
        raise MassRetractionRefused(retracting, live=len(live), max_share=max_share)


def _refuse_document_clashes(table: FactTable, stored: Mapping[str, Source],
                             facts: Iterable[Fact]) -> None:
    """Refuse seeds/ that would overwrite an editor's document, or change a document's
    text under a quote an editor's fact still cites."""
    problems = []
    seeds_ids = {source.id for source in table.sources}
    for source_id in sorted(seeds_ids & set(stored)):
        if stored[source_id].added_by not in (None, SEEDS_SOURCES_ACTOR):
            problems.append(texts.SEEDS_DOCUMENT_TAKEN.format(id=source_id))
    changed_text = {source_id: fold_whitespace(table.documents[source_id])
                    for source_id in seeds_ids & set(stored)
                    if stored[source_id].text != table.documents[source_id]}
    for row in facts:
        if row.retracted or (row.seed_sha256 is not None and row.version == row.seed_version):
            continue  # the importer's own: replaced by seeds/ (checked) or retracted
        for claim in row.claims:
            document = changed_text.get(claim.source_id)
            if document is not None and claim.quote not in document:
                problems.append(texts.SEEDS_DOCUMENT_LOSES_QUOTE.format(
                    id=claim.source_id, fact=row.id))
    if problems:
        raise FactTableError(problems)


def _sync_documents(*, session: Session, table: FactTable, rows: dict[str, Source],
                    now: datetime) -> list[str]:
    """Store seeds/' documents, text and all; the ids of those added or changed."""
    changed = []
    for source in table.sources:
        document = table.documents[source.id]
        values: dict[str, Any] = {**source.model_dump(), "text": document,
                                  "content_sha256": sha256(document)}
        row = rows.get(source.id)
        if row is None:
            row = Source(id=source.id, added_by=SEEDS_SOURCES_ACTOR, added_at=now)
            session.add(row)
        elif all(getattr(row, name) == value for name, value in values.items()):
            continue
        for name, value in values.items():
            setattr(row, name, value)
        row.added_by = SEEDS_SOURCES_ACTOR
        changed.append(source.id)
    session.flush()
    return changed


def _record_conflict(*, session: Session, row: Fact, now: datetime, seeds_change: str,
                     seeds_content: dict[str, Any] | None) -> None:
    """Keep the editor's version; record (or update) the fact's open clash with seeds/."""
    conflict = session.scalars(select(FactConflict).where(
        FactConflict.fact_id == row.id, FactConflict.resolved_at.is_(None))).first()
    if conflict is None:
        conflict = FactConflict(fact_id=row.id)
        session.add(conflict)
    conflict.detected_at = now
    conflict.kept_version = row.version
    conflict.seeds_change = seeds_change
    conflict.seeds_content = seeds_content
    log.warning("seeds/ %s fact %s, which an editor changed since the last import: kept the "
                "editor's version %d (see `factbot facts conflicts`)",
                "retracts" if seeds_change == "retracted" else "changes", row.id, row.version)


def _resolve_conflict(*, session: Session, fact_id: str, now: datetime,
                      resolution: str = "agreed", by: str = SEEDS_ACTOR.who) -> None:
    for conflict in session.scalars(select(FactConflict).where(
            FactConflict.fact_id == fact_id, FactConflict.resolved_at.is_(None))):
        conflict.resolved_at, conflict.resolution, conflict.resolved_by = now, resolution, by


def resolve_conflict(*, session: Session, fact_id: str, now: datetime, resolution: str,
                     by: str) -> None:
    """Close a fact's open clash with seeds/ (`factbot facts resolve`)."""
    _resolve_conflict(session=session, fact_id=fact_id, now=now, resolution=resolution, by=by)


def open_conflicts(*, session: Session) -> list[FactConflict]:
    return list(session.scalars(select(FactConflict).where(FactConflict.resolved_at.is_(None))
                                .order_by(FactConflict.detected_at, FactConflict.fact_id)))


def sha256(content: str) -> str:
    return hashlib.sha256(content.encode()).hexdigest()


def _set_meta(*, session: Session, key: str, value: str) -> bool:
    """Store `value` under `key`; says whether it changed."""
    row = session.get(Meta, key)
    if row is None:
        session.add(Meta(key=key, value=value))
        return True
    if row.value == value:
        return False
    row.value = value
    return True


def loaded_seeds_digest(*, session: Session) -> str | None:
    row = session.get(Meta, SEEDS_DIGEST_KEY)
    return row.value if row else None


# --- reading the table ----------------------------------------------------------------------


def stored_documents(*, session: Session) -> tuple[list[SeedSource], dict[str, str]]:
    """Every stored document's metadata and text: what a claim may cite."""
    rows = list(session.scalars(select(Source).order_by(Source.id)))
    return [seed_source(row) for row in rows], {row.id: row.text for row in rows}


@dataclass(frozen=True)
class StoredTable:
    """The live table as one instance serves it, read in one go from the database."""

    revision: int
    sources: list[SourceInfo]
    facts: list[FactRecord]
    # Documents, live facts and aliases in the seeds' own types, for the quote checker.
    table: FactTable


def retracted_quotes(*, session: Session) -> list[str]:
    """The quotes of retracted facts: passage answers must not bring them back."""
    return list(session.scalars(
        select(Claim.quote).join(Fact, Claim.fact_id == Fact.id).where(Fact.retracted.is_(True))))


def live_fact_rows(*, session: Session) -> list[Fact]:
    return list(session.scalars(
        select(Fact).where(Fact.retracted.is_(False)).options(selectinload(Fact.claims))
        .order_by(Fact.position, Fact.id)))


def load_table(*, session: Session) -> StoredTable:
    """The whole live table, documents and all, for building the in-memory index."""
    revision = table_revision(session=session)
    source_rows = list(session.scalars(select(Source).order_by(Source.id)))
    sources = {row.id: source_info(row) for row in source_rows}
    facts, seeds = [], []
    for row in live_fact_rows(session=session):
        facts.append(FactRecord(
            id=row.id, headline=row.headline, short=row.short,
            questions=tuple(row.questions), tags=tuple(row.tags), event_date=row.event_date,
            sources_differ=row.sources_differ, position=row.position, version=row.version,
            as_of=row.updated_at,
            claims=tuple(
                ClaimRecord(source=sources[c.source_id], says=c.says, quote=c.quote,
                            speaker=c.speaker)
                for c in row.claims
            ),
        ))
        seeds.append(seed_fact(row))
    aliases_row = session.get(Meta, ALIASES_KEY)
    aliases = json.loads(aliases_row.value) if aliases_row else {}
    table = FactTable(
        sources=tuple(seed_source(row) for row in source_rows), facts=tuple(seeds),
        aliases=aliases, documents={row.id: row.text for row in source_rows},
        digest=f"revision {revision}",
    )
    return StoredTable(revision, list(sources.values()), facts, table)


# --- what changed, in words -----------------------------------------------------------------


def change_summary(before: FactState, old: SeedFact, new: SeedFact) -> str:
    """What a live version says that the one before did not: back, and what changed."""
    if not before.retracted:
        return what_changed(old, new)
    if old.content_sha256() == new.content_sha256():
        return texts.SUMMARY_BACK
    return f"{texts.SUMMARY_BACK}; {what_changed(old, new)}"


def what_changed(before: SeedFact, after: SeedFact) -> str:
    """The difference between two versions of a fact in a few words, for people reading a
    correction: "headline changed; quote from 003 changed"."""
    parts = []
    for name, label in texts.FACT_FIELD_NAMES.items():
        if getattr(before, name) != getattr(after, name):
            parts.append(texts.FIELD_CHANGED.format(field=label))
    added = [q for q in after.questions if q not in before.questions]
    removed = [q for q in before.questions if q not in after.questions]
    if added:
        parts.append(texts.QUESTIONS_ADDED.format(count=len(added)))
    if removed:
        parts.append(texts.QUESTIONS_REMOVED.format(count=len(removed)))
    for number, (old, new) in enumerate(zip(before.claims, after.claims, strict=False), 1):
        for name, label in texts.CLAIM_FIELD_NAMES.items():
            if getattr(old, name) != getattr(new, name):
                parts.append(texts.CLAIM_FIELD_CHANGED.format(
                    field=label, number=number, source=new.source))
    for claim in after.claims[len(before.claims):]:
        parts.append(texts.CLAIM_ADDED.format(source=claim.source))
    for claim in before.claims[len(after.claims):]:
        parts.append(texts.CLAIM_REMOVED.format(source=claim.source))
    return "; ".join(parts) or texts.NOTHING_CHANGED_SUMMARY
