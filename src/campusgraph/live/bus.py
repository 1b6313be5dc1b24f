"""The buses: how an emitted event reaches the subscriptions of every worker.

:class:`LocalBus` (SQLite, one process) delivers after commit to this process's
subscriptions. :class:`PostgresBus` sends ``NOTIFY`` inside the write's transaction and
delivers what its one ``LISTEN`` connection hears — the notifications of every worker,
this one's included — so the delivery path is the same for a local and a remote write.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy import func as sql_func
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from campusgraph.live.events import SESSION_KIND, Event
from campusgraph.observability import metrics

log = logging.getLogger("campusgraph.live")

#: The PostgreSQL channel every worker listens on (one per database: a tenant is a field
#: of the payload, not a channel, so one connection per worker serves every institution).
CHANNEL = "campusgraph_live"
_NOTIFY = select(sql_func.pg_notify(CHANNEL, bindparam("payload")))

#: Put on a listener's queue when its subscription must end (queue overflow, the
#: LISTEN connection lost, the bus stopping): the client re-subscribes and re-reads.
CLOSED = Event(kind="closed")


class Listener:
    """One subscription's inbox: the events of its institution and the ``session`` events
    naming its account. Bounded: a subscriber that does not keep up is ended (``CLOSED``)
    rather than letting its queue grow without limit."""

    __slots__ = ("_bus", "institution_id", "queue", "user_id")

    def __init__(self, bus: Bus, institution_id: int | None, user_id: int, size: int) -> None:
        self._bus = bus
        self.institution_id = institution_id
        self.user_id = user_id
        self.queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=size)

    def offer(self, event: Event) -> None:
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            log.warning("a subscription fell %d events behind: ended", self.queue.maxsize)
            self.end()

    def end(self) -> None:
        """Make the next ``get`` answer CLOSED (dropping what is queued)."""
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(CLOSED)

    async def get(self) -> Event:
        return await self.queue.get()

    def close(self) -> None:
        self._bus.forget(self)


class Bus:
    """Fan-out to this process's listeners; the backends differ in how events arrive."""

    def __init__(self, queue_size: int = 100, reads_at_once: int | None = None) -> None:
        self.queue_size = queue_size
        #: Held by each subscription's re-read of an event (schema/live.py): bounds the
        #: connections the subscriptions take from the requests' pool (None: unbounded).
        self.reads: contextlib.AbstractAsyncContextManager[Any] = (
            asyncio.Semaphore(reads_at_once)
            if reads_at_once is not None
            else contextlib.nullcontext()
        )
        self._by_institution: dict[int | None, set[Listener]] = {}
        self._by_user: dict[int, set[Listener]] = {}

    def listen(self, institution_id: int | None, user_id: int) -> Listener:
        listener = Listener(self, institution_id, user_id, self.queue_size)
        self._by_institution.setdefault(institution_id, set()).add(listener)
        self._by_user.setdefault(user_id, set()).add(listener)
        metrics.SUBSCRIPTIONS.inc()
        return listener

    def forget(self, listener: Listener) -> None:
        group = self._by_institution.get(listener.institution_id)
        if group is None or listener not in group:
            return  # forgotten already
        group.discard(listener)
        if not group:
            del self._by_institution[listener.institution_id]
        users = self._by_user.get(listener.user_id)
        if users is not None:
            users.discard(listener)
            if not users:
                del self._by_user[listener.user_id]
        metrics.SUBSCRIPTIONS.dec()

    @property
    def listeners(self) -> int:
        return sum(len(group) for group in self._by_institution.values())

    def deliver(self, event: Event) -> None:
        """To the listeners this event concerns — tenant isolation happens here: an event
        is offered to its own institution's listeners only (session events to the
        listeners of the accounts they name)."""
        if event.kind == SESSION_KIND:
            targets = [lst for user in event.users for lst in self._by_user.get(user, ())]
        elif event.institution_id is None:
            return
        else:
            targets = list(self._by_institution.get(event.institution_id, ()))
        for listener in targets:
            listener.offer(event)

    def end_all(self) -> None:
        for group in list(self._by_institution.values()):
            for listener in list(group):
                listener.end()

    # -- what the session hooks call (campusgraph.live.events) -----------------------------

    def in_transaction(self, session: Session, events: Sequence[Event]) -> None:
        """Before COMMIT, inside the transaction (synchronous: a SQLAlchemy hook)."""

    def committed(self, events: Sequence[Event]) -> None:
        """After COMMIT (synchronous: a SQLAlchemy hook)."""

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        self.end_all()


class LocalBus(Bus):
    """One process (SQLite, or a single worker): delivered right after the commit."""

    def committed(self, events: Sequence[Event]) -> None:
        for event in events:
            self.deliver(event)


class PostgresBus(Bus):
    """Several workers on one PostgreSQL: ``NOTIFY`` in the write's transaction, one
    dedicated ``LISTEN`` connection per worker.

    If the LISTEN connection is lost, every open subscription is ended (its client
    re-subscribes and re-reads: notifications sent meanwhile are not replayed) and the
    connection is re-established with a growing pause.
    """

    def __init__(self, database_url: str, queue_size: int = 100, reads_at_once: int = 4) -> None:
        super().__init__(queue_size, reads_at_once)
        url = make_url(database_url).set(drivername="postgresql")
        self._dsn = url.render_as_string(hide_password=False)
        self._connection: Any = None
        self._stopping = False
        self._reconnecting: asyncio.Task[None] | None = None

    def in_transaction(self, session: Session, events: Sequence[Event]) -> None:
        connection = session.connection()
        for event in events:
            connection.execute(_NOTIFY, {"payload": event.encode()})

    async def start(self) -> None:
        await self._connect()

    async def _connect(self) -> None:
        import asyncpg

        connection = await asyncpg.connect(self._dsn)
        await connection.add_listener(CHANNEL, self._heard)
        connection.add_termination_listener(self._lost)
        self._connection = connection
        log.info("listening on %s", CHANNEL)

    def _heard(self, _connection: Any, _pid: int, _channel: str, payload: object) -> None:
        try:
            event = Event.decode(str(payload))
        except (ValueError, KeyError, TypeError):
            log.warning("ignored a malformed notification on %s", CHANNEL)
            return
        self.deliver(event)

    def _lost(self, _connection: Any) -> None:
        if self._stopping:
            return
        log.error("the LISTEN connection was lost: open subscriptions ended; reconnecting")
        self._connection = None
        self.end_all()
        self._reconnecting = asyncio.get_running_loop().create_task(self._reconnect())

    async def _reconnect(self) -> None:
        pause = 0.5
        while not self._stopping:
            try:
                await self._connect()
                return
            except (OSError, ConnectionError) as error:
                log.warning("LISTEN reconnect failed (%s); next try in %.1f s", error, pause)
            except Exception as error:  # asyncpg's own errors: keep trying
                log.warning("LISTEN reconnect failed (%s); next try in %.1f s", error, pause)
            await asyncio.sleep(pause)
            pause = min(pause * 2, 30.0)

    async def stop(self) -> None:
        self._stopping = True
        await super().stop()
        if self._reconnecting is not None:
            self._reconnecting.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reconnecting
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.close()
            self._connection = None


def create_bus(
    database_url: str, *, is_sqlite: bool, queue_size: int, reads_at_once: int = 4
) -> Bus:
    """The bound on re-reads protects PostgreSQL's pool, which the requests share; SQLite's
    reads run on the event loop one after another anyway, so they go unbounded."""
    if is_sqlite:
        return LocalBus(queue_size)
    return PostgresBus(database_url, queue_size, reads_at_once)
