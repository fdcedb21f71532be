"""What one chat chose: the one settings object a turn reads from the chat's FSM data and
carries, as it is, into every model request it makes (bot/llm/port.py `ModelRequest.settings`).

A new per-chat setting is a field here; its menu, its label and the code that acts on it read
the field from this object. A new switch is a field and a name in `SWITCHES`, a label in each
language and the code that acts on it (docs/architecture.md, "Per-chat settings").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

DATA_FIELD = "chat_settings"  # the FSM data's field; other fields belong to others
# The on/off settings, in the menu's order: /settings shows each as a button that flips it and a
# line of its summary, labelled in every language by `Texts.switches` (bot/texts/).
SWITCHES = ("reasoning", "search")


@dataclass(frozen=True, slots=True)
class ChatSettings:
    """Empty strings mean "the bot's default"."""

    model: str = ""  # the chat's model; in a request, the model it goes to (bot/llm/live.py)
    system: str = ""  # the chat's own system prompt, or a persona's
    persona: str = ""  # the persona picked in /settings, for its label
    reasoning: bool = False  # show a reasoning model's thinking, collapsed
    effort: str = ""  # reasoning effort (low, medium, high) for models that take one
    search: bool = False  # let the model search the web (a model that can, bot/llm/live.py)
    revision: int = 0  # bumped by every change: a button of an older menu is stale

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> ChatSettings:
        """Unknown fields (a newer release's) are ignored; missing ones take the default."""
        raw = data.get(DATA_FIELD) or {}
        known = {f.name for f in fields(cls)}
        return cls(**{name: value for name, value in raw.items() if name in known})

    def as_data(self) -> dict[str, Any]:
        """The FSM data's update that stores these settings, leaving its other fields alone."""
        return {DATA_FIELD: asdict(self)}

    def changed(self, **changes: Any) -> ChatSettings:
        return replace(self, **changes, revision=self.revision + 1)

    def flipped(self, switch: str) -> ChatSettings:
        """The settings with one of `SWITCHES` turned the other way."""
        return self.changed(**{switch: not getattr(self, switch)})
