"""correspondence: threads, their participants with read receipts, messages in a thread

Revision ID: 0005_correspondence
Revises: 0004_finalmarks
Create Date: 2026-12-05 09:20:00

Issue 15: the existing ``message`` table stays (its rows keep ``thread_id`` NULL); a
thread holds the subject, whether a parent's question awaits its answer (Altai п. 3.4:
«в течение 3-х дней») and when it was answered; ``thread_participant`` keeps each
participant's read receipt for unread counts.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_correspondence"
down_revision: str | None = "0005_announcements"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "thread",
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("created_by_user_id", ID, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer_due", sa.Boolean(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_message_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("institution_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["user_account.id"],
            name=op.f("fk_thread_created_by_user_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institution.id"],
            name=op.f("fk_thread_institution_id_institution"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_thread")),
    )
    op.create_index(
        op.f("ix_thread_institution_id_answer_due_answered_at"),
        "thread",
        ["institution_id", "answer_due", "answered_at"],
    )
    op.create_table(
        "thread_participant",
        sa.Column("thread_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("last_read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("institution_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["thread.id"],
            name=op.f("fk_thread_participant_thread_id_thread"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_thread_participant_user_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institution.id"],
            name=op.f("fk_thread_participant_institution_id_institution"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_thread_participant")),
        sa.UniqueConstraint("thread_id", "user_id", name=op.f("uq_thread_participant_thread_id")),
    )
    op.create_index(
        op.f("ix_thread_participant_institution_id_user_id"),
        "thread_participant",
        ["institution_id", "user_id"],
    )
    with op.batch_alter_table("message") as batch_op:
        batch_op.add_column(sa.Column("thread_id", ID, nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_message_thread_id_thread"),
            "thread",
            ["thread_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_index(batch_op.f("ix_message_thread_id_sent_at"), ["thread_id", "sent_at"])


def downgrade() -> None:
    with op.batch_alter_table("message") as batch_op:
        batch_op.drop_index(batch_op.f("ix_message_thread_id_sent_at"))
        batch_op.drop_constraint(batch_op.f("fk_message_thread_id_thread"), type_="foreignkey")
        batch_op.drop_column("thread_id")
    op.drop_index(op.f("ix_thread_participant_institution_id_user_id"), "thread_participant")
    op.drop_table("thread_participant")
    op.drop_index(op.f("ix_thread_institution_id_answer_due_answered_at"), "thread")
    op.drop_table("thread")
