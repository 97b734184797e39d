"""Accounts remember the import that created or last changed them, so an import's result can
say how many of them went to the public pool and link to exactly those.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("import_job_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_accounts_import_job_id_import_jobs"),
            "import_jobs",
            ["import_job_id"],
            ["id"],
        )
        batch_op.create_index("ix_accounts_import_job", ["import_job_id"], unique=False)


def downgrade():
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index("ix_accounts_import_job")
        batch_op.drop_constraint(
            batch_op.f("fk_accounts_import_job_id_import_jobs"), type_="foreignkey"
        )
        batch_op.drop_column("import_job_id")
