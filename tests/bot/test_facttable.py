"""The shipped table, and the loader's refusal of a wrong one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.facttable import FactTableError, fold_whitespace, load_fact_table
from bot.settings import DEFAULT_SEEDS_DIR


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
