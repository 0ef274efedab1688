"""`factbot facts ...` and `factbot sources add`: the desk on the command line."""

from __future__ import annotations

import json
import shutil
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.console.cli import main
from bot.settings import DEFAULT_SEEDS_DIR, get_settings


@pytest.fixture(autouse=True)
def _database(monkeypatch: pytest.MonkeyPatch, sqlite_database_url: str) -> Iterator[None]:
    monkeypatch.setenv("DATABASE_URL", sqlite_database_url)
    monkeypatch.setenv("USER", "desk-editor")  # what getpass reports: the actor's name
    monkeypatch.setenv("LOGNAME", "desk-editor")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _history(capsys: pytest.CaptureFixture[str], fact_id: str) -> list[dict[str, object]]:
    capsys.readouterr()
    assert main(["facts", "history", fact_id, "--json"]) == 0
    history: list[dict[str, object]] = json.loads(capsys.readouterr().out)
    return history


def _editor(tmp_path: Path, *edits: list[tuple[str, str]]) -> str:
    """An EDITOR that applies the n-th list of (old, new) replacements on its n-th run."""
    script = tmp_path / "editor.py"
    script.write_text(
        "import json, pathlib, sys\n"
        f"edits = {json.dumps(edits)}\n"
        f"counter = pathlib.Path({str(tmp_path / 'runs')!r})\n"
        "run = int(counter.read_text()) if counter.exists() else 0\n"
        "counter.write_text(str(run + 1))\n"
        "path = pathlib.Path(sys.argv[1])\n"
        "text = path.read_text(encoding='utf-8')\n"
        "for old, new in edits[run]:\n"
        "    assert old in text, text\n"
        "    text = text.replace(old, new, 1)\n"
        "path.write_text(text, encoding='utf-8')\n",
        encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return f"{sys.executable} {script}"


def test_edit_checks_shows_problems_and_reopens_until_valid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A broken quote is shown with its line and reopened; the fixed file is saved."""
    monkeypatch.setenv("EDITOR", _editor(
        tmp_path,
        [("headline: Curfew hours", "headline: Curfew hours in Almaty"),
         ("quote: and a curfew is imposed", "quote: and a curfew was imposed")],
        [("quote: and a curfew was imposed", "quote: and a curfew is imposed")],
    ))
    replies = iter([""])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(replies))
    assert main(["facts", "edit", "curfew"]) == 0
    captured = capsys.readouterr()
    assert "curfew.yaml:" in captured.err and "quote not found verbatim" in captured.err
    assert "curfew: version 2: headline changed" in captured.out
    history = _history(capsys, "curfew")
    assert [v["change"] for v in history] == ["imported", "corrected"]
    assert history[1]["actor"] == "cli:desk-editor"
    assert history[1]["fact"]["headline"] == "Curfew hours in Almaty"  # type: ignore[index]


def test_edit_refuses_a_new_id_and_changes_nothing_when_given_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Changing the id is refused; answering no leaves the fact as it was (exit 1)."""
    monkeypatch.setenv("EDITOR", _editor(tmp_path, [("id: curfew", "id: curfew-renamed")]))
    monkeypatch.setattr("builtins.input", lambda prompt="": "n")
    assert main(["facts", "edit", "curfew"]) == 1
    captured = capsys.readouterr()
    assert "A fact's id never changes" in captured.err and "Nothing changed." in captured.out
    assert len(_history(capsys, "curfew")) == 1


def test_add_retract_revert_and_teach_print_what_they_did(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each command prints the fact, its new version and what changed."""
    new = tmp_path / "new.yaml"
    new.write_text(
        "facts:\n  - id: curfew-almaty\n    headline: Curfew in Almaty\n"
        "    questions: [curfew in almaty]\n    claims:\n      - source: \"003\"\n"
        "        says: a curfew is imposed from 11 p.m. to 7 a.m.\n"
        "        quote: a curfew is imposed from 11 p.m. to 7 a.m.\n", encoding="utf-8")
    assert main(["facts", "add", str(new)]) == 0
    assert capsys.readouterr().out == "curfew-almaty\n"
    assert main(["facts", "add", str(new)]) == 1
    assert "new.yaml:2: fact id 'curfew-almaty' is already in the table" in capsys.readouterr().err
    assert main(["facts", "retract", "curfew-almaty", "--reason", "duplicate of curfew"]) == 0
    assert "curfew-almaty: version 2: retracted: duplicate of curfew" in capsys.readouterr().out
    assert main(["ask", "--json", "curfew in almaty"]) == 0
    assert json.loads(capsys.readouterr().out)["fact_id"] != "curfew-almaty"
    assert main(["facts", "revert", "curfew-almaty", "1"]) == 0
    assert "version 3: reverted to version 1: back in the table" in capsys.readouterr().out
    assert main(["facts", "teach", "curfew-almaty", "almaty", "night", "curfew"]) == 0
    assert "version 4: question form added: 'almaty night curfew'" in capsys.readouterr().out
    history = _history(capsys, "curfew-almaty")
    assert [v["change"] for v in history] == ["added", "retracted", "reverted", "taught"]
    assert {"version", "actor", "at", "change", "fact"} <= set(history[0])


def test_history_shows_each_version_with_a_diff(capsys: pytest.CaptureFixture[str]) -> None:
    """The text history heads each version and diffs it against the one before."""
    assert main(["facts", "teach", "curfew", "curfew in the capital"]) == 0
    capsys.readouterr()
    assert main(["facts", "history", "curfew"]) == 0
    out = capsys.readouterr().out
    assert "version 2 · " in out and " · taught · cli:desk-editor (cli)" in out
    assert "--- version 1" in out and "+++ version 2" in out
    assert "  +- curfew in the capital" in out


@pytest.mark.parametrize("fmt", ["yaml", "csv"])
def test_export_then_import_on_the_command_line_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    """`facts export -o FILE` then `facts import FILE`: nothing added or corrected."""
    exported = tmp_path / f"table.{fmt}"
    assert main(["facts", "export", "--format", fmt, "-o", str(exported)]) == 0
    assert main(["facts", "import", str(exported)]) == 0
    assert (f"imported table.{fmt}: 0 added, 0 corrected, 0 retracted"
            in capsys.readouterr().out)


def test_export_json_ld_to_standard_output(capsys: pytest.CaptureFixture[str]) -> None:
    """`facts export --format jsonld` prints one schema.org JSON-LD document."""
    assert main(["facts", "export", "--format", "jsonld"]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert exported["@context"] == "https://schema.org"
    assert {"Claim", "CreativeWork"} == {node["@type"] for node in exported["@graph"]}


def test_a_bad_import_exits_1_naming_the_line(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """One message, the line and field, no traceback."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("facts:\n  - id: Not Kebab\n    headline: x\n", encoding="utf-8")
    assert main(["facts", "import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("factbot: the fact table in bad.yaml has problems:")
    assert "bad.yaml:2: fact 'Not Kebab', field `id`: fact ids are kebab-case" in err
    assert "Traceback" not in err


def test_sources_add_stores_a_document_that_facts_cite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`sources add` prints the new id; the document is listed and can be cited."""
    document = tmp_path / "ministry.txt"
    document.write_text("Statement of the Ministry of Testing\n\nThe ministry reported that "
                        "42 bridges were repaired by 1 February 2022.\n", encoding="utf-8")
    assert main(["sources", "add", str(document), "--title", "Statement of the Ministry of "
                 "Testing", "--speaker", "Ministry of Testing", "--kind", "statement",
                 "--date", "2022-02-01", "--url", "https://example.org/statement"]) == 0
    assert capsys.readouterr().out == "005\n"
    assert main(["sources"]) == 0
    assert "[005] Statement of the Ministry of Testing" in capsys.readouterr().out
    facts = tmp_path / "bridges.yaml"
    facts.write_text(
        "facts:\n  - id: bridges-repaired\n    headline: Bridges repaired\n"
        "    short: \"42\"\n    questions: [how many bridges were repaired]\n"
        "    claims:\n      - source: \"005\"\n        says: 42 bridges were repaired\n"
        "        quote: 42 bridges were repaired by 1 February 2022\n", encoding="utf-8")
    assert main(["facts", "add", str(facts)]) == 0
    capsys.readouterr()
    assert main(["ask", "--json", "how many bridges were repaired"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["fact_id"] == "bridges-repaired"
    assert answer["citations"][0]["source_id"] == "005"
    assert main(["sources", "add", str(document), "--title", "x", "--speaker", "y",
                 "--kind", "statement", "--id", "005"]) == 1
    assert "already stored, as document 005" in capsys.readouterr().err


def test_conflicts_are_listed_and_resolved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A deploy beside an editor's change shows in `facts conflicts`, until resolved."""
    seeds = tmp_path / "seeds"
    shutil.copytree(DEFAULT_SEEDS_DIR, seeds)
    monkeypatch.setenv("FACTBOT_SEEDS_DIR", str(seeds))
    get_settings.cache_clear()
    assert main(["facts", "conflicts", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["facts", "teach", "curfew", "curfew in the capital"]) == 0
    facts_file = seeds / "facts.yaml"
    facts_file.write_text(facts_file.read_text(encoding="utf-8").replace(
        "headline: Curfew hours", "headline: Curfew hours (seeds)", 1), encoding="utf-8")
    assert main(["seeds", "load"]) == 0
    assert "1 kept as an editor changed them" in capsys.readouterr().out
    assert main(["facts", "conflicts"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("curfew: seeds/ corrected it")
    assert "kept the editor's version 2 (cli:desk-editor" in out
    assert "+headline: Curfew hours (seeds)" in out
    assert main(["facts", "conflicts", "--json"]) == 0
    [conflict] = json.loads(capsys.readouterr().out)
    assert conflict["fact_id"] == "curfew" and conflict["kept_version"] == 2
    assert main(["facts", "resolve", "curfew", "--keep", "seeds"]) == 0
    assert "curfew: version 3: headline changed" in capsys.readouterr().out
    assert main(["facts", "conflicts"]) == 0
    assert capsys.readouterr().out.startswith("No conflicts")
