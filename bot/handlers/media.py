"""Voice notes, audio, video notes, photos and documents: recorded as media references and
handed to the chat's conversation like text; nothing is downloaded here (bot/media/)."""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.enums import ContentType
from aiogram.fsm.context import FSMContext
from aiogram.types import Audio, Document, Message, PhotoSize, VideoNote, Voice

from bot.config import Settings
from bot.core.fsm import ConversationStates
from bot.core.turn import MediaKind, MediaRef
from bot.handlers.albums import Albums
from bot.handlers.chat import BUSY, enqueue
from bot.handlers.filters import ContentTypeIn
from bot.handlers.keys import chat_key
from bot.media.files import MB

MEDIA = {
    ContentType.VOICE,
    ContentType.AUDIO,
    ContentType.VIDEO_NOTE,
    ContentType.PHOTO,
    ContentType.DOCUMENT,
}


def largest_within(sizes: list[PhotoSize], max_bytes: int) -> PhotoSize:
    """The biggest size under the limit (Telegram lists them smallest first), else the last."""
    fitting = [s for s in sizes if s.file_size is None or s.file_size <= max_bytes]
    return max(fitting or sizes, key=lambda s: s.width * s.height)


def media_ref(message: Message, max_bytes: int) -> MediaRef:
    group = message.media_group_id
    if message.photo:
        photo = largest_within(message.photo, max_bytes)
        size = photo.file_size
        return MediaRef(
            MediaKind.PHOTO, photo.file_id, photo.file_unique_id, None, "image/jpeg", size, group
        )
    item: Voice | Audio | VideoNote | Document
    if message.voice:
        kind, item, name, mime = MediaKind.VOICE, message.voice, None, message.voice.mime_type
    elif message.audio:
        item = message.audio
        kind, name, mime = MediaKind.AUDIO, item.file_name, item.mime_type
    elif message.video_note:
        kind, item, name, mime = MediaKind.VIDEO_NOTE, message.video_note, None, "video/mp4"
    else:
        assert message.document is not None
        item = message.document
        kind, name, mime = MediaKind.DOCUMENT, item.file_name, item.mime_type
    return MediaRef(kind, item.file_id, item.file_unique_id, name, mime, item.file_size, group)


async def media(message: Message, **data: Any) -> None:
    await _accept(message, data, busy=False)


async def queued_media(message: Message, **data: Any) -> None:
    await _accept(message, data, busy=True)


async def _accept(message: Message, data: dict[str, Any], *, busy: bool) -> None:
    settings: Settings = data["settings"]
    ref = media_ref(message, settings.max_file_mb * MB)
    if message.media_group_id is not None and ref.kind is MediaKind.PHOTO:
        albums: Albums = data["albums"]
        await albums.add(chat_key(data["bot"], message), message, ref, data)
        return
    await enqueue(message, data, retry=False, busy=busy, media=(ref,))


async def send_album(
    message: Message, data: dict[str, Any], refs: tuple[MediaRef, ...], caption: str
) -> None:
    """An album, gathered (bot/handlers/albums.py), goes in as one turn."""
    state: FSMContext = data["state"]
    busy = await state.get_state() == ConversationStates.awaiting_reply.state
    await enqueue(message, data, retry=False, busy=busy, media=refs, text=caption)


def make_router() -> Router:
    router = Router(name="media")
    router.message.register(queued_media, ContentTypeIn(MEDIA), BUSY)
    router.message.register(media, ContentTypeIn(MEDIA))
    return router
