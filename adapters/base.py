"""What the runner needs from every platform adapter."""

from __future__ import annotations

from typing import Protocol


class Frontend(Protocol):
    """A platform adapter, started and stopped by `adapters.runner`.

    `start()` returns once the adapter is connected and serving (it does not block
    for the life of the bot); `stop()` disconnects cleanly and returns within seconds.
    """

    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...
