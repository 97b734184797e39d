"""The board at company scale: one index serves the whole company's board. Its stage totals
are read from the index alone (count and sum of base_amount per stage, no deal row), and each
column's first cards are a short range read in the board's order (newest change first).

Revision ID: 0022
Revises: 0018
Create Date: 2026-12-01
"""

from alembic import op

revision = "0022"
down_revision = "0018"
branch_labels = None
depends_on = None

COLUMNS = ["status", "deleted_at", "stage_id", "updated_at", "id", "base_amount", "owner_id"]


def upgrade():
    op.create_index("ix_deals_board", "deals", COLUMNS)


def downgrade():
    op.drop_index("ix_deals_board", table_name="deals")
