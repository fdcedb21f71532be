"""The shared types: chat keys and their storage scope, turns and their versioned JSON."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from bot.core.chat import ChatKey
from bot.core.turn import MediaKind, MediaRef, Turn


def test_a_forum_topic_is_a_chat_key_of_its_own() -> None:
    chat, topic = ChatKey(1, -100), ChatKey(1, -100, thread_id=7)
    assert chat != topic
    assert (chat.scope, topic.scope) == ("-100", "-100:7")
    assert ChatKey.from_scope(1, topic.scope) == topic
    assert ChatKey.from_scope(1, chat.scope) == chat


def test_a_turn_survives_its_encoding() -> None:
    turn = Turn(1, 2, 3, "привет", "ru", private=False, thread_id=9, acknowledged=True)
    turn = replace(turn, speaker="Анна", sent_at=1_700_000_000.0)
    assert json.loads(turn.encode())["v"] == 3
    assert Turn.decode(turn.encode()) == turn


def test_a_turn_written_by_the_release_before_is_read() -> None:
    old = {"chat_id": 1, "user_id": 2, "message_id": 3, "text": "hi", "language_code": None}
    old |= {"private": True, "retry": False}
    assert Turn.decode(json.dumps(old)) == Turn(1, 2, 3, "hi")


def test_a_turn_of_schema_2_is_read_without_a_speaker() -> None:
    v2 = {"v": 2, "chat_id": 1, "user_id": 2, "message_id": 3, "text": "hi"}
    v2 |= {"private": False, "thread_id": 9, "acknowledged": True}
    turn = Turn.decode(json.dumps(v2))
    assert (turn.thread_id, turn.speaker, turn.sent_at) == (9, "", 0.0)


def test_a_turn_from_a_newer_release_is_refused_not_misread() -> None:
    with pytest.raises(ValueError, match="newer"):
        Turn.decode(json.dumps({"v": 4, "chat_id": 1}))


def test_a_turn_with_media_survives_its_encoding() -> None:
    refs = (
        MediaRef(MediaKind.PHOTO, "f1", "u1", size=1000, media_group_id="g"),
        MediaRef(MediaKind.DOCUMENT, "f2", "u2", "notes.md", "text/markdown", 20),
    )
    turn = Turn(1, 2, 3, "what is this?", "en", media=refs)
    assert json.loads(turn.encode())["v"] == 3
    decoded = Turn.decode(turn.encode())
    assert decoded == turn
    assert decoded.media[0].kind is MediaKind.PHOTO


def test_a_turn_written_before_media_is_read() -> None:
    v2 = {"v": 2, "chat_id": 1, "user_id": 2, "message_id": 3, "text": "hi", "thread_id": 9}
    assert Turn.decode(json.dumps(v2)) == Turn(1, 2, 3, "hi", thread_id=9)
