"""The `factbot` command."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence

from bot import texts
from bot.core import FactBot
from bot.facttable import FactTableError, load_fact_table
from bot.plaintext import render_answer, render_source
from bot.settings import SettingsError, get_settings
from db.database import DatabaseUnavailable

EXIT_USAGE = 2
EXIT_FAILURE = 1

log = logging.getLogger("factbot")


def _open_bot() -> FactBot:
    return FactBot.open(get_settings())


def cmd_ask(args: argparse.Namespace) -> int:
    bot = _open_bot()
    try:
        if args.question == ["-"]:
            for line in sys.stdin:
                _print_answer(bot, line.rstrip("\n"), as_json=args.json)
        else:
            _print_answer(bot, " ".join(args.question), as_json=args.json)
    finally:
        bot.close()
    return 0


def _print_answer(bot: FactBot, question: str, *, as_json: bool) -> None:
    answer = bot.ask(question, platform="cli")
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
    settings = get_settings()
    table = load_fact_table(settings.seeds_dir)
    claims = sum(len(f.claims) for f in table.facts)
    print(f"ok: {len(table.facts)} facts, {claims} claims, {len(table.sources)} sources; "
          "every quote found verbatim in its source")
    return 0


def cmd_seeds_load(args: argparse.Namespace) -> int:
    bot = FactBot.open(get_settings(), load_seeds=False)
    try:
        report = bot.load_seeds()
        print(f"seeds loaded: {report.summary()}")
    finally:
        bot.close()
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    bot = _open_bot()
    print(texts.ABOUT)
    print(texts.HOW_TO_ASK)
    print("Type /sources to list the documents, /quit (or Ctrl-D) to leave.\n")
    try:
        while True:
            try:
                line = input("you> ")
            except (EOFError, KeyboardInterrupt):
                print()
                return 0
            command = line.strip().casefold()
            if command in {"/quit", "/exit"}:
                return 0
            if command == "/sources":
                print("\n".join(render_source(s) for s in bot.sources()), "\n")
                continue
            print(render_answer(bot.ask(line, platform="chat")), "\n")
    finally:
        bot.close()


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

    seeds = commands.add_parser("seeds", help="load seeds/ into the database")
    seeds_commands = seeds.add_subparsers(dest="seeds_command", required=True)
    seeds_commands.add_parser("load", help="load or update the fact table").set_defaults(
        handler=cmd_seeds_load)

    commands.add_parser("chat", help="chat with the bot in this console").set_defaults(
        handler=cmd_chat)
    commands.add_parser("run", help="run the Telegram and/or Discord bot").set_defaults(
        handler=cmd_run)
    _add_extensions(commands)
    return parser


def _add_extensions(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from bot.digest.cli import add_digest_commands

    add_digest_commands(commands)
    _add_quote_command(commands)


# --- `factbot quote`: the quote check (issue 9, part 5) -------------------------------------

def _add_quote_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    quote = commands.add_parser("quote", help="who said these words, and are they verbatim?")
    quote.add_argument("text", nargs="+", help="the quotation, or - to read one per line")
    quote.add_argument("--json", action="store_true", help="one JSON object per quotation")
    quote.set_defaults(handler=cmd_quote)


def cmd_quote(args: argparse.Namespace) -> int:
    """Check quotations against the documents alone: no database needed."""
    from bot.plaintext import render_quote_check
    from bot.quotecheck import QuoteChecker

    checker = QuoteChecker.from_fact_table(load_fact_table(get_settings().seeds_dir))
    pasted = ([line.rstrip("\n") for line in sys.stdin] if args.text == ["-"]
              else [" ".join(args.text)])
    for text in pasted:
        check = checker.check(text)
        if args.json:
            print(json.dumps(check.to_json(), ensure_ascii=False), flush=True)
        else:
            print(render_quote_check(check), flush=True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        level = "DEBUG" if args.verbose else get_settings().log_level
    except SettingsError as error:
        print(f"factbot: {error}", file=sys.stderr)
        return EXIT_USAGE
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)
    if not args.verbose:
        logging.getLogger("alembic").setLevel(logging.WARNING)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except SettingsError as error:
        print(f"factbot: {error}", file=sys.stderr)
        return EXIT_USAGE
    except (FactTableError, DatabaseUnavailable) as error:
        print(f"factbot: {error}", file=sys.stderr)
        return EXIT_FAILURE
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
