"""Speech to text through Groq's Whisper, behind a port of its own like the chat model's."""

from __future__ import annotations

import typing
from abc import ABC, abstractmethod
from dataclasses import dataclass

import groq
from groq import AsyncGroq
from groq.resources.audio.transcriptions import AsyncTranscriptions

from bot.core.errors import ModelErrorKind
from bot.llm.catalog import ModelCatalog
from bot.llm.groq_errors import map_error

# The file names Groq accepts: it checks the extension, not the bytes.
AUDIO_EXTENSIONS = frozenset({"flac", "mp3", "mp4", "mpeg", "mpga", "m4a", "ogg", "wav", "webm"})


def _whisper_languages() -> frozenset[str]:
    """The language hints Whisper knows, as the SDK lists them; an unknown hint is a 400."""
    hint = typing.get_type_hints(AsyncTranscriptions.create)["language"]
    for option in typing.get_args(hint):
        if typing.get_origin(option) is typing.Literal:
            return frozenset(typing.get_args(option))
    return frozenset({"en", "ru"})


WHISPER_LANGUAGES = _whisper_languages()


def language_hint(language_code: str | None) -> str | None:
    """Telegram's IETF tag (`pt-br`) as Whisper's ISO 639-1 code (`pt`), when it knows it."""
    if not language_code:
        return None
    primary = language_code.split("-")[0].lower()
    return primary if primary in WHISPER_LANGUAGES else None


@dataclass(frozen=True, slots=True)
class Heard:
    """A transcript, and how long the audio plays: Groq bills Whisper by the second."""

    text: str
    seconds: float


class Transcriber(ABC):
    """Raises only `ModelError`, mapped like the chat model's errors."""

    @abstractmethod
    async def transcribe(self, audio: bytes, file_name: str, language: str | None) -> Heard:
        """The words spoken in `audio`; `file_name`'s extension names its format."""

    @abstractmethod
    async def aclose(self) -> None:
        """Release connections; called once on shutdown."""


class GroqTranscriber(Transcriber):
    """TRANSCRIPTION_MODEL while Groq serves it; once retired, the best live Whisper."""

    def __init__(self, client: AsyncGroq, model: str, catalog: ModelCatalog) -> None:
        self._client = client
        self._model = model
        self._catalog = catalog

    async def transcribe(self, audio: bytes, file_name: str, language: str | None) -> Heard:
        await self._catalog.refresh()
        model = self._catalog.transcription_model(self._model)
        while True:
            try:
                result = await self._client.audio.transcriptions.create(
                    model=model,
                    file=(file_name, audio),
                    response_format="verbose_json",  # with the audio's duration
                    language=language if language is not None else groq.omit,
                )
            except groq.GroqError as raised:
                error = map_error(raised, model)
                if error.kind is not ModelErrorKind.MODEL_RETIRED:
                    raise error from raised
                stand_in = await self._catalog.retire(model)
                if stand_in is None:
                    raise error from raised
                model = stand_in
                continue
            return Heard(result.text.strip(), _seconds(result))

    async def aclose(self) -> None:
        await self._client.close()


def _seconds(result: object) -> float:
    """`verbose_json`'s `duration`, beyond the SDK's model (which has only `text`); else the
    end of its last segment; 0 when it says neither (the billed minimum then applies)."""
    duration = getattr(result, "duration", None)
    if isinstance(duration, int | float) and duration >= 0:
        return float(duration)
    segments = getattr(result, "segments", None)
    if isinstance(segments, list) and segments and isinstance(segments[-1], dict):
        end = segments[-1].get("end")
        if isinstance(end, int | float) and end >= 0:
            return float(end)
    return 0.0
