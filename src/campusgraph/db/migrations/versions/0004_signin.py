"""sign-in throttle counters

Revision ID: 0004_signin
Revises: 0003
Create Date: 2026-12-05 00:30:00

Failed sign-ins counted per login (realm + login) and per client address, in the
database so that every worker of the service sees the same counts (see
``campusgraph.resolvers.throttle``). Keys are SHA-256 digests: no login is stored in
clear, and an unknown login is counted exactly like a known one.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_signin"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_throttle",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sign_in_throttle")),
    )
    op.create_index(op.f("ix_sign_in_throttle_last_at"), "sign_in_throttle", ["last_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_sign_in_throttle_last_at"), table_name="sign_in_throttle")
    op.drop_table("sign_in_throttle")
