"""The /settings menu: its text and its inline keyboards, built from a chat's settings.

Every button carries who opened the menu and the settings' revision it was drawn from, so a
button pressed by someone else, or on a menu older than the last change, is told apart.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.chat_settings.model import ChatSettings
from bot.chat_settings.personas import PERSONAS
from bot.llm.families import family_of
from bot.texts import Texts


class SettingsButton(CallbackData, prefix="cs"):
    """`action`: models, model, persona, reasoning, effort, search, back; `value`: its
    argument."""

    action: str
    value: str = ""
    owner: int  # the user who opened the menu
    revision: int  # of the settings the menu shows


def model_token(model: str) -> str:
    """A model id in 8 characters: ids can outgrow the 64 bytes of callback data."""
    return hashlib.sha256(model.encode()).hexdigest()[:8]


def model_by_token(token: str, models: Sequence[str]) -> str | None:
    return next((m for m in models if model_token(m) == token), None)


def settings_text(texts: Texts, settings: ChatSettings, default_model: str) -> str:
    if settings.persona:
        system = texts.persona(settings.persona)
    elif settings.system:
        system = texts.system_custom_template.format(length=len(settings.system))
    else:
        system = texts.system_default
    return texts.settings_template.format(
        model=settings.model or default_model,
        system=system,
        reasoning=texts.state(settings.reasoning),
        search=texts.state(settings.search),
    )


def settings_keyboard(
    texts: Texts, settings: ChatSettings, owner: int, default_model: str
) -> InlineKeyboardMarkup:
    def button(text: str, action: str, value: str = "") -> None:
        data = SettingsButton(action=action, value=value, owner=owner, revision=settings.revision)
        builder.button(text=text, callback_data=data)

    builder = InlineKeyboardBuilder()
    button(texts.button_model_template.format(model=settings.model or default_model), "models")
    for name in PERSONAS:
        chosen = name == (settings.persona or ("" if settings.system else "assistant"))
        button(("✅ " if chosen else "") + texts.persona(name), "persona", name)
    button(
        texts.button_reasoning_template.format(state=texts.state(settings.reasoning)), "reasoning"
    )
    efforts = family_of(settings.model or default_model).efforts
    if efforts:
        button(texts.button_effort_template.format(effort=texts.effort(settings.effort)), "effort")
    button(texts.button_search_template.format(state=texts.state(settings.search)), "search")
    builder.adjust(1, 2, 2, 1, 1, 1)
    return builder.as_markup()


def next_effort(settings: ChatSettings, default_model: str) -> str:
    """The effort after a press: the model's default, then each it takes, then round again."""
    cycle = ("", *family_of(settings.model or default_model).efforts)
    at = cycle.index(settings.effort) if settings.effort in cycle else 0
    return cycle[(at + 1) % len(cycle)]


def models_keyboard(
    texts: Texts, settings: ChatSettings, owner: int, models: Sequence[str], current: str
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for model in models:
        data = SettingsButton(
            action="model", value=model_token(model), owner=owner, revision=settings.revision
        )
        builder.button(text=("✅ " if model == current else "") + model, callback_data=data)
    back = SettingsButton(action="back", owner=owner, revision=settings.revision)
    builder.button(text=texts.button_back, callback_data=back)
    builder.adjust(1)
    return builder.as_markup()
