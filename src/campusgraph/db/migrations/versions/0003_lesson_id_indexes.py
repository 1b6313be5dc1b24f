"""indexes on work.lesson_id and mark.lesson_id

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 09:00:00

The journal joins a lesson's works by ``lesson_id``; without an index SQLite searched
every work of the group × discipline × semester for each lesson (40 × 40 row visits,
0.67 ms of the journal's 1.6 ms of SQL). Deleting a lesson cascades to its works and
marks by ``lesson_id`` too. Both indexes lead with ``lesson_id``: the join and the cascade
look rows up by it alone.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_work_lesson_id", "work", ["lesson_id"])
    op.create_index("ix_mark_lesson_id", "mark", ["lesson_id"])


def downgrade() -> None:
    op.drop_index("ix_mark_lesson_id", table_name="mark")
    op.drop_index("ix_work_lesson_id", table_name="work")
