"""Hypothesis proofs of every trimming invariant (issue #3, item 6)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.core.messages import ChatMessage, Role
from bot.core.tokens import message_tokens
from bot.core.trimming import Budget, min_tokens_for, trim_history

TEXT = st.text(alphabet=st.sampled_from("ab cd\nЖжё😀€"), max_size=120)
SYSTEM = st.builds(ChatMessage.system, TEXT)


@st.composite
def dialogs(draw: st.DrawFn) -> list[ChatMessage]:
    """Alternating pairs as the bot writes them, or any role order; always ending in USER."""
    if draw(st.booleans()):
        pairs = draw(st.lists(st.tuples(TEXT, TEXT), max_size=15))
        history = [m for q, a in pairs for m in (ChatMessage.user(q), ChatMessage.assistant(a))]
    else:
        roles = draw(st.lists(st.sampled_from([Role.USER, Role.ASSISTANT]), max_size=30))
        history = [ChatMessage(role, draw(TEXT)) for role in roles]
    big = draw(st.booleans())
    newest = draw(st.text(min_size=1, max_size=2000)) if big else draw(TEXT)
    return [*history, ChatMessage.user(newest)]


@st.composite
def cases(draw: st.DrawFn) -> tuple[ChatMessage, list[ChatMessage], Budget]:
    system = draw(SYSTEM)
    dialog = draw(dialogs())
    floor = min_tokens_for(system)
    budget = Budget(
        max_tokens=draw(st.integers(floor, floor + 600)),
        max_messages=draw(st.integers(1, 40)),
    )
    return system, dialog, budget


@given(cases())
def test_keeps_the_system_prompt_and_stays_within_budget(
    case: tuple[ChatMessage, list[ChatMessage], Budget],
) -> None:
    system, dialog, budget = case
    result = trim_history(system, dialog, budget)
    assert result[0] == system
    assert sum(message_tokens(m) for m in result) <= budget.max_tokens
    assert 1 <= len(result) - 1 <= budget.max_messages


@given(cases())
def test_is_the_system_prompt_followed_by_a_suffix_of_the_dialog(
    case: tuple[ChatMessage, list[ChatMessage], Budget],
) -> None:
    system, dialog, budget = case
    kept = trim_history(system, dialog, budget)[1:]
    newest = dialog[-1]
    assert kept[:-1] == dialog[len(dialog) - len(kept) : -1]
    assert kept[-1].role is Role.USER
    if kept[-1] != newest:
        # only shortened when the newest message alone is over the budget, and then alone
        assert message_tokens(system) + message_tokens(newest) > budget.max_tokens
        assert len(kept) == 1
        assert newest.content.endswith(kept[-1].content)
        assert len(kept[-1].content) < len(newest.content)


@given(cases())
def test_always_keeps_the_newest_user_message(
    case: tuple[ChatMessage, list[ChatMessage], Budget],
) -> None:
    system, dialog, budget = case
    kept = trim_history(system, dialog, budget)[1:]
    assert kept[-1].role is Role.USER
    assert dialog[-1].content.endswith(kept[-1].content)
    if message_tokens(system) + message_tokens(dialog[-1]) <= budget.max_tokens:
        assert kept[-1] == dialog[-1]


@given(cases())
def test_never_starts_with_an_assistant_message(
    case: tuple[ChatMessage, list[ChatMessage], Budget],
) -> None:
    system, dialog, budget = case
    assert trim_history(system, dialog, budget)[1].role is Role.USER


@given(cases())
def test_keeps_the_longest_suffix_that_fits(
    case: tuple[ChatMessage, list[ChatMessage], Budget],
) -> None:
    """Not just within the budget: one more message (or its user question) would not fit."""
    system, dialog, budget = case
    kept = trim_history(system, dialog, budget)[1:]
    if kept[-1] != dialog[-1] or len(kept) == len(dialog):
        return
    start = len(dialog) - len(kept)
    previous_user = max((i for i in range(start) if dialog[i].role is Role.USER), default=None)
    if previous_user is None:
        return  # only assistant messages before: rightly dropped
    longer = dialog[previous_user:]
    fits = (
        sum(message_tokens(m) for m in longer) + message_tokens(system) <= budget.max_tokens
        and len(longer) <= budget.max_messages
    )
    assert not fits


@given(cases())
def test_trimming_twice_equals_trimming_once(
    case: tuple[ChatMessage, list[ChatMessage], Budget],
) -> None:
    system, dialog, budget = case
    once = trim_history(system, dialog, budget)
    assert trim_history(system, once[1:], budget) == once


@given(cases(), st.integers(0, 500), st.integers(0, 20))
def test_a_larger_budget_never_keeps_fewer_messages(
    case: tuple[ChatMessage, list[ChatMessage], Budget], more_tokens: int, more_messages: int
) -> None:
    system, dialog, budget = case
    larger = Budget(budget.max_tokens + more_tokens, budget.max_messages + more_messages)
    assert len(trim_history(system, dialog, larger)) >= len(trim_history(system, dialog, budget))


@given(cases())
def test_the_input_is_not_changed(case: tuple[ChatMessage, list[ChatMessage], Budget]) -> None:
    system, dialog, budget = case
    before = list(dialog)
    trim_history(system, dialog, budget)
    assert dialog == before
