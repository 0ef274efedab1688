"""The `factbot` command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.console.cli import main
from bot.settings import get_settings


@pytest.fixture(autouse=True)
def _database(monkeypatch: pytest.MonkeyPatch, sqlite_database_url: str) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_ask_prints_an_attributed_answer_with_citations(capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    assert main(["ask", "how many CSTO troops?"]) == 0
    out = capsys.readouterr().out
    # The key figure first, attributed; then each claim with its speaker.
    assert out.startswith("about 2,500 personnel — according to the Ministry of Foreign Affairs")
    assert "\nAccording to " in out
    assert "Citations:" in out and ".txt" in out and "“" in out


def test_ask_json_follows_the_contract(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "--json", "how many CSTO troops?"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert set(payload) >= {"question", "answered", "outcome", "answer", "score", "fact_id",
                            "citations"}
    assert payload["answered"] is True and payload["outcome"] == "answer"
    citation = payload["citations"][0]
    assert set(citation) >= {"source", "speaker", "date", "quote"}
    assert citation["source"].endswith(".txt")


def test_ask_json_for_a_question_it_cannot_answer(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "--json", "who painted the sistine chapel ceiling"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["answered"] is False and payload["answer"] is None
    assert payload["outcome"] in {"none", "suggest"} and payload["citations"] == []


def test_ask_json_stdin_answers_each_line_in_order_and_flushes(sqlite_database_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": sqlite_database_url}
    process = subprocess.Popen(
        [sys.executable, "-m", "adapters.console.cli", "ask", "--json", "-"], stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
    )
    assert process.stdin and process.stdout
    questions = ["how many CSTO troops?", "", "x" * 100_000, "'; DROP TABLE facts; --",
                 "curfew"]
    for question in questions:
        process.stdin.write(question + "\n")
        process.stdin.flush()
        # Each answer arrives before the next question is sent: output is flushed per line.
        assert json.loads(process.stdout.readline())["question"] == question
    process.stdin.close()
    assert process.wait(timeout=30) == 0


def test_sources_lists_the_five_documents(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sources"]) == 0
    out = capsys.readouterr().out
    for number in ("000", "001", "002", "003", "004"):
        assert f"[{number}]" in out
    assert "date not stated" in out and "10 Jan 2022" in out


def test_facts_validate_passes_on_the_shipped_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["facts", "validate"]) == 0
    assert "every quote found verbatim" in capsys.readouterr().out


def test_facts_validate_fails_with_precise_messages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seeds = tmp_path / "broken-seeds"
    seeds.mkdir()
    (seeds / "sources.yaml").write_text("sources: []\n", encoding="utf-8")
    (seeds / "facts.yaml").write_text(
        'facts:\n  - id: x\n    headline: A fact\n    questions: [q]\n    claims:\n'
        '      - source: "001"\n        says: said\n        quote: "never said"\n',
        encoding="utf-8")
    monkeypatch.setenv("FACTBOT_SEEDS_DIR", str(seeds))
    get_settings.cache_clear()
    assert main(["facts", "validate"]) == 1
    assert "facts.yaml:8: fact 'x', source '001': unknown source" in capsys.readouterr().err


def test_seeds_load_is_idempotent(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["seeds", "load"]) == 0
    assert main(["seeds", "load"]) == 0
    assert "0 added, 0 corrected, 0 retracted" in capsys.readouterr().out.splitlines()[-1]


def test_run_without_tokens_names_them_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "TELEGRAM_BOT_TOKEN" in err and "DISCORD_BOT_TOKEN" in err


def test_a_bad_setting_stops_start_up_naming_it(monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("MATCH_ANSWER_THRESHOLD", "high")
    get_settings.cache_clear()
    assert main(["ask", "curfew"]) == 2
    assert "MATCH_ANSWER_THRESHOLD" in capsys.readouterr().err


def test_an_unreachable_database_is_a_clear_error(monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://bot:hunter2secret@127.0.0.1:9/factbot")
    monkeypatch.setenv("DATABASE_CONNECT_ATTEMPTS", "2")
    monkeypatch.setenv("DATABASE_RETRY_SECONDS", "0")
    get_settings.cache_clear()
    assert main(["ask", "curfew"]) == 1
    err = capsys.readouterr().err
    assert "cannot reach the database" in err and "hunter2secret" not in err


def test_chat_answers_in_the_console(monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    lines = iter(["curfew", "/sources", "/quit"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(lines))
    assert main(["chat"]) == 0
    out = capsys.readouterr().out
    assert "According to " in out and "[003]" in out


def test_digest_preview_prints_without_sending(capsys: pytest.CaptureFixture[str]) -> None:
    """`digest preview --date --json` shows the day's digest; nothing is stored."""
    assert main(["digest", "preview", "--date", "2027-01-10", "--timezone", "Asia/Almaty",
                 "--json"]) == 0
    digest = json.loads(capsys.readouterr().out)
    assert digest["local_date"] == "2027-01-10"
    assert "national-mourning" in {entry["fact_id"] for entry in digest["on_this_day"]}
    assert " according to " in digest["highlight"]["answer"]


def test_invalid_utf8_on_stdin_is_answered_not_fatal(sqlite_database_url: str) -> None:
    """Undecodable bytes (and encoded surrogates) in a batch become U+FFFD; every line is
    answered and the stream goes on."""
    env = {**os.environ, "DATABASE_URL": sqlite_database_url}
    lines = [b"curfew", b"\xff\xfe bad \xed\xa0\x80 bytes", b"\xc3", b"how many CSTO troops?"]
    result = subprocess.run(
        [sys.executable, "-m", "adapters.console.cli", "ask", "--json", "-"],
        input=b"\n".join(lines) + b"\n", capture_output=True, env=env, timeout=60, check=False)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    answers = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert len(answers) == len(lines)
    assert answers[1]["question"] == "\ufffd\ufffd bad \ufffd\ufffd\ufffd bytes"
    assert answers[3]["answered"] is True


def test_invalid_utf8_in_arguments_is_answered(sqlite_database_url: str) -> None:
    """A question argument with bytes that are not UTF-8 gets an answer, not a traceback."""
    env = {**os.environ, "DATABASE_URL": sqlite_database_url}
    result = subprocess.run(
        [sys.executable, "-m", "adapters.console.cli", "ask", "--json", b"curfew \xff\xed\xa0\x80"],
        capture_output=True, env=env, timeout=60, check=False)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert b"Traceback" not in result.stderr
    assert "\ufffd" in json.loads(result.stdout)["question"]


@pytest.mark.parametrize(("question", "speaker", "verbatim"), [
    ('who said "the police did not use any force"', "Barlybay Sadykov", True),
    ("“The police did not use any weapons at all” — is that right?", "Barlybay Sadykov", False),
])
def test_a_quoted_question_gets_a_quote_check(capsys: pytest.CaptureFixture[str],
                                              question: str, speaker: str,
                                              verbatim: bool) -> None:
    """A question quoting six words or more is answered by the quote check, in the JSON too."""
    assert main(["ask", "--json", question]) == 0
    payload = json.loads(capsys.readouterr().out)
    check = payload["quote_check"]
    assert payload["answered"] and payload["outcome"] == "quote"
    assert check["speaker"] == speaker and check["verbatim"] is verbatim
    assert check["source"].startswith("004") and payload["citations"][0]["speaker"] == speaker


def test_quoted_words_no_document_has_are_not_found(capsys: pytest.CaptureFixture[str]
                                                    ) -> None:
    """Pasted words in no document: not answered, and the quote check says so."""
    assert main(["ask", "--json", 'did they say "the moon is made of green cheese today"']) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["answered"] is False
    assert payload["quote_check"]["found"] is None and payload["quote_check"]["verbatim"] is False
