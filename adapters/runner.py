"""`factbot run`: every configured adapter in one process and one event loop."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from adapters.base import Frontend, FrontendStartError
from bot.core import FactBot
from bot.digest.scheduler import DigestScheduler
from bot.redact import protect_secrets
from bot.settings import MIN_SECRET_LENGTH, Settings

log = logging.getLogger(__name__)

EXIT_NO_TOKENS = 2
EXIT_START_FAILED = 1
_STOP_TIMEOUT_SECONDS = 10
_INDEX_REFRESH_SECONDS = 60


def configured_secrets(settings: Settings) -> list[str]:
    """Every configured secret, for `protect_secrets`.

    A Telegram token is "<bot id>:<key>"; the bot id is public, the key is not, and a
    library may log the key on its own, so the key is listed as well as the whole token.
    """
    values = [s.get_secret_value() for s in (settings.telegram_bot_token,
              settings.discord_bot_token, settings.telegram_webhook_secret) if s is not None]
    if settings.telegram_bot_token is not None:
        _, _, key = settings.telegram_bot_token.get_secret_value().partition(":")
        if len(key) >= MIN_SECRET_LENGTH:  # a real key is 35 characters
            values.append(key)
    return values


def build_frontends(core: FactBot, settings: Settings) -> list[Frontend]:
    frontends: list[Frontend] = []
    if settings.telegram_bot_token:
        from adapters.telegram.app import TelegramAdapter

        frontends.append(TelegramAdapter(core, settings))
    if settings.discord_bot_token:
        from adapters.discord.app import DiscordAdapter

        frontends.append(DiscordAdapter(core, settings))
    return frontends


async def _refresh_index_forever(core: FactBot) -> None:
    while True:
        await asyncio.sleep(_INDEX_REFRESH_SECONDS)
        try:
            if await asyncio.to_thread(core.refresh_if_changed):
                log.info("fact table changed: index rebuilt")
        except Exception:
            log.exception("could not check the fact table for changes")


async def serve(settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    core = await asyncio.to_thread(FactBot.open, settings)
    started: list[Frontend] = []
    scheduler: DigestScheduler | None = None
    background: list[asyncio.Task[None]] = []
    try:
        for frontend in build_frontends(core, settings):
            await frontend.start()
            started.append(frontend)
            log.info("%s adapter running", frontend.name)
        background.append(asyncio.create_task(_refresh_index_forever(core)))
        scheduler = DigestScheduler(core, {frontend.name: frontend for frontend in started})
        scheduler.start()
        await stop.wait()
        log.info("stopping")
    finally:
        if scheduler is not None:
            await scheduler.shutdown()
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)
        for frontend in reversed(started):
            try:
                await asyncio.wait_for(frontend.stop(), _STOP_TIMEOUT_SECONDS)
            except Exception:
                log.exception("%s adapter did not stop cleanly", frontend.name)
        core.close()


def run_bot(settings: Settings) -> int:
    if not settings.telegram_bot_token and not settings.discord_bot_token:
        print(
            "factbot run: no bot token configured. Set TELEGRAM_BOT_TOKEN for Telegram "
            "and/or DISCORD_BOT_TOKEN for Discord (see .env.example).",
            file=sys.stderr,
        )
        return EXIT_NO_TOKENS
    protect_secrets(configured_secrets(settings))
    try:
        asyncio.run(serve(settings))
    except FrontendStartError as error:
        print(f"factbot run: {error}", file=sys.stderr)
        return EXIT_START_FAILED
    return 0
