"""What a user's /cancel, new dialog or stop button does to a chat's conversation, and what it
found: shared by the conversations and the control channel that carries them between replicas."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from bot.core.turn import Turn


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
