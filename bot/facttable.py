"""The curated fact table in `seeds/`: reading it, and refusing it when it is wrong.

`seeds/sources.yaml` describes the documents, `seeds/facts.yaml` holds the facts,
`seeds/aliases.yaml` the synonym groups. A quote must stand verbatim in its
document (runs of whitespace folded); a table that breaks that rule is refused
with the fact, the source, and the line of facts.yaml that holds the quote.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from rapidfuzz import fuzz

from bot.errors import UserError

SOURCES_FILE = "sources.yaml"
FACTS_FILE = "facts.yaml"
ALIASES_FILE = "aliases.yaml"
_FACT_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_WHITESPACE = re.compile(r"\s+")


def fold_whitespace(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()


class FactTableError(UserError):
    """The table cannot be used; `problems` lists every precise reason."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("the fact table has problems:\n  " + "\n  ".join(problems))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SeedSource(_Strict):
    id: str
    file: str
    title: str
    speaker: str
    speaker_role: str
    publisher: str
    cited_as: str
    date: date | None
    kind: str = Field(pattern=r"^(statement|commentary|interview)$")


class SeedClaim(_Strict):
    source: str
    says: str = Field(min_length=3)
    quote: str = Field(min_length=3)
    speaker: str | None = None

    @field_validator("quote")
    @classmethod
    def _fold_quote(cls, value: str) -> str:
        return fold_whitespace(value)


class SeedFact(_Strict):
    id: str
    headline: str = Field(min_length=3)
    short: str = ""
    questions: list[str] = Field(min_length=1)
    tags: list[str] = []
    event_date: date | None = None
    sources_differ: bool = False
    claims: list[SeedClaim] = Field(min_length=1)

    @field_validator("id")
    @classmethod
    def _kebab_case(cls, value: str) -> str:
        if not _FACT_ID.match(value):
            raise ValueError("fact ids are kebab-case: lower-case letters, digits and hyphens")
        return value

    def content_sha256(self) -> str:
        encoded = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(encoded.encode()).hexdigest()


@dataclass(frozen=True)
class FactTable:
    sources: tuple[SeedSource, ...]
    facts: tuple[SeedFact, ...]
    aliases: dict[str, list[str]]
    documents: dict[str, str]  # source id → full text
    digest: str  # sha256 over every seed file: changes when anything in seeds/ changes


class _LineLoader(yaml.SafeLoader):
    """Records the line of every mapping, so errors can point into the YAML file."""


def _construct_with_line(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping: dict[str, Any] = {str(k): v for k, v in
                               loader.construct_mapping(node, deep=True).items()}
    mapping["__line__"] = node.start_mark.line + 1
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode):
            mapping[f"__line__{key_node.value}"] = value_node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_with_line)


def _strip_lines(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if not str(k).startswith("__line__")}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except FileNotFoundError:
        raise FactTableError([f"{path}: file not found"]) from None
    except yaml.YAMLError as error:
        raise FactTableError([f"{path}: not valid YAML: {error}"]) from None


def _closest_passage(quote: str, document: str) -> str:
    alignment = fuzz.partial_ratio_alignment(quote, document)
    if alignment is None or alignment.score < 60:
        return "no similar passage"
    passage = document[alignment.dest_start : alignment.dest_end]
    return f"closest passage ({alignment.score:.0f}% similar): {passage!r}"


def _describe(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
    )


def load_fact_table(seeds_dir: Path) -> FactTable:
    """Read and check the whole table; raise `FactTableError` listing every problem."""
    problems: list[str] = []
    digest = hashlib.sha256()
    for path in sorted(seeds_dir.glob("*")):
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())

    raw_sources = _read_yaml(seeds_dir / SOURCES_FILE) or {}
    raw_facts = _read_yaml(seeds_dir / FACTS_FILE) or {}
    aliases_path = seeds_dir / ALIASES_FILE
    raw_aliases = _read_yaml(aliases_path) if aliases_path.exists() else {}

    sources: list[SeedSource] = []
    for entry in raw_sources.get("sources", []):
        try:
            sources.append(SeedSource.model_validate(_strip_lines(entry)))
        except ValidationError as error:
            problems.append(f"{SOURCES_FILE}:{entry.get('__line__')}: {_describe(error)}")
    documents: dict[str, str] = {}
    folded_documents: dict[str, str] = {}
    for source in sources:
        if source.id in documents:
            problems.append(f"{SOURCES_FILE}: source id {source.id!r} is listed twice")
            continue
        path = seeds_dir / source.file
        if not path.is_file():
            problems.append(f"{SOURCES_FILE}: source {source.id!r}: file {source.file} not found")
            continue
        documents[source.id] = path.read_text(encoding="utf-8")
        folded_documents[source.id] = fold_whitespace(documents[source.id])

    facts: list[SeedFact] = []
    seen_ids: dict[str, int] = {}
    for entry in raw_facts.get("facts", []):
        line = entry.get("__line__") if isinstance(entry, dict) else None
        try:
            fact = SeedFact.model_validate(_strip_lines(entry))
        except ValidationError as error:
            label = entry.get("id", "?") if isinstance(entry, dict) else "?"
            problems.append(f"{FACTS_FILE}:{line}: fact {label!r}: {_describe(error)}")
            continue
        if fact.id in seen_ids:
            problems.append(
                f"{FACTS_FILE}:{line}: fact id {fact.id!r} already used at line {seen_ids[fact.id]}"
            )
            continue
        seen_ids[fact.id] = line or 0
        for claim, raw_claim in zip(fact.claims, entry["claims"], strict=True):
            quote_line = raw_claim.get("__line__quote", raw_claim.get("__line__"))
            where = f"{FACTS_FILE}:{quote_line}: fact {fact.id!r}, source {claim.source!r}"
            if claim.source not in folded_documents:
                problems.append(f"{where}: unknown source (see {SOURCES_FILE})")
                continue
            if fold_whitespace(claim.quote) not in folded_documents[claim.source]:
                closest = _closest_passage(fold_whitespace(claim.quote),
                                           folded_documents[claim.source])
                problems.append(f"{where}: quote not found verbatim; {closest}")
        facts.append(fact)

    aliases = {str(k): [str(v) for v in vs] for k, vs in
               _strip_lines(raw_aliases or {}).get("aliases", {}).items()}
    if problems:
        raise FactTableError(problems)
    return FactTable(tuple(sources), tuple(facts), aliases, documents, digest.hexdigest())
