"""Running `factbot run` as a real process in tests, and stopping it as an operator would."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from bot.settings import PROJECT_ROOT


async def start_factbot_run(**environment: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "adapters.console.cli", "run", env={**os.environ, **environment},
        cwd=PROJECT_ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


async def stop_with_sigterm(process: asyncio.subprocess.Process, within: float = 10
                            ) -> tuple[int, str]:
    """Send SIGTERM; return the exit code and everything the process logged."""
    try:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), within)
    finally:
        if process.returncode is None:
            process.kill()
    assert process.returncode is not None
    return process.returncode, stderr.decode()
