"""`factbot run`: every configured adapter in one process and one event loop.

The runner is also the process's supervisor-facing edge: on SIGTERM it stops fetching,
lets each adapter finish the work it already accepted (bounded by SHUTDOWN_DRAIN_SECONDS),
and exits non-zero if it had to drop any; when a platform ends its connection for good
(a revoked token, a fatal gateway close) it exits non-zero so a supervisor restarts it.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from adapters.health import HealthServer
from bot.core import FactBot
from bot.corrections import CorrectionWorker
from bot.digest.scheduler import DigestScheduler, default_instance_id
from bot.frontends import Frontend, FrontendStartError
from bot.redact import protect_secrets
from bot.settings import MIN_SECRET_LENGTH, Settings

log = logging.getLogger(__name__)

EXIT_START_FAILED = 1
EXIT_NO_TOKENS = 2
EXIT_PLATFORM_FAILED = 3
EXIT_DRAIN_INCOMPLETE = 4
_INDEX_REFRESH_SECONDS = 60
_WATCH_SECONDS = 1.0


def configured_secrets(settings: Settings) -> list[str]:
    """Every configured secret, for `protect_secrets`.

    A Telegram token is "<bot id>:<key>"; the bot id is public, the key is not, and a
    library may log the key on its own, so the key is listed as well as the whole token.
    """
    values = [s.get_secret_value() for s in (
        settings.telegram_bot_token, settings.discord_bot_token,
        settings.telegram_webhook_secret, settings.question_log_key) if s is not None]
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
            if await asyncio.to_thread(core.answering.refresh_if_changed):
                log.info("fact table changed: index rebuilt")
        except Exception:
            log.exception("could not check the fact table for changes")


async def _watch(frontends: list[Frontend], stop: asyncio.Event) -> None:
    """Stop the process when a platform gave up for good: serving on would be useless."""
    while not stop.is_set():
        failed = [f for f in frontends if f.failure]
        if failed:
            for frontend in failed:
                log.critical("%s adapter failed: %s; stopping", frontend.name, frontend.failure)
            stop.set()
            return
        await asyncio.sleep(_WATCH_SECONDS)


async def serve(settings: Settings) -> int:
    """Run until SIGTERM/SIGINT or a platform failure; return the process's exit code."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    core = await asyncio.to_thread(FactBot.open, settings)
    started: list[Frontend] = []
    scheduler: DigestScheduler | None = None
    corrections: CorrectionWorker | None = None
    health: HealthServer | None = None
    background: list[asyncio.Task[None]] = []
    dropped = 0
    try:
        for frontend in build_frontends(core, settings):
            await frontend.start()
            started.append(frontend)
            core.metrics.expect_platform(frontend.name)
            log.info("%s adapter running", frontend.name)
        if settings.health_port is not None:
            health = HealthServer(core, started, listen=settings.health_listen,
                                  port=settings.health_port)
            await health.start()
        background.append(asyncio.create_task(_refresh_index_forever(core)))
        background.append(asyncio.create_task(_watch(started, stop)))
        scheduler = DigestScheduler(core, {frontend.name: frontend for frontend in started})
        scheduler.start()
        # Corrections left unfinished before a restart are picked up by the first pass.
        corrections = CorrectionWorker(
            core.corrections, {frontend.name: frontend for frontend in started},
            instance_id=settings.instance_id or default_instance_id())
        corrections.start()
        await stop.wait()
        log.info("stopping: finishing accepted work (up to %.0f s)",
                 settings.shutdown_drain_seconds)
    finally:
        if health is not None:
            await health.stop()
        if scheduler is not None:
            await scheduler.shutdown()
        if corrections is not None:
            await corrections.shutdown(settings.shutdown_drain_seconds)
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)
        for frontend in reversed(started):
            try:
                dropped += await frontend.stop(settings.shutdown_drain_seconds)
            except Exception:
                log.exception("%s adapter did not stop cleanly", frontend.name)
                dropped += 1
        core.close()
    if any(frontend.failure for frontend in started):
        return EXIT_PLATFORM_FAILED
    if dropped:
        log.error("stopped with %d accepted updates or interactions unanswered", dropped)
        return EXIT_DRAIN_INCOMPLETE
    return 0


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
        return asyncio.run(serve(settings))
    except FrontendStartError as error:
        print(f"factbot run: {error}", file=sys.stderr)
        return EXIT_START_FAILED
