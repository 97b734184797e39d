"""Targets: a number per measure, period and owner, split into children that reconcile, with the
revisions of published numbers; and the company's fiscal start month that periods count from.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measure", sa.String(length=20), nullable=False),
        sa.Column("detail", sa.String(length=120), nullable=False),
        sa.Column("period_key", sa.String(length=10), nullable=False),
        sa.Column("period_kind", sa.String(length=10), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("owner_key", sa.String(length=20), nullable=False),
        sa.Column("value", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("difference_intended", sa.Boolean(), nullable=False),
        sa.Column("difference_note", sa.String(length=500), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name="fk_targets_team_id_teams"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_targets_user_id_users"),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["targets.id"], name="fk_targets_parent_id_targets"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name="fk_targets_created_by_id_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_targets"),
        sa.UniqueConstraint(
            "measure", "detail", "period_key", "owner_key", name="uq_targets_slot"
        ),
    )
    op.create_index("ix_targets_period_level", "targets", ["period_key", "level", "measure"])
    op.create_index("ix_targets_parent", "targets", ["parent_id"])
    op.create_index("ix_targets_user_period", "targets", ["user_id", "period_start"])
    op.create_index("ix_targets_team_period", "targets", ["team_id", "period_start"])
    op.create_table(
        "target_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("old_value", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("new_value", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("why", sa.String(length=500), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["target_id"], ["targets.id"], name="fk_target_revisions_target_id_targets"
        ),
        sa.ForeignKeyConstraint(
            ["changed_by_id"], ["users.id"], name="fk_target_revisions_changed_by_id_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_target_revisions"),
    )
    op.create_index(
        "ix_target_revisions_target", "target_revisions", ["target_id", "changed_at"]
    )
    op.create_index(
        "ix_deals_won_close",
        "deals",
        ["status", "deleted_at", "closed_on", "owner_id", "base_amount"],
    )
    with op.batch_alter_table("company_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("fiscal_start_month", sa.Integer(), nullable=False, server_default="1")
        )


def downgrade():
    with op.batch_alter_table("company_settings", schema=None) as batch_op:
        batch_op.drop_column("fiscal_start_month")
    op.drop_index("ix_deals_won_close", table_name="deals")
    op.drop_index("ix_target_revisions_target", table_name="target_revisions")
    op.drop_table("target_revisions")
    op.drop_index("ix_targets_team_period", table_name="targets")
    op.drop_index("ix_targets_user_period", table_name="targets")
    op.drop_index("ix_targets_parent", table_name="targets")
    op.drop_index("ix_targets_period_level", table_name="targets")
    op.drop_table("targets")
