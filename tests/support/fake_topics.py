"""Forum topics for the fake Telegram: in private chats (Bot API 9.3+) and forum supergroups.

A mixin of FakeTelegram (tests/support/fake_telegram.py). What it models, and where the
error texts come from (the Bot API server, tdlib/telegram-bot-api, passes TDLib's errors on
with "Bad Request: " and a lowercased first letter unless the text is an UPPER_CASE code):
- getMe's `has_topics_enabled` and `allows_users_to_create_topics` (BotFather's switches);
- createForumTopic: a private chat is a forum only with topic mode on, else TDLib's "The chat
  is not a forum"; the name is cleaned as TDLib's clean_name does (spaces collapsed, trimmed,
  cut to 128 characters: too long is not an error) and "Name must be non-empty" if nothing
  is left;
- editForumTopic: an empty name keeps the current one (TDLib answers ok at once, before it
  asks the server about the topic); the server's TOPIC_ID_INVALID and TOPIC_NOT_MODIFIED;
- a message sent into a thread that is not a topic of the private chat: the Bot API's own
  "message thread not found" (its check_message_topic).
Telegram posts a service message (forum_topic_created, forum_topic_edited) into the topic; the
bot gets no update for its own, so the fake only records it as an Event.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from aiohttp import web

THREAD_NOT_FOUND = "Bad Request: message thread not found"
NOT_A_FORUM = "Bad Request: the chat is not a forum"
NAME_EMPTY = "Bad Request: name must be non-empty"
TOPIC_ID_INVALID = "Bad Request: TOPIC_ID_INVALID"
TOPIC_NOT_MODIFIED = "Bad Request: TOPIC_NOT_MODIFIED"
BAD_TOPIC_ID = "Bad Request: invalid forum topic identifier specified"
BAD_ICON_COLOR = "Bad Request: invalid icon color specified"
MAX_NAME = 128  # TDLib's MAX_FORUM_TOPIC_TITLE_LENGTH, in Unicode characters
DEFAULT_ICON_COLOR = 0x6FB9F0  # the first of the six colours the docs allow
# What TDLib's strip_empty_characters turns into a plain space, and what counts as empty.
ODD_SPACES = re.compile("[\u1680\u180e\u2000-\u200a\u202f\u205f\u2800\u3000\ufffc]")
EMPTY = set(" \n\u00a0\u200b\u200c\u200d\u200e\u200f\u202e\ufeff")


def clean_name(name: str) -> str:
    """A topic name as Telegram stores it (TDLib's clean_name with 128 characters)."""
    name = ODD_SPACES.sub(" ", name).strip(" \t\r\n")[:MAX_NAME].strip(" \t\r\n")
    if all(c in EMPTY for c in name):
        return ""
    return re.sub("[ \n\u00a0]+", " ", name).strip(" \t\r\n")


def thread_of(params: dict[str, Any]) -> int:
    """`message_thread_id` as the Bot API reads it: missing or negative is 0 (none)."""
    try:
        thread = int(params.get("message_thread_id") or 0)
    except ValueError:
        return 0
    return max(thread, 0)


def _refused(description: str) -> web.Response:
    return web.json_response(
        {"ok": False, "error_code": 400, "description": description}, status=400
    )


class ForumTopics:
    """Topic state and the Bot API methods on it; the host (FakeTelegram) supplies
    `message_update` and `_record_topic_event`."""

    def __init__(self) -> None:
        super().__init__()
        self.topics_enabled = False  # the bot's topic mode in private chats (BotFather)
        self.allows_users_to_create_topics = True  # reported only with topic mode on
        self.forums: set[int] = set()  # supergroups that are forums (createForumTopic there)
        self.topics: dict[tuple[int, int], str] = {}  # (chat id, thread id) -> name now
        # Every name a topic got, in order: its creation, then each rename.
        self.topic_edits: list[tuple[int, int, str]] = []
        self._topic_icons: dict[tuple[int, int], str] = {}
        self._topic_ids = itertools.count(50_000)  # apart from users' and bot's message ids

    # --- what tests do ---------------------------------------------------------------------

    def open_topic(
        self, user_id: int, name: str = "New Chat", *, implicit: bool = False
    ) -> dict[str, Any]:
        """The user created a topic in the bot's chat: it exists from now on; the returned
        update is its forum_topic_created service message (push it to deliver it)."""
        assert self.topics_enabled and self.allows_users_to_create_topics, (
            "users create topics only in a bot with topic mode on that allows it"
        )
        thread = self._new_topic(user_id, clean_name(name) or "New Chat")
        created: dict[str, Any] = {"name": self.topics[(user_id, thread)]}
        created["icon_color"] = DEFAULT_ICON_COLOR
        if implicit:
            created["is_name_implicit"] = True
        update = self.message_update(user_id, None, forum_topic_created=created)
        update["message"] |= {
            "message_id": thread,
            "message_thread_id": thread,
            "is_topic_message": True,
        }
        return update

    def private_topic_update(
        self, user_id: int, text: str, *, thread_id: int, **kwargs: Any
    ) -> dict[str, Any]:
        """A user's message in topic `thread_id` of their private chat with the bot."""
        assert self.topics_enabled and (user_id, thread_id) in self.topics, (
            f"no topic {thread_id} in chat {user_id}: createForumTopic or open_topic first"
        )
        update = self.message_update(user_id, text, **kwargs)
        update["message"] |= {"message_thread_id": thread_id, "is_topic_message": True}
        return update

    def delete_topic(self, chat_id: int, thread_id: int) -> None:
        """The user deleted the topic (and its messages): sends into it are refused."""
        del self.topics[(chat_id, thread_id)]

    def bot_topic_fields(self) -> dict[str, bool]:
        """What getMe adds for a bot (always both, as the Bot API does)."""
        return {
            "has_topics_enabled": self.topics_enabled,
            "allows_users_to_create_topics": (
                self.topics_enabled and self.allows_users_to_create_topics
            ),
        }

    def thread_refused(self, chat_id: int, params: dict[str, Any]) -> web.Response | None:
        """A send into a private chat's thread that is not one of its topics. Supergroup
        threads are not checked: tests write in topics they never created."""
        thread = thread_of(params)
        if chat_id > 0 and thread and not self._is_topic(chat_id, thread):
            return _refused(THREAD_NOT_FOUND)
        return None

    # --- the host's part -------------------------------------------------------------------

    def message_update(
        self, user_id: int, text: str | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        raise NotImplementedError

    def _record_topic_event(self, method: str, chat_id: int, thread_id: int, name: str) -> None:
        raise NotImplementedError

    # --- the server ------------------------------------------------------------------------

    async def _api_createForumTopic(self, params: dict[str, Any]) -> Any:  # noqa: N802
        chat_id = int(params["chat_id"])
        if not self._is_forum(chat_id):
            return _refused(NOT_A_FORUM)
        name = clean_name(str(params.get("name", "")))
        if not name:
            return _refused(NAME_EMPTY)
        color = int(params.get("icon_color") or 0)
        if not 0 <= color <= 0xFFFFFF:
            return _refused(BAD_ICON_COLOR)
        thread = self._new_topic(chat_id, name)
        topic: dict[str, Any] = {
            "message_thread_id": thread,
            "name": name,
            "icon_color": color or DEFAULT_ICON_COLOR,
        }
        if params.get("icon_custom_emoji_id"):
            topic["icon_custom_emoji_id"] = str(params["icon_custom_emoji_id"])
            self._topic_icons[(chat_id, thread)] = topic["icon_custom_emoji_id"]
        self._record_topic_event("createForumTopic", chat_id, thread, name)
        return topic

    async def _api_editForumTopic(self, params: dict[str, Any]) -> Any:  # noqa: N802
        chat_id, thread = int(params["chat_id"]), thread_of(params)
        if not self._is_forum(chat_id):
            return _refused(NOT_A_FORUM)
        if not thread:
            return _refused(BAD_TOPIC_ID)
        raw, icon = str(params.get("name") or ""), params.get("icon_custom_emoji_id")
        name = clean_name(raw)
        if raw and not name:
            return _refused(NAME_EMPTY)
        if not raw and icon is None:
            return True  # nothing to change: TDLib does not even ask
        key = (chat_id, thread)
        if key not in self.topics:
            return _refused(TOPIC_ID_INVALID)
        new_name = name or self.topics[key]
        new_icon = self._topic_icons.get(key, "") if icon is None else str(icon)
        if (new_name, new_icon) == (self.topics[key], self._topic_icons.get(key, "")):
            return _refused(TOPIC_NOT_MODIFIED)
        self.topics[key] = new_name
        self._topic_icons[key] = new_icon
        self.topic_edits.append((chat_id, thread, new_name))
        self._record_topic_event("editForumTopic", chat_id, thread, new_name)
        return True

    def _is_forum(self, chat_id: int) -> bool:
        return self.topics_enabled if chat_id > 0 else chat_id in self.forums

    def _is_topic(self, chat_id: int, thread: int) -> bool:
        return self._is_forum(chat_id) and (chat_id, thread) in self.topics

    def _new_topic(self, chat_id: int, name: str) -> int:
        thread = next(self._topic_ids)
        self.topics[(chat_id, thread)] = name
        self.topic_edits.append((chat_id, thread, name))
        return thread
