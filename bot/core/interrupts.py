"""What a user's /cancel, new dialog or stop button does to a chat's conversation, and what it
found: shared by the conversations and the control channel that carries them between replicas."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from bot.core.turn import Turn


@dataclass(frozen=True, slots=True)
class Whose:
    """Which turns a /cancel reaches. Everyone's by default (a private chat, a group's admin);
    in a group a member's reaches only turns of their own (`author`, as `Turn.user_id`).
    `before`: only messages sent before it, for a cancel acted on late (an admin's, after
    asking Telegram) that must not reach messages sent after the /cancel."""

    author: int | None = None
    before: int | None = None

    def covers(self, turn: Turn) -> bool:
        return (self.author is None or turn.user_id == self.author) and (
            self.before is None or turn.message_id < self.before
        )


EVERYONE = Whose()


class Action(StrEnum):
    CANCEL = "cancel"  # stop the reply in progress, drop the queued turns
    RESET = "reset"  # the same, and the turn in progress may no longer commit
    STOP = "stop"  # the stop button: stop the reply to one message only


@dataclass(frozen=True, slots=True)
class Interrupted:
    stopped: bool  # a reply in progress was stopped
    dropped: int  # queued turns dropped
    acknowledged: tuple[int, ...] = ()  # of those, the messages marked 👀 (to unmark)

    @classmethod
    def of(cls, stopped: bool, dropped: Iterable[Turn]) -> Interrupted:
        turns = list(dropped)
        marked = tuple(t.message_id for t in turns if t.acknowledged)
        return cls(stopped, len(turns), marked)
