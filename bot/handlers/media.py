"""Voice notes, audio, video notes, photos and documents: recorded as media references and
handed to the chat's conversation like text; nothing is downloaded here (bot/media/)."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.enums import ContentType
from aiogram.types import Audio, Document, Message, PhotoSize, VideoNote, Voice

from bot.config import Settings
from bot.core.turn import MediaKind, MediaRef
from bot.handlers.albums import Albums
from bot.handlers.chat import BUSY
from bot.handlers.filters import ContentTypeIn
from bot.handlers.intake import Intake
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


async def media(
    message: Message, bot: Bot, settings: Settings, albums: Albums, intake: Intake
) -> None:
    await _take(message, bot, settings, albums, intake, busy=False)


async def queued_media(
    message: Message, bot: Bot, settings: Settings, albums: Albums, intake: Intake
) -> None:
    await _take(message, bot, settings, albums, intake, busy=True)


async def _take(
    message: Message, bot: Bot, settings: Settings, albums: Albums, intake: Intake, *, busy: bool
) -> None:
    """A photo of an album waits for its album (bot/handlers/albums.py); the rest goes in."""
    ref = media_ref(message, settings.max_file_mb * MB)
    if message.media_group_id is not None and ref.kind is MediaKind.PHOTO:
        await albums.add(chat_key(bot, message), message, bot, ref)
        return
    await intake.take(message, bot, busy=busy, media=(ref,))


def make_router() -> Router:
    router = Router(name="media")
    router.message.register(queued_media, ContentTypeIn(MEDIA), BUSY)
    router.message.register(media, ContentTypeIn(MEDIA))
    return router
