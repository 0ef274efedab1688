"""`/healthz` and `/metrics` over real HTTP, against a real adapter and real databases."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from adapters.discord.app import DiscordAdapter
from adapters.health import HealthServer, HealthServerError
from adapters.telegram.app import TelegramAdapter
from bot.answering import Chat
from bot.core import FactBot
from bot.frontends import Frontend
from bot.settings import SettingsError, load_settings
from db.database import Database
from tests.adapters.discord.conftest import FAST, discord_settings
from tests.adapters.discord.conftest import TOKEN as DISCORD_TOKEN
from tests.adapters.telegram.conftest import TOKEN, telegram_settings
from tests.fakes.discord_api import AUTHENTICATION_FAILED, FakeDiscord
from tests.fakes.telegram_api import FakeTelegram, message_update, private_chat
from tests.processes import start_factbot_run, stop_with_sigterm


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def serving(core: FactBot, frontends: Sequence[Frontend] = (), *,
                  database_timeout: float = 2.0) -> AsyncIterator[str]:
    """A health server on a free loopback port; yields its base URL."""
    server = HealthServer(core, frontends, listen="127.0.0.1", port=0,
                          database_timeout=database_timeout)
    await server.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        await server.stop()


async def get(url: str) -> tuple[int, str, str]:
    """Status, content type and body of a GET."""
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, response.headers["Content-Type"], await response.text()


async def healthz(base_url: str) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as http, http.get(f"{base_url}/healthz") as response:
        return response.status, await response.json()


async def healthz_until(base_url: str, wanted: Callable[[int], bool], within: float = 10
                        ) -> tuple[int, dict[str, Any]]:
    """Probe /healthz as a supervisor would, until its status is the one wanted."""
    for _ in range(int(within / 0.05)):
        status, report = await healthz(base_url)
        if wanted(status):
            return status, report
        await asyncio.sleep(0.05)
    raise AssertionError(f"/healthz still answers {status}: {report}")


def samples_of(exposition: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(exposition)
            for sample in family.samples}


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def telegram_adapter(fake_telegram: FakeTelegram, fresh_core: FactBot,
                           sqlite_database_url: str) -> AsyncIterator[TelegramAdapter]:
    adapter = TelegramAdapter(fresh_core, telegram_settings(fake_telegram, sqlite_database_url),
                              poll_timeout=1)
    await adapter.start()
    yield adapter
    await adapter.stop()


# --- /metrics ------------------------------------------------------------------------------

async def test_metrics_count_the_questions_asked_through_the_core(fresh_core: FactBot) -> None:
    """A scrape after three questions shows them by platform and outcome, with latencies."""
    fresh_core.ask("when does the curfew start?", chat=Chat("telegram", "4242"))
    fresh_core.ask("how many CSTO peacekeepers were deployed?", chat=Chat("telegram", "4242"))
    fresh_core.ask("csto troops in shymkent", chat=Chat("discord", "800200"))
    async with serving(fresh_core) as base_url:
        status, content_type, body = await get(f"{base_url}/metrics")
    assert status == 200 and content_type.startswith("text/plain")
    samples = samples_of(body)
    assert samples[("factbot_questions_total",
                    frozenset({("platform", "telegram"), ("outcome", "answer")}))] == 2
    assert samples[("factbot_questions_total",
                    frozenset({("platform", "discord"), ("outcome", "suggest")}))] == 1
    assert samples[("factbot_answer_latency_seconds_count",
                    frozenset({("platform", "telegram")}))] == 2
    assert "4242" not in body and "curfew" not in body


async def test_metrics_count_questions_a_telegram_user_asks(
        fake_telegram: FakeTelegram, telegram_adapter: TelegramAdapter,
        fresh_core: FactBot) -> None:
    """A question through the real Telegram adapter is counted once, as answered."""
    fake_telegram.push_update(message_update("/fact curfew", private_chat()))
    await fake_telegram.wait_for("sendMessage")
    async with serving(fresh_core, [telegram_adapter]) as base_url:
        _, _, body = await get(f"{base_url}/metrics")
    assert samples_of(body)[("factbot_questions_total", frozenset(
        {("platform", "telegram"), ("outcome", "answer")}))] == 1


# --- /healthz ------------------------------------------------------------------------------

async def test_healthz_is_ok_with_the_adapter_connected_and_the_database_reachable(
        telegram_adapter: TelegramAdapter, fresh_core: FactBot) -> None:
    """200 and "ok", every adapter "connected", the database "reachable", the last tick."""
    tick = datetime(2026, 3, 1, 9, 0, 30, tzinfo=UTC)
    async with serving(fresh_core, [telegram_adapter]) as base_url:
        assert await healthz(base_url) == (200, {
            "status": "ok", "adapters": {"telegram": "connected"}, "database": "reachable",
            "last_digest_tick": None})
        fresh_core.metrics.record_digest_tick(tick)
        _, report = await healthz(base_url)
    assert report["last_digest_tick"] == "2026-03-01T09:00:30+00:00"


async def test_healthz_is_degraded_when_an_adapter_failed(
        fake_telegram: FakeTelegram, telegram_adapter: TelegramAdapter,
        fresh_core: FactBot, sqlite_database_url: str) -> None:
    """When Discord closes the gateway for good (4004) /healthz turns to 503 "degraded",
    says why, and names no token; the Telegram adapter beside it stays "connected"."""
    fake_discord = FakeDiscord()
    await fake_discord.start()
    discord_adapter = DiscordAdapter(
        fresh_core, discord_settings(fake_discord, sqlite_database_url), **FAST)
    await discord_adapter.start()
    try:
        async with serving(fresh_core, [telegram_adapter, discord_adapter]) as base_url:
            assert (await healthz(base_url))[0] == 200
            await fake_discord.close_connection(AUTHENTICATION_FAILED)
            status, report = await healthz_until(base_url, lambda status: status == 503)
            _, _, text = await get(f"{base_url}/healthz")
    finally:
        await discord_adapter.stop()
        await fake_discord.stop()
    assert status == 503
    assert report["status"] == "degraded" and report["database"] == "reachable"
    assert report["adapters"]["telegram"] == "connected"
    assert report["adapters"]["discord"].startswith("failed: ")
    assert "4004" in report["adapters"]["discord"], report
    assert DISCORD_TOKEN not in text and TOKEN not in text


async def test_healthz_is_down_when_the_database_refuses_connections() -> None:
    """With nothing listening at the database's address /healthz answers 503 "down"."""
    url = f"postgresql+psycopg://factbot:s3cret-password@127.0.0.1:{free_port()}/factbot"
    core = FactBot(load_settings(database_url=url), Database(url))
    try:
        async with serving(core) as base_url:
            status, report = await healthz(base_url)
            _, _, text = await get(f"{base_url}/healthz")
    finally:
        core.close()
    assert status == 503
    assert report == {"status": "down", "adapters": {},
                      "database": "unreachable: OperationalError", "last_digest_tick": None}
    assert "s3cret-password" not in text


async def test_a_database_that_never_answers_is_down_within_the_timeout() -> None:
    """A database that accepts connections and says nothing is reported after the timeout,
    and later probes wait on the same check instead of piling up connections."""
    accepted: list[asyncio.StreamWriter] = []

    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)

    silent = await asyncio.start_server(swallow, "127.0.0.1", 0)
    port = silent.sockets[0].getsockname()[1]
    url = f"postgresql+psycopg://factbot@127.0.0.1:{port}/factbot"
    core = FactBot(load_settings(database_url=url), Database(url))
    try:
        async with serving(core, database_timeout=0.3) as base_url:
            started = time.monotonic()
            first = await healthz(base_url)
            second = await healthz(base_url)
            elapsed = time.monotonic() - started
    finally:
        for writer in accepted:
            writer.close()
        silent.close()
        await silent.wait_closed()
        core.close()
    assert first == second == (503, {"status": "down", "adapters": {},
                                     "database": "unreachable: no answer within 0.3 s",
                                     "last_digest_tick": None})
    assert elapsed < 2
    assert len(accepted) == 1


async def test_the_database_check_follows_the_database_back(database_url: str) -> None:
    """On SQLite and PostgreSQL alike a reachable database is reported as such."""
    core = FactBot.open(load_settings(database_url=database_url), load_seeds=False)
    try:
        async with serving(core) as base_url:
            assert await healthz(base_url) == (200, {
                "status": "ok", "adapters": {}, "database": "reachable",
                "last_digest_tick": None})
    finally:
        core.close()


# --- settings and start-up -----------------------------------------------------------------

@pytest.mark.parametrize("port", ["0", "70000", "9100x", "-1"])
def test_a_bad_health_port_is_refused_naming_the_setting(
        monkeypatch: pytest.MonkeyPatch, port: str) -> None:
    """HEALTH_PORT outside 1-65535 or not a number stops start-up with its name."""
    monkeypatch.setenv("HEALTH_PORT", port)
    with pytest.raises(SettingsError, match="HEALTH_PORT"):
        load_settings()


def test_health_is_off_unless_a_port_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """No HEALTH_PORT (or an empty one): nothing is served; the address defaults to loopback."""
    monkeypatch.setenv("HEALTH_PORT", "")
    settings = load_settings()
    assert settings.health_port is None and settings.health_listen == "127.0.0.1"
    monkeypatch.setenv("HEALTH_PORT", "9100")
    assert load_settings().health_port == 9100


async def test_a_port_in_use_is_a_clear_start_up_error(fresh_core: FactBot) -> None:
    """When the port is taken, start-up fails with a message naming the settings."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = HealthServer(fresh_core, [], listen="127.0.0.1", port=port)
        with pytest.raises(HealthServerError, match=f"HEALTH_LISTEN:HEALTH_PORT.*:{port}"):
            await server.start()


async def test_factbot_run_serves_health_and_metrics(fake_telegram: FakeTelegram,
                                                     sqlite_database_url: str) -> None:
    """`factbot run` with HEALTH_PORT answers /healthz and counts a Telegram question."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    process = await start_factbot_run(
        TELEGRAM_BOT_TOKEN=TOKEN, DATABASE_URL=sqlite_database_url,
        TELEGRAM_API_BASE_URL=fake_telegram.base_url, HEALTH_PORT=str(port))
    try:
        report = await _first_health_report(base_url, within=30)
        fake_telegram.push_update(message_update("/fact curfew", private_chat()))
        await fake_telegram.wait_for("sendMessage", within=10)
        _, _, body = await get(f"{base_url}/metrics")
    finally:
        returncode, log = await stop_with_sigterm(process)
    assert returncode == 0, log[-2000:]
    assert report == {"status": "ok", "adapters": {"telegram": "connected"},
                      "database": "reachable", "last_digest_tick": report["last_digest_tick"]}
    samples = samples_of(body)
    assert samples[("factbot_questions_total",
                    frozenset({("platform", "telegram"), ("outcome", "answer")}))] == 1
    assert samples[("factbot_platform_errors_total", frozenset({("platform", "telegram")}))] == 0


async def _first_health_report(base_url: str, within: float) -> dict[str, Any]:
    deadline = time.monotonic() + within
    while True:
        try:
            status, report = await healthz(base_url)
        except aiohttp.ClientConnectionError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.1)
            continue
        assert status == 200, report
        return report
