"""the institution's contacts: phone, e-mail, website

Revision ID: 0004_institution
Revises: 0004_idempotency
Create Date: 2026-12-05 03:00:00

``updateInstitution`` keeps the institution's own details (the regulations' «карточка ОО»,
«основные сведения по Учреждению»): name, address, licence and accreditation had columns,
the contacts a screen shows beside them had none.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_institution"
down_revision: str | None = "0004_deadlines"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("institution", sa.Column("phone", sa.String(length=32), nullable=True))
    op.add_column("institution", sa.Column("email", sa.String(length=255), nullable=True))
    op.add_column("institution", sa.Column("website", sa.String(length=255), nullable=True))


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite >= 3.35), not a batch copy: recreating ``institution`` on
    # SQLite cascades into the closed-period triggers (0002) and refuses the downgrade.
    op.drop_column("institution", "website")
    op.drop_column("institution", "email")
    op.drop_column("institution", "phone")
