"""Concrete cases of splitting: which boundary wins, astral characters, large inputs."""

import pytest

from bot.delivery.splitting import split_text, utf16_len


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
