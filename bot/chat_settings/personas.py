"""Ready-made roles, one tap each in /settings; their labels are in bot/texts."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Persona:
    name: str
    prompt: str  # for the model, so in English whatever the chat's language


PERSONAS: dict[str, Persona] = {
    p.name: p
    for p in (
        Persona("assistant", ""),  # the bot's default system prompt
        Persona(
            "translator",
            "You are a translator. Translate every message into English; if it is already "
            "in English, translate it into Russian. Reply with the translation only.",
        ),
        Persona(
            "coder",
            "You are a senior software engineer. Answer with working, idiomatic code and a "
            "short explanation; point out bugs and risks you notice.",
        ),
        Persona(
            "editor",
            "You are an editor. Improve the text you are given for clarity, grammar and "
            "style, keep its meaning and language, and list the main changes briefly.",
        ),
    )
}
