"""The curated fact table in `seeds/`: reading it, and refusing it when it is wrong.

`seeds/sources.yaml` describes the documents, `seeds/facts.yaml` holds the facts,
`seeds/aliases.yaml` the synonym groups. A quote must stand verbatim in its
document (runs of whitespace folded); a table that breaks that rule is refused
with the fact, the source, and the line of facts.yaml that holds the quote.

The seed folder is edited by hand and deployed by people in a hurry, so the
loader treats it as untrusted input: every file is read once and at most
`MAX_SEED_FILE_BYTES`; bytes that are not UTF-8, YAML that nests too deeply or
whose aliases expand too far (a "billion laughs" file), a file of the wrong
shape, an entry of the wrong type and a table with no facts are all refused
with one `FactTableError` naming file, line and field, never a traceback or a
runaway allocation.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from rapidfuzz import fuzz
from yaml.constructor import ConstructorError

from bot.errors import UserError

SOURCES_FILE = "sources.yaml"
FACTS_FILE = "facts.yaml"
ALIASES_FILE = "aliases.yaml"
# facts.yaml is about 85 KB and the largest document 10 KB: 2 MiB leaves room for
# twenty times the table while bounding what a wrong file can cost.
MAX_SEED_FILE_BYTES = 2 * 1024 * 1024
# The table nests five levels deep (facts → fact → claims → claim → quote).
MAX_YAML_DEPTH = 32
# Values (scalars, lists, mappings) in one file. facts.yaml holds about 3,200; PyYAML
# spends about 1 KB of memory on each, so the size cap alone would still allow ~1 GB.
MAX_YAML_VALUES = 50_000
# Values that YAML aliases may add to one file. The shipped files use none; a few
# shared lists are fine, a "billion laughs" (10^9 values from a 1 KB file) is not.
MAX_ALIAS_VALUES = 10_000
# A number longer than this is a typo (or an attack on int() and sexagesimal parsing).
_MAX_NUMBER_CHARS = 100
_PROBLEMS_SHOWN = 25
# Looking for the closest passage costs seconds for a quote of a few thousand characters
# (the longest shipped quote has under 300): only shorter quotes, and only the first few.
_CLOSEST_PASSAGE_MAX_CHARS = 1_000
_FACT_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_WHITESPACE = re.compile(r"\s+")


def fold_whitespace(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()


class FactTableError(UserError):
    """The table cannot be used; `problems` lists every precise reason.

    Each problem starts with the seed file (relative to the seeds folder) and, where
    known, its line: `facts.yaml:120: fact 'curfew', field `tags[0]`: ...`.
    """

    def __init__(self, problems: list[str], *, seeds_dir: Path | None = None):
        self.problems = problems
        shown = problems[:_PROBLEMS_SHOWN]
        if len(problems) > len(shown):
            shown = [*shown, f"... and {len(problems) - len(shown)} more"]
        where = f" in {seeds_dir}" if seeds_dir is not None else ""
        super().__init__(f"the fact table{where} has problems:\n  " + "\n  ".join(shown))


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

    @field_validator("file")
    @classmethod
    def _in_seeds_folder(cls, value: str) -> str:
        # Only files of the seeds folder are read (and size-capped): no paths, no ../
        if value in {"", ".", ".."} or Path(value).name != value or "\\" in value:
            raise ValueError("must be the name of a file in the seeds folder, without a path")
        return value


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


# --- YAML, bounded and with line numbers ---------------------------------------------------


class _Mapping(dict[str, Any]):
    """A YAML mapping that remembers its line and the line of each key."""

    def __init__(self, items: Any = (), *, line: int = 0,
                 key_lines: dict[str, int] | None = None) -> None:
        super().__init__(items)
        self.line = line
        self.key_lines = key_lines or {}


class _Sequence(list[Any]):
    """A YAML sequence that remembers its line and the line of each item."""

    def __init__(self, items: Any = (), *, line: int = 0,
                 item_lines: list[int] | None = None) -> None:
        super().__init__(items)
        self.line = line
        self.item_lines = item_lines or []


class _RefusedYAML(ConstructorError):
    """YAML that parses but is refused: too deep, recursive, or aliases that expand too far."""


class _SeedLoader(yaml.SafeLoader):
    """A SafeLoader for seed files: bounded, and recording where every value starts.

    Composing a "billion laughs" file is cheap, because an alias shares its node; the
    cost comes when anything walks the expanded values. So the composer counts how many
    values each node stands for once aliases are expanded, and refuses a file whose
    aliases add more than `MAX_ALIAS_VALUES`, more than `MAX_YAML_VALUES` in all, an
    alias inside the value it names, and nesting deeper than `MAX_YAML_DEPTH`.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._values = 0  # values composed so far, each alias counted as expanded
        self._alias_values = 0
        self._expanded: dict[int, int] = {}  # id(node) → values it stands for

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            node = super().compose_node(parent, index)  # the anchored node, or an error
            size = self._expanded.get(id(node))
            if size is None:
                raise _RefusedYAML(None, None, "an alias inside the value it refers to", mark)
            self._alias_values += size
            if self._alias_values > MAX_ALIAS_VALUES:
                raise _RefusedYAML(
                    None, None, f"YAML aliases expand to more than {MAX_ALIAS_VALUES:,} "
                    "values (a \"billion laughs\" file?); write the values out", mark)
            self._values += size
            return node
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise _RefusedYAML(None, None, f"nested more than {MAX_YAML_DEPTH} levels deep",
                                   self.peek_event().start_mark)
            before = self._values
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        self._values += 1
        if self._values > MAX_YAML_VALUES and node is not None:
            raise _RefusedYAML(None, None, f"more than {MAX_YAML_VALUES:,} values in one file",
                               node.start_mark)
        self._expanded[id(node)] = self._values - before
        return node

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError) as error:
            # SafeConstructor lets a few plain exceptions out (bad base64 in a !!binary,
            # say): give them the value's place like any other YAML problem.
            raise ConstructorError(None, None, f"cannot read this value: {error}",
                                   node.start_mark) from None


def _construct_mapping(loader: _SeedLoader, node: yaml.MappingNode) -> _Mapping:
    first_seen: dict[str, int] = {}
    for key_node, _ in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
            if key_node.value in first_seen:
                raise ConstructorError(
                    None, None, f"key {key_node.value!r} appears twice in one mapping "
                    f"(first at line {first_seen[key_node.value]})", key_node.start_mark)
            first_seen[key_node.value] = key_node.start_mark.line + 1
    values = loader.construct_mapping(node, deep=True)  # merges `<<:` keys into node.value
    return _Mapping(
        ((str(key), value) for key, value in values.items()),
        line=node.start_mark.line + 1,
        key_lines={str(loader.construct_object(key_node)): key_node.start_mark.line + 1
                   for key_node, _ in node.value},
    )


def _construct_sequence(loader: _SeedLoader, node: yaml.SequenceNode) -> _Sequence:
    return _Sequence(loader.construct_sequence(node, deep=True), line=node.start_mark.line + 1,
                     item_lines=[child.start_mark.line + 1 for child in node.value])


def _construct_text(loader: _SeedLoader, node: yaml.ScalarNode) -> str:
    # Dates stay text here: pydantic parses them where a date belongs, with the field's name.
    return loader.construct_scalar(node)


def _construct_number(loader: _SeedLoader, node: yaml.ScalarNode) -> Any:
    if len(node.value) > _MAX_NUMBER_CHARS:
        raise ConstructorError(None, None, f"a number of {len(node.value):,} characters; "
                               "put it in quotes if it is text", node.start_mark)
    if node.tag.endswith(":int"):
        return loader.construct_yaml_int(node)
    return loader.construct_yaml_float(node)


_SeedLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_SeedLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
_SeedLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_text)
_SeedLoader.add_constructor("tag:yaml.org,2002:int", _construct_number)
_SeedLoader.add_constructor("tag:yaml.org,2002:float", _construct_number)


def _line_at(value: Any, location: tuple[str | int, ...]) -> int | None:
    """The line of the innermost value along `location` that the YAML file placed."""
    line: int | None = getattr(value, "line", None)
    for part in location:
        if isinstance(value, _Mapping) and isinstance(part, str) and part in value:
            line = value.key_lines.get(part, line)
            value = value[part]
        elif isinstance(value, _Sequence) and isinstance(part, int) and 0 <= part < len(value):
            line = value.item_lines[part]
            value = value[part]
        else:
            break
    return line


def _kind(value: Any) -> str:
    """What a value is, in words for someone editing YAML."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"{str(value).lower()} (YAML reads yes/no/true/false as a switch)"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {_clip(value)!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _field(location: tuple[str | int, ...]) -> str:
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    return path


def _validation_problems(error: ValidationError, entry: Any, *, place: str, label: str
                         ) -> list[str]:
    """One problem per wrong field, each at the line of that field."""
    problems = []
    for detail in error.errors():
        location = tuple(detail["loc"])
        kind, found = detail["type"], _kind(detail["input"])
        message = detail["msg"]
        if kind == "extra_forbidden":
            message = "unknown field (a typo?)"
        elif kind == "missing":
            message = "missing"
        elif kind == "value_error":
            message = str(detail.get("ctx", {}).get("error", message))
        elif kind == "string_type":
            message = f"must be text, found {found}"
            message += "; put it in quotes" if detail["input"] is not None else ""
        elif kind == "list_type":
            message = f"must be a list, found {found}"
        elif kind in {"model_type", "dict_type"}:
            message = f"must be a mapping of fields, found {found}"
        line = _line_at(entry, location)
        field = f", field `{_field(location)}`" if location else ""
        problems.append(f"{place}:{line or '?'}: {label}{field}: {message}")
    return problems


# --- reading the folder --------------------------------------------------------------------


class _SeedFolder:
    """One seeds folder, each file read once: the digest covers exactly what was checked."""

    def __init__(self, seeds_dir: Path, files: Mapping[str, bytes] | None = None) -> None:
        """Read `seeds_dir`, or hold `files` (name → bytes) already read from elsewhere."""
        self.seeds_dir = seeds_dir
        self.problems: list[str] = []
        self._contents: dict[str, bytes] = dict(files or {})
        self._unreadable: set[str] = set()
        self.digest = ""
        if files is not None:
            return
        digest = hashlib.sha256()
        if not seeds_dir.is_dir():
            self.problems.append(f"{seeds_dir}: the seeds folder does not exist")
        for path in sorted(seeds_dir.glob("*")):
            if not path.is_file():
                continue
            data = self._read(path)
            if data is not None:
                self._contents[path.name] = data
                digest.update(path.name.encode() + b"\0" + data)
        self.digest = digest.hexdigest()

    def _read(self, path: Path) -> bytes | None:
        try:
            with path.open("rb") as file:
                data = file.read(MAX_SEED_FILE_BYTES + 1)
        except OSError as error:
            self._unreadable.add(path.name)
            self.problems.append(f"{path.name}: cannot be read: {error.strerror or error}")
            return None
        if len(data) > MAX_SEED_FILE_BYTES:
            self._unreadable.add(path.name)
            self.problems.append(f"{path.name}: larger than the {MAX_SEED_FILE_BYTES:,} bytes "
                                 "a seed file may have")
            return None
        return data

    def has(self, name: str) -> bool:
        return name in self._contents or name in self._unreadable

    def text(self, name: str) -> str | None:
        """The file as text, or None with the problem recorded (missing, too big, not UTF-8)."""
        data = self._contents.get(name)
        if data is None:
            if name not in self._unreadable:
                self.problems.append(f"{name}: file not found")
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as error:
            line = data.count(b"\n", 0, error.start) + 1
            column = error.start - data.rfind(b"\n", 0, error.start)
            self.problems.append(
                f"{name}:{line}: not UTF-8 text (byte 0x{data[error.start]:02x} at column "
                f"{column}); save the file as UTF-8")
            return None

    def section(self, name: str, key: str, expected: type[_Sequence] | type[_Mapping]
                ) -> tuple[Any, int] | None:
        """What stands under `key:` at the top of `name`, if it has the expected shape.

        Returns the value (an empty one for `key:` with nothing after it) and the line
        of `key:`, or None with the problem recorded.
        """
        text = self.text(name)
        if text is None:
            return None
        try:
            document = yaml.load(text, Loader=_SeedLoader)  # a SafeLoader underneath
        except yaml.MarkedYAMLError as error:
            self.problems.append(self._yaml_problem(name, error))
            return None
        except yaml.YAMLError as error:
            self.problems.append(f"{name}: not valid YAML: {error}")
            return None
        shape = "a list" if expected is _Sequence else "a mapping"
        if document is None:
            self.problems.append(f"{name}: the file is empty; expected `{key}:` with {shape}")
            return None
        if not isinstance(document, _Mapping):
            self.problems.append(f"{name}:{_line_at(document, ()) or 1}: expected `{key}:` at "
                                 f"the top level, found {_kind(document)}")
            return None
        unknown = [other for other in document if other != key]
        for other in unknown:
            self.problems.append(f"{name}:{document.key_lines[other]}: unknown top-level key "
                                 f"{other!r}; only `{key}:` belongs here")
        if key not in document:
            if not unknown:  # a misspelt key already says it
                self.problems.append(f"{name}: no `{key}:` at the top level")
            return None
        value, line = document[key], document.key_lines[key]
        if value is None:
            return expected(line=line), line
        if not isinstance(value, expected):
            self.problems.append(f"{name}:{line}: `{key}` must be {shape}, found {_kind(value)}")
            return None
        return value, line

    @staticmethod
    def _yaml_problem(name: str, error: yaml.MarkedYAMLError) -> str:
        mark = error.problem_mark or error.context_mark
        place = f"{name}:{mark.line + 1}" if mark else name
        if isinstance(error, _RefusedYAML):
            return f"{place}: refused: {error.problem}"
        context = ""
        if error.context and error.context_mark and error.context_mark is not mark:
            context = f" ({error.context} at line {error.context_mark.line + 1})"
        return f"{place}: not valid YAML: {error.problem}{context}"


def _closest_passage(quote: str, document: str) -> str:
    alignment = fuzz.partial_ratio_alignment(quote, document)
    if alignment is None or alignment.score < 60:
        return "no similar passage"
    passage = document[alignment.dest_start : alignment.dest_end]
    return f"closest passage ({alignment.score:.0f}% similar): {passage!r}"


def _quote_problem(quote: str, document: str, *, earlier_problems: int) -> str:
    if earlier_problems >= _PROBLEMS_SHOWN or len(quote) > _CLOSEST_PASSAGE_MAX_CHARS:
        return "quote not found verbatim"
    return f"quote not found verbatim; {_closest_passage(quote, document)}"


def _entry_label(entry: Any, collection: str, index: int, noun: str) -> str:
    identifier = entry.get("id") if isinstance(entry, dict) else None
    return f"{noun} {identifier!r}" if isinstance(identifier, str) else f"{collection}[{index}]"


@dataclass
class _Sources:
    """The usable sources and their documents, and what the claims may no longer blame."""

    sources: list[SeedSource]
    documents: dict[str, str]  # source id → full text
    reported: set[str]  # ids of source entries whose problems are already listed
    # sources.yaml unreadable, or an entry without a readable id: any claim's source
    # could be one of those, so "unknown source" would only repeat sources.yaml's problem.
    unidentified: bool = False


def _read_sources(folder: _SeedFolder) -> _Sources:
    result = _Sources([], {}, set())
    section = folder.section(SOURCES_FILE, "sources", _Sequence)
    if section is None:
        result.unidentified = True
        return result
    entries, line = section
    if not entries:
        folder.problems.append(f"{SOURCES_FILE}:{line}: no sources: `sources:` is empty")
    documents, reported = result.documents, result.reported
    for index, entry in enumerate(entries):
        entry_line = entries.item_lines[index]
        label = _entry_label(entry, "sources", index, "source")
        if not isinstance(entry, _Mapping):
            folder.problems.append(f"{SOURCES_FILE}:{entry_line}: {label} must be a mapping "
                                   f"(id, file, title, ...), found {_kind(entry)}")
            result.unidentified = True
            continue
        try:
            source = SeedSource.model_validate(entry)
        except ValidationError as error:
            folder.problems += _validation_problems(error, entry, place=SOURCES_FILE,
                                                    label=label)
            if isinstance(entry.get("id"), str):
                reported.add(entry["id"])
            else:
                result.unidentified = True
            continue
        if source.id in documents or source.id in reported:
            folder.problems.append(
                f"{SOURCES_FILE}:{entry_line}: source id {source.id!r} is listed twice")
            continue
        if not folder.has(source.file):
            folder.problems.append(f"{SOURCES_FILE}:{_line_at(entry, ('file',))}: source "
                                   f"{source.id!r}: file {source.file} not found")
            reported.add(source.id)
            continue
        document = folder.text(source.file)
        if document is None:
            reported.add(source.id)
            continue
        result.sources.append(source)
        documents[source.id] = document
    return result


def _read_facts(folder: _SeedFolder, sources: _Sources) -> list[SeedFact]:
    section = folder.section(FACTS_FILE, "facts", _Sequence)
    if section is None:
        return []
    entries, line = section
    if not entries:
        folder.problems.append(
            f"{FACTS_FILE}:{line}: no facts: `facts:` is empty. An empty or truncated "
            "facts.yaml would retract every fact; restore the file")
    return _check_facts(entries, place=FACTS_FILE, sources=sources, problems=folder.problems)


def _check_facts(entries: _Sequence, *, place: str, sources: _Sources, problems: list[str],
                 taken_ids: Collection[str] = (),
                 unknown_source: str = f"unknown source (see {SOURCES_FILE})") -> list[SeedFact]:
    """Every entry as a fact: fields, unique ids, and each quote verbatim in its document."""
    folded_documents = {source_id: fold_whitespace(text)
                        for source_id, text in sources.documents.items()}
    facts: list[SeedFact] = []
    seen_ids: dict[str, int] = {}
    for index, entry in enumerate(entries):
        entry_line = entries.item_lines[index]
        label = _entry_label(entry, "facts", index, "fact")
        if not isinstance(entry, _Mapping):
            problems.append(f"{place}:{entry_line}: {label} must be a mapping "
                            f"(id, headline, questions, claims, ...), found {_kind(entry)}")
            continue
        try:
            fact = SeedFact.model_validate(entry)
        except ValidationError as error:
            problems += _validation_problems(error, entry, place=place, label=label)
            continue
        if fact.id in seen_ids:
            problems.append(f"{place}:{entry_line}: fact id {fact.id!r} already "
                            f"used at line {seen_ids[fact.id]}")
            continue
        seen_ids[fact.id] = entry_line
        if fact.id in taken_ids:
            problems.append(f"{place}:{_line_at(entry, ('id',))}: fact id {fact.id!r} is "
                            "already in the table, and a fact id is never reused")
        for position, claim in enumerate(fact.claims):
            quote_line = _line_at(entry, ("claims", position, "quote"))
            where = f"{place}:{quote_line}: fact {fact.id!r}, source {claim.source!r}"
            if claim.source in sources.reported or sources.unidentified:
                continue  # sources.yaml's own problems already say it
            if claim.source not in folded_documents:
                problems.append(f"{where}: {unknown_source}")
                continue
            if claim.quote not in folded_documents[claim.source]:
                problem = _quote_problem(claim.quote, folded_documents[claim.source],
                                         earlier_problems=len(problems))
                problems.append(f"{where}: {problem}")
        facts.append(fact)
    return facts


def _read_aliases(folder: _SeedFolder) -> dict[str, list[str]]:
    if not folder.has(ALIASES_FILE):
        return {}
    section = folder.section(ALIASES_FILE, "aliases", _Mapping)
    if section is None:
        return {}
    groups, _ = section
    aliases: dict[str, list[str]] = {}
    for term, variants in groups.items():
        line = groups.key_lines.get(term, groups.line)
        if not isinstance(variants, _Sequence) or not variants:
            folder.problems.append(f"{ALIASES_FILE}:{line}: alias group {term!r} must be a "
                                   f"list of variants, found {_kind(variants)}")
            continue
        for position, variant in enumerate(variants):
            if not isinstance(variant, str) or not variant.strip():
                folder.problems.append(
                    f"{ALIASES_FILE}:{variants.item_lines[position]}: alias group {term!r}, "
                    f"variant {position + 1}: must be text, found {_kind(variant)}; "
                    "put it in quotes")
        aliases[term] = [str(variant) for variant in variants]
    return aliases


def seeds_digest(seeds_dir: Path) -> str:
    """The digest `load_fact_table` would give the folder, from its bytes alone: tells
    whether seeds/ changed since the last import without parsing a line of YAML."""
    return _SeedFolder(seeds_dir).digest


def load_fact_table(seeds_dir: Path) -> FactTable:
    """Read and check the whole table; raise `FactTableError` listing every problem."""
    folder = _SeedFolder(seeds_dir)
    sources = _read_sources(folder)
    facts = _read_facts(folder, sources)
    aliases = _read_aliases(folder)
    if folder.problems:
        raise FactTableError(folder.problems, seeds_dir=seeds_dir)
    return FactTable(tuple(sources.sources), tuple(facts), aliases, sources.documents,
                     folder.digest)


# --- facts from elsewhere: an editor's file, a CSV sheet, checked against stored documents --

# Public names for the line-keeping containers, so readers of other formats (a CSV sheet)
# can hand entries to `check_facts` and get problems that name their lines too.
LinedMapping = _Mapping
LinedList = _Sequence


def check_facts(entries: LinedList, *, place: str, sources: Sequence[SeedSource],
                documents: Mapping[str, str], taken_ids: Collection[str] = (),
                unknown_source: str = "unknown source") -> list[SeedFact]:
    """Check entries read from `place` as seeds/ facts are checked; `FactTableError` lists
    every problem (field, line, quote not verbatim in the stored document, id taken)."""
    problems: list[str] = []
    known = _Sources(list(sources), dict(documents), set())
    facts = _check_facts(entries, place=place, sources=known, problems=problems,
                         taken_ids=taken_ids, unknown_source=unknown_source)
    if not entries:
        problems.insert(0, f"{place}:{entries.line or 1}: no facts")
    if problems:
        raise FactTableError(problems, seeds_dir=Path(place))
    return facts


def read_facts_file(data: bytes, *, place: str, sources: Sequence[SeedSource],
                    documents: Mapping[str, str], taken_ids: Collection[str] = (),
                    unknown_source: str = "unknown source") -> list[SeedFact]:
    """Facts in the table's own format (`facts: [...]`) from a file that is not seeds/:
    read with the same bounds as a seed file, checked like `check_facts`."""
    if len(data) > MAX_SEED_FILE_BYTES:
        raise FactTableError([f"{place}: larger than the {MAX_SEED_FILE_BYTES:,} bytes a "
                              "fact file may have"], seeds_dir=Path(place))
    folder = _SeedFolder(Path(place), {place: data})
    section = folder.section(place, "facts", _Sequence)
    if section is None:
        raise FactTableError(folder.problems, seeds_dir=Path(place))
    entries, _ = section
    return check_facts(entries, place=place, sources=sources, documents=documents,
                       taken_ids=taken_ids, unknown_source=unknown_source)
