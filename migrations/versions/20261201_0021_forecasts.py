"""Forecasts: a deal's forecast category chosen by hand (none follows its probability), and the
forecast submissions of people and teams, kept as snapshots with the system's figures.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def _money(name):
    return sa.Column(name, sa.Numeric(18, 2), nullable=False, server_default="0")


def upgrade():
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("forecast_override", sa.String(12), nullable=True))
    op.create_index(
        "ix_deals_forecast",
        "deals",
        [
            "owner_id",
            "status",
            "expected_close",
            "deleted_at",
            "probability",
            "forecast_override",
            "base_amount",
        ],
    )
    op.create_table(
        "forecast_submissions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("period_key", sa.String(10), nullable=False),
        sa.Column("owner_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("teams.id"), nullable=True),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("amount", sa.Numeric(18, 2), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("note", sa.String(500), nullable=False, server_default=""),
        _money("won"),
        _money("commit_amount"),
        _money("best_case"),
        _money("pipeline"),
        _money("weighted"),
        sa.Column("submitted_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_forecast_submissions_person", "forecast_submissions", ["period_key", "owner_id", "id"]
    )
    op.create_index(
        "ix_forecast_submissions_team", "forecast_submissions", ["period_key", "team_id", "id"]
    )


def downgrade():
    op.drop_index("ix_forecast_submissions_team", table_name="forecast_submissions")
    op.drop_index("ix_forecast_submissions_person", table_name="forecast_submissions")
    op.drop_table("forecast_submissions")
    op.drop_index("ix_deals_forecast", table_name="deals")
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.drop_column("forecast_override")
