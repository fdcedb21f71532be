"""A media turn's question: a voice note transcribed, photos checked, a document read.

Called by the runner's load step; whatever cannot become a question ends in an `Outcome`
(bot/conversation/outcomes.py), so nothing is committed and no model is called.
"""

from __future__ import annotations

import asyncio

from aiogram.types import MessageEntity

from bot.core.messages import ChatMessage
from bot.core.outcomes import Ending, Outcome
from bot.core.turn import MediaKind, MediaRef, Turn
from bot.delivery.sender import ReplySender
from bot.llm.families import MAX_IMAGES_PER_REQUEST
from bot.llm.transcription import AUDIO_EXTENSIONS, Transcriber, language_hint
from bot.media.documents import (
    DocumentKind,
    classify,
    cut,
    extension,
    fenced,
    read_text,
)
from bot.media.files import Downloader, Unreadable
from bot.media.images import Images
from bot.media.pdf import MAX_PDF_PAGES, PdfReading
from bot.scheduling.quota import Spending
from bot.texts import texts_for

SOUND = (MediaKind.VOICE, MediaKind.AUDIO, MediaKind.VIDEO_NOTE)
_SHOWN_TRANSCRIPT = 3000  # characters of a transcript quoted back; the model gets it all
# Telegram names voice notes .oga; Groq knows the same Ogg container as .ogg.
_RENAMED = {"oga": "ogg", "opus": "ogg", "mpga": "mp3", "m4v": "mp4"}
_BY_MIME = {
    "audio/ogg": "ogg",
    "audio/mpeg": "mp3",
    "audio/mp4": "m4a",
    "audio/x-m4a": "m4a",
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/flac": "flac",
    "audio/webm": "webm",
    "video/mp4": "mp4",
}
_BY_KIND = {MediaKind.VOICE: "ogg", MediaKind.VIDEO_NOTE: "mp4", MediaKind.AUDIO: "mp3"}


def audio_file_name(ref: MediaRef, path: str) -> str:
    """A name whose extension Groq accepts for what Telegram sent."""
    for candidate in (extension(ref.file_name), extension(path)):
        ext = _RENAMED.get(candidate, candidate)
        if ext in AUDIO_EXTENSIONS:
            return f"{ref.kind.value}.{ext}"
    ext = _BY_MIME.get((ref.mime_type or "").lower(), _BY_KIND.get(ref.kind, "ogg"))
    return f"{ref.kind.value}.{ext}"


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class MediaReader:
    def __init__(
        self,
        *,
        downloader: Downloader,
        images: Images,
        transcriber: Transcriber,
        sender: ReplySender,
        pdfs: PdfReading,
        file_bytes: int,
    ) -> None:
        self._pdfs = pdfs
        self._downloader = downloader
        self._images = images
        self._transcriber = transcriber
        self._sender = sender
        self._file_bytes = file_bytes  # of a document's text a question may carry

    async def aclose(self) -> None:
        """Its transcriber's client, which nothing else uses."""
        await self._transcriber.aclose()

    async def question(self, turn: Turn, spent: Spending) -> ChatMessage | Outcome:
        """Raises only `ModelError` (transcription) and cancellation; Whisper's audio goes to
        `spent`, as Groq bills it, even when the transcript turns out empty."""
        try:
            async with self._sender.typing(turn.chat_id):
                return await self._read(turn, spent)
        except Unreadable as problem:
            return problem.outcome

    async def _read(self, turn: Turn, spent: Spending) -> ChatMessage:
        first = turn.media[0]
        if first.kind in SOUND:
            return await self._voice(turn, first, spent)
        if first.kind is MediaKind.PHOTO:
            return await self._photos(turn)
        kind = classify(first.file_name, first.mime_type)
        if kind is DocumentKind.IMAGE:
            return await self._photos(turn)
        if kind is DocumentKind.AUDIO:
            return await self._voice(turn, first, spent)
        if kind is DocumentKind.UNSUPPORTED:
            raise Unreadable(Outcome(Ending.UNSUPPORTED_FILE, detail=first.mime_type or ""))
        return await self._document(turn, first, kind)

    async def _voice(self, turn: Turn, ref: MediaRef, spent: Spending) -> ChatMessage:
        raw, path = await self._downloader.fetch(ref.file_id, ref.size)
        name = audio_file_name(ref, path)
        result = await self._transcriber.transcribe(raw, name, language_hint(turn.language_code))
        spent.heard(result.seconds)
        heard = result.text
        if not heard:
            raise Unreadable(Outcome(Ending.EMPTY_TRANSCRIPT))
        await self._show_heard(turn, heard)
        return ChatMessage.user(f"{turn.text}\n\n{heard}" if turn.text else heard)

    async def _show_heard(self, turn: Turn, heard: str) -> None:
        """The transcript, quoted in a collapsed blockquote, so a misheard word is visible."""
        shown = heard if len(heard) <= _SHOWN_TRANSCRIPT else heard[:_SHOWN_TRANSCRIPT] + "…"
        text = texts_for(turn.language_code).heard_template.format(transcript=shown)
        quote = MessageEntity(type="expandable_blockquote", offset=0, length=utf16_len(text))
        await self._sender.post(turn.chat_id, text, [quote], turn.message_id)

    async def _photos(self, turn: Turn) -> ChatMessage:
        shown = turn.media[:MAX_IMAGES_PER_REQUEST]
        if len(turn.media) > len(shown):
            notice = texts_for(turn.language_code).too_many_images(len(shown), len(turn.media))
            await self._sender.notify(turn.chat_id, notice, reply_to=turn.message_id)
        # Checked and cached now: a broken image fails this turn, not a later one.
        await asyncio.gather(*(self._images.data_url(r.file_id, r.size) for r in shown))
        images = tuple(ref.file_id for ref in shown)
        return ChatMessage.user(turn.text or texts_for(turn.language_code).describe_image, images)

    async def _document(self, turn: Turn, ref: MediaRef, kind: DocumentKind) -> ChatMessage:
        raw, _ = await self._downloader.fetch(ref.file_id, ref.size)
        name = ref.file_name or "file"
        if kind is DocumentKind.PDF:
            text = await self._pdf(turn, raw, name)
        else:
            text = read_text(raw, turn.language_code)
        kept, percent = cut(text, self._file_bytes)
        if percent < 100:
            notice = texts_for(turn.language_code).file_cut(name, percent)
            await self._sender.notify(turn.chat_id, notice, reply_to=turn.message_id)
        return ChatMessage.user(
            f"{fenced(name, kept)}\n\n{turn.text or texts_for(turn.language_code).read_file}"
        )

    async def _pdf(self, turn: Turn, raw: bytes, name: str) -> str:
        """Its text, in a process of its own; the user is told when some pages were left."""
        read = await self._pdfs.read(raw, self._file_bytes, turn.chat_id)
        texts = texts_for(turn.language_code)
        notice = None
        if read.stopped:
            notice = texts.pdf_partial(name, read.pages_read, read.pages_total)
        elif read.capped:
            notice = texts.pdf_pages_cut(name, MAX_PDF_PAGES, read.pages_total)
        if notice is not None:
            await self._sender.notify(turn.chat_id, notice, reply_to=turn.message_id)
        return read.text
