"""Sending media as a user does: a voice note, a photo or a file stored in the fake Telegram
and sent as USER's message; and reading back the last user text the model was asked about.

The tests of media, hostile media, quotas and quiet logs all send them, so they live here."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import RunningBot
from tests.support.fake_groq import text_of
from tests.support.media_files import photo_sizes

USER = 91


def send_voice(bot: RunningBot, audio: bytes, **kwargs: Any) -> dict[str, Any]:
    stored = bot.telegram.add_file(audio, f"voice/file_{len(bot.telegram.files)}.oga")
    voice = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "duration": 2,
        "mime_type": "audio/ogg",
        "file_size": stored.size,
    }
    return bot.telegram.send_media(USER, "voice", voice, **kwargs)


def send_photo(bot: RunningBot, content: bytes, **kwargs: Any) -> dict[str, Any]:
    stored = bot.telegram.add_file(content, f"photos/file_{len(bot.telegram.files)}.jpg")
    sizes = photo_sizes(stored.file_id, stored.file_unique_id, stored.size)
    return bot.telegram.send_media(USER, "photo", sizes, **kwargs)


def send_document(
    bot: RunningBot, content: bytes, name: str, mime: str, *, size: int | None = None, **kw: Any
) -> dict[str, Any]:
    stored = bot.telegram.add_file(content, f"documents/{name}", size=size)
    document = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_name": name,
        "mime_type": mime,
        "file_size": stored.size,
    }
    return bot.telegram.send_media(USER, "document", document, **kw)


def last_user_text(request: dict[str, Any]) -> str:
    return text_of([m for m in request["messages"] if m["role"] == "user"][-1]["content"])
