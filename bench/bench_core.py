"""Matcher benchmark: index build time, ask latency p50/p99 and memory.

Runs on the shipped table and on a synthetic table of 100,000 facts:

    python bench/bench_core.py [--facts 100000] [--questions 2000]

The synthetic table is made of pseudo-words drawn from a Zipf-like distribution, so
a few terms are very common (as "csto" or "troops" are in the real table) and most are
rare; questions are taken from fact question forms with typos, dropped and foreign
words, plus questions about nothing in the table.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import random
import resource
import statistics
import string
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.answers import SourceInfo
from bot.facttable import load_fact_table
from bot.matching import FactIndex
from bot.normalize import Normalizer
from bot.settings import DEFAULT_SEEDS_DIR
from bot.store import ClaimRecord, FactRecord

SOURCE = SourceInfo(id="999", file="999_synthetic.txt", title="Synthetic", speaker="Bench",
                    speaker_role="", publisher="", date=date(2022, 1, 1), kind="statement",
                    cited_as="the benchmark")


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def shipped_facts() -> tuple[list[FactRecord], dict[str, list[str]]]:
    table = load_fact_table(DEFAULT_SEEDS_DIR)
    sources = {s.id: SourceInfo(id=s.id, file=s.file, title=s.title, speaker=s.speaker,
                                speaker_role=s.speaker_role, publisher=s.publisher,
                                date=s.date, kind=s.kind, cited_as=s.cited_as)
               for s in table.sources}
    facts = [
        FactRecord(id=f.id, headline=f.headline, short=f.short, questions=tuple(f.questions),
                   tags=tuple(f.tags), event_date=f.event_date, sources_differ=f.sources_differ,
                   claims=tuple(ClaimRecord(source=sources[c.source], says=c.says, quote=c.quote)
                                for c in f.claims), position=i)
        for i, f in enumerate(table.facts)
    ]
    return facts, table.aliases


def synthetic_facts(count: int, rng: random.Random) -> list[FactRecord]:
    vocabulary = ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(4, 10)))
                  for _ in range(max(5000, count // 2))]
    cumulative = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(vocabulary))))

    def phrase(length: int) -> str:
        return " ".join(rng.choices(vocabulary, cum_weights=cumulative, k=length))

    facts = []
    for number in range(count):
        topic = phrase(3)
        questions = tuple(f"{topic} {phrase(rng.randint(1, 4))}" for _ in range(5))
        says = f"{topic} {phrase(8)} {rng.randint(1, 10_000)}"
        facts.append(FactRecord(
            id=f"synthetic-{number}", headline=topic, short="", questions=questions, tags=(),
            event_date=None, sources_differ=False, position=number,
            claims=(ClaimRecord(source=SOURCE, says=says, quote=says),)))
    return facts


def perturb(question: str, rng: random.Random) -> str:
    words = question.split()
    if len(words) > 2 and rng.random() < 0.3:
        words.pop(rng.randrange(len(words)))
    if rng.random() < 0.3:
        i = rng.randrange(len(words))
        word = words[i]
        if len(word) > 4:
            cut = rng.randrange(1, len(word) - 1)
            words[i] = word[:cut] + word[cut + 1:]
    if rng.random() < 0.2:
        words.append(rng.choice(["today", "latest", "exactly", "please", "figures"]))
    return " ".join(words)


def questions_for(facts: list[FactRecord], count: int, rng: random.Random) -> list[str]:
    unrelated = ["who painted the mona lisa", "weather tomorrow", "recipe for plov",
                 "football results", "what is python", "qwertyuiop"]
    picked = []
    for _ in range(count):
        if rng.random() < 0.2:
            picked.append(rng.choice(unrelated))
        else:
            picked.append(perturb(rng.choice(rng.choice(facts).questions), rng))
    return picked


def measure(label: str, facts: list[FactRecord], aliases: dict[str, list[str]],
            questions: int, rng: random.Random) -> None:
    gc.collect()
    before = rss_mib()
    started = time.perf_counter()
    index = FactIndex(facts, Normalizer(aliases))
    build_seconds = time.perf_counter() - started
    after = rss_mib()
    asked = questions_for(facts, questions, rng)
    for question in asked[:50]:  # warm caches, as a running bot would have them
        index.search(question)
    latencies = []
    for question in asked:
        started = time.perf_counter()
        index.search(question)
        latencies.append((time.perf_counter() - started) * 1000)
    latencies.sort()
    p50 = statistics.median(latencies)
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    print(f"{label}: {len(facts):,} facts; index build {build_seconds * 1000:,.0f} ms; "
          f"ask p50 {p50:.2f} ms, p99 {p99:.2f} ms over {len(asked):,} questions; "
          f"peak RSS {after:,.0f} MiB (+{after - before:,.0f} MiB for the index and table)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facts", type=int, default=100_000)
    parser.add_argument("--questions", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    facts, aliases = shipped_facts()
    measure("shipped table", facts, aliases, args.questions, rng)
    synthetic = synthetic_facts(args.facts, rng)
    measure("synthetic table", synthetic, aliases, args.questions, rng)


if __name__ == "__main__":
    main()
