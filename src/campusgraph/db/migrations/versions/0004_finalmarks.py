"""final marks: who agreed a mark given against the rule, and when

Revision ID: 0004_finalmarks
Revises: 0004_idempotency
Create Date: 2026-12-05 03:30:00

Armavir разд. 6: a final mark given without the rule's rounding «согласовывается с
заместителем директора по учебной работе». ``needs_approval`` already marks such a mark
as waiting; ``approveFinalMark`` clears it and keeps who agreed and when, so the journal
and the history can show the agreement (both null: nothing was agreed).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_finalmarks"
down_revision: str | None = "0004_institution"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy): SQLite keeps final_mark's triggers (0002).
    op.add_column(
        "final_mark",
        sa.Column(
            "approved_by_user_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
    )
    op.add_column("final_mark", sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("final_mark", "approved_at")
    op.drop_column("final_mark", "approved_by_user_id")
