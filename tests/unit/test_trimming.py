"""Concrete cases of the token estimate and trimming, including its refusals."""

import pytest

from bot.core.messages import ChatMessage
from bot.core.tokens import estimate_tokens, message_tokens, shorten_to_tokens
from bot.core.trimming import Budget, min_tokens_for, trim_history

SYSTEM = ChatMessage.system("be brief")  # 8 bytes: 2 tokens + 4 overhead = 6


def test_estimate_counts_utf8_bytes_conservatively() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("abcd") == 1
    assert estimate_tokens("abcde") == 2
    assert estimate_tokens("жжжж") == 2  # Cyrillic is two bytes a letter
    assert estimate_tokens("😀") == 1
    assert message_tokens(SYSTEM) == 6


def test_shorten_keeps_the_end_and_never_cuts_a_character() -> None:
    assert shorten_to_tokens("hello world", 1) == "orld"
    assert shorten_to_tokens("жжжж", 1) == "жж"
    assert shorten_to_tokens("a😀😀", 1) == "😀"
    assert shorten_to_tokens("short", 10) == "short"
    assert shorten_to_tokens("anything", 0) == ""


def test_keeps_newest_pairs_that_fit() -> None:
    dialog = [
        ChatMessage.user("q1" * 10),  # 5 + 4 = 9 tokens
        ChatMessage.assistant("a1" * 10),
        ChatMessage.user("q2"),  # 1 + 4 = 5
        ChatMessage.assistant("a2"),
        ChatMessage.user("q3"),
    ]
    result = trim_history(SYSTEM, dialog, Budget(max_tokens=6 + 15 + 9, max_messages=10))
    assert result == [SYSTEM, *dialog[2:]]


def test_drops_a_leading_assistant_message() -> None:
    dialog = [
        ChatMessage.user("q1" * 10),
        ChatMessage.assistant("a1"),
        ChatMessage.user("q2"),
    ]
    # room for a1 and q2 but not q1: a1 must not lead
    assert trim_history(SYSTEM, dialog, Budget(6 + 10, 10)) == [SYSTEM, dialog[2]]


def test_message_cap() -> None:
    dialog = [ChatMessage.user("q"), ChatMessage.assistant("a")] * 3 + [ChatMessage.user("z")]
    assert trim_history(SYSTEM, dialog, Budget(10_000, 3)) == [SYSTEM, *dialog[-3:]]


def test_a_huge_question_is_shortened_from_its_start() -> None:
    question = "start " + "x" * 1000 + " end?"
    result = trim_history(SYSTEM, [ChatMessage.user(question)], Budget(50, 10))
    assert result[1].content.endswith(" end?")
    assert question.endswith(result[1].content)
    assert sum(message_tokens(m) for m in result) <= 50


@pytest.mark.parametrize(
    "dialog",
    [
        [],
        [ChatMessage.assistant("a")],
        [ChatMessage.user("q"), ChatMessage.assistant("a")],
        [ChatMessage.system("again"), ChatMessage.user("q")],
    ],
)
def test_refuses_a_dialog_that_does_not_end_in_a_user_message(
    dialog: list[ChatMessage],
) -> None:
    with pytest.raises(ValueError, match="dialog"):
        trim_history(SYSTEM, dialog, Budget(100, 10))


def test_refuses_a_budget_below_the_system_prompt() -> None:
    with pytest.raises(ValueError, match="max_tokens"):
        trim_history(SYSTEM, [ChatMessage.user("q")], Budget(min_tokens_for(SYSTEM) - 1, 10))
    with pytest.raises(ValueError):
        Budget(0, 1)
