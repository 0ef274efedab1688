"""The fact table in files: YAML and CSV that round-trip, JSON-LD for other tools.

- YAML is the table's own format, as in `seeds/facts.yaml`: `facts: [...]`.
- CSV is for spreadsheets: one row per claim, the fact's own fields repeated on each of
  its rows (a sorted sheet keeps them together; rows of one fact must agree), claims in
  row order. Lists (questions, tags) are JSON arrays, which keep every question exactly;
  a cell typed by hand may instead hold one item per line.
- JSON-LD describes each claim as a schema.org `Claim` — who said it (`author`), in
  which document (`appearance`), when (`datePublished`), the verbatim quote (`text`) —
  so fact-check tools can read the table. It is an export only.

Exporting to YAML or CSV and importing the file back changes nothing. Reading checks a
file like a seed file (`bot.facttable`): every problem named by line and field.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from bot.facttable import (
    MAX_SEED_FILE_BYTES,
    FactTableError,
    LinedList,
    LinedMapping,
    SeedFact,
    SeedSource,
    check_facts,
    read_facts_file,
)

FORMATS = ("yaml", "csv", "jsonld")
CSV_COLUMNS = ("fact_id", "headline", "short", "questions", "tags", "event_date",
               "sources_differ", "source", "says", "quote", "speaker")
_FACT_COLUMNS = {"fact_id": "id", "headline": "headline", "short": "short",
                 "questions": "questions", "tags": "tags", "event_date": "event_date",
                 "sources_differ": "sources_differ"}
_CLAIM_COLUMNS = ("source", "says", "quote", "speaker")
_TRUE, _FALSE = {"true", "yes", "1"}, {"false", "no", "0", ""}
# How an author is typed in JSON-LD: a speaker named like an institution is an
# Organization, anyone else a Person (the documents do not say; the name does).
_INSTITUTION = re.compile(r"\b(ministry|government|office|agency|committee|council|"
                          r"administration|service|parliament|embassy|mission)\b", re.I)


# --- YAML ---------------------------------------------------------------------------------


def fact_mapping(fact: SeedFact) -> dict[str, Any]:
    """A fact as facts.yaml writes it: the table's field order, defaults left out."""
    return fact.model_dump(mode="json", exclude_defaults=True)


def facts_yaml(facts: Sequence[SeedFact], *, comment: str = "") -> str:
    """`facts: [...]` in block style, every value on one line; `comment` on top."""
    body = yaml.safe_dump({"facts": [fact_mapping(fact) for fact in facts]},
                          sort_keys=False, allow_unicode=True, width=1_000_000)
    header = "".join(f"# {line}\n" if line else "#\n" for line in comment.splitlines())
    return header + body


def fact_diff(before: Mapping[str, Any] | None, after: Mapping[str, Any], *, before_label: str,
              after_label: str) -> list[str]:
    """A unified diff of two versions of a fact (as stored: the table's own fields), in
    the YAML an editor knows; `before` None shows the whole of `after` as added."""
    def lines(content: Mapping[str, Any] | None) -> list[str]:
        if content is None:
            return []
        mapping = fact_mapping(SeedFact.model_validate(content))
        return yaml.safe_dump(mapping, sort_keys=False, allow_unicode=True,
                              width=1_000_000).splitlines()

    return [line.rstrip("\n") for line in difflib.unified_diff(
        lines(before), lines(after), fromfile=before_label, tofile=after_label, lineterm="")]


# --- CSV ----------------------------------------------------------------------------------


def facts_csv(facts: Sequence[SeedFact]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for fact in facts:
        own = [fact.id, fact.headline, fact.short,
               json.dumps(fact.questions, ensure_ascii=False),
               json.dumps(fact.tags, ensure_ascii=False),
               fact.event_date.isoformat() if fact.event_date else "",
               "true" if fact.sources_differ else "false"]
        for claim in fact.claims:
            writer.writerow([*own, claim.source, claim.says, claim.quote, claim.speaker or ""])
    return out.getvalue()


def _csv_list(cell: str) -> Any:
    """A JSON array as exported, or one item per line as typed by hand."""
    if cell.lstrip().startswith("["):
        try:
            return json.loads(cell)
        except json.JSONDecodeError:
            return cell  # the field check says it is not a list
    return [line.strip() for line in cell.splitlines() if line.strip()]


def _csv_value(column: str, cell: str) -> Any:
    if column in ("questions", "tags"):
        return _csv_list(cell)
    if column == "event_date":
        return cell.strip() or None
    if column == "sources_differ":
        folded = cell.strip().casefold()
        return True if folded in _TRUE else False if folded in _FALSE else cell
    if column == "speaker":
        return cell if cell.strip() else None
    return cell


def _csv_entries(text: str, place: str) -> LinedList:
    """The sheet as facts with lines: what `check_facts` reads, with the sheet's lines."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise FactTableError([f"{place}:1: the sheet is empty; the first row names the "
                              f"columns: {', '.join(CSV_COLUMNS)}"],
                             seeds_dir=Path(place)) from None
    columns = [name.strip().casefold() for name in header]
    problems = [f"{place}:1: unknown column {name!r}" for name in columns
                if name not in CSV_COLUMNS]
    problems += [f"{place}:1: no column {name!r}" for name in ("fact_id", "headline",
                                                               "questions", *_CLAIM_COLUMNS)
                 if name not in columns and name != "speaker"]
    if problems:
        raise FactTableError(problems, seeds_dir=Path(place))
    entries = LinedList(line=2)
    by_id: dict[str, LinedMapping] = {}
    line = reader.line_num + 1
    try:
        for row in reader:
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            cells = dict(zip(columns, row, strict=False))
            claim = LinedMapping({name: _csv_value(name, cells.get(name, ""))
                                  for name in _CLAIM_COLUMNS if name in cells},
                                 line=start, key_lines=dict.fromkeys(_CLAIM_COLUMNS, start))
            own = {field: _csv_value(column, cells[column])
                   for column, field in _FACT_COLUMNS.items() if column in cells}
            fact_id = cells.get("fact_id", "").strip()
            fact = by_id.get(fact_id)
            if fact is None:
                fact = LinedMapping(own, line=start, key_lines=dict.fromkeys(
                    [*own, "claims"], start))
                fact["claims"] = LinedList(line=start)
                by_id[fact_id] = fact
                entries.append(fact)
                entries.item_lines.append(start)
            else:
                problems += [
                    f"{place}:{start}: fact {fact_id!r}, column `{column}`: differs from the "
                    f"fact's first row (line {fact.line}); a fact's own columns are the "
                    "same on each of its rows"
                    for column, field in _FACT_COLUMNS.items()
                    if field in own and own[field] != fact.get(field)]
            fact["claims"].append(claim)
            fact["claims"].item_lines.append(start)
    except csv.Error as error:
        problems.append(f"{place}:{line}: not a readable CSV row: {error}")
    if problems:
        raise FactTableError(problems, seeds_dir=Path(place))
    return entries


# --- reading either -----------------------------------------------------------------------


def is_csv(place: str) -> bool:
    return Path(place).suffix.casefold() == ".csv"


def read_facts(data: bytes, *, place: str, sources: Sequence[SeedSource],
               documents: Mapping[str, str], taken_ids: Collection[str] = (),
               unknown_source: str = "unknown source") -> list[SeedFact]:
    """Facts from a YAML file, or a CSV sheet when `place` ends in .csv, checked against
    the stored documents; `FactTableError` names every problem's line and field."""
    if not is_csv(place):
        return read_facts_file(data, place=place, sources=sources, documents=documents,
                               taken_ids=taken_ids, unknown_source=unknown_source)
    if len(data) > MAX_SEED_FILE_BYTES:
        raise FactTableError([f"{place}: larger than the {MAX_SEED_FILE_BYTES:,} bytes a fact "
                              "file may have"], seeds_dir=Path(place))
    try:
        text = data.decode("utf-8-sig")  # a spreadsheet's BOM is not part of the header
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise FactTableError([f"{place}:{line}: not UTF-8 text; save the sheet as UTF-8 CSV"],
                             seeds_dir=Path(place)) from None
    return check_facts(_csv_entries(text, place), place=place, sources=sources,
                       documents=documents, taken_ids=taken_ids, unknown_source=unknown_source)


# --- JSON-LD ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PublishedFact:
    """A live fact with what JSON-LD says about it beyond its content."""

    fact: SeedFact
    version: int
    as_of: datetime


@dataclass(frozen=True, slots=True)
class PublishedDocument:
    source: SeedSource
    url: str | None
    sha256: str


def _agent(name: str) -> dict[str, str]:
    kind = "Organization" if _INSTITUTION.search(name) else "Person"
    return {"@type": kind, "name": name}


def _document(published: PublishedDocument) -> dict[str, Any]:
    source = published.source
    node: dict[str, Any] = {
        "@type": "CreativeWork", "@id": f"#document-{source.id}", "identifier": source.id,
        "name": source.title, "genre": source.kind, "author": _agent(source.speaker),
        "publisher": {"@type": "Organization", "name": source.publisher},
        "encoding": {"@type": "MediaObject", "encodingFormat": "text/plain",
                     "sha256": published.sha256},
    }
    if source.date:
        node["datePublished"] = source.date.isoformat()
    if published.url:
        node["url"] = published.url
    return node


def facts_jsonld(facts: Sequence[PublishedFact],
                 documents: Mapping[str, PublishedDocument]) -> str:
    """Every claim of every live fact as a schema.org `Claim`, its document once."""
    graph: list[dict[str, Any]] = [_document(documents[source_id])
                                   for source_id in sorted(documents)]
    for published in facts:
        fact = published.fact
        for number, claim in enumerate(fact.claims, 1):
            source = documents[claim.source].source
            node: dict[str, Any] = {
                "@type": "Claim", "@id": f"#fact-{fact.id}-claim-{number}",
                "identifier": f"{fact.id}#{number}",
                "about": {"@type": "Thing", "identifier": fact.id, "name": fact.headline},
                "author": _agent(claim.speaker or source.speaker),
                "text": claim.quote,
                "abstract": claim.says,
                "appearance": {"@id": f"#document-{source.id}"},
                "keywords": list(fact.tags),
                "version": published.version,
                "dateModified": published.as_of.isoformat(),
            }
            if source.date:
                node["datePublished"] = source.date.isoformat()
            graph.append(node)
    return json.dumps({"@context": "https://schema.org", "@graph": graph},
                      ensure_ascii=False, indent=2) + "\n"
