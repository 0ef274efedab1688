"""`factbot run` with Telegram as a whole process, and webhook mode over real HTTP."""

from __future__ import annotations

import asyncio
import socket

import aiohttp

from adapters.telegram.app import TelegramAdapter
from bot.core import FactBot
from tests.adapters.telegram.conftest import TOKEN, telegram_settings
from tests.fakes.telegram_api import FakeTelegram, message_update
from tests.processes import start_factbot_run, stop_with_sigterm


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_sigterm_stops_factbot_run_cleanly(fake_telegram: FakeTelegram,
                                                 sqlite_database_url: str) -> None:
    """SIGTERM stops `factbot run` within seconds with exit code 0; the token is never logged."""
    process = await start_factbot_run(
        TELEGRAM_BOT_TOKEN=TOKEN, DATABASE_URL=sqlite_database_url,
        TELEGRAM_API_BASE_URL=fake_telegram.base_url, LOG_LEVEL="DEBUG")
    try:
        await fake_telegram.wait_for("getUpdates", within=30)
        fake_telegram.push_update(message_update("/fact curfew"))
        await fake_telegram.wait_for("sendMessage", within=10)
    finally:
        returncode, log = await stop_with_sigterm(process)
    assert returncode == 0, log[-2000:]
    assert "[REDACTED]" in log and TOKEN not in log and TOKEN.split(":")[1] not in log


async def test_webhook_mode_checks_the_secret(fake_telegram: FakeTelegram,
                                              fresh_core: FactBot,
                                              sqlite_database_url: str) -> None:
    """With TELEGRAM_WEBHOOK_URL set the bot registers its webhook and verifies the secret."""
    port = _free_port()
    settings = telegram_settings(
        fake_telegram, sqlite_database_url,
        telegram_webhook_url="https://bot.example.org/telegram/hook",
        telegram_webhook_secret="s3cret-webhook-token", telegram_webhook_listen="127.0.0.1",
        telegram_webhook_port=port)
    adapter = TelegramAdapter(fresh_core, settings)
    await adapter.start()
    try:
        assert fake_telegram.webhook is not None
        assert fake_telegram.webhook["url"] == "https://bot.example.org/telegram/hook"
        assert fake_telegram.webhook["secret_token"] == "s3cret-webhook-token"
        update = {"update_id": 1, **message_update("/fact curfew")}
        url = f"http://127.0.0.1:{port}/telegram/hook"
        async with aiohttp.ClientSession() as http:
            async with http.post(url, json=update) as response:
                assert response.status == 403
            headers = {"X-Telegram-Bot-Api-Secret-Token": "wrong"}
            async with http.post(url, json=update, headers=headers) as response:
                assert response.status == 403
            assert not fake_telegram.calls_of("sendMessage")
            headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-webhook-token"}
            async with http.post(url, json=update, headers=headers) as response:
                assert response.status == 200
        sent = await fake_telegram.wait_for("sendMessage")
        assert "11 p.m." in sent[0].params["text"]
    finally:
        await adapter.stop()


async def test_a_rejected_token_is_a_clear_start_up_error(fake_telegram: FakeTelegram,
                                                          sqlite_database_url: str) -> None:
    """A token the Bot API rejects stops start-up with a message naming the setting, not
    the token (python-telegram-bot's own message would quote it)."""
    fake_telegram.rejected_tokens.add(TOKEN)
    process = await start_factbot_run(
        TELEGRAM_BOT_TOKEN=TOKEN, DATABASE_URL=sqlite_database_url,
        TELEGRAM_API_BASE_URL=fake_telegram.base_url)
    _, stderr = await asyncio.wait_for(process.communicate(), 30)
    log = stderr.decode()
    assert process.returncode == 1, log[-2000:]
    assert "Telegram rejected TELEGRAM_BOT_TOKEN" in log and "Traceback" not in log
    assert TOKEN not in log and TOKEN.split(":")[1] not in log


async def test_sigterm_answers_every_fetched_update_before_exiting(
        fake_telegram: FakeTelegram, sqlite_database_url: str) -> None:
    """SIGTERM with a backlog: updates already fetched (so acknowledged to Telegram) are all
    answered before the process exits 0."""
    fake_telegram.delays["sendMessage"] = 0.02
    process = await start_factbot_run(
        TELEGRAM_BOT_TOKEN=TOKEN, DATABASE_URL=sqlite_database_url,
        TELEGRAM_API_BASE_URL=fake_telegram.base_url)
    backlog = 150
    try:
        await fake_telegram.wait_for("getUpdates", within=30)
        for _ in range(backlog):
            fake_telegram.push_update(message_update("/fact curfew"))
        await fake_telegram.wait_for("sendMessage", within=10)
    finally:
        returncode, log = await stop_with_sigterm(process, within=60)
    assert returncode == 0, log[-2000:]
    assert len(fake_telegram.calls_of("sendMessage")) == backlog


async def test_a_drain_that_times_out_says_so_and_exits_non_zero(
        fake_telegram: FakeTelegram, sqlite_database_url: str) -> None:
    """When the backlog outlasts SHUTDOWN_DRAIN_SECONDS the process names how many updates
    it dropped and exits non-zero, so the loss is never silent."""
    fake_telegram.delays["sendMessage"] = 0.05
    process = await start_factbot_run(
        TELEGRAM_BOT_TOKEN=TOKEN, DATABASE_URL=sqlite_database_url,
        TELEGRAM_API_BASE_URL=fake_telegram.base_url, SHUTDOWN_DRAIN_SECONDS="0.5")
    try:
        await fake_telegram.wait_for("getUpdates", within=30)
        for _ in range(200):
            fake_telegram.push_update(message_update("/fact curfew"))
        await fake_telegram.wait_for("sendMessage", within=10)
    finally:
        returncode, log = await stop_with_sigterm(process, within=30)
    assert returncode == 4, log[-2000:]
    assert "updates dropped unanswered" in log


async def test_a_token_revoked_while_running_stops_the_process(
        fake_telegram: FakeTelegram, sqlite_database_url: str) -> None:
    """When Telegram starts rejecting the token, `factbot run` exits non-zero by itself
    (for a supervisor to restart) instead of staying up and deaf; the token is not logged."""
    process = await start_factbot_run(
        TELEGRAM_BOT_TOKEN=TOKEN, DATABASE_URL=sqlite_database_url,
        TELEGRAM_API_BASE_URL=fake_telegram.base_url)
    try:
        await fake_telegram.wait_for("getUpdates", within=30)
        fake_telegram.rejected_tokens.add(TOKEN)
        fake_telegram.push_update(message_update("/fact curfew"))  # ends the long poll
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
    finally:
        if process.returncode is None:
            process.kill()
    log = stderr.decode()
    assert process.returncode == 3, log[-2000:]
    assert "rejected TELEGRAM_BOT_TOKEN" in log and TOKEN.split(":")[1] not in log
