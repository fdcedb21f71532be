"""Documents read into a question: text-like files and PDFs with a text layer, nothing else.

What a file is comes from its name and MIME type, before anything is downloaded: an archive
or a program costs no download and no model call.
"""

from __future__ import annotations

import re
from enum import StrEnum

from bot.core.outcomes import Ending, Outcome
from bot.llm.transcription import AUDIO_EXTENSIONS
from bot.media.files import Unreadable

_TEXT_EXTENSIONS = (
    "txt text md markdown rst csv tsv json jsonl ndjson xml yaml yml toml ini cfg conf env "
    "log srt vtt tex html htm css scss sass less js mjs cjs ts tsx jsx vue svelte py pyi ipynb "
    "java kt kts scala groovy gradle c h cc cpp cxx hpp hh cs go rs rb php swift m mm dart lua "
    "pl pm r jl ex exs erl hs ml clj sh bash zsh fish ps1 bat cmd sql graphql proto properties "
    "dockerfile makefile mk cmake gitignore editorconfig diff patch"
)
TEXT_EXTENSIONS = frozenset(_TEXT_EXTENSIONS.split())
TEXT_MIME_TYPES = frozenset(
    {
        "application/json",
        "application/xml",
        "application/x-yaml",
        "application/yaml",
        "application/toml",
        "application/javascript",
        "application/x-sh",
        "application/sql",
    }
)
IMAGE_MIME_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})
_CYRILLIC_LANGUAGES = frozenset({"ru", "uk", "be", "bg", "sr", "mk", "kk", "ky", "tg"})


class DocumentKind(StrEnum):
    TEXT = "text"
    PDF = "pdf"
    IMAGE = "image"  # a picture sent as a file: shown to the vision model like a photo
    AUDIO = "audio"  # a recording sent as a file: transcribed like a voice note
    UNSUPPORTED = "unsupported"


def extension(name: str | None) -> str:
    if not name:
        return ""
    base = name.rsplit("/", 1)[-1].lower()
    return base.rsplit(".", 1)[-1] if "." in base else base


def classify(name: str | None, mime: str | None) -> DocumentKind:
    ext, mime = extension(name), (mime or "").lower()
    if ext == "pdf" or mime == "application/pdf":
        return DocumentKind.PDF
    if mime in IMAGE_MIME_TYPES:
        return DocumentKind.IMAGE
    if ext in AUDIO_EXTENSIONS and mime.startswith(("audio/", "video/")):
        return DocumentKind.AUDIO
    if ext in TEXT_EXTENSIONS or mime.startswith("text/") or mime in TEXT_MIME_TYPES:
        return DocumentKind.TEXT
    return DocumentKind.UNSUPPORTED


def read_text(raw: bytes, language: str | None) -> str:
    """UTF-8 (a BOM honoured); else the user's likely legacy code page, never an error."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", errors="replace")
    if b"\x00" in raw[:8192]:  # binary, whatever its name says
        raise Unreadable(Outcome(Ending.UNSUPPORTED_FILE, detail="binary content"))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        primary = (language or "").split("-")[0].lower()
        legacy = "cp1251" if primary in _CYRILLIC_LANGUAGES else "cp1252"
        return raw.decode(legacy, errors="replace")


def fenced(name: str, text: str) -> str:
    """The file as a fenced block under its name; the fence outgrows any run of backticks."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    language = extension(name) if "." in name else ""
    return f"File {name}:\n{fence}{language}\n{text}\n{fence}"


def cut(text: str, max_bytes: int) -> tuple[str, int]:
    """`text` within `max_bytes` of UTF-8, and the percentage of it kept (100: all of it)."""
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text, 100
    kept = encoded[:max_bytes].decode("utf-8", errors="ignore")
    return kept, min(99, max(1, len(kept) * 100 // len(text)))
