"""A fake Telegram Bot API server on 127.0.0.1: what aiogram needs for the bot's scenarios."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.support.fake_topics import ForumTopics, thread_of
from tests.support.local_server import LocalServer

BOT_USER: dict[str, Any] = {
    "id": 4242,
    "is_bot": True,
    "first_name": "TestBot",
    "username": "test_bot",
}
# Methods whose only answer is `true`: recorded in `calls`, nothing else to do.
ACKNOWLEDGED = {"setMyCommands", "deleteMyCommands"}
# What Telegram lets a bot react with; the bot uses 👀 (a sample of the real list).
REACTIONS = {"👀", "👍", "👎", "❤", "🔥", "🤔", "👌", "✍"}
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
class SentMessage:
    chat_id: int
    text: str
    message_id: int
    reply_to_message_id: int | None = None
    reply_markup: dict[str, Any] | None = None
    entities: list[dict[str, Any]] | None = None
    params: dict[str, Any] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)

    @property
    def thread_id(self) -> int | None:
        """The forum topic (private chat or supergroup) it was sent into, if any."""
        return thread_of(self.params) or None


@dataclass
class Document:
    chat_id: int
    filename: str
    content: str
    caption: str
    params: dict[str, Any]


@dataclass
class Draft:
    chat_id: int
    draft_id: int
    text: str
    entities: list[dict[str, Any]] | None
    can_stop: bool
    at: float
    thread_id: int | None = None  # the forum topic it is shown in


@dataclass
class Edit:
    chat_id: int
    message_id: int
    text: str
    entities: list[dict[str, Any]] | None
    at: float


@dataclass
class Event:
    """One change the user could see, in the order the server made it: `sendMessage`,
    `editMessageText`, `deleteMessage` or `sendMessageDraft` (no message id); and the service
    messages `createForumTopic` and `editForumTopic` (message id: the topic's thread id,
    text: its name)."""

    method: str
    chat_id: int
    message_id: int | None
    text: str


@dataclass
class _Fault:
    error_code: int
    description: str
    retry_after: int | None
    count: int


MAX_DOWNLOAD = 20 * 1024 * 1024  # the Bot API's getFile limit


@dataclass
class StoredFile:
    """A file users sent; `size` may claim more than `content` holds (a huge file, cheaply)."""

    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes
    size: int


# What Telegram's send limits count (edits too); drafts only count overall.
LIMITED = {"sendMessage", "editMessageText", "sendMessageDraft"}


@dataclass
class _SendLimits:
    """Telegram's flood limits as sliding windows (limit, seconds): overall, per group, per
    private chat. Off unless a test calls `FakeTelegram.enforce_limits`."""

    overall: tuple[int, float]
    group: tuple[int, float]
    chat: tuple[int, float]
    seen: dict[object, list[float]] = field(default_factory=dict)
    refused: dict[str, int] = field(default_factory=dict)  # by scope: overall, group, chat

    def refuse(self, method: str, chat_id: int, now: float) -> float | None:
        """Seconds to wait if this call is over a limit; else None (and it is counted)."""
        keys: list[tuple[object, tuple[int, float]]] = [("*", self.overall)]
        if method != "sendMessageDraft":
            keys.append((chat_id, self.group if chat_id < 0 else self.chat))
        waits = []
        for key, (limit, seconds) in keys:
            recent = [t for t in self.seen.get(key, []) if t > now - seconds]
            self.seen[key] = recent
            if len(recent) >= limit:
                waits.append(recent[-limit] + seconds - now)
                scope = "overall" if key == "*" else "group" if chat_id < 0 else "chat"
                self.refused[scope] = self.refused.get(scope, 0) + 1
        if waits:
            return max(waits)
        for key, _ in keys:
            self.seen[key].append(now)
        return None


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _mentions(text: str) -> list[dict[str, Any]]:
    return [
        {
            "type": "mention",
            "offset": _utf16_len(text[: m.start()]),
            "length": _utf16_len(m.group()),
        }
        for m in re.finditer(r"(?<![\w/])@\w+", text)
    ]


class FakeTelegram(ForumTopics, LocalServer):
    """Records every call; tests push updates in and read what the bot sent out."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[SentMessage] = []
        self.drafts: list[Draft] = []
        self.edits: list[Edit] = []
        self.chat_actions: list[tuple[int, str]] = []
        # The bot's reaction on each user message now, and every change in order.
        self.reactions: dict[tuple[int, int], list[str]] = {}
        self.reaction_log: list[tuple[int, int, list[str]]] = []
        self.webhook_url: str | None = None
        self._incoming: set[tuple[int, int]] = set()
        self.deleted: set[tuple[int, int]] = set()  # (chat id, message id)
        self.events: list[Event] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._incoming_ids = itertools.count(1)
        self._outgoing_ids = itertools.count(100_000)
        self._faults: dict[str, list[_Fault]] = {}
        self._changed = asyncio.Condition()
        self.call_delay = 0.0  # seconds every call but getUpdates takes, as a slow Telegram
        self._held: set[str] = set()  # methods whose calls wait for `let_go`
        self._gate = asyncio.Event()
        self.files: dict[str, StoredFile] = {}
        self.downloads: list[str] = []  # file paths downloaded, in order
        self.broken_downloads: set[str] = set()  # file paths whose download answers 500
        self._file_ids = itertools.count(1)
        # groups, topics, settings menus and files
        self.admins: set[tuple[int, int]] = set()  # (chat id, user id) of chat administrators
        self.callback_answers: list[dict[str, Any]] = []
        self.documents: list[Document] = []
        self._callback_ids = itertools.count(1)
        self._limits: _SendLimits | None = None
        self.flood_refusals = 0  # 429s sent because a send limit was reached

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

    def message_update(
        self,
        user_id: int,
        text: str | None = None,
        *,
        first_name: str = "User",
        language_code: str = "en",
        chat_id: int | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """An Update as Telegram sends it for a user's message (private chat by default)."""
        chat = chat_id if chat_id is not None else user_id
        message: dict[str, Any] = {
            "message_id": next(self._incoming_ids),
            "date": int(time.time()),
            "chat": (
                {"id": chat, "type": "private", "first_name": first_name}
                if chat == user_id
                else {"id": chat, "type": "group", "title": "Group"}
            ),
            "from": {
                "id": user_id,
                "is_bot": False,
                "first_name": first_name,
                "language_code": language_code,
            },
            **extra,
        }
        self._incoming.add((chat, message["message_id"]))
        if text is not None:
            message["text"] = text
            entities = _mentions(text)  # Telegram marks every @username in a text
            if text.startswith("/"):
                command = text.split()[0]
                entities.insert(
                    0, {"type": "bot_command", "offset": 0, "length": _utf16_len(command)}
                )
            if entities:
                message["entities"] = entities
        return {"update_id": next(self._update_ids), "message": message}

    def add_file(self, content: bytes, path: str, *, size: int | None = None) -> StoredFile:
        """Store a file as Telegram would after a user sent it; `path` like `voice/file_1.oga`."""
        n = next(self._file_ids)
        stored = StoredFile(f"file-{n}", f"unique-{n}", path, content, size or len(content))
        self.files[stored.file_id] = stored
        return stored

    def send_media(
        self, user_id: int, kind: str, media: Any, *, caption: str | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """A message carrying `media` under `kind` (voice, photo, document, ...)."""
        extra = {kind: media, **({"caption": caption} if caption is not None else {})}
        update = self.message_update(user_id, None, **extra, **kwargs)
        self.push(update)
        return update

    def group_update(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int,
        thread_id: int | None = None,
        reply_to: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """A message in a supergroup; with `thread_id`, in that forum topic; `reply_to` is the
        message it replies to (`sent_json` of the bot's, or another update's message)."""
        update = self.message_update(user_id, text, chat_id=chat_id, **kwargs)
        message = update["message"]
        message["chat"] = {"id": chat_id, "type": "supergroup", "title": "Group"}
        if thread_id is not None:
            message["chat"]["is_forum"] = True
            message |= {"message_thread_id": thread_id, "is_topic_message": True}
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        return update

    def sent_json(self, sent: SentMessage) -> dict[str, Any]:
        """A message the bot sent, as Telegram shows it inside a reply or a callback."""
        message = _message_json(sent.chat_id, sent.message_id, sent.text, sent.thread_id)
        # A Message shows only an inline keyboard: a reply keyboard or ForceReply is not kept.
        if sent.reply_markup is not None and "inline_keyboard" in sent.reply_markup:
            message["reply_markup"] = sent.reply_markup
        return message

    def press(
        self, user_id: int, sent: SentMessage, data: str, *, language_code: str = "en"
    ) -> dict[str, Any]:
        """The user pressed an inline button of message `sent`."""
        update = {
            "update_id": next(self._update_ids),
            "callback_query": {
                "id": str(next(self._callback_ids)),
                "from": {
                    "id": user_id,
                    "is_bot": False,
                    "first_name": "User",
                    "language_code": language_code,
                },
                "chat_instance": "ci",
                "message": self.sent_json(sent),
                "data": data,
            },
        }
        self.push(update)
        return update

    def stop_generation(self, chat_id: int, draft_id: int) -> dict[str, Any]:
        """The user pressed the stop button under a streaming draft."""
        update = {
            "update_id": next(self._update_ids),
            "stopped_message_generation": {
                "chat": {"id": chat_id, "type": "private", "first_name": "User"},
                "draft_id": draft_id,
            },
        }
        self.push(update)
        return update

    def push(self, *updates: dict[str, Any]) -> None:
        self._updates.extend(updates)
        asyncio.get_running_loop().create_task(self._notify())

    def send_text(self, user_id: int, text: str, **kwargs: Any) -> dict[str, Any]:
        update = self.message_update(user_id, text, **kwargs)
        self.push(update)
        return update

    @property
    def unconfirmed(self) -> int:
        """Updates Telegram still keeps: not yet confirmed by a getUpdates offset past them.
        With polling, the bot asks past an update once it has handled it: 0 means every update
        sent so far was taken in."""
        return len(self._updates)

    def sent_to(self, chat_id: int) -> list[SentMessage]:
        return [message for message in self.sent if message.chat_id == chat_id]

    def visible(self, chat_id: int) -> list[SentMessage]:
        """The chat's messages as the user sees them now: sent, and not deleted since."""
        return [m for m in self.sent_to(chat_id) if (chat_id, m.message_id) not in self.deleted]

    def delete_message(self, chat_id: int, message_id: int) -> None:
        """Someone (the user, an admin) deleted the message: the bot can no longer edit it."""
        self.deleted.add((chat_id, message_id))
        self.events.append(Event("deleteMessage", chat_id, message_id, ""))

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

    def enforce_limits(
        self,
        *,
        overall: tuple[int, float] = (30, 1.0),
        group: tuple[int, float] = (20, 60.0),
        chat: tuple[int, float] = (3, 3.0),
    ) -> None:
        """Refuse sends and edits over Telegram's limits with a 429 and retry_after."""
        self._limits = _SendLimits(overall, group, chat)

    @property
    def refused(self) -> dict[str, int]:
        """429s sent by scope (overall, group, chat) since `enforce_limits`."""
        return dict(self._limits.refused) if self._limits is not None else {}

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
            if self._limits is not None and method in LIMITED and "chat_id" in params:
                wait = self._limits.refuse(method, int(params["chat_id"]), time.monotonic())
                if wait is not None:
                    self.flood_refusals += 1
                    return _error(429, "Too Many Requests", max(math.ceil(wait), 1))
            fault = self._take_fault(method)
            if fault is not None:
                return _error(fault.error_code, fault.description, fault.retry_after)
            if method in ACKNOWLEDGED:
                return web.json_response({"ok": True, "result": True})
            handler = getattr(self, f"_api_{method}", None)
            if handler is None:
                return _error(404, "Not Found: method not found")
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

    async def _download(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        self.downloads.append(path)
        await self._notify()
        stored = next((f for f in self.files.values() if f.file_path == path), None)
        if stored is None:
            return _error(404, "Not Found")
        if path in self.broken_downloads:
            return web.Response(status=500, text="Internal Server Error")
        return web.Response(body=stored.content, content_type="application/octet-stream")

    async def _api_getFile(self, params: dict[str, Any]) -> Any:  # noqa: N802
        stored = self.files.get(str(params.get("file_id")))
        if stored is None:
            return _error(400, "Bad Request: invalid file_id")
        if stored.size > MAX_DOWNLOAD:
            return _error(400, "Bad Request: file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "file_path": stored.file_path,
        }

    async def _api_getMe(self, params: dict[str, Any]) -> Any:  # noqa: N802
        return BOT_USER | self.bot_topic_fields()

    def _record_topic_event(self, method: str, chat_id: int, thread_id: int, name: str) -> None:
        self.events.append(Event(method, chat_id, thread_id, name))

    async def _api_sendChatAction(self, params: dict[str, Any]) -> Any:  # noqa: N802
        self.chat_actions.append((int(params["chat_id"]), str(params.get("action"))))
        return True

    async def _api_setWebhook(self, params: dict[str, Any]) -> Any:  # noqa: N802
        self.webhook_url = str(params["url"])
        return True

    async def _api_deleteWebhook(self, params: dict[str, Any]) -> Any:  # noqa: N802
        self.webhook_url = None
        return True

    async def _api_setMessageReaction(self, params: dict[str, Any]) -> Any:  # noqa: N802
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        if (chat_id, message_id) not in self._incoming:
            return _error(400, "Bad Request: message to react not found")
        raw = params.get("reaction") or []
        emoji = [str(r.get("emoji")) for r in (json.loads(raw) if isinstance(raw, str) else raw)]
        if any(e not in REACTIONS for e in emoji):
            return _error(400, "Bad Request: REACTION_INVALID")
        self.reactions[(chat_id, message_id)] = emoji
        self.reaction_log.append((chat_id, message_id, emoji))
        return True

    async def _api_getUpdates(self, params: dict[str, Any]) -> Any:  # noqa: N802
        if self.webhook_url is not None:
            return _error(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset", 0))
        limit = int(params.get("limit", 100))
        timeout = float(params.get("timeout", 0))
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]

        def ready() -> bool:
            return bool(self._updates) or self._closing.is_set()

        if not ready() and timeout > 0:
            async with self._changed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait_for(ready), timeout)
        return self._updates[:limit]

    async def _api_sendMessageDraft(self, params: dict[str, Any]) -> Any:  # noqa: N802
        text = str(params.get("text", ""))
        refused = _check_text(text, params.get("entities"), allow_empty=True)
        if refused is not None:
            return refused
        if int(params.get("draft_id", 0)) == 0:
            return _error(400, "Bad Request: draft_id must be non-zero")
        # Unverified: the Bot API passes a draft's thread to TDLib unchecked, and what the
        # server says of one that is not a topic is not documented; refused as sendMessage is.
        refused = self.thread_refused(int(params["chat_id"]), params)
        if refused is not None:
            return refused
        self.drafts.append(
            Draft(
                chat_id=int(params["chat_id"]),
                draft_id=int(params["draft_id"]),
                text=text,
                entities=params.get("entities"),
                can_stop=str(params.get("can_stop")).lower() == "true",
                at=time.monotonic(),
                thread_id=thread_of(params) or None,
            )
        )
        self.events.append(Event("sendMessageDraft", int(params["chat_id"]), None, text))
        return True

    async def _api_deleteMessage(self, params: dict[str, Any]) -> Any:  # noqa: N802
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        if not any(m.message_id == message_id for m in self.visible(chat_id)):
            return _error(400, "Bad Request: message to delete not found")
        self.delete_message(chat_id, message_id)
        return True

    async def _api_editMessageText(self, params: dict[str, Any]) -> Any:  # noqa: N802
        text = str(params.get("text", ""))
        refused = _check_text(text, params.get("entities"))
        if refused is not None:
            return refused
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        message = next((m for m in self.visible(chat_id) if m.message_id == message_id), None)
        if message is None:
            return _error(400, "Bad Request: message to edit not found")
        markup = params.get("reply_markup", message.reply_markup)
        if (message.text, message.entities, message.reply_markup) == (
            text,
            params.get("entities"),
            markup,
        ):
            return _error(400, "Bad Request: message is not modified")
        message.text = text
        message.entities = params.get("entities")
        message.reply_markup = markup
        self.edits.append(
            Edit(chat_id, message_id, text, params.get("entities"), time.monotonic())
        )
        self.events.append(Event("editMessageText", chat_id, message_id, text))
        return _message_json(chat_id, message_id, text, message.thread_id)

    async def _api_getChatMember(self, params: dict[str, Any]) -> Any:  # noqa: N802
        chat_id, user_id = int(params["chat_id"]), int(params["user_id"])
        user = {"id": user_id, "is_bot": False, "first_name": "User"}
        if (chat_id, user_id) in self.admins:
            return {"status": "creator", "user": user, "is_anonymous": False}
        return {"status": "member", "user": user}

    async def _api_answerCallbackQuery(self, params: dict[str, Any]) -> Any:  # noqa: N802
        self.callback_answers.append(params)
        return True

    async def _api_sendDocument(self, params: dict[str, Any]) -> Any:  # noqa: N802
        upload = params["document"]
        if isinstance(upload, str) and upload.startswith("attach://"):  # aiogram's way
            upload = params[upload.removeprefix("attach://")]
        chat_id = int(params["chat_id"])
        refused = self.thread_refused(chat_id, params)
        if refused is not None:
            return refused
        self.documents.append(
            Document(
                chat_id,
                str(upload["filename"]),
                upload["content"].decode(),
                str(params.get("caption", "")),
                params,
            )
        )
        return _message_json(chat_id, next(self._outgoing_ids), "", thread_of(params) or None)

    async def _api_sendMessage(self, params: dict[str, Any]) -> Any:  # noqa: N802
        text = str(params.get("text", ""))
        refused = _check_text(text, params.get("entities"))
        if refused is not None:
            return refused
        reply = params.get("reply_parameters")
        reply_to = reply.get("message_id") if isinstance(reply, dict) else None
        if reply_to is None and "reply_to_message_id" in params:
            reply_to = int(params["reply_to_message_id"])
        chat_id = int(params["chat_id"])
        refused = self.thread_refused(chat_id, params)
        if refused is not None:
            return refused
        message = SentMessage(
            chat_id=chat_id,
            text=text,
            message_id=next(self._outgoing_ids),
            reply_to_message_id=reply_to,
            reply_markup=params.get("reply_markup"),
            entities=params.get("entities"),
            params=params,
        )
        self.sent.append(message)
        self.events.append(Event("sendMessage", chat_id, message.message_id, text))
        return _message_json(chat_id, message.message_id, text, message.thread_id)


def _message_json(
    chat_id: int, message_id: int, text: str, thread_id: int | None = None
) -> dict[str, Any]:
    """A Message the bot sent, as Telegram returns it (in a forum topic: with its thread)."""
    message: dict[str, Any] = {
        "message_id": message_id,
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
        "from": BOT_USER,
        "text": text,
    }
    if thread_id is not None:
        message |= {"message_thread_id": thread_id, "is_topic_message": True}
    return message


def _check_text(
    text: str, entities: list[dict[str, Any]] | None, *, allow_empty: bool = False
) -> web.Response | None:
    """What Telegram refuses in a message text: empty, too long, entities outside it."""
    if not text.strip() and not allow_empty:
        return _error(400, "Bad Request: message text is empty")
    size = _utf16_len(text)
    if size > 4096:
        return _error(400, "Bad Request: message is too long")
    for entity in entities or []:
        start, length = entity["offset"], entity["length"]
        if start < 0 or length <= 0 or start + length > size:
            return _error(400, "Bad Request: can't parse entities: entity out of text")
    return None


def _error(code: int, description: str, retry_after: int | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return web.json_response(body, status=code)
