"""`factbot digest preview`: a digest printed, nothing sent or stored."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from bot import texts
from bot.core import DigestCommandError, FactBot, canonical_timezone
from bot.digest.content import Digest
from bot.question_log import QuestionScope, question_scope
from bot.settings import get_settings
from db.types import utcnow

EXIT_USAGE = 2  # as every factbot command: the command line itself was wrong


def add_digest_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    digest = commands.add_parser("digest", help="daily digests")
    digest_commands = digest.add_subparsers(dest="digest_command", required=True)
    preview = digest_commands.add_parser("preview", help="print a digest without sending it")
    preview.add_argument("--date", type=date.fromisoformat, help="local date, YYYY-MM-DD "
                         "(default: today)")
    preview.add_argument("--timezone", default="UTC", help="IANA zone (default: UTC)")
    preview.add_argument("--chat", metavar="PLATFORM:ID",
                         help="list the unanswered questions this chat's digest would show, "
                              "e.g. telegram:-100123 (default: those of every group chat, "
                              "as an editors' chat sees them; private chats' never)")
    preview.add_argument("--json", action="store_true", help="print the digest as JSON")
    preview.set_defaults(handler=cmd_digest_preview)


def cmd_digest_preview(args: argparse.Namespace) -> int:
    from bot.digest.scheduler import build_digest

    try:
        zone = canonical_timezone(args.timezone)
    except DigestCommandError as error:
        print(f"factbot: {error}", file=sys.stderr)
        return EXIT_USAGE
    platform, _, chat_id = (args.chat or "").partition(":")
    if args.chat and not (platform and chat_id):
        print(f"factbot: --chat {args.chat!r}: use PLATFORM:ID, e.g. telegram:-100123",
              file=sys.stderr)
        return EXIT_USAGE
    local_date = args.date or utcnow().astimezone(ZoneInfo(zone)).date()
    settings = get_settings()
    bot = FactBot.open(settings)
    try:
        until = utcnow()
        with bot.database.session() as session:
            scope = (question_scope(session=session, settings=settings, platform=platform,
                                    chat_id=chat_id) if args.chat
                     else QuestionScope(chat_key=None, every_group=True))
            digest, _ = build_digest(bot, session=session, local_date=local_date, timezone=zone,
                                     since=until - timedelta(days=1), until=until,
                                     already_shown=[], unanswered_for=scope)
            session.rollback()
    finally:
        bot.close()
    print(json.dumps(digest.to_json(), ensure_ascii=False, indent=2) if args.json
          else render_plain(digest))
    return 0


def render_plain(digest: Digest) -> str:
    """The whole digest as text for a terminal: no length limit, so nothing is cut."""
    lines = [f"{texts.DIGEST_TITLE.format(local_date=digest.local_date)} ({digest.timezone})",
             ""]
    if digest.changes:
        lines.append(f"{texts.DIGEST_CHANGES}:")
        for change in digest.changes:
            lines.append(f"  [{change.kind}] {change.headline}")
            if change.answer and change.answer.text:
                lines.append(f"      {change.answer.text}")
    if digest.on_this_day:
        lines.append(f"{texts.DIGEST_ON_THIS_DAY}:")
        for entry in digest.on_this_day:
            when = texts.DIGEST_ANNIVERSARY.format(event_date=entry.event_date,
                                                   years_ago=entry.years_ago)
            lines.append(f"  {when}: {entry.answer.headline}")
            lines.append(f"      {entry.answer.text}")
    if digest.highlight:
        lines += [texts.DIGEST_HIGHLIGHT.format(headline=digest.highlight.headline or ""),
                  f"      {digest.highlight.text}"]
    if digest.unanswered:
        lines.append(f"{texts.DIGEST_UNANSWERED}:")
        lines += [f"  {u.times}× {u.question}" for u in digest.unanswered]
    if digest.is_empty:
        lines.append(texts.DIGEST_NOTHING_NEW)
    return "\n".join(lines)
