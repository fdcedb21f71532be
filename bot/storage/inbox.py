"""The ports of the leased placement (bot/conversation/leased.py): a durable inbox per chat,
a lease per chat, and a control channel between replicas. Redis implements them
(bot/storage/redis/inbox.py, leases.py, control.py); docs/architecture.md, "Placements: the
modes and what each guarantees".
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from bot.core.chat import ChatKey
from bot.core.interrupts import EVERYONE, Action, Interrupted, Whose
from bot.core.turn import Turn


@dataclass(frozen=True, slots=True)
class LeaseClaim:
    """A lease to take, here or inside the inbox's record: `token` is this acquisition's own;
    `key` and `ttl_ms` say where and for how long, in the storage's own terms."""

    key: str
    token: str
    ttl_ms: int


@dataclass(frozen=True, slots=True)
class Recorded:
    """What `record` found: the chat's turns waiting now, this one included (0: a redelivery,
    above the limit: refused and crossed off), and whether the claimed lease was taken."""

    waiting: int
    leased: bool = False


@dataclass(frozen=True, slots=True)
class UnreadableEntry:
    """An inbox entry this release cannot read as a `Turn`: corrupt, or written by a newer
    release (read after a rollback). It stands in the entry's place, in order, so its holder
    can skip it with a notice (docs/architecture.md, "What one user cannot do to the others");
    nothing of its body is kept but, when it says so, the user's language."""

    entry: str  # its id in the inbox, for the log
    message_id: int  # the message it was written for
    reason: str  # why it cannot be read: an error's type, never the body
    language_code: str | None = None


Entry = (
    Turn | UnreadableEntry
)  # an inbox entry as read: a turn, or what stands for an unreadable one


class DurableInbox(ABC):
    """Each chat's turns, kept until they are over: a crash loses none.

    Reads give every entry in its place, a turn or an `UnreadableEntry`: one entry that cannot be
    read (corrupt, a newer release's) must not stop the chat's others.

    Each entry also has a count of its turn's starts that never reached the turn's end (the
    process died in it): `TurnStorage.load` counts a start, the turn's conclusion and `done`
    clear it, and a chat with nothing left has none. An entry a release before wrote has no
    count: 0. The count is what keeps a turn that kills its process from being started
    forever (bot/conversation/prompting.py gives up after `MAX_ATTEMPTS`). An inbox in one
    process (the local placement) has no such count: the process's death takes its turns.
    """

    @abstractmethod
    async def record(
        self, key: ChatKey, turn: Turn, *, limit: int, claim: LeaseClaim | None = None
    ) -> Recorded:
        """Write the turn down unless more than `limit` would wait, and set the chat's state
        to awaiting_reply; with a claim, take the chat's lease in the same step if it is free
        and the turn was taken."""

    @abstractmethod
    async def done(self, key: ChatKey, entries: Sequence[Entry]) -> None:
        """These entries are over (answered, failed with a notice, or dropped): gone, with
        their counts of starts."""

    @abstractmethod
    async def after(self, key: ChatKey, message_id: int) -> list[Entry]:
        """The chat's entries not done with a message id above `message_id`, oldest first."""

    @abstractmethod
    async def pull(self, key: ChatKey, offered: int, lease_token: str) -> list[Entry] | None:
        """The entries after message `offered`, oldest first; with none, the chat is unlisted,
        its counts of starts forgotten and its lease released, in the same step. None, having
        changed nothing, when the lease is not `lease_token`'s any more."""

    @abstractmethod
    async def chats(self) -> list[ChatKey]:
        """The chats that may have turns left (a superset: `pull` prunes it)."""


class Leases(ABC):
    """One holder per chat: a token per acquisition, renewed by its holder only."""

    replica: str  # this process's id, the first part of its tokens

    @property
    @abstractmethod
    def ttl(self) -> float:
        """Seconds a lease lives unless renewed."""

    @abstractmethod
    def claim(self, key: ChatKey) -> LeaseClaim:
        """A new acquisition of the chat's lease, not yet tried."""

    @abstractmethod
    async def acquire(self, key: ChatKey) -> str | None:
        """The new lease's token, or None while another holder's lease runs."""

    @abstractmethod
    async def holder(self, key: ChatKey) -> str | None:
        """The replica id of the chat's lease holder, if the chat is leased now."""

    @abstractmethod
    async def renew(self, held: Mapping[ChatKey, str]) -> list[ChatKey]:
        """Extend every lease held, in one step; returns the ones that were lost."""

    @abstractmethod
    async def release(self, key: ChatKey, token: str) -> None:
        """Let the lease go, if it is still `token`'s."""


# What a replica does when asked: the action on the chat (and message, or whose turns) it holds.
ControlHandler = Callable[[Action, ChatKey, int, Whose], Awaitable[Interrupted]]


class ControlChannel(ABC):
    """/cancel, resets and the stop button, carried to the replica holding the chat."""

    @abstractmethod
    async def ask(
        self,
        replica: str,
        action: Action,
        key: ChatKey,
        message_id: int,
        whose: Whose = EVERYONE,
    ) -> Interrupted | None:
        """What `replica` did, or None when it did not answer in time (it may have died)."""

    @abstractmethod
    async def serve(self, handler: ControlHandler) -> None:
        """Act on the requests addressed to this replica until cancelled."""


@dataclass(frozen=True, slots=True)
class SharedInbox:
    """What the leased placement needs from the storage, from one backend."""

    inbox: DurableInbox
    leases: Leases
    control: ControlChannel
