"""portfolios: entry kinds and confirmation, files, and the blob table of database storage

Revision ID: 0005_portfolios
Revises: 0004_finalmarks
Create Date: 2026-12-05 09:20:00

Tomsk разд. 6 (electronic portfolios of teachers and students), Altai п. 3.4, 4.3 and
NSHDS 12 разд. 4 (personal and project portfolios). An entry's kind becomes a closed
vocabulary (the free-text kinds the demo wrote are mapped onto it), an entry is a draft
until confirmed (by whom, when), and an entry has files: their metadata in
``portfolio_file``, their bytes on disk or in ``stored_blob`` (campusgraph.storage).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_portfolios"
down_revision: str | None = "0004_finalmarks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
KINDS = ("achievement", "certificate", "project", "competition_result", "publication")
#: The free-text kinds written before, onto the vocabulary.
OLD_KINDS = {
    "olympiad": "competition_result",
    "competition": "competition_result",
    "sport": "achievement",
    "creative": "achievement",
    "volunteer": "achievement",
    "award": "achievement",
    "course": "certificate",
}


def upgrade() -> None:
    entry = sa.table("portfolio_entry", sa.column("kind", sa.String))
    for old, new in OLD_KINDS.items():
        op.execute(entry.update().where(entry.c.kind == old).values(kind=new))
    op.execute(entry.update().where(entry.c.kind.not_in(KINDS)).values(kind="achievement"))
    with op.batch_alter_table("portfolio_entry", schema=None) as batch_op:
        batch_op.alter_column(
            "kind",
            existing_type=sa.String(length=64),
            type_=sa.Enum(*KINDS, name="portfoliokind", native_enum=False, length=32),
            existing_nullable=False,
        )
        batch_op.create_check_constraint("portfoliokind", sa.column("kind").in_(KINDS))
        batch_op.add_column(
            sa.Column(
                "status",
                sa.Enum("draft", "confirmed", name="portfoliostatus", native_enum=False, length=32),
                nullable=False,
                server_default="draft",
            )
        )
        batch_op.create_check_constraint(
            "portfoliostatus", sa.column("status").in_(("draft", "confirmed"))
        )
        batch_op.add_column(sa.Column("confirmed_by_user_id", ID, nullable=True))
        batch_op.add_column(sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "portfolio_file",
        sa.Column("entry_id", ID, nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=128), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by_user_id", ID, nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("institution_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["portfolio_entry.id"],
            name=op.f("fk_portfolio_file_entry_id_portfolio_entry"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institution.id"],
            name=op.f("fk_portfolio_file_institution_id_institution"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portfolio_file")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_portfolio_file_storage_key")),
    )
    op.create_index(
        op.f("ix_portfolio_file_institution_id_entry_id"),
        "portfolio_file",
        ["institution_id", "entry_id"],
    )
    op.create_table(
        "stored_blob",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("institution_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institution.id"],
            name=op.f("fk_stored_blob_institution_id_institution"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_stored_blob")),
    )


def downgrade() -> None:
    op.drop_table("stored_blob")
    op.drop_index(op.f("ix_portfolio_file_institution_id_entry_id"), table_name="portfolio_file")
    op.drop_table("portfolio_file")
    with op.batch_alter_table("portfolio_entry", schema=None) as batch_op:
        batch_op.drop_constraint("portfoliostatus", type_="check")
        batch_op.drop_column("confirmed_at")
        batch_op.drop_column("confirmed_by_user_id")
        batch_op.drop_column("status")
        batch_op.drop_constraint("portfoliokind", type_="check")
        batch_op.alter_column(
            "kind",
            existing_type=sa.String(length=32),
            type_=sa.String(length=64),
            existing_nullable=False,
        )
