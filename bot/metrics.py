"""What operators watch: how questions are answered, how fast, how digests go out, and how
often a platform fails or rate-limits the bot.

Each `FactBot` owns one `OperatorMetrics` with a Prometheus registry of its own, not
prometheus-client's global one: two cores in one process (tests, a console beside a
running bot) then count separately instead of colliding over metric names. The core and
the adapters record here; `adapters.health` serves `exposition()` as `/metrics`.

Labels are few and bounded — platform names and fixed outcome words, never a chat id or
a question — so the series count stays small whatever the traffic.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final, Literal, get_args

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import choose_encoder

from bot.answers import Outcome

QuestionOutcome = Literal["answer", "quote", "passage", "suggest", "none", "empty", "error"]
DigestOutcome = Literal["sent", "failed", "skipped"]

QUESTION_OUTCOMES: Final[tuple[str, ...]] = get_args(QuestionOutcome)
DIGEST_OUTCOMES: Final[tuple[str, ...]] = get_args(DigestOutcome)

# Answering is an in-memory match plus one insert: milliseconds normally, seconds when
# the database is struggling. The buckets resolve both ends.
_LATENCY_BUCKETS: Final = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                           1.0, 2.5, 5.0, 10.0)


_ANSWER_OUTCOMES: Final[dict[Outcome, QuestionOutcome]] = {
    Outcome.ANSWER: "answer", Outcome.QUOTE: "quote", Outcome.PASSAGE: "passage",
    Outcome.SUGGEST: "suggest",
    Outcome.NONE: "none"}


def question_outcome(outcome: Outcome, *, question: str) -> QuestionOutcome:
    """The label for an answer: an empty question is counted apart from one not understood."""
    return _ANSWER_OUTCOMES[outcome] if question else "empty"


class OperatorMetrics:
    """Counters and a latency histogram for one core; safe to record from any thread."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.questions = Counter(
            "factbot_questions", "Questions asked, by platform and outcome "
            "(answer, suggest, none, empty, error).",
            ["platform", "outcome"], registry=self.registry)
        self.answer_latency = Histogram(
            "factbot_answer_latency_seconds",
            "Time to answer a question in the core (matching and logging it), by platform.",
            ["platform"], buckets=_LATENCY_BUCKETS, registry=self.registry)
        self.digests = Counter(
            "factbot_digests", "Digests by platform and outcome (sent, failed, skipped).",
            ["platform", "outcome"], registry=self.registry)
        self.platform_errors = Counter(
            "factbot_platform_errors",
            "Errors that reached an adapter's error boundary, by platform.",
            ["platform"], registry=self.registry)
        self.rate_limited = Counter(
            "factbot_platform_rate_limited",
            "HTTP 429 responses from a platform's API (retried or not), by platform.",
            ["platform"], registry=self.registry)
        self._digest_tick = Gauge(
            "factbot_digest_last_tick_timestamp_seconds",
            "When this process last checked for due digests (Unix time; 0: never).",
            registry=self.registry)
        self._last_digest_tick: datetime | None = None

    def expect_platform(self, platform: str) -> None:
        """Create a platform's series at zero, so dashboards and alerts see it before the
        first question or error rather than an absent series."""
        for outcome in QUESTION_OUTCOMES:
            self.questions.labels(platform=platform, outcome=outcome)
        for outcome in DIGEST_OUTCOMES:
            self.digests.labels(platform=platform, outcome=outcome)
        self.answer_latency.labels(platform=platform)
        self.platform_errors.labels(platform=platform)
        self.rate_limited.labels(platform=platform)

    def record_question(self, platform: str, outcome: QuestionOutcome, seconds: float) -> None:
        if outcome not in QUESTION_OUTCOMES:
            raise ValueError(f"unknown question outcome {outcome!r}")
        self.questions.labels(platform=platform, outcome=outcome).inc()
        self.answer_latency.labels(platform=platform).observe(seconds)

    def record_digest(self, outcome: DigestOutcome, platform: str) -> None:
        """One digest's fate: sent, failed for good, or skipped (beyond the grace window,
        nothing to say); a typo in the outcome fails loudly rather than adding a series."""
        if outcome not in DIGEST_OUTCOMES:
            raise ValueError(f"unknown digest outcome {outcome!r}")
        self.digests.labels(platform=platform, outcome=outcome).inc()

    def record_digest_tick(self, at: datetime | None = None) -> None:
        """The digest scheduler checked for due digests: a stalled scheduler shows as an old
        tick on `/healthz` and in `factbot_digest_last_tick_timestamp_seconds`."""
        at = at or datetime.now(UTC)
        if at.tzinfo is None:
            raise ValueError("record_digest_tick needs an aware datetime")
        self._last_digest_tick = at.astimezone(UTC)
        self._digest_tick.set(at.timestamp())

    @property
    def last_digest_tick(self) -> datetime | None:
        return self._last_digest_tick

    def record_platform_error(self, platform: str) -> None:
        self.platform_errors.labels(platform=platform).inc()

    def record_rate_limited(self, platform: str) -> None:
        self.rate_limited.labels(platform=platform).inc()

    def exposition(self, accept: str = "") -> tuple[bytes, str]:
        """Every metric, and its content type, in the format a scraper's `Accept` header
        asks for: OpenMetrics for Prometheus itself, the classic text format otherwise."""
        encode, content_type = choose_encoder(accept)
        return encode(self.registry), content_type
