"""Configured secrets never reach a log line, at any level, whatever their length."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from adapters.runner import configured_secrets
from bot import redact
from bot.redact import REDACTED, protect_secrets
from bot.settings import load_settings

TELEGRAM_TOKEN = "123456789:AAH-redact-test-key-abcdefghijklmn"
WEBHOOK_SECRET = "wh-redact-test-0123456789"  # the shortest kind settings accept is 16

log = logging.getLogger("tests.redact")


@pytest.fixture(autouse=True)
def _forget_test_secrets() -> Iterator[None]:
    """Redaction is process-wide; the secrets registered here do not outlive the test."""
    before = set(redact._secrets)
    yield
    redact._secrets.intersection_update(before)


def _logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(record.getMessage() for record in caplog.records)


def test_the_webhook_secret_is_redacted_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    """python-telegram-bot logs setWebhook's parameters at DEBUG; the secret is not in them."""
    settings = load_settings(telegram_bot_token=TELEGRAM_TOKEN,
                             telegram_webhook_url="https://bot.example.org/telegram",
                             telegram_webhook_secret=WEBHOOK_SECRET)
    protect_secrets(configured_secrets(settings))
    with caplog.at_level(logging.DEBUG, logger="tests.redact"):
        log.debug("Calling Bot API endpoint `setWebhook` with parameters `%s`",
                  {"url": "https://bot.example.org/telegram", "secret_token": WEBHOOK_SECRET})
    assert WEBHOOK_SECRET not in _logged(caplog) and REDACTED in _logged(caplog)


def test_the_telegram_key_is_redacted_without_its_bot_id(
    caplog: pytest.LogCaptureFixture
) -> None:
    """The part after the colon is the secret; logged on its own it is still hidden."""
    protect_secrets(configured_secrets(load_settings(telegram_bot_token=TELEGRAM_TOKEN)))
    key = TELEGRAM_TOKEN.partition(":")[2]
    with caplog.at_level(logging.DEBUG, logger="tests.redact"):
        log.debug("authorising with key %s", key)
    assert key not in _logged(caplog)


def test_a_secret_is_redacted_whatever_its_length(caplog: pytest.LogCaptureFixture) -> None:
    """A short value handed to the redactor is redacted too, never skipped for its length."""
    protect_secrets(["Zq7#x!"])
    with caplog.at_level(logging.DEBUG, logger="tests.redact"):
        log.debug("webhook request with secret_token=%s", "Zq7#x!")
    assert "Zq7#x!" not in _logged(caplog) and REDACTED in _logged(caplog)


def test_no_secret_configured_means_nothing_is_redacted() -> None:
    """Without tokens nothing is handed to the redactor."""
    assert configured_secrets(load_settings()) == []
