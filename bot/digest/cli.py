"""`factbot digest preview`: a digest printed, nothing sent or stored."""

from __future__ import annotations

import argparse
import json
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from bot.core import FactBot, canonical_timezone
from bot.digest.content import Digest
from bot.settings import get_settings
from db.types import utcnow


def add_digest_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    digest = commands.add_parser("digest", help="daily digests")
    digest_commands = digest.add_subparsers(dest="digest_command", required=True)
    preview = digest_commands.add_parser("preview", help="print a digest without sending it")
    preview.add_argument("--date", type=date.fromisoformat, help="local date, YYYY-MM-DD "
                         "(default: today)")
    preview.add_argument("--timezone", default="UTC", help="IANA zone (default: UTC)")
    preview.add_argument("--json", action="store_true", help="print the digest as JSON")
    preview.set_defaults(handler=cmd_digest_preview)


def cmd_digest_preview(args: argparse.Namespace) -> int:
    from bot.digest.scheduler import build_digest

    zone = canonical_timezone(args.timezone)
    local_date = args.date or utcnow().astimezone(ZoneInfo(zone)).date()
    bot = FactBot.open(get_settings())
    try:
        until = utcnow()
        with bot.database.session() as session:
            digest, _ = build_digest(bot, session=session, local_date=local_date, timezone=zone,
                                     since=until - timedelta(days=1), until=until,
                                     already_shown=[], include_unanswered=True)
            session.rollback()
    finally:
        bot.close()
    print(json.dumps(digest.to_json(), ensure_ascii=False, indent=2) if args.json
          else render_plain(digest))
    return 0


def render_plain(digest: Digest) -> str:
    lines = [f"Daily digest for {digest.local_date:%A %d %B %Y} ({digest.timezone})", ""]
    if digest.changes:
        lines.append("Changes to the fact table:")
        for change in digest.changes:
            lines.append(f"  [{change.kind}] {change.headline}")
            if change.answer and change.answer.text:
                lines.append(f"      {change.answer.text}")
    if digest.on_this_day:
        lines.append("On this day:")
        for entry in digest.on_this_day:
            lines.append(f"  {entry.event_date:%d %b %Y} ({entry.years_ago} years ago): "
                         f"{entry.answer.headline}")
            lines.append(f"      {entry.answer.text}")
    if digest.highlight:
        lines += ["Fact of the day:", f"  {digest.highlight.headline}",
                  f"      {digest.highlight.text}"]
    if digest.unanswered:
        lines.append("Asked but not answered in the last day:")
        lines += [f"  {u.times}× {u.question}" for u in digest.unanswered]
    if digest.is_empty:
        lines.append("Nothing new today.")
    return "\n".join(lines)


