"""Operators' endpoints for `factbot run`: `/healthz` for a supervisor or load balancer,
`/metrics` for Prometheus.

Served by aiohttp in the bot's own event loop when HEALTH_PORT is set, on HEALTH_LISTEN
(loopback by default: the endpoints need no password, so exposing them is a deliberate
choice). Nothing served here names a chat, a user, a question or a secret: adapter
failures are the adapters' own operator messages, redacted again on the way out, and a
database problem is reported by its error type only (the details go to the log).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from aiohttp import web
from sqlalchemy import text

from bot.core import FactBot
from bot.errors import UserError
from bot.frontends import Frontend
from bot.layout import shorten
from bot.redact import redact

log = logging.getLogger(__name__)

HealthStatus = Literal["ok", "degraded", "down"]
DATABASE_TIMEOUT_SECONDS: Final = 2.0
_FAILURE_CHARS: Final = 300


class HealthServerError(UserError):
    """The health endpoints could not be served (port taken, address not on this host)."""


@dataclass(frozen=True, slots=True)
class HealthReport:
    """What `/healthz` says: ok (200) when every adapter is connected and the database
    answers; degraded (503) when an adapter gave up; down (503) without the database."""

    adapters: dict[str, str]
    database: str
    last_digest_tick: str | None

    @property
    def status(self) -> HealthStatus:
        if self.database != "reachable":
            return "down"
        if any(state != "connected" for state in self.adapters.values()):
            return "degraded"
        return "ok"

    def as_json(self) -> dict[str, Any]:
        return {"status": self.status, "adapters": self.adapters, "database": self.database,
                "last_digest_tick": self.last_digest_tick}


class HealthServer:
    """`/healthz` and `/metrics` for one core and the adapters the runner started."""

    def __init__(self, core: FactBot, frontends: Sequence[Frontend], *, listen: str,
                 port: int, database_timeout: float = DATABASE_TIMEOUT_SECONDS) -> None:
        self.core = core
        self.frontends = frontends
        self.listen = listen
        self.requested_port = port
        self.database_timeout = database_timeout
        self._runner: web.AppRunner | None = None
        self._database_check: asyncio.Future[None] | None = None
        self._database_was_reachable: bool | None = None

    # --- life cycle ---------------------------------------------------------------------

    async def start(self) -> None:
        """Listen; raise `HealthServerError` naming the settings when that is impossible."""
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        runner = web.AppRunner(app, access_log=None)  # probes every few seconds: no log line
        await runner.setup()
        try:
            await web.TCPSite(runner, self.listen, self.requested_port).start()
        except OSError as error:
            await runner.cleanup()
            raise HealthServerError(
                f"cannot serve /healthz and /metrics on HEALTH_LISTEN:HEALTH_PORT "
                f"({self.listen}:{self.requested_port}): {error.strerror or error}") from None
        self._runner = runner
        log.info("health and metrics served on http://%s:%d/", self.listen, self.port)

    @property
    def port(self) -> int:
        """The port listened on (the requested one, or the one picked for port 0)."""
        if self._runner is None or not self._runner.addresses:
            return self.requested_port
        return int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # --- what is reported ---------------------------------------------------------------

    async def report(self) -> HealthReport:
        tick = self.core.metrics.last_digest_tick
        return HealthReport(
            adapters={frontend.name: _adapter_state(frontend) for frontend in self.frontends},
            database=await self._database_state(),
            last_digest_tick=tick.isoformat() if tick else None,
        )

    async def _database_state(self) -> str:
        """`SELECT 1` in a thread, waited for `database_timeout` seconds.

        A hung check is not started again while it is still running, so a database that
        swallows connections ties up one thread, not one per probe."""
        if self._database_check is None or self._database_check.done():
            self._database_check = asyncio.ensure_future(asyncio.to_thread(self._select_one))
            self._database_check.add_done_callback(_consume_exception)
        try:
            await asyncio.wait_for(asyncio.shield(self._database_check), self.database_timeout)
        except TimeoutError:
            return self._unreachable(f"no answer within {self.database_timeout:g} s", None)
        except Exception as error:
            return self._unreachable(type(error).__name__, error)
        if self._database_was_reachable is False:
            log.info("health check: the database is reachable again")
        self._database_was_reachable = True
        return "reachable"

    def _select_one(self) -> None:
        with self.core.database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def _unreachable(self, reason: str, error: BaseException | None) -> str:
        if self._database_was_reachable is not False:  # log the change, not every probe
            detail = str(getattr(error, "orig", None) or error or reason).strip()
            log.warning("health check: the database is unreachable: %s",
                        redact(detail.splitlines()[0] if detail else reason))
        self._database_was_reachable = False
        return f"unreachable: {reason}"

    # --- HTTP ---------------------------------------------------------------------------

    async def _healthz(self, request: web.Request) -> web.Response:
        report = await self.report()
        return web.json_response(report.as_json(), status=200 if report.status == "ok" else 503,
                                 headers={"Cache-Control": "no-store"})

    async def _metrics(self, request: web.Request) -> web.Response:
        body, content_type = self.core.metrics.exposition(request.headers.get("Accept", ""))
        return web.Response(body=body, headers={"Content-Type": content_type,
                                                "Cache-Control": "no-store"})


def _adapter_state(frontend: Frontend) -> str:
    failure = frontend.failure
    if failure is None:
        return "connected"
    return f"failed: {shorten(redact(failure), _FAILURE_CHARS)}"


def _consume_exception(check: asyncio.Future[None]) -> None:
    """A check that outlived its probe still ends; its error was reported or is stale."""
    if not check.cancelled():
        check.exception()
