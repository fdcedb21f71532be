"""Groq's model ids as of late 2026, by the names the model tests use: the defaults
(GPT_120 for chat, QWEN for vision, TURBO for transcription) and their neighbours.

The catalog's and the families' tests share them, so they live here."""

from __future__ import annotations

GPT_120, GPT_20, QWEN = "openai/gpt-oss-120b", "openai/gpt-oss-20b", "qwen/qwen3.6-27b"
WHISPER, TURBO = "whisper-large-v3", "whisper-large-v3-turbo"
