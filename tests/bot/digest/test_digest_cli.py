"""`factbot digest preview`: clear errors, and the question log seen as a chat would."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from adapters.console.cli import main
from bot.answering import Chat
from bot.core import FactBot
from bot.settings import get_settings, load_settings


@pytest.fixture(autouse=True)
def _database(monkeypatch: pytest.MonkeyPatch, sqlite_database_url: str) -> Iterator[None]:
    monkeypatch.setenv("DATABASE_URL", sqlite_database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.parametrize("arguments", [["--timezone", "Mars/Olympus"], ["--chat", "-100123"]])
def test_a_bad_preview_argument_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str],
                                                       arguments: list[str]) -> None:
    """An unknown zone or a chat without its platform: one line on stderr, no traceback."""
    assert main(["digest", "preview", *arguments]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and len(captured.err.strip().splitlines()) == 1
    assert captured.err.startswith("factbot: ") and "Traceback" not in captured.err


def test_preview_shows_group_questions_and_a_private_chat_only_its_own(
    sqlite_database_url: str, capsys: pytest.CaptureFixture[str],
) -> None:
    """Without --chat, every group's unanswered questions; a private one only with its chat."""
    core = FactBot.open(load_settings(database_url=sqlite_database_url))
    core.ask("recipe for plov", chat=Chat("telegram", "-100777", private=False))
    core.ask("is the source safe on friday", chat=Chat("telegram", "4242"))
    core.close()

    def unanswered(*arguments: str) -> set[str]:
        assert main(["digest", "preview", "--json", *arguments]) == 0
        return {u["question"] for u in json.loads(capsys.readouterr().out)["unanswered"]}

    assert unanswered() == {"recipe for plov"}
    assert unanswered("--chat", "telegram:4242") == {"is the source safe on friday"}
    assert unanswered("--chat", "telegram:-100888") == set()
