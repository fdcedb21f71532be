"""Conversations: finds or starts a chat's actor, and stops them all on shutdown.

Alone (memory mode) the supervisor pushes each accepted turn into its chat's actor. With
leases (Redis, one or several replicas) every turn goes to the chat's durable inbox first, and
only the replica holding the chat's lease runs an actor for it, which pulls the inbox in order
until it is empty, then lets the lease go. A lease left by a dead replica runs out, and the
periodic sweep here takes its chats over.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import suppress
from enum import StrEnum

from aiogram.fsm.storage.base import BaseStorage
from loguru import logger

from bot.conversation.actor import Conversation, conversation_state
from bot.conversation.control import Action, ChatControl, Outcome
from bot.conversation.journal import TurnJournal
from bot.conversation.leases import ChatLeases
from bot.conversation.turn import Turn, TurnRunner
from bot.delivery.sender import ReplySender
from bot.dialog.store import DialogKey, DialogStore, StorageUnavailable
from states import ConversationStates


class Submitted(StrEnum):
    QUEUED = "queued"
    DUPLICATE = "duplicate"  # Telegram delivered this message before
    INBOX_FULL = "inbox_full"
    CLOSING = "closing"


class Conversations:
    """The supervisor; `submit` never suspends, which is what keeps a chat's turns in order."""

    def __init__(
        self,
        *,
        runner: TurnRunner,
        store: DialogStore,
        sender: ReplySender,
        fsm_storage: BaseStorage,
        journal: TurnJournal,
        inbox_size: int,
        idle_timeout: float,
        leases: ChatLeases | None = None,
        control: ChatControl | None = None,
    ) -> None:
        self._journal = journal
        self._leases = leases
        self._control = control
        self._held: dict[DialogKey, str] = {}  # lease tokens of the chats drained here
        self.leases_taken = 0  # how many times a chat's lease was taken here
        self._upkeep: list[asyncio.Task[None]] = []
        self._releasing: set[asyncio.Task[None]] = set()
        self._runner = runner
        self._store = store
        self._sender = sender
        self._fsm_storage = fsm_storage
        self._inbox_size = inbox_size
        self._idle_timeout = idle_timeout
        self._actors: dict[DialogKey, Conversation] = {}
        self._closing = False

    @property
    def inbox_size(self) -> int:
        return self._inbox_size

    def __len__(self) -> int:
        """Live actors (chats with an actor task right now)."""
        return len(self._actors)

    def pending(self, key: DialogKey) -> int:
        actor = self._actors.get(key)
        return actor.pending if actor is not None else 0

    async def accept(self, key: DialogKey, turn: Turn) -> Submitted:
        """A new message: written to the durable inbox (once), then queued."""
        if self._closing:
            return Submitted.CLOSING
        waiting = await self._journal.record(key, turn)
        if not waiting:
            logger.info("chat={} msg={} delivered again; ignored", key.chat_id, turn.message_id)
            return Submitted.DUPLICATE
        if self._leases is None:
            result = self.submit(key, turn)
        elif waiting > self._inbox_size:
            result = self._refuse(key, turn)
        else:
            try:
                await self._drain(key)
            except StorageUnavailable as error:  # recorded: a sweep takes the chat up later
                logger.error("chat={} lease not taken: {}", key.chat_id, error)
            result = Submitted.QUEUED
        if result is not Submitted.QUEUED:
            await self._journal.done(key, [turn])
        return result

    async def recover(self) -> None:
        """Take up the chats whose turns were accepted and never answered, and keep doing so."""
        if self._leases is None:
            return
        await self._sweep()
        self._upkeep.append(asyncio.create_task(self._keep_leases(), name="leases"))
        if self._control is not None:
            self._upkeep.append(asyncio.create_task(self._control.serve(self._act_here)))

    async def _drain(self, key: DialogKey) -> None:
        """Have the chat drained here, unless it is already or another replica holds it."""
        assert self._leases is not None
        actor = self._actors.get(key)
        if actor is not None and actor.alive and key in self._held:
            return  # our actor pulls the inbox again before it lets the lease go
        token = await self._leases.acquire(key)
        if token is None:
            logger.debug("chat={} is drained by another replica", key.chat_id)
            return
        self._held[key] = token
        self.leases_taken += 1
        self._actors[key] = self._start(key, refill=self._refill)
        logger.info("chat={} lease taken", key.chat_id)

    async def _refill(self, actor: Conversation) -> bool:
        """The actor's inbox is empty: queue the next turns, or let the lease go (False)."""
        assert self._leases is not None
        key = actor.key
        try:
            while not self._closing and self._actors.get(key) is actor and key in self._held:
                read = await self._journal.after(key, actor.last_offered)
                # Not what a /cancel skipped or another pull offered while this one waited
                turns = [turn for turn in read if turn.message_id > actor.last_offered]
                if turns:
                    return any([actor.offer(turn) for turn in turns[: self._inbox_size]])
                # Let go first, then look again: a turn recorded by a replica that could not
                # take the lease was recorded before this release, so it is seen here.
                await self._leases.release(key, self._held.pop(key))
                if not await self._journal.settle(key):
                    return False
                token = await self._leases.acquire(key)
                if token is None:
                    return False
                self._held[key] = token
        except StorageUnavailable as error:  # the lease runs out; a sweep takes the chat later
            logger.error("chat={} inbox not read: {}", key.chat_id, error)
        return False

    async def _sweep(self) -> None:
        """Take up chats with turns left and nobody draining them (a replica died)."""
        assert self._leases is not None
        for key in await self._journal.chats():
            actor = self._actors.get(key)
            if self._closing:
                return
            if actor is None or not actor.alive:
                await self._drain(key)

    async def _keep_leases(self) -> None:
        """Renew the leases held here, give up the lost ones, and sweep, a few times per TTL."""
        assert self._leases is not None
        while True:
            await asyncio.sleep(self._leases.ttl / 3)
            try:
                for key in await self._leases.renew(dict(self._held)):
                    self._lost(key)
                await self._sweep()
            except StorageUnavailable as error:
                logger.warning("leases not renewed: {}", error)

    def _lost(self, key: DialogKey) -> None:
        """Another replica may hold the chat now: stop here at once, leaving its turns to it."""
        self._held.pop(key, None)
        actor = self._actors.get(key)
        if actor is not None and actor.alive:
            logger.warning("chat={} lease lost; its turns are left to the new holder", key.chat_id)
            actor.abandon()

    def submit(self, key: DialogKey, turn: Turn) -> Submitted:
        """Queue without suspending: the order of calls is the order of answers."""
        if self._closing:
            return Submitted.CLOSING
        actor = self._actors.get(key)
        if actor is None or not actor.alive:
            actor = self._actors[key] = self._start(key)
        if not actor.offer(turn):
            return self._refuse(key, turn)
        logger.info(
            "chat={} msg={} queued ({} pending)", key.chat_id, turn.message_id, actor.pending
        )
        return Submitted.QUEUED

    def _start(
        self, key: DialogKey, refill: Callable[[Conversation], Awaitable[bool]] | None = None
    ) -> Conversation:
        return Conversation(
            key,
            runner=self._runner,
            fsm_storage=self._fsm_storage,
            inbox_size=self._inbox_size,
            idle_timeout=self._idle_timeout,
            on_stop=self._forget,
            on_turn_over=self._turn_over,
            refill=refill,
        )

    def _refuse(self, key: DialogKey, turn: Turn) -> Submitted:
        logger.warning(
            "chat={} inbox full ({}); msg={} refused",
            key.chat_id,
            self._inbox_size,
            turn.message_id,
        )
        return Submitted.INBOX_FULL

    async def reset(self, key: DialogKey) -> int:
        """A fresh dialog: the reply in progress stops, queued turns go, history is cleared."""
        outcome = await self._act(Action.RESET, key)
        # Only now: the old turn, wherever it ran, can no longer commit into the new dialog.
        await self._store.clear(key)
        await conversation_state(self._fsm_storage, key).set_state(ConversationStates.idle)
        logger.info("chat={} dialog reset; {} queued turns dropped", key.chat_id, outcome.dropped)
        return outcome.dropped

    async def cancel(self, key: DialogKey) -> tuple[bool, int]:
        """/cancel: whether a reply in progress was stopped, and how many queued turns went."""
        outcome = await self._act(Action.CANCEL, key)
        logger.info(
            "chat={} cancel: stopped={} dropped={}", key.chat_id, outcome.stopped, outcome.dropped
        )
        return outcome.stopped, outcome.dropped

    async def stop_turn(self, key: DialogKey, message_id: int) -> bool:
        outcome = await self._act(Action.STOP, key, message_id)
        logger.info(
            "chat={} stop button for msg={}: stopped={}", key.chat_id, message_id, outcome.stopped
        )
        return outcome.stopped

    async def _act(self, action: Action, key: DialogKey, message_id: int = 0) -> Outcome:
        """On the actor answering the chat: here, or on the replica that holds its lease."""
        if self._leases is not None and self._control is not None:
            holder = await self._leases.holder(key)
            if holder is not None and holder != self._leases.replica:
                outcome = await self._control.ask(holder, action, key, message_id)
                if outcome is not None:
                    return outcome
                # No answer (the holder died, or is stuck): at least the waiting turns go.
        return await self._act_here(action, key, message_id)

    async def _act_here(self, action: Action, key: DialogKey, message_id: int) -> Outcome:
        actor = self._actors.get(key)
        if action is Action.STOP:
            return Outcome(actor is not None and actor.stop_turn(message_id), 0)
        # With leases, turns still in the chat's stream are queued too; read them first...
        waiting = await self._journal.after(key, actor.last_offered if actor else 0)
        stopped, dropped = False, []
        if actor is not None:  # ...then, with no await in between, drop and skip past them
            if action is Action.RESET:
                dropped = actor.reset()
            else:
                stopped, dropped = actor.cancel()
            actor.skip_to(max((t.message_id for t in waiting), default=0))
        unique = {t.message_id: t for t in [*dropped, *waiting]}
        await self._journal.done(key, list(unique.values()))
        return Outcome(stopped, len(unique))

    async def shutdown(self, timeout: float) -> None:
        """Refuse new turns, let the queued ones finish within `timeout`, then cancel the rest."""
        self._closing = True
        for task in self._upkeep:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
        actors = list(self._actors.values())
        for actor in actors:
            actor.close()
        tasks = [actor.task for actor in actors]
        if not tasks:
            await self._release_all()
            return
        logger.info("shutdown: waiting up to {}s for {} conversations", timeout, len(tasks))
        _, late = await asyncio.wait(tasks, timeout=timeout)
        unanswered = [turn for actor in actors if actor.task in late for turn in actor.abandon()]
        if late:
            await asyncio.gather(*late, return_exceptions=True)
        if unanswered and self._journal.durable:
            logger.warning(
                "shutdown: {} turns left for another replica or the next start", len(unanswered)
            )
        elif unanswered:
            logger.warning(
                "shutdown: {} turns left unanswered; telling their users", len(unanswered)
            )
            await self._tell_unanswered(unanswered)
        await self._release_all()
        logger.info("shutdown: conversations stopped")

    async def _release_all(self) -> None:
        """Hand the chats still held here to the other replicas now, not when the TTL ends."""
        if self._leases is None:
            return
        held, self._held = self._held, {}
        for key, token in held.items():
            await self._release(key, token)
        await asyncio.gather(*self._releasing)

    async def _tell_unanswered(self, turns: list[Turn]) -> None:
        notices = (
            self._sender.notify(t.chat_id, t.texts.shutting_down, reply_to=t.message_id)
            for t in turns
        )
        try:
            async with asyncio.timeout(5):
                await asyncio.gather(*notices)
        except TimeoutError:
            logger.warning("shutdown: not every unanswered user could be told in time")

    async def _turn_over(self, key: DialogKey, turn: Turn) -> None:
        try:
            await self._journal.done(key, [turn])
        except StorageUnavailable as error:  # it may be answered again after a restart
            logger.error(
                "chat={} msg={} not crossed off the inbox: {}", key.chat_id, turn.message_id, error
            )

    def _forget(self, actor: Conversation) -> None:
        if self._actors.get(actor.key) is not actor:
            return
        del self._actors[actor.key]
        token = None if self._closing else self._held.pop(actor.key, None)
        if token is not None:  # the actor ended without letting go (it crashed)
            release = asyncio.create_task(self._release(actor.key, token))
            self._releasing.add(release)
            release.add_done_callback(self._releasing.discard)

    async def _release(self, key: DialogKey, token: str) -> None:
        assert self._leases is not None
        try:
            await self._leases.release(key, token)
        except StorageUnavailable as error:
            logger.warning("chat={} lease left to run out: {}", key.chat_id, error)
