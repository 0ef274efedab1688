"""Passage answers on the project's question sets: how many right, wrong and declined.

    python bench/bench_passages.py [-v]

For each set (JSON lines: `q`, and `none: true` or `any` + `docs`), the passage index
alone (no fact table) answers each question. An answerable question counts as right when
the passage comes from one of the `docs` and an `any` string stands in the attributed
passage (speaker, sentence and context); any other passage is wrong. An unanswerable
question counts as declined when no passage is returned. Prints the time per question.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.documents import load_documents
from bot.facttable import load_fact_table
from bot.passages import PassageHit, PassageIndex
from bot.settings import DEFAULT_SEEDS_DIR

ROOT = Path(__file__).resolve().parent.parent
SETS = [ROOT / "bench/eval/adjacent.jsonl", ROOT / "bench/eval/conversational.jsonl",
        ROOT / "bench/eval/paraphrases.jsonl", ROOT / "../shared/eval/dev.jsonl"]


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _answers(row: dict, hit: PassageHit) -> bool:
    said = " ".join([hit.speaker, hit.text, *hit.context]).casefold()
    return (hit.source_id in row.get("docs", [hit.source_id])
            and any(expected.casefold() in said for expected in row["any"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="show each answer")
    parser.add_argument("files", nargs="*", type=Path, default=SETS)
    options = parser.parse_args()

    table = load_fact_table(DEFAULT_SEEDS_DIR)
    documents = load_documents(table)
    started, memory = time.perf_counter(), rss_mib()
    index = PassageIndex.build(table, documents)
    print(f"index built in {1000 * (time.perf_counter() - started):.0f} ms "
          f"(+{rss_mib() - memory:.0f} MiB, word frequencies included)")
    index.best("warm up")

    timings: list[float] = []
    for path in options.files:
        if not path.exists():
            print(f"{path}: not found")
            continue
        rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        right = wrong = declined = answered_none = 0
        answerable = sum(1 for row in rows if not row.get("none"))
        for row in rows:
            started = time.perf_counter()
            hit = index.best(row["q"])
            timings.append(1000 * (time.perf_counter() - started))
            if row.get("none"):
                verdict = "declined" if hit is None else "WRONG (none)"
                declined += hit is None
                answered_none += hit is not None
            elif hit is None:
                verdict = "-"
            elif _answers(row, hit):
                verdict = "right"
                right += 1
            else:
                verdict = "WRONG"
                wrong += 1
            if options.verbose and (hit is not None or not row.get("none")):
                where = f"{hit.source_id} {hit.speaker}: {hit.text[:110]}" if hit else ""
                print(f"  {verdict:12} {row['id']:5} {row['q'][:60]:60} | {where}")
        unanswerable = len(rows) - answerable
        print(f"{path.name}: answerable {answerable}: right {right}, wrong {wrong}; "
              f"unanswerable {unanswerable}: declined {declined}, answered {answered_none}")
    ordered = sorted(timings)
    p99 = ordered[max(0, int(len(ordered) * 0.99) - 1)]
    print(f"time per question: mean {statistics.mean(ordered):.2f} ms, "
          f"p50 {statistics.median(ordered):.2f} ms, p99 {p99:.2f} ms")


if __name__ == "__main__":
    main()
