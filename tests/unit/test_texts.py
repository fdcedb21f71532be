"""Texts: every string exists in both languages, and the language follows Telegram's code."""

from dataclasses import fields

import pytest

from bot.core.chat_settings import SWITCHES
from bot.texts import EN, RU, texts_for


@pytest.mark.parametrize(
    ("code", "expected"),
    [("ru", RU), ("ru-RU", RU), ("RU", RU), ("en", EN), ("de", EN), (None, EN), ("", EN)],
)
def test_language_follows_the_user(code: str | None, expected: object) -> None:
    assert texts_for(code) is expected


def test_every_string_is_translated() -> None:
    for field in fields(EN):
        if field.name == "switches":
            continue  # below
        english, russian = getattr(EN, field.name), getattr(RU, field.name)
        assert english.strip() and russian.strip()
        assert english != russian, field.name


def test_every_switch_is_labelled_in_both_languages() -> None:
    """A switch added to ChatSettings without its words fails here, not in a user's menu."""
    assert set(EN.switches) == set(RU.switches) == set(SWITCHES)
    for name in SWITCHES:
        english, russian = EN.switches[name], RU.switches[name]
        assert english.button.strip() and english.summary.strip()
        assert russian.button.strip() and russian.summary.strip()
        assert (english.button, english.summary) != (russian.button, russian.summary), name


def test_templates_fill_in() -> None:
    assert "Anna" in EN.greeting("Anna") and "Anna" in RU.greeting("Anna")
    assert "20" in EN.inbox_full(20) and "20" in RU.inbox_full(20)
    assert EN.new_dialog_dropping(0) == EN.new_dialog
    assert "3" in RU.new_dialog_dropping(3)
