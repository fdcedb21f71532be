"""Who may change a group's chat: its administrators (asked with getChatMember), or an
anonymous administrator, who writes as the group itself."""

from __future__ import annotations

from aiogram import Bot
from aiogram.enums import ChatMemberStatus, ChatType
from aiogram.types import CallbackQuery, Chat, Message

from bot.texts import Texts

ADMINS = frozenset({ChatMemberStatus.CREATOR, ChatMemberStatus.ADMINISTRATOR})


async def may_change(bot: Bot, chat: Chat, user_id: int) -> bool:
    """Private chats belong to their user; a group's settings to its administrators."""
    if chat.type == ChatType.PRIVATE:
        return True
    member = await bot.get_chat_member(chat.id, user_id)
    return member.status in ADMINS


async def is_admin(bot: Bot, message: Message) -> bool:
    """The message's author may change its chat (start a new dialog, export it)."""
    if message.chat.type == ChatType.PRIVATE:
        return True
    if message.sender_chat is not None:  # an anonymous admin is the group; a channel is not
        return message.sender_chat.id == message.chat.id
    user = message.from_user
    return user is not None and await may_change(bot, message.chat, user.id)


async def menu_of(callback: CallbackQuery, owner: int, bot: Bot, texts: Texts) -> Message | None:
    """The menu message a button press may change, or None, the press answered with why not:
    a menu too old for Telegram to show, opened by someone else, or a group's for its
    administrators only (the settings and dialogs menus alike)."""
    message = callback.message
    if not isinstance(message, Message):
        await callback.answer(texts.menu_gone, show_alert=True)
        return None
    if callback.from_user.id != owner:
        await callback.answer(texts.menu_not_yours, show_alert=True)
        return None
    if not await may_change(bot, message.chat, callback.from_user.id):
        await callback.answer(texts.admins_only, show_alert=True)
        return None
    return message
