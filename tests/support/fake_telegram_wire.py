"""How the fake Telegram writes the Bot API's JSON: error bodies, the bot's user and the
messages it sent, and text lengths in UTF-16 code units (how Telegram counts them)."""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

BOT_USER: dict[str, Any] = {
    "id": 4242,
    "is_bot": True,
    "first_name": "TestBot",
    "username": "test_bot",
}


def utf16_len(text: str) -> int:
    """A text's length as Telegram measures lengths and entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def message_json(
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


def error(code: int, description: str, retry_after: int | None = None) -> web.Response:
    """A refused call as the Bot API answers it; a 429 carries its retry_after."""
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return web.json_response(body, status=code)
