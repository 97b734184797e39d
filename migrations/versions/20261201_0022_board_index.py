"""The board at company scale: two covering indexes, one for the whole company's board and one
for a rep's or a team's. The stage totals are read from the index alone (count and sum of
base_amount per stage, no deal row), and each column's first cards are a short range read in
the board's order (newest change first).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01
"""

from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

# The whole company's board reads (status, stage_id) then the board's order, deleted_at after
# it: PostgreSQL keeps an index's order only past equality conditions, and "IS NULL" is not one
# for it. A rep's or a team's board reads its own index from owner_id on: without it SQLite,
# which has no statistics, reads the company's entries for one person's or one team's board
# (and for a team, with deleted_at among the leading equalities, prefers no other index).
BOARD = ["status", "stage_id", "updated_at", "id", "deleted_at", "base_amount", "owner_id"]
OWNER_BOARD = ["owner_id", "status", "deleted_at", "stage_id", "updated_at", "id", "base_amount"]


def upgrade():
    op.create_index("ix_deals_board", "deals", BOARD)
    op.create_index("ix_deals_owner_board", "deals", OWNER_BOARD)


def downgrade():
    op.drop_index("ix_deals_owner_board", table_name="deals")
    op.drop_index("ix_deals_board", table_name="deals")
