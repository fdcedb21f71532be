"""Every user-facing string, in English (en.py) and Russian (ru.py), by the user's language."""

from bot.texts.base import Texts
from bot.texts.en import EN
from bot.texts.ru import RU

LANGUAGES: dict[str, Texts] = {"en": EN, "ru": RU}


def texts_for(language_code: str | None) -> Texts:
    """Russian for `ru` and its regional variants, English for everyone else."""
    if language_code:
        return LANGUAGES.get(language_code.split("-")[0].lower(), EN)
    return EN


__all__ = ["EN", "LANGUAGES", "RU", "Texts", "texts_for"]
