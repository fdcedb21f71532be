"""Hypothesis proofs of the splitting invariants (issue #3, item 9; "Hardening", item 5)."""

from __future__ import annotations

from aiogram.types import MessageEntity
from hypothesis import given
from hypothesis import strategies as st

from bot.delivery.splitting import TELEGRAM_TEXT_LIMIT, split_entities, split_text, utf16_len

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


@st.composite
def formatted(draw: st.DrawFn) -> tuple[str, list[MessageEntity]]:
    """A text and entities over it, at character boundaries, as the renderer makes them."""
    text = draw(TEXT)
    units = [0]
    for char in text:
        units.append(units[-1] + (2 if ord(char) > 0xFFFF else 1))
    entities = []
    for _ in range(draw(st.integers(0, 6))):
        if len(text) < 1:
            break
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, len(text)))
        kind = draw(st.sampled_from(["bold", "italic", "code", "pre"]))
        entities.append(
            MessageEntity(type=kind, offset=units[start], length=units[end] - units[start])
        )
    return text, entities


CODE = {"code", "pre"}


def code_text(text: str, entities: list[MessageEntity]) -> str:
    """The characters inside code entities, in order."""
    return "".join(
        char for char, kinds in zip(text, covering(text, entities), strict=True) if kinds & CODE
    )


def covering(text: str, entities: list[MessageEntity]) -> list[set[str]]:
    """For each character, the entity types that cover it."""
    result: list[set[str]] = []
    unit = 0
    for char in text:
        result.append({e.type for e in entities if e.offset <= unit < e.offset + e.length})
        unit += 2 if ord(char) > 0xFFFF else 1
    return result


def kept_start(text: str, position: int, code: list[bool]) -> int:
    """Where the next part must begin: only whitespace outside code may be dropped at a cut."""
    while position < len(text) and text[position].isspace() and not code[position]:
        position += 1
    return position


@given(formatted(), st.integers(2, 64))
def test_entities_stay_inside_their_part_and_cover_the_same_characters(
    case: tuple[str, list[MessageEntity]], limit: int
) -> None:
    text, entities = case
    parts = split_entities(text, entities, limit)
    original = covering(text, entities)
    code = [bool(kinds & CODE) for kinds in original]
    position = 0
    for part, part_entities in parts:
        assert 0 < utf16_len(part) <= limit
        for entity in part_entities:
            assert entity.offset >= 0 and entity.length > 0
            assert entity.offset + entity.length <= utf16_len(part)
        start = kept_start(text, position, code)
        assert text[start : start + len(part)] == part
        assert covering(part, part_entities) == original[start : start + len(part)]
        position = start + len(part)
    assert kept_start(text, position, code) == len(text)  # nothing but dropped whitespace left


@given(formatted(), st.integers(2, 64))
def test_text_inside_code_comes_back_exactly(
    case: tuple[str, list[MessageEntity]], limit: int
) -> None:
    """Inside code whitespace is content: a cut never drops the indentation of a line."""
    text, entities = case
    parts = split_entities(text, entities, limit)
    assert "".join(code_text(*part) for part in parts) == code_text(text, entities)


@given(TEXT, st.integers(2, 64))
def test_text_without_code_splits_as_plain_text(text: str, limit: int) -> None:
    entities = [MessageEntity(type="bold", offset=0, length=utf16_len(text))] if text else []
    assert [part for part, _ in split_entities(text, entities, limit)] == split_text(text, limit)
