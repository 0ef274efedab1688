"""The newsroom desk: every change a version, seeds/ never overwriting an editor, all or nothing."""

from __future__ import annotations

import csv
import io
import json
import logging
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.answering import Chat
from bot.core import FactBot
from bot.curation import CurationError
from bot.facttable import FactTableError, fold_whitespace
from bot.settings import DEFAULT_SEEDS_DIR, Settings, load_settings
from bot.store import Actor, table_revision
from db.models import Fact, FactChange, FactVersion, Source

EDITOR = Actor("cli:test-editor", "cli")
CHAT = Chat("telegram", "-100", private=False)


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    target = tmp_path / "seeds"
    shutil.copytree(DEFAULT_SEEDS_DIR, target)
    return target


@pytest.fixture
def settings(database_url: str, seeds_copy: Path) -> Settings:
    return load_settings(database_url=database_url, seeds_dir=seeds_copy)


@pytest.fixture
def bot(settings: Settings) -> Iterator[FactBot]:
    core = FactBot.open(settings)
    yield core
    core.close()


def _edit_seeds(seeds: Path, old: str, new: str) -> None:
    facts_file = seeds / "facts.yaml"
    content = facts_file.read_text(encoding="utf-8")
    assert old in content
    facts_file.write_text(content.replace(old, new, 1), encoding="utf-8")


def _drop_from_seeds(seeds: Path, fact_id: str) -> None:
    """Remove one fact's entry from facts.yaml, as an editor of the file would."""
    facts_file = seeds / "facts.yaml"
    content = facts_file.read_text(encoding="utf-8")
    start = content.index(f"  - id: {fact_id}\n")
    end = content.find("\n  - id: ", start + 1)
    facts_file.write_text(content[:start] + (content[end + 1:] if end != -1 else ""),
                          encoding="utf-8")


def _snapshot(bot: FactBot) -> tuple[int, int, int, int, str]:
    """Everything an import may change: facts, versions, digest news, revision, the table."""
    with bot.database.session() as session:
        return (
            session.scalar(select(func.count()).select_from(Fact)) or 0,
            session.scalar(select(func.count()).select_from(FactVersion)) or 0,
            session.scalar(select(func.count()).select_from(FactChange)) or 0,
            table_revision(session=session),
            bot.curation.export("yaml"),
        )


def _fact_yaml(fact_id: str, source: str, quote: str, *, question: str,
               event_date: str = "null", short: str = "") -> str:
    return (f"  - id: {fact_id}\n"
            f"    headline: Headline of {fact_id}\n"
            f"    short: \"{short}\"\n"
            f"    questions: [{question}]\n"
            f"    event_date: {event_date}\n"
            f"    claims:\n"
            f"      - source: \"{source}\"\n"
            f"        says: it says so\n"
            f"        quote: \"{quote}\"\n")


# --- seeds/ beside editors ------------------------------------------------------------------


def test_a_deploy_keeps_an_editors_change_and_lists_the_clash(
    settings: Settings, bot: FactBot, seeds_copy: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A new deploy changing a fact an editor changed keeps the editor's version, lists
    the clash and logs it; the facts no editor touched are imported."""
    edited, other = bot.index.facts[0], bot.index.facts[1]
    bot.curation.teach(edited.id, "when was emergency rule brought in", actor=EDITOR)
    _edit_seeds(seeds_copy, f"headline: {edited.headline}", "headline: Seeds' new headline")
    _edit_seeds(seeds_copy, f"headline: {other.headline}", "headline: Other new headline")
    with caplog.at_level(logging.WARNING, logger="bot.store"):
        deployed = FactBot.open(settings)
    try:
        kept = deployed.index.get(edited.id)
        assert kept is not None and kept.headline == edited.headline
        assert "when was emergency rule brought in" in kept.questions
        imported = deployed.index.get(other.id)
        assert imported is not None and imported.headline == "Other new headline"
        [conflict] = deployed.curation.conflicts()
        assert conflict.fact_id == edited.id and conflict.seeds_change == "corrected"
        assert conflict.seeds_fact is not None
        assert conflict.seeds_fact["headline"] == "Seeds' new headline"
        assert conflict.kept.actor == EDITOR.who and conflict.kept.version == 2
        warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert any(edited.id in w and "kept the editor's version 2" in w for w in warnings)
        # The same seeds/ again (a restart, another instance): no new clash, no change.
        report = deployed.answering.load_seeds()
        assert not report.changed and not report.kept
        assert len(deployed.curation.conflicts()) == 1
    finally:
        deployed.close()


def test_seeds_dropping_a_fact_an_editor_changed_keeps_it(bot: FactBot, seeds_copy: Path
                                                          ) -> None:
    """A fact removed from seeds/ after an editor changed it stays answered, as a clash."""
    fact = bot.index.facts[2]
    bot.curation.teach(fact.id, "what about that one thing", actor=EDITOR)
    _drop_from_seeds(seeds_copy, fact.id)
    report = bot.answering.load_seeds()
    assert report.kept == [fact.id] and not report.retracted
    assert bot.index.get(fact.id) is not None
    [conflict] = bot.curation.conflicts()
    assert conflict.seeds_change == "retracted" and conflict.seeds_fact is None


def test_resolving_for_seeds_takes_the_seeds_version_and_later_changes_flow(
    bot: FactBot, seeds_copy: Path
) -> None:
    """`--keep seeds` makes the fact what seeds/ says; the next seeds/ change applies."""
    fact = bot.index.facts[0]
    bot.curation.teach(fact.id, "when was emergency rule brought in", actor=EDITOR)
    _edit_seeds(seeds_copy, f"headline: {fact.headline}", "headline: Seeds' headline")
    bot.answering.load_seeds()
    change = bot.curation.resolve(fact.id, keep="seeds", actor=EDITOR)
    assert change is not None and change.new_version == 3
    resolved = bot.index.get(fact.id)
    assert resolved is not None and resolved.headline == "Seeds' headline"
    assert bot.curation.conflicts() == []
    _edit_seeds(seeds_copy, "headline: Seeds' headline", "headline: Seeds' second headline")
    report = bot.answering.load_seeds()
    assert report.corrected == [fact.id] and not report.kept


def test_keeping_the_editors_version_still_guards_it(bot: FactBot, seeds_copy: Path) -> None:
    """`--keep editor` closes the clash; a later seeds/ change is a new clash, not an overwrite."""
    fact = bot.index.facts[0]
    bot.curation.teach(fact.id, "when was emergency rule brought in", actor=EDITOR)
    _edit_seeds(seeds_copy, f"headline: {fact.headline}", "headline: Seeds' headline")
    bot.answering.load_seeds()
    assert bot.curation.resolve(fact.id, keep="editor", actor=EDITOR) is None
    assert bot.curation.conflicts() == []
    _edit_seeds(seeds_copy, "headline: Seeds' headline", "headline: Again")
    assert bot.answering.load_seeds().kept == [fact.id]
    kept = bot.index.get(fact.id)
    assert kept is not None and kept.headline == fact.headline


def test_seeds_never_retract_a_fact_an_editor_added(bot: FactBot, seeds_copy: Path) -> None:
    """A fact seeds/ never held is not the importer's: a deploy leaves it alone."""
    quote = "a curfew is imposed from 11 p.m. to 7 a.m."
    data = "facts:\n" + _fact_yaml("night-curfew-almaty", "003", quote,
                                   question="night curfew in almaty")
    bot.curation.add_facts_file(data.encode(), place="new.yaml", actor=EDITOR)
    _edit_seeds(seeds_copy, "headline: Curfew hours", "headline: Curfew hours (seeds)")
    report = bot.answering.load_seeds()
    assert report.corrected == ["curfew"] and not report.retracted and not report.kept
    assert bot.index.get("night-curfew-almaty") is not None


# --- imports: all checked first, all or nothing ---------------------------------------------


def test_an_import_failing_halfway_applies_nothing(bot: FactBot) -> None:
    """Good facts before a bad one are not applied; the problems name line and field."""
    curfew = bot.curation.fact("curfew")
    quote = curfew.claims[0].quote
    lines = ["facts:",
             _fact_yaml("first-new-fact", "003", quote, question="first new question"),
             _fact_yaml("second-new-fact", "003", quote, question="second new question",
                        event_date="soon"),
             _fact_yaml("third-new-fact", "003", "words no document has at all",
                        question="third new question")]
    data = "\n".join(lines)
    before = _snapshot(bot)
    with pytest.raises(FactTableError) as raised:
        bot.curation.import_file(data.encode(), place="batch.yaml", actor=EDITOR)
    numbered = data.splitlines()
    date_line = numbered.index("    event_date: soon") + 1
    quote_line = numbered.index('        quote: "words no document has at all"') + 1
    message = str(raised.value)
    assert f"batch.yaml:{date_line}: fact 'second-new-fact', field `event_date`" in message
    assert (f"batch.yaml:{quote_line}: fact 'third-new-fact', source '003': quote not found "
            "verbatim") in message
    assert _snapshot(bot) == before
    assert bot.index.get("first-new-fact") is None


def test_a_csv_import_names_the_row_and_column_of_a_problem(bot: FactBot) -> None:
    """Rows of one fact that disagree, or a bad cell, are refused naming the sheet's line."""
    sheet = bot.curation.export("csv").splitlines()
    header, first, second = sheet[0], sheet[1], sheet[2]
    assert first.split(",")[0] == second.split(",")[0]  # two claims of one fact
    changed = second.replace("Declaration of the state of emergency", "Another headline", 1)
    data = "\n".join([header, first, changed, ""]).encode()
    before = _snapshot(bot)
    with pytest.raises(FactTableError, match=r"table\.csv:3: fact 'state-of-emergency-declared'"
                                             r", column `headline`: differs"):
        bot.curation.import_file(data, place="table.csv", actor=EDITOR)
    assert _snapshot(bot) == before


@pytest.mark.parametrize("fmt", ["yaml", "csv"])
def test_export_then_import_changes_nothing(bot: FactBot, fmt: str) -> None:
    """The exported table imported back adds no version, no news and no revision."""
    bot.curation.teach("curfew", "curfew hours in the capital", actor=EDITOR)
    bot.curation.retract("national-mourning", reason="checking the date", actor=EDITOR)
    exported = bot.curation.export(fmt)  # type: ignore[arg-type]
    before = _snapshot(bot)
    report = bot.curation.import_file(exported.encode(), place=f"table.{fmt}", actor=EDITOR)
    assert not report.changed and report.unchanged == len(bot.index.facts)
    assert _snapshot(bot) == before
    assert bot.index.get("national-mourning") is None


def test_a_csv_edited_in_a_spreadsheet_imports_as_a_correction(bot: FactBot) -> None:
    """A headline changed on every row of a fact, lists typed one per line, is a new version."""
    header, *rows = csv.reader(io.StringIO(bot.curation.export("csv")))
    column = {name: number for number, name in enumerate(header)}
    edited = [row for row in rows if row[column["fact_id"]] == "curfew"]
    questions = json.loads(edited[0][column["questions"]])
    for row in edited:
        row[column["headline"]] = "Curfew hours, nationwide"
        row[column["questions"]] = "\n".join(questions)  # as a person types a list in a cell
    sheet = io.StringIO()
    csv.writer(sheet).writerows([header, *edited])
    report = bot.curation.import_file(sheet.getvalue().encode(), place="curfew.csv",
                                      actor=EDITOR)
    assert report.corrected == ["curfew"]
    fact = bot.index.get("curfew")
    assert fact is not None and fact.headline == "Curfew hours, nationwide"
    assert list(fact.questions) == questions
    assert bot.curation.history("curfew")[-1].summary == "headline changed"


def test_adding_a_taken_id_is_refused_naming_the_line(bot: FactBot) -> None:
    """Fact ids are never reused, not even a retracted one's."""
    bot.curation.retract("curfew", reason="wrong", actor=EDITOR)
    quote = "a curfew is imposed from 11 p.m. to 7 a.m."
    data = "facts:\n" + _fact_yaml("curfew", "003", quote, question="curfew")
    with pytest.raises(FactTableError, match=r"new\.yaml:2: fact id 'curfew' is already in "
                                             "the table"):
        bot.curation.add_facts_file(data.encode(), place="new.yaml", actor=EDITOR)


# --- versions -------------------------------------------------------------------------------


def test_history_records_each_version_and_revert_makes_an_old_one_current(bot: FactBot
                                                                          ) -> None:
    """Each change is a version with who, how and the whole fact; a revert is one too."""
    original = bot.curation.fact("curfew")
    edited = original.model_copy(update={"headline": "Curfew in Almaty"})
    assert bot.curation.correct(edited, actor=EDITOR) is not None
    assert bot.index.get("curfew").headline == "Curfew in Almaty"  # type: ignore[union-attr]
    reverted = bot.curation.revert("curfew", 1, actor=EDITOR)
    assert reverted is not None and reverted.summary == "reverted to version 1: headline changed"
    history = bot.curation.history("curfew")
    assert [(v.version, v.change, v.actor) for v in history] == [
        (1, "imported", "import:seeds/facts.yaml"), (2, "corrected", EDITOR.who),
        (3, "reverted", EDITOR.who)]
    assert history[1].fact["headline"] == "Curfew in Almaty"
    assert history[2].fact == history[0].fact == original.model_dump(mode="json")
    current = bot.index.get("curfew")
    assert current is not None and current.headline == original.headline
    assert current.version == 3
    assert bot.curation.revert("curfew", 3, actor=EDITOR) is None
    with pytest.raises(CurationError, match="has versions 1 to 3; there is no version 9"):
        bot.curation.revert("curfew", 9, actor=EDITOR)


def test_a_retracted_fact_is_never_answered_and_stays_in_the_history(
    settings: Settings, bot: FactBot
) -> None:
    """Retracted: no answer, suggestion or inline result anywhere; the history keeps it."""
    question = bot.index.get("curfew").questions[0]  # type: ignore[union-attr]
    assert bot.ask(question, chat=CHAT).fact_id == "curfew"
    bot.curation.retract("curfew", reason="the hours were wrong", actor=EDITOR)
    for core in (bot, FactBot.open(settings)):
        answer = core.ask(question, chat=CHAT)
        assert answer.fact_id != "curfew"
        assert "curfew" not in {s.fact_id for s in answer.suggestions}
        assert core.answer_for("curfew") is None
        assert "curfew" not in {a.fact_id for a in core.inline_answers("curfew", 10)}
        assert "curfew" not in {s.fact_id for s in core.question_choices("curfew", 10)}
    assert not bot.answering.load_seeds().changed  # a deploy does not bring it back
    assert bot.answer_for("curfew") is None
    last = bot.curation.history("curfew")[-1]
    assert last.change == "retracted" and last.retracted
    assert last.summary == "retracted: the hours were wrong"
    with bot.database.session() as session:
        kinds = session.scalars(select(FactChange.kind).where(FactChange.fact_id == "curfew"))
        assert list(kinds)[-1] == "retracted"
    with pytest.raises(CurationError, match="is retracted"):
        bot.curation.teach("curfew", "curfew", actor=EDITOR)


def test_answers_carry_the_version_and_when_the_fact_last_changed(bot: FactBot) -> None:
    """A question form added is a version but not a change of "as of"; a correction is both."""
    first = bot.index.get("curfew")
    assert first is not None and first.version == 1 and first.as_of is not None
    bot.curation.teach("curfew", "curfew hours in the capital", actor=EDITOR)
    taught = bot.index.get("curfew")
    assert taught is not None and taught.version == 2 and taught.as_of == first.as_of
    bot.curation.correct(bot.curation.fact("curfew").model_copy(update={"short": "11 pm"}),
                         actor=EDITOR)
    corrected = bot.index.get("curfew")
    assert corrected is not None and corrected.version == 3 and corrected.as_of > first.as_of


def test_teaching_a_question_form_answers_it_at_once(bot: FactBot) -> None:
    """A question nobody could get answered is answered once taught, and taught once only."""
    question = "from what time are people told to stay indoors at night"
    assert bot.ask(question, chat=CHAT).fact_id != "curfew"
    change = bot.curation.teach("curfew", question, actor=EDITOR)
    assert change.summary == f"question form added: {question!r}"
    assert bot.ask(question, chat=CHAT).fact_id == "curfew"
    with pytest.raises(CurationError, match="already has the question form"):
        bot.curation.teach("curfew", question.upper(), actor=EDITOR)


# --- documents ------------------------------------------------------------------------------

_DOCUMENT = (
    "Statement of the Ministry of Testing\n\n"
    "The ministry reported that 42 bridges were repaired by\n1 February 2022 across the "
    "region, and that traffic has resumed on all of them.\n"
)


def test_a_stored_document_can_be_cited_and_is_served_by_every_instance(
    settings: Settings, bot: FactBot
) -> None:
    """A document added is cited by a new fact whose quote is in it; another instance
    answers from it after its refresh."""
    other = FactBot.open(settings)
    try:
        source_id = bot.curation.add_source(
            _DOCUMENT, title="Statement of the Ministry of Testing", speaker="Ministry of Testing",
            kind="statement", published=date(2022, 2, 1), url="https://example.org/s",
            actor=EDITOR)
        assert source_id == "005"
        quote = "42 bridges were repaired by 1 February 2022"  # a line break in the text
        data = "facts:\n" + _fact_yaml("bridges-repaired", "005", quote, short="42 bridges",
                                       question="how many bridges were repaired")
        assert bot.curation.add_facts_file(data.encode(), place="new.yaml",
                                           actor=EDITOR) == ["bridges-repaired"]
        assert other.answering.refresh_if_changed()
        for core in (bot, other):
            answer = core.ask("how many bridges were repaired?", chat=CHAT)
            assert answer.fact_id == "bridges-repaired"
            citation = answer.citations[0]
            assert citation.source.id == "005" and citation.speaker == "Ministry of Testing"
            assert fold_whitespace(_DOCUMENT).find(citation.quote) >= 0
            check = core.check_quote("the ministry reported that 42 bridges were repaired")
            assert check.quote_check is not None and check.quote_check.found is not None
            assert check.quote_check.found.source.id == "005"
    finally:
        other.close()


def test_a_claim_must_quote_a_stored_document_verbatim(bot: FactBot) -> None:
    """A quote not in the stored text, or a document never stored, is refused."""
    bot.curation.add_source(_DOCUMENT, title="Statement of the Ministry of Testing",
                            speaker="Ministry of Testing", kind="statement", actor=EDITOR)
    data = ("facts:\n"
            + _fact_yaml("bridges-repaired", "005", "42 bridges were rebuilt by 1 February",
                         question="bridges")
            + _fact_yaml("roads-repaired", "077", "42 bridges were repaired", question="roads"))
    with pytest.raises(FactTableError) as raised:
        bot.curation.add_facts_file(data.encode(), place="new.yaml", actor=EDITOR)
    message = str(raised.value)
    assert "new.yaml:10: fact 'bridges-repaired', source '005': quote not found verbatim" in message
    assert "new.yaml:19: fact 'roads-repaired', source '077': unknown source" in message
    with pytest.raises(CurationError, match="already stored, as document 005"):
        bot.curation.add_source(_DOCUMENT, title="Again", speaker="Ministry of Testing",
                                kind="statement", actor=EDITOR)


# --- instances and listeners ----------------------------------------------------------------


def test_a_second_instance_sees_a_change_after_refresh(settings: Settings, bot: FactBot) -> None:
    """Another instance on the same database answers from a change once it refreshes."""
    second = FactBot.open(settings)
    try:
        question = "from what time are people told to stay indoors at night"
        assert not second.answering.refresh_if_changed()
        bot.curation.teach("curfew", question, actor=EDITOR)
        assert second.match(question).fact_id != "curfew"
        assert second.answering.refresh_if_changed()
        assert second.match(question).fact_id == "curfew"
        assert not second.answering.refresh_if_changed()
    finally:
        second.close()


class _Recorder:
    def __init__(self, bot: FactBot) -> None:
        self.bot = bot
        self.heard: list[tuple[str, int | None, int, str, int]] = []

    def on_fact_changed(self, fact_id: str, old_version: int | None, new_version: int,
                        summary: str) -> None:
        with self.bot.database.session() as session:  # a new transaction: only committed rows
            row = session.get(Fact, fact_id)
            committed = row.version if row else -1
        self.heard.append((fact_id, old_version, new_version, summary, committed))


def test_listeners_hear_each_change_after_it_is_committed(fresh_core: FactBot) -> None:
    """on_fact_changed gets id, old and new version and what changed, once committed."""
    recorder = _Recorder(fresh_core)
    fresh_core.curation.add_listener(recorder)
    fresh_core.curation.retract("curfew", reason="wrong", actor=EDITOR)
    fresh_core.curation.revert("curfew", 1, actor=EDITOR)
    assert recorder.heard == [("curfew", 1, 2, "retracted: wrong", 2),
                              ("curfew", 2, 3, "reverted to version 1: back in the table", 3)]


def test_a_failing_listener_neither_undoes_nor_hides_the_change(
    fresh_core: FactBot, caplog: pytest.LogCaptureFixture
) -> None:
    """The change stands and is served; the listener's failure is logged with the fact."""
    class Broken:
        def on_fact_changed(self, fact_id: str, old_version: int | None, new_version: int,
                            summary: str) -> None:
            raise RuntimeError("listener bug")

    fresh_core.curation.add_listener(Broken())
    with caplog.at_level(logging.ERROR, logger="bot.curation"):
        fresh_core.curation.retract("curfew", reason="wrong", actor=EDITOR)
    assert fresh_core.answer_for("curfew") is None
    assert any("curfew" in r.getMessage() for r in caplog.records)


def test_json_ld_describes_each_claim_as_a_schema_org_claim(shared_core: FactBot) -> None:
    """Claims with author, appearance (the document), datePublished and the verbatim quote."""
    exported = json.loads(shared_core.curation.export("jsonld"))
    assert exported["@context"] == "https://schema.org"
    graph = exported["@graph"]
    documents = {node["@id"]: node for node in graph if node["@type"] == "CreativeWork"}
    claims = [node for node in graph if node["@type"] == "Claim"]
    assert len(claims) == sum(len(fact.claims) for fact in shared_core.index.facts)
    with shared_core.database.session() as session:
        stored = {row.id: fold_whitespace(row.text) for row in session.scalars(select(Source))}
    for claim in claims:
        document = documents[claim["appearance"]["@id"]]
        assert claim["author"]["@type"] in {"Person", "Organization"} and claim["author"]["name"]
        assert claim.get("datePublished") == document.get("datePublished")
        assert claim["text"] in stored[document["identifier"]]  # the verbatim quote
    curfew = next(c for c in claims if c["identifier"] == "curfew#1")
    fact = shared_core.index.get("curfew")
    assert fact is not None
    assert curfew["text"] == fact.claims[0].quote and curfew["about"]["name"] == fact.headline
    assert documents[curfew["appearance"]["@id"]]["identifier"] == fact.claims[0].source.id
    dated = next(c for c in claims if documents[c["appearance"]["@id"]]["identifier"] == "004")
    assert dated["datePublished"] == "2022-01-15"
