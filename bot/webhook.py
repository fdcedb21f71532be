"""Webhook mode: aiogram's aiohttp handler behind a secret, plus health and readiness probes."""

from __future__ import annotations

import asyncio
import hmac
import signal
from collections.abc import Awaitable, Callable
from contextlib import suppress

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web
from loguru import logger

# What to do once the server listens (register the webhook): Telegram may post at once.
ON_LISTENING: web.AppKey[Callable[[], Awaitable[None]]] = web.AppKey("on_listening")


class SecretRequestHandler(SimpleRequestHandler):
    """aiogram's handler, with the secret compared as bytes.

    `secrets.compare_digest` raises TypeError for a str that is not ASCII, so a header with
    other characters (anyone who finds the URL may send one) was a 500 and a traceback.
    """

    def verify_secret(self, telegram_secret_token: str, bot: Bot) -> bool:
        expected = (self.secret_token or "").encode()
        given = telegram_secret_token.encode("utf-8", "surrogatepass")  # never raises
        return hmac.compare_digest(given, expected)


def build_webhook_app(
    dp: Dispatcher,
    bot: Bot,
    *,
    path: str,
    secret: str,
    ready: Callable[[], Awaitable[bool]],
) -> web.Application:
    """Telegram posts updates to `path`; a request without the right secret gets 401."""
    app = web.Application()
    # Handled in the request, not in the background: handlers only enqueue, and Telegram sends
    # the next update once this one is answered, which keeps a chat's order (max_connections=1).
    SecretRequestHandler(
        dispatcher=dp, bot=bot, secret_token=secret, handle_in_background=False
    ).register(app, path=path)
    setup_application(app, dp, bot=bot)

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "alive"})

    async def readyz(request: web.Request) -> web.Response:
        ok = await ready()
        return web.json_response(
            {"status": "ready" if ok else "not ready"}, status=200 if ok else 503
        )

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    return app


async def serve(app: web.Application, host: str, port: int, stop: asyncio.Event) -> None:
    """Serve until `stop` is set; then the app's shutdown (the dispatcher's) runs in full."""
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        logger.info("webhook server listening on {}:{}", host, port)
        if ON_LISTENING in app:
            await app[ON_LISTENING]()
        await stop.wait()
    finally:
        await runner.cleanup()


def stop_on_signals() -> asyncio.Event:
    """An event SIGINT or SIGTERM sets, as polling's own signal handling does."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    return stop
