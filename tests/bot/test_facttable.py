"""The shipped table, and the loader's refusal of a wrong one."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from adapters.console.cli import main
from bot.facttable import MAX_SEED_FILE_BYTES, FactTableError, fold_whitespace, load_fact_table
from bot.settings import DEFAULT_SEEDS_DIR, PROJECT_ROOT, get_settings


def test_every_quote_of_the_shipped_table_stands_verbatim_in_its_source() -> None:
    table = load_fact_table(DEFAULT_SEEDS_DIR)
    for fact in table.facts:
        for claim in fact.claims:
            assert fold_whitespace(claim.quote) in fold_whitespace(table.documents[claim.source]), (
                fact.id, claim.source)


def test_the_shipped_table_covers_the_documents() -> None:
    table = load_fact_table(DEFAULT_SEEDS_DIR)
    assert 80 <= len(table.facts) <= 200
    assert {c.source for f in table.facts for c in f.claims} == {s.id for s in table.sources}
    assert len({f.id for f in table.facts}) == len(table.facts)


def test_source_dates_are_stated_or_null() -> None:
    table = load_fact_table(DEFAULT_SEEDS_DIR)
    dates = {s.id: s.date for s in table.sources}
    assert dates["001"] is not None and dates["001"].isoformat() == "2022-01-10"
    assert dates["004"] is not None and dates["004"].isoformat() == "2022-01-15"
    assert dates["000"] is None and dates["002"] is None and dates["003"] is None


def test_seed_documents_are_the_shared_originals() -> None:
    shared = DEFAULT_SEEDS_DIR.parent.parent / "shared" / "seeds"
    if not shared.is_dir():
        pytest.skip("../shared/seeds is not beside this checkout")
    for original in shared.glob("*.txt"):
        assert (DEFAULT_SEEDS_DIR / original.name).read_bytes() == original.read_bytes()


def _copy_seeds(tmp_path: Path) -> Path:
    target = tmp_path / "seeds"
    shutil.copytree(DEFAULT_SEEDS_DIR, target)
    return target


def _replace_in(path: Path, old: str, new: str) -> None:
    content = path.read_text(encoding="utf-8")
    assert old in content
    path.write_text(content.replace(old, new, 1), encoding="utf-8")


def test_a_quote_not_in_its_source_is_refused_naming_fact_source_and_line(
    tmp_path: Path,
) -> None:
    seeds = _copy_seeds(tmp_path)
    table = load_fact_table(seeds)
    fact = table.facts[0]
    quote = fact.claims[0].quote
    facts_file = seeds / "facts.yaml"
    content = facts_file.read_text(encoding="utf-8")
    # Change one word of the first quote as it is written in the file.
    first_word = quote.split()[0]
    start = content.index(first_word, content.index(f"id: {fact.id}"))
    line = content.count("\n", 0, start) + 1
    facts_file.write_text(content[:start] + "Zzinvented" + content[start + len(first_word):],
                          encoding="utf-8")
    with pytest.raises(FactTableError) as raised:
        load_fact_table(seeds)
    message = str(raised.value)
    assert f"facts.yaml:{line}" in message
    assert repr(fact.id) in message and repr(fact.claims[0].source) in message
    assert "not found verbatim" in message


def test_duplicate_ids_and_unknown_sources_are_refused(tmp_path: Path) -> None:
    seeds = _copy_seeds(tmp_path)
    table = load_fact_table(seeds)
    first, second = table.facts[0], table.facts[1]
    _replace_in(seeds / "facts.yaml", f"id: {second.id}\n", f"id: {first.id}\n")
    _replace_in(seeds / "facts.yaml", f'source: "{first.claims[0].source}"', 'source: "999"')
    with pytest.raises(FactTableError) as raised:
        load_fact_table(seeds)
    problems = raised.value.problems
    assert any("already used" in p and first.id in p for p in problems)
    assert any("unknown source" in p and "'999'" in p for p in problems)


def test_a_source_whose_file_is_missing_is_refused(tmp_path: Path) -> None:
    seeds = _copy_seeds(tmp_path)
    (seeds / "004_9ea326f9d610823b.txt").unlink()
    with pytest.raises(FactTableError, match=r"004_9ea326f9d610823b\.txt not found"):
        load_fact_table(seeds)


# --- broken seed folders: one precise message each, never a traceback ------------------------

# Edits a seed file in place; returns the line the message must name (None: no line).
SeedEdit = Callable[[Path], "int | None"]


def _line_of(content: str, index: int) -> int:
    return content.count("\n", 0, index) + 1


def whole(content: str, *, line: int | None) -> SeedEdit:
    """Replace the whole file."""

    def edit(path: Path) -> int | None:
        path.write_text(content, encoding="utf-8")
        return line

    return edit


def replace(old: str, new: str, *, shift: int = 0) -> SeedEdit:
    """Replace the first `old`; the problem is `shift` lines below where `old` began."""

    def edit(path: Path) -> int | None:
        content = path.read_text(encoding="utf-8")
        assert old in content, old
        path.write_text(content.replace(old, new, 1), encoding="utf-8")
        return _line_of(content, content.index(old)) + shift

    return edit


def replace_bytes(old: bytes, new: bytes) -> SeedEdit:
    def edit(path: Path) -> int | None:
        content = path.read_bytes()
        assert old in content, old
        path.write_bytes(content.replace(old, new, 1))
        return content.count(b"\n", 0, content.index(old)) + 1

    return edit


def cut_after(marker: str) -> SeedEdit:
    """Truncate the file just after `marker`, as an interrupted copy would."""

    def edit(path: Path) -> int | None:
        content = path.read_text(encoding="utf-8")
        kept = content[: content.index(marker) + len(marker)]
        path.write_text(kept, encoding="utf-8")
        return _line_of(kept, len(kept))

    return edit


def grow_past_the_cap(path: Path) -> int | None:
    with path.open("a", encoding="utf-8") as file:
        file.write("#" * MAX_SEED_FILE_BYTES)
    return None


def delete(path: Path) -> int | None:
    path.unlink()
    return None


FIRST_QUOTE = ('quote: "On January 5, 2022, by decrees of the President of the Republic of '
               'Kazakhstan, Kassym-Jomart Tokayev, a state of emergency was introduced')
FIRST_TAGS = "    tags: [state of emergency, timeline, tokayev]"
FIRST_SHORT = "    short: January 5, 2022"

BROKEN_SEEDS = [
    pytest.param("facts.yaml", whole("- id: curfew\n- id: troops\n", line=1),
                 "expected `facts:` at the top level, found a list", id="facts-as-a-list"),
    pytest.param("facts.yaml", whole("", line=None), "the file is empty", id="empty-facts"),
    pytest.param("facts.yaml", whole("# to be curated\nfacts: []\n", line=2), "no facts",
                 id="no-facts"),
    pytest.param("facts.yaml", whole("facts:\n  curfew: 11 pm\n", line=1),
                 "`facts` must be a list, found a mapping", id="facts-as-a-mapping"),
    pytest.param("facts.yaml", cut_after(FIRST_QUOTE), "found unexpected end of stream",
                 id="truncated-inside-a-quote"),
    pytest.param("facts.yaml", replace("\nfacts:\n", "\nfact:\n", shift=1),
                 "unknown top-level key 'fact'", id="misspelt-top-level-key"),
    pytest.param("facts.yaml", replace("  - id: state-of-emergency-end",
                                       "  - state of emergency end\n"
                                       "  - id: state-of-emergency-end"),
                 "facts[1] must be a mapping", id="fact-as-text"),
    pytest.param("facts.yaml", replace('      - source: "000"\n        says: a state',
                                       '      - see the MFA statement\n'
                                       '      - source: "000"\n        says: a state'),
                 "field `claims[0]`: must be a mapping of fields, found the text",
                 id="claim-as-text"),
    pytest.param("facts.yaml", replace(FIRST_TAGS, "    tags: state of emergency"),
                 "fact 'state-of-emergency-declared', field `tags`: must be a list",
                 id="tags-as-text"),
    pytest.param("facts.yaml", replace("event_date: 2022-01-05", "event_date: 2022-13-05"),
                 "field `event_date`: Input should be a valid date", id="impossible-date"),
    pytest.param("facts.yaml", replace("sources_differ: true", "sources_differ: perhaps"),
                 "field `sources_differ`: Input should be a valid boolean", id="not-a-switch"),
    pytest.param("facts.yaml", replace(FIRST_SHORT, "    shrot: January 5, 2022"),
                 "field `shrot`: unknown field", id="misspelt-field"),
    pytest.param("facts.yaml", replace("    headline: Declaration of the state of emergency",
                                       "    headline: Emergency\n"
                                       "    headline: Declaration of the state of emergency",
                                       shift=1),
                 "key 'headline' appears twice", id="duplicate-key"),
    pytest.param("facts.yaml", replace_bytes(b"Declaration of the state",
                                             b"D\xe9claration of the state"),
                 "not UTF-8 text (byte 0xe9", id="facts-in-latin-1"),
    pytest.param("facts.yaml", replace(FIRST_SHORT,
                                       "    short: !!python/object/apply:os.system [ls]"),
                 "could not determine a constructor", id="python-tag"),
    pytest.param("facts.yaml", replace(FIRST_SHORT, "    short: " + "9" * 5000),
                 "a number of 5,000 characters", id="number-of-5000-digits"),
    pytest.param("facts.yaml", replace(FIRST_SHORT, "    short: " + "[" * 100 + "]" * 100),
                 "nested more than", id="nested-100-deep"),
    pytest.param("facts.yaml", replace(FIRST_TAGS, "    tags: &tags [timeline, *tags]"),
                 "an alias inside the value it refers to", id="recursive-alias"),
    pytest.param("facts.yaml", grow_past_the_cap, "larger than the", id="file-too-large"),
    pytest.param("facts.yaml", replace(FIRST_TAGS, "    tags: [" + "tag, " * 60_000 + "tag]"),
                 "more than 50,000 values in one file", id="too-many-values"),
    pytest.param("facts.yaml", delete, "file not found", id="facts-missing"),
    pytest.param("facts.yaml", replace('quote: "On January 5, 2022, by decrees',
                                       'quote: "' + "invented " * 700 + "On January 5"),
                 "fact 'state-of-emergency-declared', source '000': quote not found verbatim",
                 id="quote-of-6000-invented-characters"),
    pytest.param("sources.yaml", whole("the five documents\n", line=1),
                 "expected `sources:` at the top level, found the text", id="sources-as-text"),
    pytest.param("sources.yaml", replace('  - id: "001"',
                                         '  - Erzhan Kazykhan\n  - id: "001"'),
                 "sources[1] must be a mapping", id="scalar-source-entry"),
    pytest.param("sources.yaml", replace('id: "001"', "id: 001"),
                 "field `id`: must be text, found the number 1; put it in quotes",
                 id="unquoted-source-id"),
    pytest.param("sources.yaml", replace("file: 000_e49eadcabb153121.txt",
                                         "file: ../../../etc/passwd"),
                 "field `file`: must be the name of a file in the seeds folder",
                 id="source-file-outside-the-folder"),
    pytest.param("aliases.yaml", whole("aliases: [1, 2]\n", line=1),
                 "`aliases` must be a mapping, found a list", id="aliases-as-a-list"),
    pytest.param("aliases.yaml", replace("  curfew: [curfews]", "  curfew:"),
                 "alias group 'curfew' must be a list of variants, found nothing (null)",
                 id="null-alias-group"),
    pytest.param("aliases.yaml", replace("  curfew: [curfews]", "  curfew: [curfews, 2022]"),
                 "alias group 'curfew', variant 2: must be text, found the number 2022",
                 id="number-as-alias"),
    pytest.param("002_3f8eb6258f048f06.txt", replace_bytes(b"Official", b"Offi\xc3ial"),
                 "not UTF-8 text (byte 0xc3", id="document-not-utf8"),
]


@pytest.mark.parametrize(("broken_file", "edit", "problem"), BROKEN_SEEDS)
def test_a_broken_seed_file_is_refused_with_one_message_naming_file_and_line(
    tmp_path: Path, broken_file: str, edit: SeedEdit, problem: str
) -> None:
    """Each broken seed folder gives exactly one problem: file, line and what is wrong."""
    seeds = _copy_seeds(tmp_path)
    line = edit(seeds / broken_file)
    with pytest.raises(FactTableError) as raised:
        load_fact_table(seeds)
    assert len(raised.value.problems) == 1, raised.value.problems
    reported = raised.value.problems[0]
    place = f"{broken_file}:{line}: " if line is not None else f"{broken_file}: "
    assert reported.startswith(place), reported
    assert problem in reported
    assert str(seeds) in str(raised.value)


def _billion_laughs(facts: Path) -> None:
    """Nine levels of nine aliases each: 10^9 values from under a kilobyte of YAML."""
    levels = ["    lol1: &lol1 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level in range(2, 10):
        aliases = ", ".join([f"*lol{level - 1}"] * 9)
        levels.append(f"    lol{level}: &lol{level} [{aliases}]")
    levels.append("    tags: *lol9")
    _replace_in(facts, FIRST_TAGS, "\n".join(levels))


def test_a_billion_laughs_file_is_refused_within_a_bounded_memory(tmp_path: Path) -> None:
    """The YAML bomb fails with the clear error in a process limited to 256 MB."""
    seeds = _copy_seeds(tmp_path)
    _billion_laughs(seeds / "facts.yaml")
    limit = 256 * 1024 * 1024
    program = (
        "import resource, sys\n"
        f"resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))\n"
        "from pathlib import Path\n"
        "from bot.facttable import FactTableError, load_fact_table\n"
        "try:\n"
        "    load_fact_table(Path(sys.argv[1]))\n"
        "except FactTableError as error:\n"
        "    print(error)\n"
    )
    # The timeout only stops a runaway process; the test asserts nothing about time.
    finished = subprocess.run([sys.executable, "-c", program, str(seeds)], cwd=PROJECT_ROOT,
                              capture_output=True, text=True, timeout=300, check=False)
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert "facts.yaml:" in finished.stdout
    assert "YAML aliases expand to more than" in finished.stdout


def test_a_few_shared_lists_are_still_fine(tmp_path: Path) -> None:
    """Anchors and aliases used sparingly load as the values they stand for."""
    seeds = _copy_seeds(tmp_path)
    _replace_in(seeds / "facts.yaml", FIRST_TAGS,
                "    tags: &emergency [state of emergency, timeline, tokayev]")
    _replace_in(seeds / "facts.yaml", "    tags: [state of emergency, timeline]",
                "    tags: *emergency")
    table = load_fact_table(seeds)
    assert table.facts[1].tags == ["state of emergency", "timeline", "tokayev"]


@pytest.mark.parametrize(("broken_file", "edit", "problem"), [
    pytest.param("facts.yaml", whole("facts:\n", line=1), "no facts", id="no-facts"),
    pytest.param("facts.yaml", whole("- id: curfew\n", line=1), "found a list",
                 id="facts-as-a-list"),
    pytest.param("aliases.yaml", replace("  curfew: [curfews]", "  curfew:"),
                 "alias group 'curfew'", id="null-alias-group"),
])
def test_facts_validate_fails_with_the_message_and_no_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    broken_file: str, edit: SeedEdit, problem: str,
) -> None:
    """`factbot facts validate` exits 1 on an empty or broken table and prints one message."""
    seeds = _copy_seeds(tmp_path)
    line = edit(seeds / broken_file)
    monkeypatch.setenv("FACTBOT_SEEDS_DIR", str(seeds))
    get_settings.cache_clear()
    try:
        assert main(["facts", "validate"]) == 1
    finally:
        get_settings.cache_clear()
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"{broken_file}:{line}: " in captured.err and problem in captured.err
    assert "Traceback" not in captured.err
