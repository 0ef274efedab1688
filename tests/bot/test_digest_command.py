"""Understanding `/digest ...` as typed in Telegram (Discord has typed options)."""

from __future__ import annotations

from datetime import time

import pytest

from bot.core import DigestCommand, DigestCommandError, parse_digest_command


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], DigestCommand("status")),
        (["status"], DigestCommand("status")),
        (["OFF"], DigestCommand("off")),
        (["on", "9:05"], DigestCommand("on", time(9, 5), "UTC")),
        (["on", "21:30", "asia/almaty"], DigestCommand("on", time(21, 30), "Asia/Almaty")),
        (["on", "07:00", "Europe/Berlin", "unanswered", "quiet"],
         DigestCommand("on", time(7, 0), "Europe/Berlin", include_unanswered=True,
                       skip_empty=True)),
    ],
)
def test_digest_commands_are_understood(args: list[str], expected: DigestCommand) -> None:
    """Times, zones in any case, and option words are read as meant."""
    assert parse_digest_command(args) == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [(["on"], "Usage"), (["on", "25:00"], "HH:MM"), (["on", "9am"], "HH:MM"),
     (["on", "09:00", "Mars/Olympus"], "Unknown time zone"), (["sometimes"], "Usage"),
     (["on", "09:00", "Asia/Almaty", "Europe/Paris"], "Usage")],
)
def test_bad_digest_commands_explain_themselves(args: list[str], message: str) -> None:
    """A command that cannot be understood says what would be."""
    with pytest.raises(DigestCommandError, match=message):
        parse_digest_command(args)
