"""What the bot sends, for the fake Telegram: the Bot API methods that show a user something
(messages, edits, deletes, drafts, documents, chat actions, reactions), checked as Telegram
checks them and recorded for tests to read."""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

from tests.support.fake_telegram_limits import check_text
from tests.support.fake_telegram_records import Document, Draft, Edit, Event, SentMessage
from tests.support.fake_telegram_wire import error, message_json
from tests.support.fake_topics import ForumTopics, thread_of

# What Telegram lets a bot react with; the bot uses 👀 (a sample of the real list).
REACTIONS = {"👀", "👍", "👎", "❤", "🔥", "🤔", "👌", "✍"}


class BotSends(ForumTopics):
    """A mixin of FakeTelegram: the bot's sends into chats and their topics; the host
    supplies `_incoming` (the messages users sent) and `message_update`."""

    _incoming: set[tuple[int, int]]  # the host's: (chat id, message id) users sent

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[SentMessage] = []
        self.drafts: list[Draft] = []
        self.edits: list[Edit] = []
        self.documents: list[Document] = []
        self.chat_actions: list[tuple[int, str]] = []
        # The bot's reaction on each user message now, and every change in order.
        self.reactions: dict[tuple[int, int], list[str]] = {}
        self.reaction_log: list[tuple[int, int, list[str]]] = []
        self.deleted: set[tuple[int, int]] = set()  # (chat id, message id)
        self.events: list[Event] = []
        self._outgoing_ids = itertools.count(100_000)

    # --- what tests do ---------------------------------------------------------------------

    def sent_to(self, chat_id: int) -> list[SentMessage]:
        return [message for message in self.sent if message.chat_id == chat_id]

    def visible(self, chat_id: int) -> list[SentMessage]:
        """The chat's messages as the user sees them now: sent, and not deleted since."""
        return [m for m in self.sent_to(chat_id) if (chat_id, m.message_id) not in self.deleted]

    def delete_message(self, chat_id: int, message_id: int) -> None:
        """Someone (the user, an admin) deleted the message: the bot can no longer edit it."""
        self.deleted.add((chat_id, message_id))
        self.events.append(Event("deleteMessage", chat_id, message_id, ""))

    def _record_topic_event(self, method: str, chat_id: int, thread_id: int, name: str) -> None:
        self.events.append(Event(method, chat_id, thread_id, name))

    # --- the server ------------------------------------------------------------------------

    async def _api_sendChatAction(self, params: dict[str, Any]) -> Any:  # noqa: N802
        self.chat_actions.append((int(params["chat_id"]), str(params.get("action"))))
        return True

    async def _api_setMessageReaction(self, params: dict[str, Any]) -> Any:  # noqa: N802
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        if (chat_id, message_id) not in self._incoming:
            return error(400, "Bad Request: message to react not found")
        raw = params.get("reaction") or []
        emoji = [str(r.get("emoji")) for r in (json.loads(raw) if isinstance(raw, str) else raw)]
        if any(e not in REACTIONS for e in emoji):
            return error(400, "Bad Request: REACTION_INVALID")
        self.reactions[(chat_id, message_id)] = emoji
        self.reaction_log.append((chat_id, message_id, emoji))
        return True

    async def _api_sendMessageDraft(self, params: dict[str, Any]) -> Any:  # noqa: N802
        text = str(params.get("text", ""))
        refused = check_text(text, params.get("entities"), allow_empty=True)
        if refused is not None:
            return refused
        if int(params.get("draft_id", 0)) == 0:
            return error(400, "Bad Request: draft_id must be non-zero")
        # Unverified: the Bot API passes a draft's thread to TDLib unchecked, and what the
        # server says of one that is not a topic is not documented; refused as sendMessage is.
        refused = self.thread_refused(int(params["chat_id"]), params)
        if refused is not None:
            return refused
        self.drafts.append(
            Draft(
                chat_id=int(params["chat_id"]),
                draft_id=int(params["draft_id"]),
                text=text,
                entities=params.get("entities"),
                can_stop=str(params.get("can_stop")).lower() == "true",
                at=time.monotonic(),
                thread_id=thread_of(params) or None,
            )
        )
        self.events.append(Event("sendMessageDraft", int(params["chat_id"]), None, text))
        return True

    async def _api_deleteMessage(self, params: dict[str, Any]) -> Any:  # noqa: N802
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        if not any(m.message_id == message_id for m in self.visible(chat_id)):
            return error(400, "Bad Request: message to delete not found")
        self.delete_message(chat_id, message_id)
        return True

    async def _api_editMessageText(self, params: dict[str, Any]) -> Any:  # noqa: N802
        text = str(params.get("text", ""))
        refused = check_text(text, params.get("entities"))
        if refused is not None:
            return refused
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        message = next((m for m in self.visible(chat_id) if m.message_id == message_id), None)
        if message is None:
            return error(400, "Bad Request: message to edit not found")
        markup = params.get("reply_markup", message.reply_markup)
        if (message.text, message.entities, message.reply_markup) == (
            text,
            params.get("entities"),
            markup,
        ):
            return error(400, "Bad Request: message is not modified")
        message.text = text
        message.entities = params.get("entities")
        message.reply_markup = markup
        self.edits.append(
            Edit(chat_id, message_id, text, params.get("entities"), time.monotonic())
        )
        self.events.append(Event("editMessageText", chat_id, message_id, text))
        return message_json(chat_id, message_id, text, message.thread_id)

    async def _api_sendDocument(self, params: dict[str, Any]) -> Any:  # noqa: N802
        upload = params["document"]
        if isinstance(upload, str) and upload.startswith("attach://"):  # aiogram's way
            upload = params[upload.removeprefix("attach://")]
        chat_id = int(params["chat_id"])
        refused = self.thread_refused(chat_id, params)
        if refused is not None:
            return refused
        self.documents.append(
            Document(
                chat_id,
                str(upload["filename"]),
                upload["content"].decode(),
                str(params.get("caption", "")),
                params,
            )
        )
        return message_json(chat_id, next(self._outgoing_ids), "", thread_of(params) or None)

    async def _api_sendMessage(self, params: dict[str, Any]) -> Any:  # noqa: N802
        text = str(params.get("text", ""))
        refused = check_text(text, params.get("entities"))
        if refused is not None:
            return refused
        reply = params.get("reply_parameters")
        reply_to = reply.get("message_id") if isinstance(reply, dict) else None
        if reply_to is None and "reply_to_message_id" in params:
            reply_to = int(params["reply_to_message_id"])
        chat_id = int(params["chat_id"])
        refused = self.thread_refused(chat_id, params)
        if refused is not None:
            return refused
        message = SentMessage(
            chat_id=chat_id,
            text=text,
            message_id=next(self._outgoing_ids),
            reply_to_message_id=reply_to,
            reply_markup=params.get("reply_markup"),
            entities=params.get("entities"),
            params=params,
        )
        self.sent.append(message)
        self.events.append(Event("sendMessage", chat_id, message.message_id, text))
        return message_json(chat_id, message.message_id, text, message.thread_id)
