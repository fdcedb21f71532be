"""What the fake Groq reads in a chat request's messages: their text, and their images."""

from __future__ import annotations

from typing import Any

Messages = list[dict[str, Any]]


def text_of(content: Any) -> str:
    """A message's text: the string itself, or its text parts joined (image parts counted)."""
    if isinstance(content, str):
        return content
    texts = [p.get("text", "") for p in content if p.get("type") == "text"]
    images = sum(1 for p in content if p.get("type") == "image_url")
    return " ".join(texts) + (f" [{images} image(s)]" if images else "")


def images_of(messages: Messages) -> list[str]:
    """Every image URL of the request, oldest first."""
    return [
        part["image_url"]["url"]
        for m in messages
        if isinstance(m.get("content"), list)
        for part in m["content"]
        if part.get("type") == "image_url"
    ]
