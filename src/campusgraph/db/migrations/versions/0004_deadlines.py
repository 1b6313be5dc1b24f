"""when a student card and a movement order were entered and a final mark first set

Revision ID: 0004_deadlines
Revises: 0004_idempotency
Create Date: 2026-12-05 03:10:00

The regulations' deadlines on cards and attestation marks (Altai п. 4.2, Armavir п. 4.1:
a student card within N working days of enrolment, an expulsion order within N working
days of the expulsion; Armavir п. 4.6: attestation marks by
the next working day after the exam) are counted from the day the entry was made, on the
institution's calendar — which ``student`` and ``final_mark`` did not record
(``final_mark.updated_at`` moves with every change) and ``movement_order`` kept only as a
UTC timestamp of the server's clock. Rows written before this revision
stay NULL: their day is unknown, so the compliance report does not judge them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_deadlines"
down_revision: str | None = "0004_idempotency"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("student") as batch:
        batch.add_column(sa.Column("created_on", sa.Date(), nullable=True))
        batch.add_column(
            sa.Column(
                "created_by_user_id",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                nullable=True,
            )
        )
    with op.batch_alter_table("final_mark") as batch:
        batch.add_column(sa.Column("set_on", sa.Date(), nullable=True))
    with op.batch_alter_table("movement_order") as batch:
        batch.add_column(sa.Column("created_on", sa.Date(), nullable=True))


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite >= 3.35), not a batch copy: recreating a table on SQLite
    # drops the old one, whose cascades fire the closed-period triggers (0002) and
    # refuse the downgrade of a database with a closed period.
    op.drop_column("movement_order", "created_on")
    op.drop_column("final_mark", "set_on")
    op.drop_column("student", "created_by_user_id")
    op.drop_column("student", "created_on")
