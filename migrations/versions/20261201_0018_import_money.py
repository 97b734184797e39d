"""Imports keep money right: a job counts the records a row left unchanged (so a second run
visibly changes nothing), and a deal imported as lost without its last stage says so instead
of seeming lost in the first stage.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("import_jobs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("unchanged_records", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("stage_unknown", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade():
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.drop_column("stage_unknown")
    with op.batch_alter_table("import_jobs", schema=None) as batch_op:
        batch_op.drop_column("unchanged_records")
