"""The /dialogs menu: its texts and inline keyboards, built from a chat's dialogs.

Every button carries who opened the menu, so a button pressed by someone else is told apart
(as the settings menu's do, bot/chat_settings/menu.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.storage.base import DialogInfo
from bot.texts import Texts

PAGE = 10  # dialogs a page of the list shows


class DialogButton(CallbackData, prefix="dg"):
    """`action`: list (a page), open (which resumes it), rename, delete, confirm, topic
    (a private chat's topic: `dialog` is its thread id); `dialog`: its id."""

    action: str
    dialog: str = ""
    page: int = 0
    owner: int  # the user who opened the menu


def day_of(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d")


def name_of(texts: Texts, dialog: DialogInfo) -> str:
    return texts.dialog_name(dialog.title, dialog.earlier, dialog.last_at)


def list_text(texts: Texts, dialogs: Sequence[DialogInfo]) -> str:
    return texts.dialogs_heading if dialogs else texts.dialogs_none


def list_keyboard(
    texts: Texts, dialogs: Sequence[DialogInfo], owner: int, page: int
) -> InlineKeyboardMarkup | None:
    """A page of dialogs, the current one marked, newest first; None when there are none."""
    if not dialogs:
        return None
    builder = InlineKeyboardBuilder()
    shown = dialogs[page * PAGE : (page + 1) * PAGE]
    for dialog in shown:
        label = (
            f"{'▶️ ' if dialog.current else ''}{name_of(texts, dialog)} · {day_of(dialog.last_at)}"
        )
        data = DialogButton(action="open", dialog=dialog.id, page=page, owner=owner)
        builder.button(text=label, callback_data=data)
    sizes = [1] * len(shown)
    turns = []
    if page > 0:
        turns.append((texts.button_newer, page - 1))
    if (page + 1) * PAGE < len(dialogs):
        turns.append((texts.button_older, page + 1))
    for text, to in turns:
        builder.button(text=text, callback_data=DialogButton(action="list", page=to, owner=owner))
    if turns:
        sizes.append(len(turns))
    builder.adjust(*sizes)
    return builder.as_markup()


def view_text(texts: Texts, dialog: DialogInfo) -> str:
    """The dialog the chat continues now, and how long it is."""
    resumed = texts.dialog_resumed_template.format(name=name_of(texts, dialog))
    size = texts.dialog_size_template.format(count=dialog.messages, date=day_of(dialog.last_at))
    return f"{resumed}\n{size}"


def view_keyboard(texts: Texts, dialog: DialogInfo, owner: int, page: int) -> InlineKeyboardMarkup:
    """The dialog just opened: rename it, delete it, or back to the list."""
    builder = InlineKeyboardBuilder()
    for text, action in (
        (texts.button_dialog_rename, "rename"),
        (texts.button_dialog_delete, "delete"),
        (texts.button_back, "list"),
    ):
        data = DialogButton(action=action, dialog=dialog.id, page=page, owner=owner)
        builder.button(text=text, callback_data=data)
    builder.adjust(2, 1)
    return builder.as_markup()


def confirm_keyboard(
    texts: Texts, dialog: DialogInfo, owner: int, page: int
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for text, action in ((texts.button_dialog_delete_yes, "confirm"), (texts.button_back, "open")):
        data = DialogButton(action=action, dialog=dialog.id, page=page, owner=owner)
        builder.button(text=text, callback_data=data)
    builder.adjust(1)
    return builder.as_markup()
