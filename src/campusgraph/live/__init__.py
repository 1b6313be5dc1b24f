"""Live updates: what changed in the journal reaches the screens that may see it.

The path of one change, end to end:

1. **Emit, in the write's transaction.** Every write records an audit event
   (:func:`campusgraph.resolvers.audit.record`); that one function also calls
   :func:`~campusgraph.live.events.emit`, which turns the audit event of a *live table*
   (:data:`~campusgraph.live.events.LIVE_TABLES`: ``mark``, ``attendance``,
   ``announcement``, ``message``) into an
   :class:`~campusgraph.live.events.Event` kept on the session. Revoking sessions (sign-out,
   ``revokeSessions``, a password change, a disabled account) emits a ``session`` event the
   same way (:func:`~campusgraph.live.events.emit_sessions`). No resolver publishes by hand.
2. **Publish when, and only when, the transaction commits** (hooks on every ORM session,
   :mod:`campusgraph.live.events`). An event is small: kind, action, institution, row id
   (and the student, so a subscription for one student skips the others without a read) —
   never the row: the subscriber re-reads it.

   - In-process bus (SQLite, one worker): delivered after commit, to the queues of this
     process's subscriptions.
   - PostgreSQL bus: ``NOTIFY`` is sent *inside* the write's transaction, just before
     COMMIT (``SELECT pg_notify(…)``). PostgreSQL delivers a notification only if its
     transaction commits, in commit order, and to every listening worker — ours included:
     there is no window where the row is committed but the event is lost because the
     process died between COMMIT and a separate publish, and a rolled-back write never
     notifies. Each worker holds ONE dedicated asyncpg connection that ``LISTEN``\\ s on
     :data:`~campusgraph.live.bus.CHANNEL` and fans the notifications out locally.
3. **Fan out per institution.** A subscription listens to its viewer's institution only;
   an event of another institution is never put on its queue (tenant isolation before
   any policy), and ``session`` events only reach subscriptions of the accounts named.
4. **Filter by the same policy as a query.** For each event the subscription re-reads the
   row through :func:`campusgraph.resolvers.reads.filtered` under the subscriber's viewer
   (the ruleset's SQL read filter, the session's tenant criteria): a parent gets his
   child's marks because the ruleset lets him read them, and nothing else — there is no
   check written for subscriptions (``schema/live.py``).
5. **Revocation.** On a ``session`` event naming its account the subscription
   re-authenticates its token; revoked, expired or disabled → the WebSocket is closed
   with 4401. The token itself is checked at ``connection_init`` (payload
   ``{"Authorization": "Bearer …"}``, or the upgrade request's header): refused → 4403.

6. **Deletions** (``deleteMark``, ``setAttendance`` back to present,
   ``deleteAnnouncement``). The row is gone, so step 4 cannot re-read it: the event of a
   ``delete`` carries the row's anchor columns (:attr:`LiveTable.anchor_columns
   <campusgraph.live.events.LiveTable.anchor_columns>` — institution, group, discipline,
   lesson, student, date, author; an announcement's audience), taken from the audit
   snapshot the write records, and the subscription evaluates the very filter of its
   re-read with the table's columns replaced by those values, in one SELECT without a
   table (:func:`campusgraph.schema.live.could_read`). Who could read the row gets a
   ``…Removed`` event with its id, nobody else. A delete whose snapshot lacks an anchor is
   not published (and logged): a write that deletes a live row must snapshot its anchors
   (``tests/live/test_deletions.py`` finds every such write in the source).

Adding a live kind (as ``announcement`` and ``message`` were) is one small addition each:

- add the table to :data:`~campusgraph.live.events.LIVE_TABLES` (``"message":
  LiveTable(m.Message, "message")`` — the audit event the write already records is
  then published);
- add a typed event and a subscription field in ``schema/live.py`` (``MessagePosted``
  with the existing GraphQL object, the field yielding from :func:`updates` with
  ``kinds={"message"}``) — the re-read through ``filtered(ctx, "message", …)``
  is generic (:func:`campusgraph.schema.live.reread`), so the ruleset's read lines decide
  who sees it. A kind whose query reads through its own filter (announcements: one
  object per audience, :func:`campusgraph.resolvers.announcements.readable`) names that
  filter in ``schema/live.py``'s ``_READABLE`` — the query's function, never a copy,
  and lists those objects in its ``LiveTable(objects=…)`` (their anchors are what its
  deletions carry);
- if its rows can be deleted, a ``…Removed`` type in ``schema/live.py``'s ``_REMOVED`` and
  a case in ``tests/live/test_deletions.py`` (whose source scan fails until there is one).
"""

from campusgraph.live.bus import Bus, Listener, LocalBus, PostgresBus, create_bus
from campusgraph.live.events import LIVE_TABLES, Event, LiveTable, emit, emit_sessions

__all__ = [
    "LIVE_TABLES",
    "Bus",
    "Event",
    "Listener",
    "LiveTable",
    "LocalBus",
    "PostgresBus",
    "create_bus",
    "emit",
    "emit_sessions",
]
