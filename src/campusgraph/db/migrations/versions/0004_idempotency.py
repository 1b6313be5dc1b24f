"""idempotency keys bound to the mutation and its input

Revision ID: 0004_idempotency
Revises: 0004_signin
Create Date: 2026-12-05 00:30:00

A ``clientMutationId`` used to find the audit event of whatever the user last did with
it (0002's receipts, unique per user and id): a key reused for another journal cell
answered ok with the other cell's mark and wrote nothing, and a retry answered the
cell's current state, not the first answer. ``idempotency_key`` binds the key to
(user, mutation) and to a hash of the input, and keeps the payload as first answered;
every mutation with a ``clientMutationId`` goes through it (``schema/idempotency.py``).
``token`` and ``applied`` fence a claim: the mutation's write transaction sets
``applied`` guarded by the claimant's token, so a retry after a crash knows whether the
first write committed (then it is told so) or not (then it takes the claim over with a
new token and runs the mutation; the first request's late commit is refused).
The receipts' unique index goes: the same id may now name different mutations, and an
expired key may be used again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_idempotency"
down_revision: str | None = "0004_signin"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
NOW = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "idempotency_key",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column(
            "institution_id",
            ID,
            sa.ForeignKey(
                "institution.id",
                ondelete="CASCADE",
                name="fk_idempotency_key_institution_id_institution",
            ),
            nullable=True,
        ),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("mutation", sa.String(length=64), nullable=False),
        sa.Column("client_mutation_id", sa.String(length=128), nullable=False),
        sa.Column("input_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", NOW, nullable=False),
        sa.Column("response_selection", sa.String(length=64), nullable=True),
        sa.Column("response", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("applied", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_idempotency_key"),
    )
    op.create_index(
        "uq_idempotency_key_user",
        "idempotency_key",
        ["user_id", "mutation", "client_mutation_id"],
        unique=True,
    )
    op.create_index(
        "ix_idempotency_key_institution_id_created_at",
        "idempotency_key",
        ["institution_id", "created_at"],
    )
    op.drop_index("uq_audit_event_receipt", table_name="audit_event")


def downgrade() -> None:
    # Receipts of the same id for different mutations cannot all stay unique: keep the
    # first of each (user, id) as the receipt, the others as plain events.
    op.execute(
        "UPDATE audit_event SET mutation = NULL WHERE mutation IS NOT NULL AND id NOT IN ("
        "SELECT min(id) FROM audit_event WHERE mutation IS NOT NULL "
        "GROUP BY user_id, client_mutation_id)"
    )
    op.create_index(
        "uq_audit_event_receipt",
        "audit_event",
        ["user_id", "client_mutation_id"],
        unique=True,
        sqlite_where=sa.text("mutation IS NOT NULL"),
        postgresql_where=sa.text("mutation IS NOT NULL"),
    )
    op.drop_index("ix_idempotency_key_institution_id_created_at", table_name="idempotency_key")
    op.drop_index("uq_idempotency_key_user", table_name="idempotency_key")
    op.drop_table("idempotency_key")
