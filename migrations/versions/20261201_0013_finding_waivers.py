"""Compliance: waivers of blocking findings. Approving over a blocking finding writes a waiver
with its reason; above the second-reviewer threshold the second approver writes a confirmation.
Rows are written once, like the rest of the review trail.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "review_waivers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_review_waivers_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["result_id"],
            ["review_results.id"],
            name=op.f("fk_review_waivers_result_id_review_results"),
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["contract_reviews.id"],
            name=op.f("fk_review_waivers_review_id_contract_reviews"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_waivers")),
    )
    op.create_index("ix_review_waivers_result", "review_waivers", ["result_id", "created_at"])
    op.create_index("ix_review_waivers_review", "review_waivers", ["review_id"])


def downgrade():
    op.drop_index("ix_review_waivers_review", table_name="review_waivers")
    op.drop_index("ix_review_waivers_result", table_name="review_waivers")
    op.drop_table("review_waivers")
