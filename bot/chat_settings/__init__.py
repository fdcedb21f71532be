"""Per-chat settings: the model, the system prompt, reasoning shown, web search.

They live in the chat's FSM data (so in Redis when STORAGE_URL is Redis) and are read once
per turn by the runner (docs/architecture.md, "Per-chat settings").
"""

from bot.chat_settings.model import SYSTEM_PROMPT_LIMIT, ChatSettings, ChatSettingsStore
from bot.chat_settings.personas import PERSONAS
from bot.chat_settings.prompt import ChatPreferences, TurnSettings

__all__ = [
    "PERSONAS",
    "SYSTEM_PROMPT_LIMIT",
    "ChatPreferences",
    "ChatSettings",
    "ChatSettingsStore",
    "TurnSettings",
]
