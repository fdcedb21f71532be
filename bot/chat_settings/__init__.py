"""Per-chat settings: the model, the system prompt, reasoning shown, web search.

The settings object itself is bot/core/chat_settings.py, low enough for every layer; here it
is kept in the chat's FSM data (so in Redis when STORAGE_URL is Redis), shown in the /settings
menu, and checked against Groq's catalog once per turn (docs/architecture.md, "Per-chat
settings").
"""

from bot.chat_settings.model import SYSTEM_PROMPT_LIMIT, ChatSettingsStore
from bot.chat_settings.personas import PERSONAS
from bot.chat_settings.preferences import ChatPreferences

__all__ = [
    "PERSONAS",
    "SYSTEM_PROMPT_LIMIT",
    "ChatPreferences",
    "ChatSettingsStore",
]
