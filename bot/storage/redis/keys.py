"""Every Redis key the bot writes, built in one place.

The layout is in docs/architecture.md, "Redis keys and schema versions".

Keys carry the prefix, the layout's schema version and the bot id, so two bots (or two
deployments with other prefixes) can share one Redis. aiogram's RedisStorage takes the same
builder for the FSM keys.
"""

from __future__ import annotations

from typing import Literal

from aiogram.fsm.storage.base import DEFAULT_DESTINY, KeyBuilder, StorageKey

from bot.core.chat import ChatKey
from bot.core.fsm import chat_storage_key

LAYOUT = 2  # v1: `<prefix>:v1:<kind>:<chat_id>`, no bot id; see bot/storage/redis/migration.py


class RedisKeys(KeyBuilder):
    """`<prefix>:v2:<bot_id>:<kind>[:<chat_id>[:<thread_id>]]`."""

    def __init__(self, prefix: str, bot_id: int) -> None:
        self.prefix = prefix
        self.bot_id = bot_id
        self.root = f"{prefix}:v{LAYOUT}:{bot_id}"

    def dialog(self, key: ChatKey) -> str:
        return f"{self.root}:dialog:{key.scope}"

    def kept_dialog(self, key: ChatKey, dialog_id: str) -> str:
        """An earlier dialog of the chat, kept for /dialogs (the current one is `dialog`)."""
        return f"{self.root}:kept:{key.scope}:{dialog_id}"

    def dialogs(self, key: ChatKey) -> str:
        """The chat's hash of its dialogs' facts, and which dialog is current."""
        return f"{self.root}:dialogs:{key.scope}"

    def inbox(self, key: ChatKey) -> str:
        """The chat's durable inbox, a stream of turns."""
        return f"{self.root}:inbox:{key.scope}"

    def attempts(self, key: ChatKey) -> str:
        """The starts of each turn of the chat's inbox that never wrote its end: a hash, the
        stream entry's id to its count."""
        return f"{self.root}:attempts:{key.scope}"

    @property
    def inboxes(self) -> str:
        """The set of chats whose inbox may hold turns."""
        return f"{self.root}:inboxes"

    def lease(self, key: ChatKey) -> str:
        return f"{self.root}:lease:{key.scope}"

    @property
    def control(self) -> str:
        """The pub/sub channel of /cancel, resets and stops between replicas."""
        return f"{self.root}:control"

    def control_answer(self, request_id: str) -> str:
        return f"{self.root}:control:answer:{request_id}"

    def rate(self, user_id: int) -> str:
        return f"{self.root}:rate:{user_id}"

    def budget(self, model: str) -> str:
        """A model's budget as last seen (bot/scheduling/budget.py), shared by the replicas."""
        return f"{self.root}:budget:{model}"

    @property
    def retired_models(self) -> str:
        """The set of models Groq retired while the bot ran (bot/storage/base.py)."""
        return f"{self.root}:retired_models"

    def usage(self, kind: str, day: str) -> str:
        """A UTC day's counts: `usage` (tokens by user), `turns` (by user), `stats`."""
        return f"{self.root}:{kind}:{day}"

    @property
    def migration(self) -> str:
        """Held while one replica migrates older layouts, then marks them done."""
        return f"{self.prefix}:v{LAYOUT}:migration"

    def chat_fsm(self, key: ChatKey, part: Literal["data", "state"]) -> str:
        """The chat's (or topic's) FSM record, as a handler's `state` writes it."""
        return self.build(chat_storage_key(key), part)

    def build(self, key: StorageKey, part: Literal["data", "state", "lock"] | None = None) -> str:
        """aiogram's FSM keys: `<root>:fsm:<chat>[:<thread>]:<user>[:<part>]`."""
        if key.destiny != DEFAULT_DESTINY or key.business_connection_id:
            raise ValueError("the bot keeps only default-destiny, non-business FSM records")
        chat = ChatKey(key.bot_id, key.chat_id, key.thread_id or None)
        parts = [f"{self.prefix}:v{LAYOUT}:{key.bot_id}:fsm", chat.scope, str(key.user_id)]
        if part:
            parts.append(part)
        return ":".join(parts)
