"""What both fake servers share: an aiohttp app on 127.0.0.1, on a free port, for one test."""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from typing import Self

from aiohttp import web


class LocalServer(ABC):
    def __init__(self) -> None:
        self._closing = asyncio.Event()  # handlers that wait forever end when it is set
        self._runner: web.AppRunner | None = None
        self._port = 0

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @abstractmethod
    def routes(self, app: web.Application) -> None:
        """Add the server's routes."""

    async def start(self) -> None:
        app = web.Application()
        self.routes(app)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self._port = int(self._runner.addresses[0][1])

    async def aclose(self) -> None:
        self._closing.set()
        await self._on_close()
        if self._runner is not None:
            await self._runner.cleanup()

    @abstractmethod
    async def _on_close(self) -> None:
        """Wake what waits on the server's own conditions."""

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
