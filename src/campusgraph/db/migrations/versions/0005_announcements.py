"""announcements: an audience (department, role), a kind, hours, a publication time

Revision ID: 0005_announcements
Revises: 0004_finalmarks
Create Date: 2026-12-05 09:20:00

Issue 15: an announcement or event is addressed to the whole institution, a department,
a group or a role (at most one of ``department_id``, ``group_id``, ``audience_role``;
none: the institution's), has a kind (announcement, class meeting, holiday, day
transfer, other), optional hours and the moment it was published. Existing rows keep
their meaning: group_id set is a group's, none set the institution's; their publication
time is their creation time.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_announcements"
down_revision: str | None = "0005_portfolios"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_ONE_AUDIENCE = (
    "(CASE WHEN group_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN department_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN audience_role IS NULL THEN 0 ELSE 1 END) <= 1"
)


def upgrade() -> None:
    with op.batch_alter_table("announcement") as batch:
        batch.add_column(sa.Column("department_id", _ID, nullable=True))
        batch.add_column(sa.Column("audience_role", sa.String(length=64), nullable=True))
        batch.add_column(
            sa.Column("kind", sa.String(length=32), nullable=False, server_default="announcement")
        )
        batch.add_column(sa.Column("starts_at", sa.Time(), nullable=True))
        batch.add_column(sa.Column("ends_at", sa.Time(), nullable=True))
        batch.add_column(sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE announcement SET published_at = created_at")
    with op.batch_alter_table("announcement") as batch:
        batch.alter_column("published_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch.create_foreign_key(
            batch.f("fk_announcement_department_id_department"),
            "department",
            ["department_id"],
            ["id"],
        )
        batch.create_check_constraint(batch.f("ck_announcement_one_audience"), _ONE_AUDIENCE)
        batch.create_index(
            batch.f("ix_announcement_institution_id_starts_on"),
            ["institution_id", "starts_on"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("announcement") as batch:
        batch.drop_index(batch.f("ix_announcement_institution_id_starts_on"))
        batch.drop_constraint(batch.f("ck_announcement_one_audience"), type_="check")
        batch.drop_constraint(
            batch.f("fk_announcement_department_id_department"), type_="foreignkey"
        )
        for column in ("published_at", "ends_at", "starts_at", "kind", "audience_role"):
            batch.drop_column(column)
        batch.drop_column("department_id")
