"""Hypothesis proofs of the splitting invariants (issue #3, item 9)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.delivery.splitting import TELEGRAM_TEXT_LIMIT, split_text, utf16_len

TEXT = st.text(alphabet=st.sampled_from("ab cd\n\n \tЖё😀🇷🇺x"), max_size=400)


def gaps(text: str, parts: list[str]) -> list[str]:
    """The text between the parts (and around them), located in order in the original."""
    found, position = [], 0
    for part in parts:
        index = text.index(part, position)
        found.append(text[position:index])
        position = index + len(part)
    found.append(text[position:])
    return found


@given(TEXT, st.integers(2, 64))
def test_every_part_fits_and_none_is_empty(text: str, limit: int) -> None:
    for part in split_text(text, limit):
        assert 0 < utf16_len(part) <= limit
        assert part.strip() == part != ""


@given(TEXT, st.integers(2, 64))
def test_joining_the_parts_gives_back_the_text_but_whitespace_at_the_cuts(
    text: str, limit: int
) -> None:
    parts = split_text(text, limit)
    between = gaps(text, parts)
    assert all(gap.strip() == "" for gap in between)
    assert "".join(g + p for g, p in zip(between, parts, strict=False)) + between[-1] == text


@given(TEXT, st.integers(2, 64))
def test_text_within_the_limit_is_one_part(text: str, limit: int) -> None:
    stripped = text.strip()
    if stripped and utf16_len(stripped) <= limit:
        assert split_text(text, limit) == [stripped]
    if not stripped:
        assert split_text(text, limit) == []


@given(st.text(min_size=1, max_size=20_000))
def test_any_text_at_the_real_limit(text: str) -> None:
    parts = split_text(text)
    assert all(utf16_len(part) <= TELEGRAM_TEXT_LIMIT for part in parts)
    assert all(gap.strip() == "" for gap in gaps(text, parts))
