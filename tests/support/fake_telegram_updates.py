"""What users send, for the fake Telegram: the Updates a test builds (messages, button
presses, a stop under a draft) and how the bot takes them in (getUpdates, or a webhook)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
import time
from typing import Any

from tests.support.fake_telegram_records import SentMessage
from tests.support.fake_telegram_wire import error, message_json, utf16_len


def _mentions(text: str) -> list[dict[str, Any]]:
    return [
        {
            "type": "mention",
            "offset": utf16_len(text[: m.start()]),
            "length": utf16_len(m.group()),
        }
        for m in re.finditer(r"(?<![\w/])@\w+", text)
    ]


class UserUpdates:
    """A mixin of FakeTelegram: the queue of updates and the users' side; the host supplies
    `_notify`, `_changed` and `_closing`."""

    _changed: asyncio.Condition  # the host's: notified on every change
    _closing: asyncio.Event  # the host's: set when the server closes

    def __init__(self) -> None:
        super().__init__()
        self.webhook_url: str | None = None
        self._incoming: set[tuple[int, int]] = set()  # (chat id, message id) users sent
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._incoming_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)

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
                    0, {"type": "bot_command", "offset": 0, "length": utf16_len(command)}
                )
            if entities:
                message["entities"] = entities
        return {"update_id": next(self._update_ids), "message": message}

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
        message = message_json(sent.chat_id, sent.message_id, sent.text, sent.thread_id)
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

    # --- the host's part -------------------------------------------------------------------

    async def _notify(self) -> None:
        raise NotImplementedError

    # --- the server ------------------------------------------------------------------------

    async def _api_setWebhook(self, params: dict[str, Any]) -> Any:  # noqa: N802
        self.webhook_url = str(params["url"])
        return True

    async def _api_deleteWebhook(self, params: dict[str, Any]) -> Any:  # noqa: N802
        self.webhook_url = None
        return True

    async def _api_getUpdates(self, params: dict[str, Any]) -> Any:  # noqa: N802
        if self.webhook_url is not None:
            return error(
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
