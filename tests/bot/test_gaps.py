"""Gaps: the most asked questions the table could not answer, for the fact desk."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest

from adapters.console.cli import main
from bot.answering import Chat
from bot.answers import Answer, Outcome
from bot.core import FactBot
from bot.gaps import GapsCommandError, describe_duration, find_gaps, parse_duration
from bot.question_log import chat_key, question_log_key, record_question
from bot.settings import get_settings, load_settings
from db.types import utcnow

GROUP, PRIVATE_CHAT = "-100777", "4242"
SOURCE_QUESTION = "is our source Aliya at the Almaty office safe to meet on Friday"
DEATH_TOLL = ["whats the death toll", "whats the death toll", "death toll?", "death tol"]


@pytest.fixture
def core(database_url: str) -> Iterator[FactBot]:
    bot = FactBot.open(load_settings(database_url=database_url))
    yield bot
    bot.close()


def log_question(core: FactBot, question: str, *, outcome: Outcome = Outcome.NONE,
                 ago: timedelta = timedelta(hours=1), chat_id: str = GROUP,
                 private: bool = False) -> None:
    """Log a question as the bot logged it when it was asked `ago`, under its chat's key."""
    with core.database.session() as session:
        record_question(session=session, settings=core.settings,
                        answer=Answer(question=question, outcome=outcome, score=40.0),
                        platform="telegram", chat_id=chat_id, private=private,
                        asked_at=utcnow() - ago)


def log_many(core: FactBot, questions: list[str], *, ago: timedelta = timedelta(hours=1)
             ) -> None:
    for question in questions:
        log_question(core, question, ago=ago)


def test_near_duplicates_are_one_gap(core: FactBot) -> None:
    """'death toll?', 'whats the death toll' and the typo 'death tol' are one gap of four."""
    log_many(core, DEATH_TOLL)
    [gap] = core.gaps(timedelta(days=7))
    assert gap.question == "whats the death toll"  # the most asked wording represents it
    assert gap.count == 4
    assert set(gap.variants) == {"death toll?", "death tol"}


def test_a_question_with_another_term_is_another_gap(core: FactBot) -> None:
    """'death toll in Almaty' asks for more than 'death toll': it is not swallowed."""
    log_many(core, ["death toll?", "death toll in Almaty"])
    assert sorted(g.question for g in core.gaps(timedelta(days=7))) == [
        "death toll in Almaty", "death toll?"]


def test_case_and_punctuation_are_one_wording(core: FactBot) -> None:
    """'Curfew hours?' and 'curfew hours' are the same wording, not a variant of it."""
    log_many(core, ["curfew hours", "Curfew hours?", "curfew hours"])
    [gap] = core.gaps(timedelta(days=7))
    assert (gap.question, gap.count, gap.variants) == ("curfew hours", 3, ())


def test_gaps_are_listed_most_asked_first_up_to_the_limit(core: FactBot) -> None:
    """Counts add up per gap, the most asked come first, and `limit` cuts the list."""
    log_many(core, ["who paid for the cleanup"] * 2)
    log_many(core, DEATH_TOLL)
    log_many(core, ["internet shutdown"] * 3)
    log_question(core, "how many journalists were detained")
    gaps = core.gaps(timedelta(days=7), limit=3)
    assert [(g.question, g.count) for g in gaps] == [
        ("whats the death toll", 4), ("internet shutdown", 3), ("who paid for the cleanup", 2)]


def test_each_gap_names_its_closest_facts(core: FactBot) -> None:
    """The facts an editor could teach the question to: the matcher's best, with scores."""
    log_many(core, DEATH_TOLL)
    [gap] = core.gaps(timedelta(days=7))
    assert 1 <= len(gap.candidates) <= 3
    assert gap.candidates[0].fact_id == "death-toll"
    assert gap.candidates[0].headline and gap.candidates[0].question
    scores = [c.score for c in gap.candidates]
    assert scores == sorted(scores, reverse=True) and scores[0] > 50


def test_a_gap_no_fact_comes_close_to_has_no_candidates(core: FactBot) -> None:
    """A question about something the table never mentions offers no fact to teach it to."""
    log_question(core, "who painted the sistine chapel ceiling")
    [gap] = core.gaps(timedelta(days=7))
    assert gap.candidates == ()


def test_suggested_questions_are_gaps_answered_ones_are_not(core: FactBot) -> None:
    """'Did you mean' and 'I don't know' leave gaps; answers and quote checks do not."""
    log_question(core, "curfew hours", outcome=Outcome.SUGGEST)
    log_question(core, "internet shutdown", outcome=Outcome.NONE)
    log_question(core, "how many csto troops", outcome=Outcome.ANSWER)
    log_question(core, "who said peacekeeping force", outcome=Outcome.QUOTE)
    assert {g.question for g in core.gaps(timedelta(days=7))} == {"curfew hours",
                                                                  "internet shutdown"}


def test_empty_questions_are_no_gaps(core: FactBot) -> None:
    """A message with no words in it is not a question anyone could teach."""
    log_many(core, ["", "", "curfew hours"])
    assert [g.question for g in core.gaps(timedelta(days=7))] == ["curfew hours"]


def test_private_questions_are_left_out_by_default(core: FactBot) -> None:
    """A reporter's private question may name a source: it is no gap unless allowed."""
    core.ask(SOURCE_QUESTION, chat=Chat("telegram", PRIVATE_CHAT, private=True))
    log_question(core, "curfew hours")
    assert [g.question for g in core.gaps(timedelta(days=7))] == ["curfew hours"]


def test_private_questions_are_listed_with_gaps_include_private(
        database_url: str, core: FactBot, monkeypatch: pytest.MonkeyPatch) -> None:
    """GAPS_INCLUDE_PRIVATE=true lists private chats' questions too."""
    core.ask(SOURCE_QUESTION, chat=Chat("telegram", PRIVATE_CHAT, private=True))
    monkeypatch.setenv("GAPS_INCLUDE_PRIVATE", "true")
    desk = FactBot.open(load_settings(database_url=database_url))
    try:
        assert [g.question for g in desk.gaps(timedelta(days=7))] == [SOURCE_QUESTION]
    finally:
        desk.close()


def test_gaps_never_show_who_asked_or_where(core: FactBot) -> None:
    """Only wordings, counts, times and facts: no chat key, chat id or platform."""
    log_many(core, DEATH_TOLL)
    with core.database.session() as session:
        key = question_log_key(session=session, settings=core.settings)
    [gap] = core.gaps(timedelta(days=7))
    payload = gap.to_json()
    assert set(payload) == {"question", "count", "variants", "first_asked", "last_asked",
                            "candidates"}
    assert all(set(c) == {"fact_id", "question", "headline", "score"}
               for c in payload["candidates"])
    dumped = json.dumps(payload) + repr(gap)
    for secret in (GROUP, "telegram", chat_key(key, "telegram", GROUP)):
        assert secret not in dumped


def test_only_questions_within_the_window_count(core: FactBot) -> None:
    """`since` bounds the report; first and last asked say when within it."""
    log_question(core, "curfew hours", ago=timedelta(days=10))
    log_question(core, "curfew hours", ago=timedelta(days=3))
    log_question(core, "curfew hours", ago=timedelta(hours=2))
    [recent] = core.gaps(timedelta(days=7))
    assert recent.count == 2
    assert timedelta(days=3) - timedelta(minutes=5) < utcnow() - recent.first_asked \
        < timedelta(days=3) + timedelta(minutes=5)
    assert utcnow() - recent.last_asked < timedelta(hours=2, minutes=5)
    assert [g.count for g in core.gaps(timedelta(weeks=2))] == [3]
    assert core.gaps(timedelta(minutes=90)) == []


def test_only_the_most_recent_questions_are_read(core: FactBot) -> None:
    """However large the log, a report reads at most `max_rows` questions, newest first."""
    log_many(core, ["curfew hours"] * 3, ago=timedelta(days=2))
    log_many(core, ["internet shutdown"] * 2, ago=timedelta(hours=1))
    with core.database.session() as session:
        gaps = find_gaps(session=session, index=core.index, since=utcnow() - timedelta(days=7),
                         limit=10, include_private=False, suggest_threshold=50.0, max_rows=3)
    assert [(g.question, g.count) for g in gaps] == [("internet shutdown", 2),
                                                     ("curfew hours", 1)]


@pytest.mark.parametrize(("typed", "window"), [
    ("90m", timedelta(minutes=90)), ("12h", timedelta(hours=12)), ("7d", timedelta(days=7)),
    ("2w", timedelta(weeks=2)), (" 7D ", timedelta(days=7)),
])
def test_durations_are_read(typed: str, window: timedelta) -> None:
    """Minutes, hours, days and weeks, as an editor types them."""
    assert parse_duration(typed) == window


@pytest.mark.parametrize("typed", ["", "7", "d", "7x", "-1d", "1.5h", "7 days", "0d",
                                   "9999999w", "7d\n--limit 3"])
def test_a_bad_duration_is_one_clear_line(typed: str) -> None:
    """Anything else is refused with one line saying what would do."""
    with pytest.raises(GapsCommandError) as refused:
        parse_duration(typed)
    message = str(refused.value)
    assert "\n" not in message and ("e.g. 90m, 12h, 7d, 2w" in message
                                    or "at most 3650 days" in message)


@pytest.mark.parametrize(("window", "words"), [
    (timedelta(days=7), "week"), (timedelta(days=3), "3 days"), (timedelta(weeks=2), "2 weeks"),
    (timedelta(minutes=90), "90 minutes"), (timedelta(hours=1), "hour"),
])
def test_windows_are_described_in_words(window: timedelta, words: str) -> None:
    """The report's title names its window as a person would."""
    assert describe_duration(window) == words


@pytest.fixture
def cli_core(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[FactBot]:
    """A core on the database the `factbot` command will use."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    bot = FactBot.open(get_settings())
    yield bot
    bot.close()
    get_settings.cache_clear()


def test_cli_lists_gaps_as_text_for_an_editor(cli_core: FactBot,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """`factbot gaps`: each question with its count, other wordings and closest facts."""
    log_many(cli_core, DEATH_TOLL)
    log_question(cli_core, "who painted the sistine chapel ceiling")
    assert main(["gaps", "--since", "7d"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Questions I could not answer in the last week, most asked first")
    assert "left out" in out  # says private chats' questions are not listed
    assert "1. “whats the death toll” — asked 4 times" in out
    assert "also asked as: “death tol”, “death toll?”" in out  # the latest first
    assert "- death-toll (" in out
    assert "2. “who painted the sistine chapel ceiling” — asked once" in out
    assert "no fact comes close" in out


def test_cli_says_when_there_are_no_gaps(cli_core: FactBot,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    """An empty report says so, with its window."""
    assert main(["gaps", "--since", "12h"]) == 0
    assert capsys.readouterr().out.startswith("No unanswered questions in the last 12 hours.")


def test_cli_json_is_a_list_of_gaps(cli_core: FactBot,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    """`--json`: a list of {question, count, variants, first_asked, last_asked, candidates}."""
    log_many(cli_core, DEATH_TOLL)
    log_many(cli_core, ["internet shutdown"] * 2)
    log_question(cli_core, "curfew hours")
    assert main(["gaps", "--json", "--limit", "2"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert [(g["question"], g["count"]) for g in payload] == [("whats the death toll", 4),
                                                             ("internet shutdown", 2)]
    first = payload[0]
    assert sorted(first["variants"]) == ["death tol", "death toll?"]
    assert first["first_asked"].endswith("+00:00") and first["last_asked"].endswith("+00:00")
    assert first["candidates"][0]["fact_id"] == "death-toll"
    assert set(first["candidates"][0]) == {"fact_id", "question", "headline", "score"}


@pytest.mark.parametrize("arguments", [["--since", "7x"], ["--since", "0d"],
                                       ["--limit", "0"], ["--limit", "1000"]])
def test_cli_refuses_a_bad_window_or_limit_in_one_line(
        sqlite_database_url: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], arguments: list[str]) -> None:
    """A bad --since or --limit: exit 2, one line naming the problem, nothing on stdout."""
    monkeypatch.setenv("DATABASE_URL", sqlite_database_url)
    get_settings.cache_clear()
    assert main(["gaps", *arguments]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("factbot: ") and captured.err.count("\n") == 1
    get_settings.cache_clear()
