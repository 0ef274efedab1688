"""Keeping secrets (bot tokens) out of every log line, however it is produced."""

from __future__ import annotations

import logging
from collections.abc import Iterable

REDACTED = "[REDACTED]"


class SecretRedactingFilter(logging.Filter):
    """Replaces each secret in a record's message, arguments and exception text.

    The message is rendered once here and the arguments dropped, so a secret
    hidden in an argument (an httpx URL with the Bot API token in it) never
    reaches a handler.
    """

    def __init__(self, secrets: Iterable[str]):
        super().__init__()
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        record.msg = self.redact(record.getMessage())
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            formatted = logging.Formatter().formatException(record.exc_info)
            record.exc_text = self.redact(formatted)
            record.exc_info = None
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def install_secret_filter(secrets: Iterable[str]) -> SecretRedactingFilter:
    """Attach one filter to every handler of the root logger (present and future output).

    Filters on handlers see records from every logger that propagates to them, which
    logger-level filters would not.
    """
    redactor = SecretRedactingFilter(secrets)
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig()
    for handler in root.handlers:
        handler.addFilter(redactor)
    return redactor
