"""Reading documents and naming audio: the pure parts of bot/media/."""

from __future__ import annotations

import pytest

from bot.core.turn import MediaKind, MediaRef
from bot.llm.families import has_vision
from bot.llm.transcription import language_hint
from bot.media.documents import DocumentKind, classify, cut, fenced, read_text
from bot.media.files import Unreadable
from bot.media.reader import audio_file_name


@pytest.mark.parametrize(
    ("name", "mime", "kind"),
    [
        ("notes.md", None, DocumentKind.TEXT),
        ("main.py", "text/x-python", DocumentKind.TEXT),
        ("data", "application/json", DocumentKind.TEXT),
        ("Report.PDF", None, DocumentKind.PDF),
        ("shot.png", "image/png", DocumentKind.IMAGE),
        ("song.mp3", "audio/mpeg", DocumentKind.AUDIO),
        ("backup.zip", "application/zip", DocumentKind.UNSUPPORTED),
        ("setup.exe", "application/x-msdownload", DocumentKind.UNSUPPORTED),
        (None, None, DocumentKind.UNSUPPORTED),
    ],
)
def test_documents_are_classified_by_name_and_type(
    name: str | None, mime: str | None, kind: DocumentKind
) -> None:
    assert classify(name, mime) is kind


def test_text_is_utf8_with_a_legacy_fallback() -> None:
    assert read_text("привет".encode(), "en") == "привет"
    assert read_text("\ufeffbom".encode(), None) == "bom"
    assert read_text("привет".encode("cp1251"), "ru") == "привет"
    assert read_text("café".encode("cp1252"), "en-US") == "café"
    with pytest.raises(Unreadable):
        read_text(b"\x7fELF\x00\x01", "en")


def test_a_fence_outgrows_the_backticks_inside() -> None:
    block = fenced("a.md", "```py\nx\n```")
    assert block.startswith("File a.md:\n````md\n") and block.endswith("\n````")


def test_a_cut_says_how_much_was_kept() -> None:
    assert cut("short", 100) == ("short", 100)
    kept, percent = cut("я" * 100, 50)  # two bytes a letter
    assert (kept, percent) == ("я" * 25, 25)


def test_audio_gets_a_name_groq_accepts() -> None:
    voice = MediaRef(MediaKind.VOICE, "f", "u", mime_type="audio/ogg")
    assert audio_file_name(voice, "voice/file_3.oga") == "voice.ogg"
    note = MediaRef(MediaKind.VIDEO_NOTE, "f", "u", mime_type="video/mp4")
    assert audio_file_name(note, "video_notes/file_1") == "video_note.mp4"
    song = MediaRef(MediaKind.AUDIO, "f", "u", "Song.FLAC", "audio/flac")
    assert audio_file_name(song, "music/file_2") == "audio.flac"


def test_language_hints_and_vision_models() -> None:
    assert [language_hint(c) for c in ("en", "pt-br", "RU", "xx", None)] == [
        "en", "pt", "ru", None, None,
    ]  # fmt: skip
    assert has_vision("qwen/qwen3.6-27b")
    assert not has_vision("openai/gpt-oss-120b")
