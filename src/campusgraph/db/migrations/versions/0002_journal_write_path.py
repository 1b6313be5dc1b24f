"""journal write path: closed-period triggers, mutation receipts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 12:00:00

1. Nobody writes into a closed period, whatever the path (a mutation, an import, a script
   with a database shell): BEFORE INSERT / UPDATE / DELETE triggers on the journal tables
   refuse a row whose date (old or new) lies inside a closed period of its institution.
   A final mark's ``date`` is its period's last day, so its own period (and any closed
   period containing that day) locks it.

   PostgreSQL: one plpgsql function reads the periods containing the date with
   ``SELECT … FOR SHARE``. ``closePeriod`` updates the period row, which needs a lock that
   conflicts with FOR SHARE, so under READ COMMITTED a write and a close serialise: a
   write that locked the period first commits before the close can take the row; a write
   that comes after the close waits for it and then reads the committed ``closed_at``
   (FOR SHARE re-reads the newest row version) and is refused. No write can commit into
   a period after it was closed.

   SQLite: one writer at a time (write sessions take BEGIN IMMEDIATE), so the check in
   the trigger always sees the latest committed state.

   The error text starts with ``period_closed``; the API maps it to FORBIDDEN.

2. ``audit_event.mutation``: the event that is a mutation's receipt names the mutation,
   and (user, client mutation id) is unique among receipts, so a retried mutation finds
   the first result, and two racing retries cannot both write.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The journal tables whose rows carry a date that a closed period locks.
LOCKED_TABLES = ("lesson", "work", "mark", "attendance", "final_mark")

PG_FUNCTION = "campusgraph_refuse_closed_period"

PG_FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    period_row record;
BEGIN
    -- The old row may not leave a closed period (UPDATE, DELETE) ...
    IF TG_OP <> 'INSERT' THEN
        FOR period_row IN
            SELECT p.id, p.closed_at FROM period AS p
            WHERE p.institution_id = OLD.institution_id
              AND p.starts_on <= OLD.date AND p.ends_on >= OLD.date
            ORDER BY p.id
            FOR SHARE OF p
        LOOP
            IF period_row.closed_at IS NOT NULL THEN
                RAISE EXCEPTION 'period_closed: % dated % lies in closed period %',
                    TG_TABLE_NAME, OLD.date, period_row.id
                    USING ERRCODE = 'check_violation';
            END IF;
        END LOOP;
    END IF;
    -- ... and the new row may not enter one (INSERT, UPDATE to another date).
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND (
            NEW.date IS DISTINCT FROM OLD.date
            OR NEW.institution_id IS DISTINCT FROM OLD.institution_id)) THEN
        FOR period_row IN
            SELECT p.id, p.closed_at FROM period AS p
            WHERE p.institution_id = NEW.institution_id
              AND p.starts_on <= NEW.date AND p.ends_on >= NEW.date
            ORDER BY p.id
            FOR SHARE OF p
        LOOP
            IF period_row.closed_at IS NOT NULL THEN
                RAISE EXCEPTION 'period_closed: % dated % lies in closed period %',
                    TG_TABLE_NAME, NEW.date, period_row.id
                    USING ERRCODE = 'check_violation';
            END IF;
        END LOOP;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$
"""


def _closed(row: str) -> str:
    return (
        "EXISTS (SELECT 1 FROM period AS p "
        f"WHERE p.institution_id = {row}.institution_id AND p.closed_at IS NOT NULL "
        f"AND p.starts_on <= {row}.date AND p.ends_on >= {row}.date)"
    )


def _sqlite_triggers(table: str) -> list[str]:
    raise_ = f"BEGIN SELECT RAISE(ABORT, 'period_closed: {table} lies in a closed period'); END"
    return [
        f"CREATE TRIGGER {table}_closed_period_insert BEFORE INSERT ON {table} "
        f"WHEN {_closed('NEW')} {raise_}",
        f"CREATE TRIGGER {table}_closed_period_update BEFORE UPDATE ON {table} "
        f"WHEN {_closed('OLD')} OR {_closed('NEW')} {raise_}",
        f"CREATE TRIGGER {table}_closed_period_delete BEFORE DELETE ON {table} "
        f"WHEN {_closed('OLD')} {raise_}",
    ]


def upgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mutation", sa.String(length=64), nullable=True))
    op.create_index(
        "uq_audit_event_receipt",
        "audit_event",
        ["user_id", "client_mutation_id"],
        unique=True,
        sqlite_where=sa.text("mutation IS NOT NULL"),
        postgresql_where=sa.text("mutation IS NOT NULL"),
    )

    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION_SQL)
        for table in LOCKED_TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_closed_period "
                f"BEFORE INSERT OR UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()"
            )
    else:
        for table in LOCKED_TABLES:
            for statement in _sqlite_triggers(table):
                op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in LOCKED_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_closed_period ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()")
    else:
        for table in LOCKED_TABLES:
            for when in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_closed_period_{when}")

    op.drop_index("uq_audit_event_receipt", table_name="audit_event")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_column("mutation")
