"""The newsroom desk: every change to the fact table goes through here, from any front end.

The command line (`factbot facts ...`, `factbot sources add`), editors in chat and the
seeds importer all change the table through `Curation`, so each change is checked the
same way (fields, ids, every quote verbatim in a stored document), applied all or
nothing in one transaction, recorded as a new version of the fact with who made it
and from where (`bot.store.record_version`), and counted in the table revision that
the other instances watch.

After a change is committed, the registered listeners hear of each fact changed
(`FactChangeListener.on_fact_changed`): the answering index rebuilds itself, and
corrections to messages that showed the old answer hook in the same way.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal, Protocol

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot import texts
from bot.errors import UserError
from bot.facttable import (
    MAX_SEED_FILE_BYTES,
    FactTable,
    LinedList,
    LinedMapping,
    SeedFact,
    SeedSource,
    check_facts,
    fold_whitespace,
)
from bot.store import (
    Actor,
    Change,
    FactChanged,
    FactState,
    SyncReport,
    apply_fact,
    bump_revision,
    change_summary,
    fact_versions,
    live_fact_rows,
    loaded_seeds_digest,
    lock_table,
    new_fact_row,
    next_position,
    open_conflicts,
    record_version,
    resolve_conflict,
    seed_fact,
    seed_source,
    sha256,
    stored_documents,
    sync_fact_table,
)
from bot.tableio import (
    PublishedDocument,
    PublishedFact,
    facts_csv,
    facts_jsonld,
    facts_yaml,
    read_facts,
)
from db.database import Database
from db.models import Fact, FactVersion, Source
from db.types import utcnow

log = logging.getLogger(__name__)

# A question form is what someone types: a sentence, not a paragraph.
MAX_QUESTION_FORM_CHARS = 300
# Column widths of the tables a fact and a document are stored in.
_MAX_FACT_ID_CHARS = 120
_MAX_NAME_CHARS = 300
_SOURCE_ID = re.compile(r"[A-Za-z0-9_-]{1,16}")

ExportFormat = Literal["yaml", "csv", "jsonld"]


class FactChangeListener(Protocol):
    """Told about each fact changed, after the change is committed."""

    def on_fact_changed(self, fact_id: str, old_version: int | None, new_version: int,
                        summary: str) -> None: ...


class CurationError(UserError):
    """A change the table refuses (unknown fact, no such version, ...): nothing changed."""


@dataclass(frozen=True, slots=True)
class VersionView:
    """One version of a fact as `factbot facts history` shows it."""

    version: int
    actor: str
    origin: str
    at: datetime
    change: str
    fact: dict[str, Any]  # the whole fact, in the table's own format
    retracted: bool
    summary: str

    @classmethod
    def of(cls, row: FactVersion) -> VersionView:
        return cls(row.version, row.actor, row.origin, row.changed_at, row.change, row.content,
                   row.retracted, row.summary)

    def to_json(self) -> dict[str, Any]:
        return {"version": self.version, "actor": self.actor, "at": self.at.isoformat(),
                "change": self.change, "fact": self.fact, "origin": self.origin,
                "retracted": self.retracted, "summary": self.summary}


@dataclass(frozen=True, slots=True)
class ConflictView:
    """seeds/ changed a fact an editor had changed: the editor's version was kept."""

    fact_id: str
    detected_at: datetime
    seeds_change: str  # what seeds/ wanted: added | corrected | retracted
    seeds_fact: dict[str, Any] | None  # the fact as seeds/ has it; None when dropped
    kept: VersionView  # the editor's version, still current when detected

    def to_json(self) -> dict[str, Any]:
        return {"fact_id": self.fact_id, "detected_at": self.detected_at.isoformat(),
                "seeds_change": self.seeds_change, "seeds_fact": self.seeds_fact,
                "kept_version": self.kept.version, "kept_actor": self.kept.actor,
                "kept_at": self.kept.at.isoformat(), "kept_fact": self.kept.fact}


class Curation:
    """Checks, applies and records every change to the table; tells listeners after."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._listeners: list[FactChangeListener] = []

    def add_listener(self, listener: FactChangeListener) -> None:
        """Call `listener.on_fact_changed` for every fact changed from now on, in the
        order listeners were added, after the change is committed."""
        self._listeners.append(listener)

    # --- writing: one transaction each, listeners after ---------------------------------

    def _write(self, work: Callable[[Session, datetime], list[FactChanged]]
               ) -> list[FactChanged]:
        now = utcnow()
        with self.database.session() as session:
            lock_table(session=session)
            changes = work(session, now)
            if changes:
                bump_revision(session=session)
        self._tell(changes)
        return changes

    def _tell(self, changes: Sequence[FactChanged]) -> None:
        for change in changes:
            for listener in self._listeners:
                try:
                    listener.on_fact_changed(change.fact_id, change.old_version,
                                             change.new_version, change.summary)
                except Exception:
                    # The change is committed; a listener's failure must not undo or
                    # hide it. Logged with its traceback, for whoever owns the listener.
                    log.exception("a listener failed on the change to fact %s (version %d)",
                                  change.fact_id, change.new_version)

    def import_seeds(self, table: FactTable, *, max_retraction_share: float | None = None,
                     only_if_changed: bool = False) -> SyncReport:
        """Import seeds/ (see `bot.store.sync_fact_table`): editors' changes are kept."""
        with self.database.session() as session:
            report = sync_fact_table(session=session, table=table, only_if_changed=only_if_changed,
                                     max_retraction_share=max_retraction_share)
        self._tell(report.changes)
        return report

    def seeds_digest(self) -> str | None:
        """The digest of the seeds/ last imported, None if the database never saw one."""
        with self.database.session() as session:
            return loaded_seeds_digest(session=session)

    def add_facts_file(self, data: bytes, *, place: str, actor: Actor) -> list[str]:
        """`factbot facts add FILE`: new facts in the table's own format, all or nothing."""
        def work(session: Session, now: datetime) -> list[FactChanged]:
            taken = set(session.scalars(select(Fact.id)))
            facts = self._read(session, data, place=place, taken_ids=taken)
            return self._add(session, now, facts, actor)

        return [change.fact_id for change in self._write(work)]

    def add_facts(self, facts: Sequence[SeedFact], *, actor: Actor) -> list[str]:
        """New facts built elsewhere (an editor's conversation in chat), all or nothing."""
        def work(session: Session, now: datetime) -> list[FactChanged]:
            taken = set(session.scalars(select(Fact.id)))
            checked = self._check(session, facts, place=actor.origin, taken_ids=taken)
            return self._add(session, now, checked, actor)

        return [change.fact_id for change in self._write(work)]

    def _add(self, session: Session, now: datetime, facts: Sequence[SeedFact], actor: Actor
             ) -> list[FactChanged]:
        position = next_position(session=session)
        changes = []
        for offset, fact in enumerate(facts):
            row = new_fact_row(fact, position=position + offset, now=now)
            session.add(row)
            changes.append(record_version(session=session, row=row, before=None,
                                          change=Change.ADDED, actor=actor, now=now,
                                          summary=texts.SUMMARY_NEW))
        return changes

    def import_file(self, data: bytes, *, place: str, actor: Actor) -> SyncReport:
        """`factbot facts import FILE` (YAML or CSV): every fact checked first, then each
        new one added and each different one made a new version; all or nothing. Facts the
        file leaves out stay as they are, so an exported file imported back changes nothing.
        """
        report = SyncReport()

        def work(session: Session, now: datetime) -> list[FactChanged]:
            facts = self._read(session, data, place=place)
            rows = {row.id: row for row in session.scalars(
                select(Fact).where(Fact.id.in_([fact.id for fact in facts]))
                .options(selectinload(Fact.claims)))}
            position = next_position(session=session)
            for fact in facts:
                row = rows.get(fact.id)
                if row is None:
                    row = new_fact_row(fact, position=position, now=now)
                    position += 1
                    session.add(row)
                    report.changes.append(record_version(
                        session=session, row=row, before=None, change=Change.IMPORTED,
                        actor=actor, now=now, summary=texts.SUMMARY_NEW))
                    report.added.append(fact.id)
                elif row.content_sha256 == fact.content_sha256() and not row.retracted:
                    report.unchanged += 1
                else:
                    was_retracted = row.retracted
                    report.changes.append(self._replace(session, now, row, fact, actor,
                                                        change=Change.IMPORTED))
                    (report.added if was_retracted else report.corrected).append(fact.id)
            return report.changes

        self._write(work)
        return report

    def correct_file(self, fact_id: str, data: bytes, *, place: str, actor: Actor
                     ) -> FactChanged | None:
        """`factbot facts edit`: the fact as edited (one fact, same id); None if unchanged."""
        def work(session: Session, now: datetime) -> list[FactChanged]:
            row = self._row(session, fact_id)
            facts = self._read(session, data, place=place)
            return self._correct(session, now, row, facts, actor)

        return next(iter(self._write(work)), None)

    def correct(self, fact: SeedFact, *, actor: Actor) -> FactChanged | None:
        """An editor's correction built elsewhere (chat); None if it changes nothing."""
        def work(session: Session, now: datetime) -> list[FactChanged]:
            row = self._row(session, fact.id)
            checked = self._check(session, [fact], place=actor.origin)
            return self._correct(session, now, row, checked, actor)

        return next(iter(self._write(work)), None)

    def _correct(self, session: Session, now: datetime, row: Fact, facts: Sequence[SeedFact],
                 actor: Actor) -> list[FactChanged]:
        if len(facts) != 1:
            raise CurationError(texts.EDIT_ONE_FACT.format(fact_id=row.id))
        fact = facts[0]
        if fact.id != row.id:
            raise CurationError(texts.EDIT_ID_FIXED.format(fact_id=row.id))
        if fact.content_sha256() == row.content_sha256:
            return []
        return [self._replace(session, now, row, fact, actor, change=Change.CORRECTED)]

    def retract(self, fact_id: str, *, reason: str, actor: Actor) -> FactChanged:
        """Take a fact out of every answer; it stays in the history, with the reason."""
        reason = fold_whitespace(reason)
        if not reason:
            raise CurationError(texts.REASON_NEEDED)

        def work(session: Session, now: datetime) -> list[FactChanged]:
            row = self._row(session, fact_id)
            before = FactState.of(row)
            row.retracted = True
            return [record_version(session=session, row=row, before=before,
                                   change=Change.RETRACTED, actor=actor, now=now,
                                   summary=texts.SUMMARY_RETRACTED.format(reason=reason))]

        return self._write(work)[0]

    def revert(self, fact_id: str, version: int, *, actor: Actor) -> FactChanged | None:
        """Make an old version current again, as a new version; None if it already is."""
        def work(session: Session, now: datetime) -> list[FactChanged]:
            row = self._row(session, fact_id, live=False)
            target = session.scalar(select(FactVersion).where(
                FactVersion.fact_id == fact_id, FactVersion.version == version))
            if target is None:
                raise CurationError(texts.UNKNOWN_VERSION.format(
                    fact_id=fact_id, last=row.version, version=version))
            fact = self._check(session, [SeedFact.model_validate(target.content)],
                               place=f"version {version}")[0]
            if fact.content_sha256() == row.content_sha256 and target.retracted == row.retracted:
                return []
            before, old = FactState.of(row), seed_fact(row)
            apply_fact(row, fact)
            row.retracted = target.retracted
            what = target.summary if target.retracted else change_summary(before, old, fact)
            return [record_version(session=session, row=row, before=before,
                                   change=Change.REVERTED, actor=actor, now=now,
                                   summary=texts.SUMMARY_REVERTED.format(version=version,
                                                                         what=what))]

        return next(iter(self._write(work)), None)

    def teach(self, fact_id: str, question: str, *, actor: Actor) -> FactChanged:
        """Add a question form to a fact: people asking it that way get the answer."""
        question = fold_whitespace(question)
        if not question:
            raise CurationError(texts.EMPTY_QUESTION_FORM)
        if len(question) > MAX_QUESTION_FORM_CHARS:
            raise CurationError(texts.QUESTION_FORM_TOO_LONG.format(
                limit=MAX_QUESTION_FORM_CHARS))

        def work(session: Session, now: datetime) -> list[FactChanged]:
            row = self._row(session, fact_id)
            if question.casefold() in {form.casefold() for form in row.questions}:
                raise CurationError(texts.ALREADY_A_QUESTION.format(fact_id=fact_id,
                                                                    question=question))
            before, fact = FactState.of(row), seed_fact(row)
            apply_fact(row, fact.model_copy(update={"questions": [*fact.questions, question]}))
            return [record_version(session=session, row=row, before=before,
                                   change=Change.TAUGHT, actor=actor, now=now,
                                   summary=texts.SUMMARY_TAUGHT.format(question=question))]

        return self._write(work)[0]

    def resolve(self, fact_id: str, *, keep: Literal["editor", "seeds"], actor: Actor
                ) -> FactChanged | None:
        """Close a clash with seeds/: keep the editor's version (seeds/ still may not
        overwrite it), or take what seeds/ has (the importer owns the fact again)."""
        def work(session: Session, now: datetime) -> list[FactChanged]:
            conflict = next((c for c in open_conflicts(session=session)
                             if c.fact_id == fact_id), None)
            if conflict is None:
                raise CurationError(texts.NO_CONFLICT.format(fact_id=fact_id))
            row = self._row(session, fact_id, live=False)
            changes = []
            if keep == "seeds":
                if conflict.seeds_content is None and not row.retracted:
                    before = FactState.of(row)
                    row.retracted = True
                    changes.append(record_version(
                        session=session, row=row, before=before, change=Change.RETRACTED,
                        actor=actor, now=now, summary=texts.SUMMARY_DROPPED_FROM_SEEDS))
                elif conflict.seeds_content is not None:
                    fact = self._check(session, [SeedFact.model_validate(conflict.seeds_content)],
                                       place="seeds/facts.yaml")[0]
                    if fact.content_sha256() != row.content_sha256 or row.retracted:
                        changes.append(self._replace(session, now, row, fact, actor,
                                                     change=Change.IMPORTED))
                row.seed_version = row.version
            resolve_conflict(session=session, fact_id=fact_id, now=now, resolution=keep,
                             by=actor.who)
            return changes

        return next(iter(self._write(work)), None)

    def _replace(self, session: Session, now: datetime, row: Fact, fact: SeedFact,
                 actor: Actor, *, change: Change) -> FactChanged:
        """Make a (possibly retracted) fact say what `fact` says, as its next version."""
        before, old = FactState.of(row), seed_fact(row)
        apply_fact(row, fact)
        row.retracted = False
        return record_version(session=session, row=row, before=before, change=change,
                              actor=actor, now=now, summary=change_summary(before, old, fact))

    # --- documents ----------------------------------------------------------------------

    def add_source(self, text: str, *, title: str, speaker: str, kind: str, actor: Actor,
                   source_id: str | None = None, published: date | None = None,
                   url: str | None = None, speaker_role: str = "",
                   publisher: str | None = None, cited_as: str | None = None) -> str:
        """Store a document (text, metadata, hash) that claims may then cite; its id.

        The id is `source_id`, or the next free number ("005" after "004").
        """
        title, speaker = fold_whitespace(title), fold_whitespace(speaker)
        if not title or not speaker:
            raise CurationError(texts.SOURCE_NEEDS_NAMES)
        if not text.strip():
            raise CurationError(texts.SOURCE_EMPTY)
        if len(text.encode()) > MAX_SEED_FILE_BYTES:
            raise CurationError(texts.SOURCE_TOO_LARGE.format(limit=MAX_SEED_FILE_BYTES))
        if url is not None and not re.match(r"https?://\S+$", url):
            raise CurationError(texts.BAD_URL)
        if source_id is not None and not _SOURCE_ID.fullmatch(source_id):
            raise CurationError(texts.BAD_SOURCE_ID.format(id=source_id))
        digest = sha256(text)
        with self.database.session() as session:
            lock_table(session=session)
            stored = {row.id: row for row in session.scalars(select(Source))}
            twin = next((row.id for row in stored.values() if row.content_sha256 == digest),
                        None)
            if twin is not None:
                raise CurationError(texts.SOURCE_DUPLICATE.format(id=twin))
            if source_id is None:
                source_id = _next_source_id(stored)
            elif source_id in stored:
                raise CurationError(texts.SOURCE_ID_TAKEN.format(id=source_id))
            source = _checked_source({
                "id": source_id, "file": f"{source_id}_{digest[:16]}.txt", "title": title,
                "speaker": speaker, "speaker_role": speaker_role,
                "publisher": publisher or texts.NOT_STATED,
                "cited_as": cited_as or speaker, "date": published, "kind": kind,
            })
            session.add(Source(**source.model_dump(), text=text, content_sha256=digest,
                               url=url, added_by=actor.who[:120], added_at=utcnow()))
            bump_revision(session=session)
        log.info("document %s stored (%d characters)", source_id, len(text))
        return source_id

    # --- reading ------------------------------------------------------------------------

    def fact(self, fact_id: str) -> SeedFact:
        """A live fact as it stands, in the table's own format (what `facts edit` opens)."""
        with self.database.session() as session:
            return seed_fact(self._row(session, fact_id))

    def history(self, fact_id: str) -> list[VersionView]:
        """Every version of a fact, oldest first, retractions included."""
        with self.database.session() as session:
            self._row(session, fact_id, live=False)
            return [VersionView.of(row) for row in
                    fact_versions(session=session, fact_id=fact_id)]

    def conflicts(self) -> list[ConflictView]:
        """Open clashes between seeds/ and editors' versions, oldest first."""
        with self.database.session() as session:
            views = []
            for conflict in open_conflicts(session=session):
                kept = session.scalar(select(FactVersion).where(
                    FactVersion.fact_id == conflict.fact_id,
                    FactVersion.version == conflict.kept_version))
                assert kept is not None  # versions are never deleted
                views.append(ConflictView(conflict.fact_id, conflict.detected_at,
                                          conflict.seeds_change, conflict.seeds_content,
                                          VersionView.of(kept)))
            return views

    def export(self, fmt: ExportFormat) -> str:
        """The live table as YAML or CSV (importable as is) or JSON-LD (schema.org)."""
        with self.database.session() as session:
            rows = live_fact_rows(session=session)
            facts = [seed_fact(row) for row in rows]
            if fmt == "yaml":
                return facts_yaml(facts)
            if fmt == "csv":
                return facts_csv(facts)
            documents = {row.id: PublishedDocument(seed_source(row), row.url,
                                                   row.content_sha256)
                         for row in session.scalars(select(Source))}
            return facts_jsonld([PublishedFact(fact, row.version, row.updated_at)
                                 for fact, row in zip(facts, rows, strict=True)], documents)

    # --- checks -------------------------------------------------------------------------

    def _row(self, session: Session, fact_id: str, *, live: bool = True) -> Fact:
        row = session.get(Fact, fact_id, options=[selectinload(Fact.claims)])
        if row is None:
            raise CurationError(texts.UNKNOWN_FACT.format(fact_id=fact_id))
        if live and row.retracted:
            raise CurationError(texts.FACT_RETRACTED.format(fact_id=fact_id))
        return row

    def _read(self, session: Session, data: bytes, *, place: str,
              taken_ids: Collection[str] = ()) -> list[SeedFact]:
        sources, documents = stored_documents(session=session)
        facts = read_facts(data, place=place, sources=sources, documents=documents,
                           taken_ids=taken_ids, unknown_source=texts.UNKNOWN_SOURCE_FOR_CLAIM)
        return _within_columns(facts, place)

    def _check(self, session: Session, facts: Sequence[SeedFact], *, place: str,
               taken_ids: Collection[str] = ()) -> list[SeedFact]:
        """Facts built in memory, checked as a file of them would be."""
        sources, documents = stored_documents(session=session)
        entries = LinedList()
        for fact in facts:
            entries.append(LinedMapping(fact.model_dump(mode="json")))
            entries.item_lines.append(0)
        checked = check_facts(entries, place=place, sources=sources, documents=documents,
                              taken_ids=taken_ids, unknown_source=texts.UNKNOWN_SOURCE_FOR_CLAIM)
        return _within_columns(checked, place)


def _within_columns(facts: list[SeedFact], place: str) -> list[SeedFact]:
    """Refuse what the database columns cannot hold, before PostgreSQL would."""
    problems = [f"{place}: fact id {fact.id[:40]!r}…: longer than {_MAX_FACT_ID_CHARS} "
                "characters" for fact in facts if len(fact.id) > _MAX_FACT_ID_CHARS]
    problems += [f"{place}: fact {fact.id!r}: a claim's speaker is longer than "
                 f"{_MAX_NAME_CHARS} characters" for fact in facts
                 if any(len(c.speaker or "") > _MAX_NAME_CHARS for c in fact.claims)]
    if problems:
        raise CurationError("\n".join(problems))
    return facts


def _next_source_id(stored: Collection[str]) -> str:
    numbers = [int(source_id) for source_id in stored if source_id.isdigit()]
    width = max([3, *(len(source_id) for source_id in stored if source_id.isdigit())])
    return str(max(numbers, default=-1) + 1).zfill(width)


def _checked_source(values: dict[str, Any]) -> SeedSource:
    try:
        source = SeedSource.model_validate(values)
    except ValidationError as error:
        raise CurationError("\n".join(
            f"--{'-'.join(str(part) for part in problem['loc']).replace('_', '-')}: "
            + (texts.SOURCE_KINDS if problem["loc"] == ("kind",) else problem["msg"])
            for problem in error.errors())) from None
    too_long = [name for name in ("speaker", "speaker_role", "publisher", "cited_as")
                if len(values[name]) > _MAX_NAME_CHARS]
    if too_long:
        raise CurationError("\n".join(f"--{name.replace('_', '-')}: longer than "
                                      f"{_MAX_NAME_CHARS} characters" for name in too_long))
    return source
