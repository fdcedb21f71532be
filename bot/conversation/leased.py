"""The leased placement: any replica accepts a turn, the chat's lease holder answers it.

Every turn goes to the chat's durable inbox first, and the same round trip takes the chat's
lease if nobody holds it (bot/storage/inbox.py); only the lease holder runs an actor for the
chat, which pulls the inbox in order until it is empty, then lets the lease go (a turn alone
in the inbox is handed to the new actor directly). A lease left by a dead replica runs out,
and the sweep here takes its chats over; a replica shutting down keeps its leases until the
turns in flight end, then lets each go at once. Commands reach the holder over the control
channel. docs/architecture.md, "Placements: the modes and what each guarantees".
"""

from __future__ import annotations

import asyncio
from contextlib import suppress

from loguru import logger

from bot.conversation.actor import ChatActor, TurnFeed
from bot.conversation.actors import ActorPool, PooledPlacement
from bot.conversation.placement import Accepted
from bot.core.chat import ChatKey
from bot.core.errors import StorageUnavailable
from bot.core.interrupts import EVERYONE, Action, Interrupted, Whose
from bot.core.turn import Turn
from bot.delivery.sender import ReplySender
from bot.delivery.topics import in_topic
from bot.storage.inbox import Entry, SharedInbox, UnreadableEntry
from bot.texts import texts_for


class LeasedPlacement(PooledPlacement, TurnFeed):
    """Also the feed of its actors: they pull the chat's stream while the lease is held."""

    def __init__(
        self,
        pool: ActorPool,
        shared: SharedInbox,
        *,
        idle_timeout: float,
        sender: ReplySender,
    ) -> None:
        super().__init__(pool)
        self._sender = sender  # tells a user their message was skipped (`_skip`)
        self._inbox = shared.inbox
        self._leases = shared.leases
        self._control = shared.control
        self.idle_timeout = idle_timeout
        self._held: dict[ChatKey, str] = {}  # lease tokens of the chats answered here
        self.leases_taken = 0  # how many times a chat's lease was taken here
        self._upkeep: list[asyncio.Task[None]] = []
        self._releasing: set[asyncio.Task[None]] = set()

    async def accept(self, key: ChatKey, turn: Turn) -> Accepted:
        """Record the turn and, if nobody holds the chat, take its lease, in one round trip."""
        if self._closing:
            return Accepted.CLOSING
        claim = self._leases.claim(key)
        recorded = await self._inbox.record(key, turn, limit=self.inbox_size, claim=claim)
        if not recorded.waiting:
            return Accepted.DUPLICATE
        if recorded.waiting > self.inbox_size:  # crossed off again, no lease taken for it
            return Accepted.INBOX_FULL
        if recorded.leased:
            alone = recorded.waiting == 1  # nothing older waits: offered, not pulled back
            self._answer_here(key, claim.token, turn if alone else None)
        elif self._pool.live(key) is None or key not in self._held:
            logger.debug("chat={} is answered by another replica", key.chat_id)
        return Accepted.QUEUED

    async def start(self) -> None:
        """Take up the chats whose turns were accepted and never answered, and keep doing so."""
        logger.info(
            "leased placement: replica={} lease_ttl={}s", self._leases.replica, self._leases.ttl
        )
        await self._sweep()
        self._upkeep.append(asyncio.create_task(self._keep_leases(), name="leases"))
        self._upkeep.append(asyncio.create_task(self._control.serve(self._interrupt_here)))

    async def _take_up(self, key: ChatKey) -> None:
        """The sweep's way in: have the chat answered here, unless it is already or another
        replica holds it."""
        if self._pool.live(key) is not None and key in self._held:
            return  # our actor pulls the inbox again before it lets the lease go
        token = await self._leases.acquire(key)
        if token is None:
            logger.debug("chat={} is answered by another replica", key.chat_id)
            return
        if self._closing:  # the shutdown began meanwhile: the chat is for another replica
            await self._release(key, token)
            return
        self._answer_here(key, token)

    def _answer_here(self, key: ChatKey, token: str, first: Turn | None = None) -> None:
        """Start the chat's actor under a lease just taken (the lease was free).

        `first` is the turn just recorded when the record found it alone in the stream: it is
        offered at once, not read back by the actor's first pull (which crosses it off later).

        An actor still live here for the chat holds no lease any more: its last pull let the
        lease go a moment ago (and says so once its answer arrives), or it ran out (a stall).
        It stops now, as on a lost lease, and the new one reads the inbox from where it stands.
        """
        stale = self._pool.live(key)
        if stale is not None:
            logger.info("chat={} lease taken anew; the actor that held it stops", key.chat_id)
            stale.abandon()
        self._held[key] = token
        self.leases_taken += 1
        actor = self._pool.start(key, self, on_stop=self._forget, lease=token)
        if first is not None:  # before the actor's task first runs: it finds a turn, no pull
            actor.offer(first)
        logger.info("chat={} lease taken", key.chat_id)

    async def refill(self, actor: ChatActor) -> bool:
        """Queue the next turns, or (False) let the lease go and idle the chat with the look
        that finds none; closing, that look is the last, and what waits is left unstarted."""
        key = actor.key
        try:
            while self._pool.live(key) is actor and key in self._held:
                token = self._held[key]
                read = await self._inbox.pull(key, actor.last_offered, token)
                if not read:  # let go with the same look, or lost: another answers the chat
                    if read is None:
                        logger.warning(
                            "chat={} lease lost; its inbox is left to the holder", key.chat_id
                        )
                    if self._held.get(key) == token:
                        del self._held[key]
                    return False
                if self._closing:  # for the chat's next holder (`_forget` lets the lease go)
                    return False
                # Not what a /cancel dropped or another pull offered while this one waited
                entries = [entry for entry in read if not actor.skipped(entry.message_id)]
                if not entries:  # all dropped: the next pull reads past them
                    actor.skip_to(read[-1].message_id)
                elif await self._offer(actor, entries[: self.inbox_size]):
                    return True
        except StorageUnavailable as error:  # the lease runs out; a sweep takes the chat later
            logger.error("chat={} inbox not read: {}", key.chat_id, error)
        return False

    async def _offer(self, actor: ChatActor, entries: list[Entry]) -> bool:
        """Queue the turns in order; an entry that cannot be read is skipped in its place, once
        the turns before it are answered, so the chat's replies keep the messages' order."""
        offered = False
        for entry in entries:
            if isinstance(entry, UnreadableEntry):
                if offered:  # the next pull starts with it
                    break
                await self._skip(actor, entry)
            elif not actor.offer(entry):
                break
            else:
                offered = True
        return offered

    async def _skip(self, actor: ChatActor, entry: UnreadableEntry) -> None:
        """One line, a notice, and the entry dropped: it would fail every holder alike."""
        key = actor.key
        actor.skip_to(entry.message_id)
        _log_unreadable(key, entry, "skipped; the user is told")
        texts = texts_for(entry.language_code)
        with in_topic(key.chat_id, key.thread_id):
            await self._sender.notify(
                key.chat_id, texts.inbox_unreadable, reply_to=entry.message_id
            )
        await self._inbox.done(key, [entry])

    async def finished(self, key: ChatKey, turn: Turn) -> None:
        try:
            await self._inbox.done(key, [turn])
        except StorageUnavailable as error:  # it may be answered again after a restart
            logger.error(
                "chat={} msg={} not crossed off the inbox: {}", key.chat_id, turn.message_id, error
            )

    async def _sweep(self) -> None:
        """Take up chats with turns left and nobody answering them (a replica died)."""
        for key in await self._inbox.chats():
            if self._closing:
                return
            if self._pool.live(key) is None:
                await self._take_up(key)

    async def _keep_leases(self) -> None:
        """Renew the leases held here, give up the lost ones, and sweep, a few times per TTL."""
        while True:
            await asyncio.sleep(self._leases.ttl / 3)
            try:
                held = dict(self._held)
                for key in await self._leases.renew(held):
                    self._lost(key, held[key])
                if not self._closing:  # a replica shutting down takes no chat up
                    await self._sweep()
            except StorageUnavailable as error:
                logger.warning("leases not renewed: {}", error)

    def _lost(self, key: ChatKey, token: str) -> None:
        """Another replica may hold the chat now: stop here at once, leaving its turns to it.

        Unless the chat was leased here anew while the renewal was on its way (`accept`): the
        lease lost is the old one, whose actor was stopped then; the new one stands.
        """
        if self._held.get(key) != token:
            return
        del self._held[key]
        actor = self._pool.live(key)
        if actor is not None:
            logger.warning("chat={} lease lost; its turns are left to the new holder", key.chat_id)
            actor.abandon()

    async def interrupt(
        self, action: Action, key: ChatKey, message_id: int = 0, whose: Whose = EVERYONE
    ) -> Interrupted:
        """On the actor answering the chat: here, or on the replica that holds its lease."""
        holder = await self._leases.holder(key)
        if holder is not None and holder != self._leases.replica:
            outcome = await self._control.ask(holder, action, key, message_id, whose)
            if outcome is not None:
                return outcome
            # No answer (the holder died, or is stuck): at least the waiting turns go.
        return await self._interrupt_here(action, key, message_id, whose)

    async def _interrupt_here(
        self, action: Action, key: ChatKey, message_id: int, whose: Whose
    ) -> Interrupted:
        if action is Action.STOP:
            stopped, _ = self._pool.interrupt(action, key, message_id)
            return Interrupted(stopped, 0)
        if action is Action.RESET:
            whose = EVERYONE
        actor = self._pool.live(key)
        # Turns still in the chat's stream are queued too; read them first...
        waiting = await self._inbox.after(key, actor.last_offered if actor else 0)
        # An entry that cannot be read has no author to match: only everyone's cancel takes it.
        gone = [
            t for t in waiting if (whose.covers(t) if isinstance(t, Turn) else whose == EVERYONE)
        ]
        # ...then, with no await in between, drop the actor's and never offer the stream's.
        stopped, dropped = self._pool.interrupt(action, key, message_id, whose)
        if actor is not None:
            actor.skip(t.message_id for t in gone)
        unique: dict[int, Entry] = {t.message_id: t for t in [*dropped, *gone]}
        await self._inbox.done(key, list(unique.values()))
        for entry in unique.values():
            if isinstance(entry, UnreadableEntry):
                _log_unreadable(key, entry, f"dropped by {action}")
        marked = tuple(
            t.message_id for t in unique.values() if isinstance(t, Turn) and t.acknowledged
        )
        return Interrupted(stopped, len(unique), marked)

    async def shutdown(self, timeout: float) -> list[Turn]:
        """Hand the chats over: a rolling deploy stops replicas one at a time, mid-burst.

        Each actor finishes only its turn in flight, under a lease still renewed (however long
        that turn takes), and lets the lease go the moment it stops, so another replica takes
        the chat up at its next sweep; the turns queued behind stay in the inbox, unstarted.
        A turn still running at `timeout` is cancelled first, and answered by the next holder.
        """
        self._closing = True  # no turn accepted, no chat taken up; leases and control go on
        left = await self._pool.stop_all(timeout, hand_back=True)
        if left:
            logger.info("shutdown: {} turns left for another replica or the next start", len(left))
        for task in self._upkeep:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
        held, self._held = self._held, {}
        for key, token in held.items():  # an actor's own release may not have begun yet
            await self._release(key, token)
        await asyncio.gather(*self._releasing)
        return []

    def _forget(self, actor: ChatActor) -> None:
        """An actor stopped still holding its lease (it crashed, lost its lease, or the replica
        shuts down): let it go now, not when its TTL ends."""
        token = self._held.pop(actor.key, None)
        if token is not None:
            if self._closing:
                logger.info("chat={} handed over: its lease is let go", actor.key.chat_id)
            release = asyncio.create_task(self._release(actor.key, token))
            self._releasing.add(release)
            release.add_done_callback(self._releasing.discard)

    async def _release(self, key: ChatKey, token: str) -> None:
        try:
            await self._leases.release(key, token)
        except StorageUnavailable as error:
            logger.warning("chat={} lease left to run out: {}", key.chat_id, error)


def _log_unreadable(key: ChatKey, entry: UnreadableEntry, what: str) -> None:
    """Its id and why, never its body."""
    logger.warning(
        "chat={} entry={} unreadable ({}): {}", key.chat_id, entry.entry, entry.reason, what
    )
