"""The Telegram connection: python-telegram-bot's `Application`, polling or a webhook, and
an orderly stop — everything the adapter needs that is not translating updates.

On stop, fetching stops first; updates already fetched have been acknowledged to
Telegram (it will not send them again), so they are answered before the connection
closes, within a drain timeout, and any dropped are counted for the runner.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlparse

import httpx
from telegram import BotCommand, Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ExtBot
from telegram.request import HTTPXRequest

from bot.frontends import FrontendStartError
from bot.metrics import OperatorMetrics
from bot.settings import Settings

log = logging.getLogger(__name__)

PLATFORM = "telegram"


class WatchedBot(ExtBot[None]):
    """python-telegram-bot's bot, telling its connection when Telegram rejects the token.

    After start-up a revoked token ends the polling loop silently (the library logs and
    stops); the adapter must know, so the runner can exit for a supervisor to see."""

    def __init__(self, *args: Any, on_rejected_token: Callable[[], None], **kwargs: Any):
        super().__init__(*args, **kwargs)
        with self._unfrozen():
            self._on_rejected_token = on_rejected_token

    async def get_updates(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return await super().get_updates(*args, **kwargs)
        except InvalidToken:
            self._on_rejected_token()
            raise


def counting_rate_limits(metrics: OperatorMetrics) -> dict[str, Any]:
    """httpx options that count every HTTP 429 from the Bot API.

    `AIORateLimiter` retries a `RetryAfter` itself, so only the last of several 429s would
    reach an error handler; an httpx response hook sees each of them."""
    async def on_response(response: httpx.Response) -> None:
        if response.status_code == 429:
            metrics.record_rate_limited(PLATFORM)

    return {"event_hooks": {"response": [on_response]}}


class TelegramConnection:
    """One bot's `Application`: started by polling or webhook, stopped after a drain."""

    def __init__(self, settings: Settings, metrics: OperatorMetrics, *,
                 poll_timeout: float) -> None:
        if settings.telegram_bot_token is None:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        self.settings = settings
        self.failure: str | None = None
        self._poll_timeout = poll_timeout
        hooks = counting_rate_limits(metrics)
        bot = WatchedBot(
            settings.telegram_bot_token.get_secret_value(),
            base_url=settings.telegram_api_base_url,
            request=HTTPXRequest(connection_pool_size=64, httpx_kwargs=hooks),
            get_updates_request=HTTPXRequest(httpx_kwargs=hooks),
            rate_limiter=AIORateLimiter(max_retries=3),
            on_rejected_token=self.token_rejected,
        )
        self.application: Application[Any, Any, Any, Any, Any, Any] = (
            ApplicationBuilder().bot(bot).build())

    async def start(self, commands: Sequence[BotCommand]) -> None:
        app = self.application
        try:
            await app.initialize()
        except InvalidToken:  # its message quotes the token: replace it
            raise FrontendStartError("Telegram rejected TELEGRAM_BOT_TOKEN") from None
        except NetworkError as error:
            raise FrontendStartError(
                f"cannot reach the Telegram Bot API at TELEGRAM_API_BASE_URL: "
                f"{type(error).__name__}") from None
        await app.bot.set_my_commands(commands)
        if self.settings.telegram_webhook_url:
            secret = self.settings.telegram_webhook_secret
            await app.updater.start_webhook(  # type: ignore[union-attr]
                listen=self.settings.telegram_webhook_listen,
                port=self.settings.telegram_webhook_port,
                url_path=urlparse(self.settings.telegram_webhook_url).path.lstrip("/"),
                webhook_url=self.settings.telegram_webhook_url,
                secret_token=secret.get_secret_value() if secret else None,
                allowed_updates=Update.ALL_TYPES,
            )
        else:
            await app.updater.start_polling(  # type: ignore[union-attr]
                poll_interval=0.0, timeout=int(self._poll_timeout),
                allowed_updates=Update.ALL_TYPES,
            )
        await app.start()

    def token_rejected(self) -> None:
        if self.failure is None:
            self.failure = "Telegram rejected TELEGRAM_BOT_TOKEN while running"
            log.critical("%s; no more updates will arrive", self.failure)

    async def stop(self, drain_seconds: float) -> int:
        """Stop fetching, answer every update already fetched, then disconnect.
        Returns how many updates the drain had to drop."""
        app = self.application
        if app.updater and app.updater.running:
            try:
                await app.updater.stop()
            except TelegramError as error:  # e.g. the polling loop ended on a revoked token
                log.warning("telegram polling ended with %s", type(error).__name__)
        dropped = 0
        if app.running:
            backlog = app.update_queue.qsize()
            if backlog:
                log.info("answering %d fetched updates before stopping", backlog)
            try:
                await asyncio.wait_for(app.stop(), drain_seconds)
            except TimeoutError:
                dropped = app.update_queue.qsize() + 1  # the queue and the one in hand
                log.error("shutdown drain timed out after %.0f s: %d fetched Telegram "
                          "updates dropped unanswered", drain_seconds, dropped)
        try:
            await app.shutdown()
        except RuntimeError as error:  # still marked running after a timed-out drain
            log.warning("telegram shutdown incomplete: %s", error)
        return dropped
