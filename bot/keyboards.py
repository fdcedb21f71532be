"""The reply keyboard shown under the input field."""

from aiogram.types import KeyboardButton, ReplyKeyboardMarkup

from bot.texts import LANGUAGES, Texts


def main_keyboard(texts: Texts) -> ReplyKeyboardMarkup:
    """New dialog first, because it is the button people press most."""
    return ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text=texts.button_new_dialog), KeyboardButton(text=texts.button_help)]
        ],
        resize_keyboard=True,
        is_persistent=True,
    )


NEW_DIALOG_BUTTONS = frozenset(texts.button_new_dialog for texts in LANGUAGES.values())
HELP_BUTTONS = frozenset(texts.button_help for texts in LANGUAGES.values())
