"""Shared by the benchmarks: a throwaway core and latency statistics."""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.core import FactBot
from bot.settings import load_settings


def throwaway_core() -> FactBot:
    directory = tempfile.mkdtemp(prefix="factbot-bench-")
    return FactBot.open(load_settings(database_url=f"sqlite:///{directory}/bench.db"))


def describe_latencies(latencies_ms: list[float]) -> str:
    ordered = sorted(latencies_ms)
    p99 = ordered[max(0, int(len(ordered) * 0.99) - 1)]
    return f"p50 {statistics.median(ordered):.1f} ms, p99 {p99:.1f} ms"
