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
