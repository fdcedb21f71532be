"""The /settings menu: its text and its inline keyboards, built from a chat's settings, and
what each button changes (the handler, bot/handlers/settings.py, only checks who pressed it).

Every button carries who opened the menu and the settings' revision it was drawn from, so a
button pressed by someone else, or on a menu older than the last change, is told apart.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.chat_settings.personas import PERSONAS
from bot.core.chat_settings import SWITCHES, ChatSettings
from bot.core.errors import ModelError
from bot.llm.catalog import ModelCatalog
from bot.llm.families import family_of
from bot.texts import Texts


class SettingsButton(CallbackData, prefix="cs"):
    """`action`: models, model, persona, effort, back, or a switch's name (`SWITCHES`);
    `value`: its argument."""

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
        switches=texts.switch_lines(settings),
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
    if family_of(settings.model or default_model).efforts:
        button(texts.button_effort_template.format(effort=texts.effort(settings.effort)), "effort")
    for name in SWITCHES:  # the button's action is the switch's name
        button(texts.switch_button(name, getattr(settings, name)), name)
    builder.adjust(1, 2, 2, 1)
    return builder.as_markup()


async def after_press(
    button: SettingsButton, chosen: ChatSettings, catalog: ModelCatalog, default_model: str
) -> ChatSettings | None:
    """The settings after the button; None when it changes nothing (back, a gone model)."""
    match button.action:
        case switch if switch in SWITCHES:
            return chosen.flipped(switch)
        case "effort":
            return chosen.changed(effort=next_effort(chosen, default_model))
        case "persona" if button.value in PERSONAS:
            persona = PERSONAS[button.value]
            name = "" if persona.name == "assistant" else persona.name
            return chosen.changed(system=persona.prompt, persona=name)
        case "model":
            try:
                model = model_by_token(button.value, await catalog.chat_models())
            except ModelError:
                model = None
            return chosen.changed(model=model) if model is not None else None
    return None


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
