"""Speech to text, for the fake Groq: /audio/transcriptions as Groq answers it (file types
it takes, plain or `verbose_json` bodies), with what a test makes it hear and fail."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.support.fake_groq_faults import FaultKind, ScriptedFaults, error, unauthorized
from tests.support.fake_groq_models import ModelLineup

# What Groq accepts for /audio/transcriptions: it checks the file name's extension.
AUDIO_EXTENSIONS = {"flac", "mp3", "mp4", "mpeg", "mpga", "m4a", "ogg", "wav", "webm"}


@dataclass
class Transcription:
    file_name: str
    model: str
    language: str | None
    audio: bytes


def _verbose(text: str, language: object, seconds: float) -> dict[str, Any]:
    """A `verbose_json` transcription: the audio's duration, and the text as one segment."""
    segment = {
        "id": 0,
        "seek": 0,
        "start": 0.0,
        "end": seconds,
        "text": text,
        "tokens": [50365, 50415],
        "temperature": 0.0,
        "avg_logprob": -0.25,
        "compression_ratio": 1.1,
        "no_speech_prob": 0.01,
    }
    spoken = str(language) if language else "English"
    return {
        "task": "transcribe",
        "language": spoken,
        "duration": seconds,
        "text": text,
        "segments": [segment] if text.strip() else [],
    }


class Transcriptions(ModelLineup, ScriptedFaults):
    """A mixin of FakeGroq: the transcriptions it was asked for and what it heard; the host
    supplies `_ids` and `_notify`."""

    _ids: itertools.count[int]  # the host's: one count for every id it gives

    def __init__(self) -> None:
        super().__init__()
        self.transcriptions: list[Transcription] = []
        self.transcriber: Callable[[bytes], str] = lambda audio: audio.decode(errors="ignore")
        # how long the audio plays, in seconds: what `verbose_json` reports as its `duration`
        self.audio_seconds: Callable[[bytes], float] = lambda audio: 2.0
        self.transcription_faults: list[FaultKind] = []

    # --- the host's part -------------------------------------------------------------------

    async def _notify(self) -> None:
        raise NotImplementedError

    # --- the server ------------------------------------------------------------------------

    async def _transcriptions(self, request: web.Request) -> web.Response:
        refused = unauthorized(request, self.api_key)
        if refused is not None:
            return refused
        form = await request.post()
        upload = form.get("file")
        if not isinstance(upload, web.FileField):
            return error(400, "file is required", "invalid_request_error", None)
        name = upload.filename or ""
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if extension not in AUDIO_EXTENSIONS:
            message = f"file must be one of the following types: {sorted(AUDIO_EXTENSIONS)}"
            return error(400, message, "invalid_request_error", None)
        audio = upload.file.read()
        language = form.get("language")
        model = str(form.get("model"))
        self.transcriptions.append(
            Transcription(name, model, str(language) if language else None, audio)
        )
        await self._notify()
        refused = self._check_model(model)
        if refused is not None:
            return refused
        if self.transcription_faults:
            return await self._fail(self.transcription_faults.pop(0), 0.1)
        text = self.transcriber(audio)
        meta = {"x_groq": {"id": f"req_{next(self._ids)}"}}
        if form.get("response_format") != "verbose_json":
            return web.json_response({"text": text, **meta})
        return web.json_response(_verbose(text, language, self.audio_seconds(audio)) | meta)
