"""A fake Telegram Bot API server on 127.0.0.1: what aiogram needs for the bot's scenarios.

This module is the server: its routes, the dispatch of a call to its method, and what tests
steer (scripted faults, held calls, slowness). Its parts, one job each:
- fake_telegram_updates: the updates users send, and getUpdates and webhooks;
- fake_telegram_sends: what the bot sends, checked and recorded (topics: fake_topics);
- fake_telegram_files: files users sent, getFile and downloads;
- fake_telegram_limits: the text and flood limits Telegram enforces;
- fake_telegram_records and fake_telegram_wire: the records tests read, the JSON it writes.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.support.fake_telegram_files import StoredFile, StoredFiles
from tests.support.fake_telegram_limits import FloodLimits
from tests.support.fake_telegram_records import Document, Draft, Edit, Event, SentMessage
from tests.support.fake_telegram_sends import BotSends
from tests.support.fake_telegram_updates import UserUpdates
from tests.support.fake_telegram_wire import BOT_USER, error
from tests.support.local_server import LocalServer

__all__ = [
    "BOT_USER",
    "Document",
    "Draft",
    "Edit",
    "Event",
    "FakeTelegram",
    "SentMessage",
    "StoredFile",
]

# Methods whose only answer is `true`: recorded in `calls`, nothing else to do.
ACKNOWLEDGED = {"setMyCommands", "deleteMyCommands"}
JSON_FIELDS = {
    "reply_parameters",
    "reply_markup",
    "entities",
    "allowed_updates",
    "commands",
    "reaction",
    "scope",
}


@dataclass
class _Fault:
    error_code: int
    description: str
    retry_after: int | None
    count: int


class FakeTelegram(UserUpdates, BotSends, StoredFiles, FloodLimits, LocalServer):
    """Records every call; tests push updates in and read what the bot sent out."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._faults: dict[str, list[_Fault]] = {}
        self._changed = asyncio.Condition()
        self.call_delay = 0.0  # seconds every call but getUpdates takes, as a slow Telegram
        self._held: set[str] = set()  # methods whose calls wait for `let_go`
        self._gate = asyncio.Event()
        # groups and settings menus
        self.admins: set[tuple[int, int]] = set()  # (chat id, user id) of chat administrators
        self.callback_answers: list[dict[str, Any]] = []

    @property
    def url(self) -> str:
        return self.address

    def routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)

    async def _on_close(self) -> None:
        self._gate.set()  # held calls end too
        await self._notify()  # long polls return at once

    # --- what tests do ---------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        error_code: int,
        description: str,
        retry_after: int | None = None,
        count: int = 1,
    ) -> None:
        self._faults.setdefault(method, []).append(
            _Fault(error_code, description, retry_after, count)
        )

    def hold(self, *methods: str) -> None:
        """Calls of `methods` wait (recorded in `calls`) until `let_go`."""
        self._held.update(methods)
        self._gate.clear()

    def let_go(self) -> None:
        self._held.clear()
        self._gate.set()

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 10) -> None:
        async def satisfied() -> None:
            async with self._changed:
                await self._changed.wait_for(predicate)

        try:
            await asyncio.wait_for(satisfied(), timeout)
        except TimeoutError:
            summary = {chat: len(self.sent_to(chat)) for chat in {m.chat_id for m in self.sent}}
            texts = [m.text[:60] for m in self.sent[-10:]]
            raise AssertionError(
                f"timed out after {timeout}s; messages sent per chat: {summary}; "
                f"last texts: {texts}"
            ) from None

    # --- the server ------------------------------------------------------------------------

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        self.calls.append((method, params))
        await self._notify()
        if method != "getUpdates":
            await self._slow_down(method)
        try:
            refused = self._flood_refusal(method, params)
            if refused is not None:
                return refused
            fault = self._take_fault(method)
            if fault is not None:
                return error(fault.error_code, fault.description, fault.retry_after)
            if method in ACKNOWLEDGED:
                return web.json_response({"ok": True, "result": True})
            handler = getattr(self, f"_api_{method}", None)
            if handler is None:
                return error(404, "Not Found: method not found")
            result = await handler(params)
            if isinstance(result, web.Response):
                return result
            return web.json_response({"ok": True, "result": result})
        finally:
            await self._notify()

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            body = await request.json()
            return dict(body) if isinstance(body, dict) else {}
        form = await request.post()
        params: dict[str, Any] = {}
        for key, value in form.items():
            if isinstance(value, web.FileField):  # an upload (sendDocument)
                params[key] = {"filename": value.filename, "content": value.file.read()}
                continue
            if not isinstance(value, str):
                continue
            params[key] = json.loads(value) if key in JSON_FIELDS else value
        return params

    async def _slow_down(self, method: str) -> None:
        if method in self._held:
            await self._gate.wait()
        if self.call_delay:
            await asyncio.sleep(self.call_delay)

    def _take_fault(self, method: str) -> _Fault | None:
        queue = self._faults.get(method)
        if not queue:
            return None
        fault = queue[0]
        fault.count -= 1
        if fault.count <= 0:
            queue.pop(0)
        return fault

    async def _api_getMe(self, params: dict[str, Any]) -> Any:  # noqa: N802
        return BOT_USER | self.bot_topic_fields()

    async def _api_getChatMember(self, params: dict[str, Any]) -> Any:  # noqa: N802
        chat_id, user_id = int(params["chat_id"]), int(params["user_id"])
        user = {"id": user_id, "is_bot": False, "first_name": "User"}
        if (chat_id, user_id) in self.admins:
            return {"status": "creator", "user": user, "is_anonymous": False}
        return {"status": "member", "user": user}

    async def _api_answerCallbackQuery(self, params: dict[str, Any]) -> Any:  # noqa: N802
        self.callback_answers.append(params)
        return True
