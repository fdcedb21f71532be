"""`GET /metrics` on METRICS_PORT, in polling and webhook mode alike (its own small server)."""

from __future__ import annotations

from aiohttp import web
from loguru import logger

from bot.metrics.metrics import CONTENT_TYPE, Metrics


class MetricsServer:
    def __init__(self, metrics: Metrics, host: str, port: int) -> None:
        self._metrics = metrics
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()

        async def metrics(request: web.Request) -> web.Response:
            body = self._metrics.exposition()
            return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})

        app.router.add_get("/metrics", metrics)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self._host, self._port).start()
        logger.info("metrics on {}:{}/metrics", self._host, self._port)

    async def aclose(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
