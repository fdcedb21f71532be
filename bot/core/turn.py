"""A user's message as a conversation needs it, and the files it carries; versioned JSON, as
the durable inbox stores it (docs/architecture.md, "Redis keys and schema versions")."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

TURN_SCHEMA = 3  # v1 (no "v" field): before topics and reactions; v2: before media, speakers


class MediaKind(StrEnum):
    VOICE = "voice"
    AUDIO = "audio"
    VIDEO_NOTE = "video_note"
    PHOTO = "photo"
    DOCUMENT = "document"


@dataclass(frozen=True, slots=True)
class MediaRef:
    """A file a message carries, as Telegram names it: recorded by the handler, downloaded
    only when its turn runs (bot/media/)."""

    kind: MediaKind
    file_id: str
    file_unique_id: str
    file_name: str | None = None
    mime_type: str | None = None
    size: int | None = None  # bytes, when Telegram says
    media_group_id: str | None = None  # an album's photos share one

    @classmethod
    def from_json(cls, fields: dict[str, Any]) -> MediaRef:
        return cls(**{**fields, "kind": MediaKind(fields["kind"])})


@dataclass(frozen=True, slots=True)
class Turn:
    """A user's message as a conversation needs it: nothing aiogram-specific survives here."""

    chat_id: int
    user_id: int
    message_id: int
    text: str
    language_code: str | None = None
    private: bool = True  # drafts stream only in private chats; groups stream by edits
    retry: bool = False  # /retry: answer the last question again, replacing the last answer
    thread_id: int | None = None  # the forum topic the message was written in
    acknowledged: bool = False  # it waited behind another turn and carries a 👀 reaction
    media: tuple[MediaRef, ...] = ()  # voice, photos (an album), a document; `text` is the caption
    speaker: str = ""  # who wrote it, for the model in a group and for /export
    sent_at: float = 0.0  # when Telegram says it was sent (Unix time), for /export

    def encode(self) -> str:
        """JSON with its schema version, as the durable inbox stores it."""
        return json.dumps({"v": TURN_SCHEMA, **asdict(self)}, ensure_ascii=False)

    @classmethod
    def decode(cls, raw: bytes | str) -> Turn:
        """Reads every schema written so far; v1 had the first seven fields, v2 nine."""
        fields = json.loads(raw)
        version = fields.pop("v", 1)
        if version > TURN_SCHEMA:
            raise ValueError(f"turn schema {version} is newer than this release's {TURN_SCHEMA}")
        media = tuple(MediaRef.from_json(ref) for ref in fields.pop("media", ()))
        return cls(**fields, media=media)
