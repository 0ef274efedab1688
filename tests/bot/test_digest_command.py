"""`/digest ...` as typed in Telegram, and the core's replies to it on every platform."""

from __future__ import annotations

import pytest

from bot.answering import Chat
from bot.core import FactBot
from bot.subscriptions import DigestCommandError, DigestRequest, parse_digest_words

GROUP = Chat("telegram", "-100", private=False)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], DigestRequest("status")),
        (["status"], DigestRequest("status")),
        (["OFF"], DigestRequest("off")),
        (["on", "9:05"], DigestRequest("on", "9:05", "UTC")),
        (["on", "21:30", "asia/almaty"], DigestRequest("on", "21:30", "asia/almaty")),
        (["on", "07:00", "Europe/Berlin", "unanswered", "quiet"],
         DigestRequest("on", "07:00", "Europe/Berlin", include_unanswered=True,
                       skip_empty=True)),
    ],
)
def test_digest_words_are_understood(args: list[str], expected: DigestRequest) -> None:
    """Actions, times, zones and option words are read as typed."""
    assert parse_digest_words(args) == expected


@pytest.mark.parametrize("args", [["on"], ["sometimes"], ["on", "09:00", "Asia/Almaty",
                                                          "Europe/Paris"]])
def test_unreadable_digest_words_give_the_usage(args: list[str]) -> None:
    """A command that cannot be read at all says what would be."""
    with pytest.raises(DigestCommandError, match="Usage"):
        parse_digest_words(args)


@pytest.mark.parametrize(
    ("args", "message"),
    [(["on", "25:00"], "HH:MM"), (["on", "9am"], "HH:MM"),
     (["on", "09:00", "Mars/Olympus"], "Unknown time zone"), (["on"], "Usage")],
)
def test_bad_digest_commands_explain_themselves(fresh_core: FactBot, args: list[str],
                                                message: str) -> None:
    """The core answers a bad command with a line that says what would work."""
    notice = fresh_core.digest_words(GROUP, args, can_manage=True, created_by="1")
    assert message in notice.text
    assert fresh_core.subscriptions.get("telegram", "-100") is None


def test_zone_names_are_canonical(fresh_core: FactBot) -> None:
    """A zone typed in any case is stored in its IANA spelling."""
    notice = fresh_core.digest_words(GROUP, ["on", "21:30", "asia/almaty"], can_manage=True,
                                     created_by="1")
    assert "21:30 (Asia/Almaty)" in notice.text
    stored = fresh_core.subscriptions.get("telegram", "-100")
    assert stored is not None and stored.timezone == "Asia/Almaty"


def test_only_managers_change_the_digest_but_anyone_sees_it(fresh_core: FactBot) -> None:
    """A member who is not an admin can read the status and change nothing."""
    refused = fresh_core.digest_words(GROUP, ["on", "09:00"], can_manage=False,
                                      created_by="2")
    assert "administrators" in refused.text
    assert fresh_core.subscriptions.get("telegram", "-100") is None
    assert "no daily digest" in fresh_core.digest_words(GROUP, [], can_manage=False,
                                                        created_by="2").text


@pytest.mark.parametrize("args", [["on", "x" * 4000], ["on", "09:00", "Zone/" + "y" * 4000]])
def test_echoed_input_is_shortened(fresh_core: FactBot, args: list[str]) -> None:
    """A huge argument is echoed in a few dozen characters, never in full."""
    notice = fresh_core.digest_words(GROUP, args, can_manage=True, created_by="1")
    assert len(notice.text) < 300


@pytest.mark.parametrize("wanted", ["²", "٣", "003" * 2000, "<b>x</b>", ""])
def test_source_lookup_never_fails_on_odd_input(fresh_core: FactBot, wanted: str) -> None:
    """Superscript and other non-ASCII digits, huge and empty input get a short usage line."""
    reply = fresh_core.source_card(wanted)
    assert not hasattr(reply, "source")
    assert "one of 000, 001, 002, 003, 004" in reply.text and len(reply.text) < 300
