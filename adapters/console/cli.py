"""The `factbot` command: ask, chat, curate the fact table, preview digests, run the bots.

The one error boundary of the console: a `UserError` (bad settings, a broken seed file,
an unreachable database, a bad argument) is printed as its message alone; anything else
is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from datetime import date, timedelta
from pathlib import Path
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
from bot.curation import ConflictView, VersionView
from bot.errors import UserError
from bot.facttable import MAX_SEED_FILE_BYTES, load_fact_table
from bot.gaps import MAX_GAPS, GapsCommandError, describe_duration, parse_duration
from bot.settings import get_settings
from bot.store import Actor, FactChanged
from bot.subscriptions import DigestCommandError, canonical_timezone
from bot.tableio import FORMATS, fact_diff, facts_yaml
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


# --- curating the table -----------------------------------------------------------------


def cli_actor(origin: str = "cli") -> Actor:
    """Changes from the command line are recorded as made by the OS user running it."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # no login name and no passwd entry (some containers)
        user = "unknown"
    return Actor(f"cli:{user}", origin)


def _read_file(path: str) -> bytes:
    """A file named on the command line, at most the size a fact or document file may have."""
    try:
        with open(path, "rb") as file:
            data = file.read(MAX_SEED_FILE_BYTES + 1)
    except OSError as error:
        raise UserError(texts.CANNOT_READ.format(path=path, reason=error.strerror or error)
                        ) from None
    if len(data) > MAX_SEED_FILE_BYTES:
        raise UserError(texts.FILE_TOO_LARGE.format(path=path, limit=MAX_SEED_FILE_BYTES))
    return data


def _with_bot(work: Callable[[FactBot], int]) -> int:
    bot = _open_bot()
    try:
        return work(bot)
    finally:
        bot.close()


def cmd_facts_add(args: argparse.Namespace) -> int:
    data = _read_file(args.file)
    name = Path(args.file).name

    def work(bot: FactBot) -> int:
        for fact_id in bot.curation.add_facts_file(data, place=name,
                                                   actor=cli_actor(f"file:{name}")):
            print(fact_id)
        return 0

    return _with_bot(work)


def cmd_facts_import(args: argparse.Namespace) -> int:
    data = _read_file(args.file)
    name = Path(args.file).name

    def work(bot: FactBot) -> int:
        report = bot.curation.import_file(data, place=name, actor=cli_actor(f"file:{name}"))
        print(texts.IMPORTED.format(file=name, summary=report.summary()))
        return 0

    return _with_bot(work)


def cmd_facts_export(args: argparse.Namespace) -> int:
    def work(bot: FactBot) -> int:
        exported = bot.curation.export(args.format)
        if args.output:
            try:
                Path(args.output).write_text(exported, encoding="utf-8")
            except OSError as error:
                raise UserError(texts.CANNOT_WRITE.format(
                    path=args.output, reason=error.strerror or error)) from None
        else:
            sys.stdout.write(exported)
        return 0

    return _with_bot(work)


def _print_change(change: FactChanged) -> None:
    print(texts.CHANGED.format(fact_id=change.fact_id, version=change.new_version,
                               summary=change.summary))


def cmd_facts_retract(args: argparse.Namespace) -> int:
    def work(bot: FactBot) -> int:
        change = bot.curation.retract(args.fact_id, reason=readable(args.reason),
                                      actor=cli_actor())
        _print_change(change)
        return 0

    return _with_bot(work)


def cmd_facts_revert(args: argparse.Namespace) -> int:
    def work(bot: FactBot) -> int:
        change = bot.curation.revert(args.fact_id, args.version, actor=cli_actor())
        if change is None:
            print(texts.NOTHING_TO_CHANGE.format(fact_id=args.fact_id))
        else:
            _print_change(change)
        return 0

    return _with_bot(work)


def cmd_facts_teach(args: argparse.Namespace) -> int:
    def work(bot: FactBot) -> int:
        change = bot.curation.teach(args.fact_id, readable(" ".join(args.question)),
                                    actor=cli_actor())
        _print_change(change)
        return 0

    return _with_bot(work)


def _version_heading(version: VersionView) -> str:
    return (f"version {version.version} · {version.at:%Y-%m-%d %H:%M} UTC · {version.change} "
            f"· {version.actor} ({version.origin})")


def render_history(versions: Sequence[VersionView]) -> str:
    """Each version with what changed, and the diff from the one before."""
    blocks = []
    previous: VersionView | None = None
    for version in versions:
        lines = [_version_heading(version)]
        if version.summary:
            lines.append(f"  {version.summary}")
        lines += [f"  {line}" for line in fact_diff(
            previous.fact if previous else None, version.fact,
            before_label=f"version {previous.version}" if previous else "nothing",
            after_label=f"version {version.version}")]
        blocks.append("\n".join(lines))
        previous = version
    return "\n\n".join(blocks)


def cmd_facts_history(args: argparse.Namespace) -> int:
    def work(bot: FactBot) -> int:
        versions = bot.curation.history(args.fact_id)
        if args.json:
            print(json.dumps([v.to_json() for v in versions], ensure_ascii=False, indent=2))
        else:
            print(render_history(versions))
        return 0

    return _with_bot(work)


def render_conflict(conflict: ConflictView) -> str:
    kept = conflict.kept
    lines = [texts.CONFLICT.format(fact_id=conflict.fact_id, change=conflict.seeds_change,
                                   at=f"{conflict.detected_at:%Y-%m-%d %H:%M} UTC",
                                   version=kept.version, actor=kept.actor,
                                   kept_at=f"{kept.at:%Y-%m-%d}")]
    if conflict.seeds_fact is not None:
        lines += [f"  {line}" for line in fact_diff(
            kept.fact, conflict.seeds_fact, before_label=f"the editor's version {kept.version}",
            after_label="seeds/facts.yaml")]
    lines.append(f"  {texts.CONFLICT_RESOLVE.format(fact_id=conflict.fact_id)}")
    return "\n".join(lines)


def cmd_facts_conflicts(args: argparse.Namespace) -> int:
    def work(bot: FactBot) -> int:
        conflicts = bot.curation.conflicts()
        if args.json:
            print(json.dumps([c.to_json() for c in conflicts], ensure_ascii=False, indent=2))
        elif not conflicts:
            print(texts.NO_CONFLICTS)
        else:
            print("\n\n".join(render_conflict(c) for c in conflicts))
        return 0

    return _with_bot(work)


def cmd_facts_resolve(args: argparse.Namespace) -> int:
    def work(bot: FactBot) -> int:
        change = bot.curation.resolve(args.fact_id, keep=args.keep, actor=cli_actor())
        print(texts.RESOLVED[args.keep].format(fact_id=args.fact_id))
        if change is not None:
            _print_change(change)
        return 0

    return _with_bot(work)


# The line that starts the problems appended to a file being edited: everything from it
# down is dropped before the next check, so lines above keep the numbers the problems give.
_PROBLEMS_MARK = "# --- factbot: problems"


def _run_editor(text: str, *, suffix: str) -> str:
    """Open $VISUAL or $EDITOR (else vi) on `text`; what the person saved."""
    command = shlex.split(os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi")
    with tempfile.TemporaryDirectory(prefix="factbot-edit-") as folder:
        path = Path(folder) / suffix
        path.write_text(text, encoding="utf-8")
        try:
            finished = subprocess.run([*command, str(path)], check=False)
        except OSError as error:
            raise UserError(texts.EDITOR_FAILED.format(editor=command[0],
                                                       reason=error.strerror or error)
                            ) from None
        if finished.returncode != 0:
            raise UserError(texts.EDITOR_FAILED.format(
                editor=command[0], reason=f"it exited with status {finished.returncode}"))
        return readable(path.read_text(encoding="utf-8", errors="surrogateescape"))


def _without_problems(text: str) -> str:
    kept = text.split(f"\n{_PROBLEMS_MARK}", 1)[0]
    return kept if kept.endswith("\n") else kept + "\n"


def _says_yes(prompt: str) -> bool:
    try:
        reply = input(prompt)
    except EOFError:
        return False
    return reply.strip().casefold() in {"", "y", "yes"}


def cmd_facts_edit(args: argparse.Namespace) -> int:
    """Edit one fact in $EDITOR; checked before it is saved, re-opened on problems."""
    def work(bot: FactBot) -> int:
        fact_id = args.fact_id
        text = facts_yaml([bot.curation.fact(fact_id)],
                          comment=texts.EDIT_HEADER.format(fact_id=fact_id))
        name = f"{fact_id}.yaml"
        while True:
            edited = _without_problems(_run_editor(text, suffix=name))
            if not any(line.strip() and not line.lstrip().startswith("#")
                       for line in edited.splitlines()):
                print(texts.EDIT_CANCELLED)
                return 0
            try:
                change = bot.curation.correct_file(fact_id, edited.encode(), place=name,
                                                   actor=cli_actor())
            except UserError as error:
                print(f"factbot: {error}", file=sys.stderr)
                if not _says_yes(texts.EDIT_AGAIN):
                    print(texts.EDIT_CANCELLED)
                    return 1
                problems = getattr(error, "problems", None) or str(error).splitlines()
                text = (edited + f"{_PROBLEMS_MARK} ({texts.EDIT_PROBLEMS_HINT}):\n"
                        + "".join(f"#   {problem}\n" for problem in problems))
                continue
            if change is None:
                print(texts.NOTHING_TO_CHANGE.format(fact_id=fact_id))
            else:
                print(texts.CHANGED.format(fact_id=fact_id, version=change.new_version,
                                           summary=change.summary))
            return 0

    return _with_bot(work)


def cmd_sources_add(args: argparse.Namespace) -> int:
    data = _read_file(args.file)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UserError(texts.SOURCE_NOT_UTF8.format(
            file=args.file, byte=data[error.start], line=data.count(b"\n", 0, error.start) + 1)
        ) from None

    def work(bot: FactBot) -> int:
        print(bot.curation.add_source(
            text, title=readable(args.title), speaker=readable(args.speaker), kind=args.kind,
            source_id=args.id, published=args.date, url=args.url,
            speaker_role=readable(args.speaker_role or ""),
            publisher=readable(args.publisher) if args.publisher else None,
            cited_as=readable(args.cited_as) if args.cited_as else None,
            actor=cli_actor(f"file:{Path(args.file).name}")))
        return 0

    return _with_bot(work)


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

    sources = commands.add_parser("sources", help="list the source documents, or add one")
    sources.set_defaults(handler=cmd_sources)
    sources_commands = sources.add_subparsers(dest="sources_command", metavar="COMMAND")
    source_add = sources_commands.add_parser(
        "add", help="store a document (its text, metadata and hash) that claims may cite")
    source_add.add_argument("file", metavar="FILE", help="the document's text, UTF-8")
    source_add.add_argument("--title", required=True)
    source_add.add_argument("--speaker", required=True, help="whose words the document holds")
    source_add.add_argument("--kind", required=True, choices=("statement", "commentary",
                                                              "interview"))
    source_add.add_argument("--id", help="the document's id (default: the next free number)")
    source_add.add_argument("--date", type=date.fromisoformat,
                            help="the date the document gives for itself, YYYY-MM-DD")
    source_add.add_argument("--url", help="where the document was published")
    source_add.add_argument("--speaker-role", help="e.g. \"Ambassador of Kazakhstan to ...\"")
    source_add.add_argument("--publisher", help="who published it (default: not stated)")
    source_add.add_argument("--cited-as", help="how answers name the speaker "
                            "(default: the speaker)")
    source_add.set_defaults(handler=cmd_sources_add)

    facts = commands.add_parser("facts", help="work with the fact table")
    facts_commands = facts.add_subparsers(dest="facts_command", required=True)
    facts_commands.add_parser("validate", help="check every fact and quote").set_defaults(
        handler=cmd_facts_validate)
    coverage = facts_commands.add_parser(
        "coverage", help="askable sentences of the documents that no claim cites")
    coverage.add_argument("--json", action="store_true", help="the report as one JSON object")
    coverage.set_defaults(handler=cmd_facts_coverage)

    add = facts_commands.add_parser(
        "add", help="add new facts from a file in the table's own format (all or nothing)")
    add.add_argument("file", metavar="FILE", help="YAML with `facts: [...]`, or CSV")
    add.set_defaults(handler=cmd_facts_add)
    edit = facts_commands.add_parser("edit", help="correct a fact in $EDITOR")
    edit.add_argument("fact_id", metavar="FACT_ID")
    edit.set_defaults(handler=cmd_facts_edit)
    retract = facts_commands.add_parser(
        "retract", help="take a fact out of every answer (it stays in the history)")
    retract.add_argument("fact_id", metavar="FACT_ID")
    retract.add_argument("--reason", required=True, help="why, for the history")
    retract.set_defaults(handler=cmd_facts_retract)
    history = facts_commands.add_parser("history", help="a fact's versions, with diffs")
    history.add_argument("fact_id", metavar="FACT_ID")
    history.add_argument("--json", action="store_true",
                         help="a list of {version, actor, at, change, fact}")
    history.set_defaults(handler=cmd_facts_history)
    revert = facts_commands.add_parser(
        "revert", help="make an old version current again (as a new version)")
    revert.add_argument("fact_id", metavar="FACT_ID")
    revert.add_argument("version", metavar="VERSION", type=int)
    revert.set_defaults(handler=cmd_facts_revert)
    teach = facts_commands.add_parser("teach", help="add a question form to a fact")
    teach.add_argument("fact_id", metavar="FACT_ID")
    teach.add_argument("question", nargs="+", help="the question as people ask it")
    teach.set_defaults(handler=cmd_facts_teach)
    export = facts_commands.add_parser("export", help="write the live table to a file")
    export.add_argument("--format", choices=FORMATS, default="yaml",
                        help="yaml and csv import back unchanged; jsonld is schema.org Claims")
    export.add_argument("--output", "-o", metavar="FILE", help="default: standard output")
    export.set_defaults(handler=cmd_facts_export)
    load = facts_commands.add_parser(
        "import", help="import facts from YAML or CSV: all checked first, all or nothing")
    load.add_argument("file", metavar="FILE")
    load.set_defaults(handler=cmd_facts_import)
    conflicts = facts_commands.add_parser(
        "conflicts", help="facts seeds/ changed after an editor did (the editor's kept)")
    conflicts.add_argument("--json", action="store_true", help="the list as JSON")
    conflicts.set_defaults(handler=cmd_facts_conflicts)
    resolve = facts_commands.add_parser("resolve", help="close a conflict with seeds/")
    resolve.add_argument("fact_id", metavar="FACT_ID")
    resolve.add_argument("--keep", required=True, choices=("editor", "seeds"),
                         help="editor: keep the current version; seeds: take seeds/' version")
    resolve.set_defaults(handler=cmd_facts_resolve)

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
