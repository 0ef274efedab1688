"""Operator metrics recorded by the core, read back through Prometheus' own text parser."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.answering import Chat
from bot.core import FactBot
from bot.metrics import OperatorMetrics

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scraped(metrics: OperatorMetrics) -> Samples:
    """Every sample of the text exposition, keyed by name and labels."""
    body, content_type = metrics.exposition()
    assert content_type.startswith("text/plain")
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(body.decode())
            for sample in family.samples}


def questions(samples: Samples, platform: str, outcome: str) -> float:
    key = ("factbot_questions_total",
           frozenset({("platform", platform), ("outcome", outcome)}))
    return samples.get(key, 0.0)


def asked_timings(samples: Samples, platform: str) -> float:
    return samples.get(("factbot_answer_latency_seconds_count",
                        frozenset({("platform", platform)})), 0.0)


def test_questions_are_counted_by_outcome_and_platform(fresh_core: FactBot) -> None:
    """Answered, suggested, unknown and empty questions each count under their platform."""
    telegram, discord = Chat("telegram", "-100123", private=False), Chat("discord", "800200")
    fresh_core.ask("when does the curfew start?", chat=telegram)
    fresh_core.ask("how many CSTO peacekeepers were deployed?", chat=telegram)
    fresh_core.ask("csto troops in shymkent", chat=discord)
    fresh_core.ask("xylophone quartet rehearsal", chat=discord)
    fresh_core.ask("   ", chat=discord)

    samples = scraped(fresh_core.metrics)
    assert questions(samples, "telegram", "answer") == 2
    assert questions(samples, "discord", "suggest") == 1
    assert questions(samples, "discord", "none") == 1
    assert questions(samples, "discord", "empty") == 1
    assert questions(samples, "discord", "answer") == 0
    assert asked_timings(samples, "telegram") == 2
    assert asked_timings(samples, "discord") == 3


def test_answer_latency_is_observed_in_seconds(fresh_core: FactBot) -> None:
    """The latency histogram's sum is the real time spent answering, well under a second."""
    fresh_core.ask("when does the curfew start?", chat=Chat("console"))
    samples = scraped(fresh_core.metrics)
    total = samples[("factbot_answer_latency_seconds_sum", frozenset({("platform", "console")}))]
    assert 0 < total < 1


def test_no_question_text_or_chat_id_reaches_the_metrics(fresh_core: FactBot) -> None:
    """Labels are platform and outcome only: the question and the chat stay out."""
    fresh_core.ask("is our source at the embassy safe", chat=Chat("telegram", "4242"))
    body, _ = fresh_core.metrics.exposition()
    assert b"embassy" not in body and b"4242" not in body


def test_two_cores_count_separately(fresh_core: FactBot, shared_core: FactBot) -> None:
    """Each core has its own registry: questions to one do not show in the other."""
    before = questions(scraped(shared_core.metrics), "console", "answer")
    fresh_core.ask("when does the curfew start?", chat=Chat("console"))
    assert questions(scraped(fresh_core.metrics), "console", "answer") == 1
    assert questions(scraped(shared_core.metrics), "console", "answer") == before


def test_digests_are_counted_by_outcome_and_platform() -> None:
    """`record_digest` counts sent, failed and skipped digests per platform."""
    metrics = OperatorMetrics()
    metrics.record_digest("sent", "telegram")
    metrics.record_digest("sent", "telegram")
    metrics.record_digest("skipped", "discord")
    samples = scraped(metrics)
    sent = ("factbot_digests_total", frozenset({("platform", "telegram"), ("outcome", "sent")}))
    skipped = ("factbot_digests_total",
               frozenset({("platform", "discord"), ("outcome", "skipped")}))
    assert samples[sent] == 2 and samples[skipped] == 1


def test_an_unknown_digest_outcome_is_refused() -> None:
    """A misspelt outcome fails loudly instead of starting a new series."""
    with pytest.raises(ValueError, match="digest outcome"):
        OperatorMetrics().record_digest("snet", "telegram")  # type: ignore[arg-type]


def test_the_digest_tick_is_kept_in_utc() -> None:
    """The last tick is stored as aware UTC and exported as a Unix timestamp."""
    metrics = OperatorMetrics()
    assert metrics.last_digest_tick is None
    almaty = timezone(timedelta(hours=5))
    metrics.record_digest_tick(datetime(2026, 3, 1, 14, 0, tzinfo=almaty))
    assert metrics.last_digest_tick == datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    assert metrics.last_digest_tick.tzinfo is UTC
    samples = scraped(metrics)
    assert samples[("factbot_digest_last_tick_timestamp_seconds", frozenset())] == (
        datetime(2026, 3, 1, 9, 0, tzinfo=UTC).timestamp())


def test_a_naive_digest_tick_is_refused() -> None:
    """A tick without a time zone is a bug in the caller, not a time to guess."""
    with pytest.raises(ValueError, match="aware"):
        OperatorMetrics().record_digest_tick(datetime(2026, 3, 1, 9, 0))  # noqa: DTZ001


def test_an_expected_platform_shows_at_zero() -> None:
    """After `expect_platform`, every series of that platform is exported, at zero."""
    metrics = OperatorMetrics()
    metrics.expect_platform("discord")
    samples = scraped(metrics)
    assert questions(samples, "discord", "answer") == 0
    assert ("factbot_questions_total",
            frozenset({("platform", "discord"), ("outcome", "error")})) in samples
    assert samples[("factbot_platform_errors_total", frozenset({("platform", "discord")}))] == 0
    assert samples[("factbot_platform_rate_limited_total",
                    frozenset({("platform", "discord")}))] == 0
    assert ("factbot_digests_total",
            frozenset({("platform", "discord"), ("outcome", "failed")})) in samples


def test_prometheus_gets_openmetrics_when_it_asks() -> None:
    """A scraper asking for OpenMetrics gets it; others get the classic text format."""
    metrics = OperatorMetrics()
    body, content_type = metrics.exposition(
        "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5")
    assert content_type.startswith("application/openmetrics-text")
    assert body.rstrip().endswith(b"# EOF")
