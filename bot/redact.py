"""Keeping secrets (bot tokens) out of every log line, however it is produced.

Redaction happens where log records are made, not in a handler: a filter on one
handler misses records that reach other handlers (pytest's, a library's own), but
every record passes through the record factory. The Bot API puts the token in the
request URL, which httpx logs at INFO level; that line is redacted here too.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import Any

REDACTED = "[REDACTED]"

_lock = threading.Lock()
_secrets: set[str] = set()
_installed = False


def redact(text: str) -> str:
    for secret in sorted(_secrets, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def _redacting_factory(base: Any) -> Any:
    def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = base(*args, **kwargs)
        if not _secrets:
            return record
        try:
            message = record.getMessage()
        except Exception:  # a malformed log call: leave it to logging to report
            return record
        record.msg, record.args = redact(message), None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return record

    return make_record


def protect_secrets(secrets: Iterable[str | None]) -> None:
    """Redact these values from every log record made from now on, in every logger.

    Every non-empty value is redacted, whatever its length: a short secret left out
    would be logged in clear. Settings refuse secrets under `bot.settings.MIN_SECRET_LENGTH`,
    so
    redacting them never blanks out ordinary words.
    """
    global _installed
    with _lock:
        _secrets.update(s for s in secrets if s)
        if not _installed:
            logging.setLogRecordFactory(_redacting_factory(logging.getLogRecordFactory()))
            _installed = True
