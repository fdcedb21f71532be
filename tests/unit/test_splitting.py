"""Concrete cases of splitting: which boundary wins, astral characters, large inputs."""

import pytest
from aiogram.types import MessageEntity

from bot.delivery.rendering import render
from bot.delivery.splitting import split_entities, split_text, utf16_len


def test_utf16_length_counts_astral_characters_twice() -> None:
    assert utf16_len("abc") == 3
    assert utf16_len("😀") == 2
    assert utf16_len("ж") == 1


def test_prefers_paragraphs_over_lines_over_words() -> None:
    assert split_text("aaa bbb\nccc\n\nddd", 12) == ["aaa bbb\nccc", "ddd"]
    assert split_text("aaa bbb\nccc ddd", 12) == ["aaa bbb", "ccc ddd"]
    assert split_text("aaa bbb ccc", 9) == ["aaa bbb", "ccc"]


def test_a_word_longer_than_the_limit_is_cut_hard_between_characters() -> None:
    assert split_text("😀😀😀", 5) == ["😀😀", "😀"]
    assert split_text("abcdefg", 3) == ["abc", "def", "g"]


def test_nothing_to_send() -> None:
    assert split_text("") == []
    assert split_text(" \n\t ") == []


def test_a_megabyte_of_text_splits_into_full_parts() -> None:
    text = ("word " * 200 + "\n") * 1000
    parts = split_text(text)
    assert all(utf16_len(part) <= 4096 for part in parts)
    assert len(parts) == pytest.approx(len(text) / 4096, rel=0.1)


def test_limit_must_hold_any_character() -> None:
    with pytest.raises(ValueError):
        split_text("abc", 1)


def test_a_code_block_cut_in_two_keeps_its_indentation() -> None:
    code = "def f():\n    return x"
    pre = MessageEntity(type="pre", offset=0, length=utf16_len(code), language="python")
    [(first, _), (second, entities)] = split_entities(code, [pre], 12)
    assert (first, second) == ("def f():\n", "    return x")  # not "return x"
    assert [(e.type, e.offset, e.length, e.language) for e in entities] == [
        ("pre", 0, 12, "python")
    ]


def test_a_long_rendered_code_block_keeps_every_line_across_parts() -> None:
    lines = [f"    value_{n} = compute({n})" for n in range(400)]
    code = "def f():\n" + "\n".join(lines)
    rendered = render(f"Here:\n\n```python\n{code}\n```\n\nDone.")
    parts = split_entities(rendered.text, rendered.entities)
    assert len(parts) > 3
    assert "".join(inside_pre(*part) for part in parts) == code
    assert all(text.startswith("    value_") for text, _ in parts[2:])


def inside_pre(text: str, entities: list[MessageEntity]) -> str:
    units = text.encode("utf-16-le")
    return "".join(
        units[2 * e.offset : 2 * (e.offset + e.length)].decode("utf-16-le")
        for e in entities
        if e.type == "pre"
    )


def test_outside_code_the_whitespace_at_a_cut_is_still_dropped() -> None:
    bold = MessageEntity(type="bold", offset=0, length=15)
    assert [text for text, _ in split_entities("aaa bbb\n   ccc", [bold], 8)] == ["aaa bbb", "ccc"]
