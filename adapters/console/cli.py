"""The `factbot` command: ask, chat, check the fact table, preview digests, run the bots.

The one error boundary of the console: a `UserError` (bad settings, a broken seed file,
an unreachable database, a bad argument) is printed as its message alone; anything else
is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import date, timedelta
from typing import TextIO
from zoneinfo import ZoneInfo

from adapters.console.render import (
    render_answer,
    render_digest,
    render_gaps,
    render_quote_check,
    render_reply,
    render_source,
)
from bot import texts
from bot.answering import Chat
from bot.core import FactBot
from bot.errors import UserError
from bot.facttable import load_fact_table
from bot.gaps import MAX_GAPS, GapsCommandError, describe_duration, parse_duration
from bot.settings import get_settings
from bot.subscriptions import DigestCommandError, canonical_timezone
from db.types import utcnow

EXIT_USAGE = 2
EXIT_FAILURE = 1

log = logging.getLogger("factbot")


def _open_bot() -> FactBot:
    return FactBot.open(get_settings())


def readable(text: str) -> str:
    """Text as a person typed it: bytes that were not UTF-8 become U+FFFD, never an error.

    Python hands undecodable command-line bytes over as lone surrogates
    (surrogateescape); they would fail later, at the database or the terminal."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _lines(stream: TextIO) -> Iterator[str]:
    """Lines of `stream`, decoded leniently: one bad byte must not end a batch."""
    binary = getattr(stream, "buffer", None)
    if binary is None:  # already text (a test's StringIO): only surrogates can be wrong
        yield from (readable(line.rstrip("\r\n")) for line in stream)
        return
    for raw in binary:
        yield raw.decode("utf-8", "replace").rstrip("\r\n")


def cmd_ask(args: argparse.Namespace) -> int:
    bot = _open_bot()
    try:
        if args.question == ["-"]:
            for line in _lines(sys.stdin):
                _print_answer(bot, line, as_json=args.json)
        else:
            _print_answer(bot, readable(" ".join(args.question)), as_json=args.json)
    finally:
        bot.close()
    return 0


def _print_answer(bot: FactBot, question: str, *, as_json: bool) -> None:
    answer = bot.ask(question, chat=Chat("cli"))
    if as_json:
        payload = answer.to_json()
        payload["question"] = question
        print(json.dumps(payload, ensure_ascii=False), flush=True)
    else:
        print(render_answer(answer), flush=True)


def cmd_sources(args: argparse.Namespace) -> int:
    bot = _open_bot()
    try:
        for source in bot.sources():
            print(render_source(source))
    finally:
        bot.close()
    return 0


def cmd_facts_validate(args: argparse.Namespace) -> int:
    table = load_fact_table(get_settings().seeds_dir)
    claims = sum(len(f.claims) for f in table.facts)
    print(f"ok: {len(table.facts)} facts, {claims} claims, {len(table.sources)} sources; "
          "every quote found verbatim in its source")
    return 0


def cmd_facts_coverage(args: argparse.Namespace) -> int:
    """Which askable sentences of the documents no claim cites (see `bot.coverage`)."""
    from bot.coverage import measure_coverage

    report = measure_coverage(load_fact_table(get_settings().seeds_dir))
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        print(report.to_text())
    return 0


def cmd_seeds_load(args: argparse.Namespace) -> int:
    bot = FactBot.open(get_settings(), load_seeds=False)
    try:
        report = bot.answering.load_seeds(allow_mass_retraction=args.allow_mass_retraction)
        print(f"seeds loaded: {report.summary()}")
    finally:
        bot.close()
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    bot = _open_bot()
    print(texts.ABOUT)
    print(texts.HOW_TO_ASK)
    print("Type /sources to list the documents, /source ID for one, /quit (or Ctrl-D) to "
          "leave.\n")
    try:
        while True:
            try:
                line = readable(input("you> "))
            except (EOFError, KeyboardInterrupt):
                print()
                return 0
            command, _, rest = line.strip().partition(" ")
            command = command.casefold()
            if command in {"/quit", "/exit"}:
                return 0
            if command == "/sources":
                print("\n".join(render_source(s) for s in bot.sources()), "\n")
            elif command == "/source":
                print(render_reply(bot.source_card(rest)), "\n")
            else:
                print(render_answer(bot.ask(line, chat=Chat("chat"))), "\n")
    finally:
        bot.close()


def cmd_digest_preview(args: argparse.Namespace) -> int:
    from bot.digest.scheduler import build_digest
    from bot.question_log import QuestionScope, question_scope

    zone = canonical_timezone(args.timezone)
    platform, _, chat_id = (args.chat or "").partition(":")
    if args.chat and not (platform and chat_id):
        raise DigestCommandError(
            f"--chat {args.chat!r}: use PLATFORM:ID, e.g. telegram:-100123")
    local_date = args.date or utcnow().astimezone(ZoneInfo(zone)).date()
    settings = get_settings()
    bot = FactBot.open(settings)
    try:
        until = utcnow()
        with bot.database.session() as session:
            scope = (question_scope(session=session, settings=settings, platform=platform,
                                    chat_id=chat_id) if args.chat
                     else QuestionScope(chat_key=None, every_group=True))
            digest, _ = build_digest(
                bot.answering, session=session, local_date=local_date, timezone=zone,
                since=until - timedelta(days=1), until=until, already_shown=[],
                unanswered_for=scope)
            session.rollback()
    finally:
        bot.close()
    print(json.dumps(digest.to_json(), ensure_ascii=False, indent=2) if args.json
          else render_digest(digest))
    return 0


def cmd_gaps(args: argparse.Namespace) -> int:
    """The most asked questions left unanswered, for the fact desk (see `bot.gaps`)."""
    window = parse_duration(args.since)
    if not 1 <= args.limit <= MAX_GAPS:
        raise GapsCommandError(texts.GAPS_BAD_LIMIT.format(most=MAX_GAPS, value=args.limit))
    bot = _open_bot()
    try:
        gaps = bot.gaps(window, limit=args.limit)
        include_private = bot.settings.gaps_include_private
    finally:
        bot.close()
    if args.json:
        print(json.dumps([gap.to_json() for gap in gaps], ensure_ascii=False, indent=2))
    else:
        print(render_gaps(gaps, window=describe_duration(window),
                          include_private=include_private))
    return 0


def cmd_quote(args: argparse.Namespace) -> int:
    """Check quotations against the documents alone: no database needed."""
    from bot.quotecheck import QuoteChecker

    checker = QuoteChecker.from_fact_table(load_fact_table(get_settings().seeds_dir))
    pasted = (list(_lines(sys.stdin)) if args.text == ["-"]
              else [readable(" ".join(args.text))])
    for text in pasted:
        check = checker.check(text)
        if args.json:
            print(json.dumps(check.to_json(), ensure_ascii=False), flush=True)
        else:
            print(render_quote_check(check), flush=True)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from adapters.runner import run_bot  # platform libraries load only for `run`

    return run_bot(get_settings())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="factbot",
        description="Attributed, cited answers about the January 2022 events in Kazakhstan.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log at DEBUG level")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ask = commands.add_parser("ask", help="answer a question")
    ask.add_argument("question", nargs="+", help="the question, or - to read one per line")
    ask.add_argument("--json", action="store_true", help="one JSON object per answer")
    ask.set_defaults(handler=cmd_ask)

    commands.add_parser("sources", help="list the source documents").set_defaults(
        handler=cmd_sources)

    facts = commands.add_parser("facts", help="work with the fact table")
    facts_commands = facts.add_subparsers(dest="facts_command", required=True)
    facts_commands.add_parser("validate", help="check every fact and quote").set_defaults(
        handler=cmd_facts_validate)
    coverage = facts_commands.add_parser(
        "coverage", help="askable sentences of the documents that no claim cites")
    coverage.add_argument("--json", action="store_true", help="the report as one JSON object")
    coverage.set_defaults(handler=cmd_facts_coverage)

    seeds = commands.add_parser("seeds", help="load seeds/ into the database")
    seeds_commands = seeds.add_subparsers(dest="seeds_command", required=True)
    seeds_load = seeds_commands.add_parser("load", help="load or update the fact table")
    seeds_load.add_argument(
        "--allow-mass-retraction", action="store_true",
        help="load even if it retracts more than SEEDS_MAX_RETRACTION_SHARE of the facts")
    seeds_load.set_defaults(handler=cmd_seeds_load)

    digest = commands.add_parser("digest", help="daily digests")
    digest_commands = digest.add_subparsers(dest="digest_command", required=True)
    preview = digest_commands.add_parser("preview", help="print a digest without sending it")
    preview.add_argument("--date", type=date.fromisoformat,
                         help="local date, YYYY-MM-DD (default: today)")
    preview.add_argument("--timezone", default="UTC", help="IANA zone (default: UTC)")
    preview.add_argument("--chat", metavar="PLATFORM:ID",
                         help="list the unanswered questions this chat's digest would show, "
                              "e.g. telegram:-100123 (default: those of every group chat, "
                              "as an editors' chat sees them; private chats' never)")
    preview.add_argument("--json", action="store_true", help="print the digest as JSON")
    preview.set_defaults(handler=cmd_digest_preview)

    gaps = commands.add_parser(
        "gaps", help="the most asked questions I could not answer, with their closest facts")
    gaps.add_argument("--since", default="7d", metavar="DURATION",
                      help="how far back: 90m, 12h, 7d, 2w (default: 7d)")
    gaps.add_argument("--limit", type=int, default=10, metavar="N",
                      help="at most this many gaps (default: 10)")
    gaps.add_argument("--json", action="store_true", help="the gaps as a JSON list")
    gaps.set_defaults(handler=cmd_gaps)

    quote = commands.add_parser("quote", help="who said these words, and are they verbatim?")
    quote.add_argument("text", nargs="+", help="the quotation, or - to read one per line")
    quote.add_argument("--json", action="store_true", help="one JSON object per quotation")
    quote.set_defaults(handler=cmd_quote)

    commands.add_parser("chat", help="chat with the bot in this console").set_defaults(
        handler=cmd_chat)
    commands.add_parser("run", help="run the Telegram and/or Discord bot").set_defaults(
        handler=cmd_run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        level = "DEBUG" if args.verbose else get_settings().log_level
        logging.basicConfig(level=level, stream=sys.stderr,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        if not args.verbose:
            logging.getLogger("alembic").setLevel(logging.WARNING)
        return handler(args)
    except UserError as error:
        print(f"factbot: {error}", file=sys.stderr)
        return error.exit_code
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
