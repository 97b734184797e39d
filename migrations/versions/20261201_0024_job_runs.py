"""Jobs on the Huey queue: a row per run (start, end, result, error) and an administrator's
switch per periodic job; an index for the daily survey reminder job.

Revision ID: 0024
Revises: 0022
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op


revision = "0024"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "job_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("slot", sa.String(length=20), nullable=True),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("arguments", sa.String(length=200), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_runs")),
        sa.UniqueConstraint("name", "slot", name="uq_job_runs_name_slot"),
    )
    op.create_index("ix_job_runs_started_at", "job_runs", ["started_at"])
    op.create_index("ix_job_runs_status_started_at", "job_runs", ["status", "started_at"])
    op.create_index("ix_job_runs_name_started_at", "job_runs", ["name", "started_at"])
    op.create_table(
        "job_switches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_switches")),
        sa.UniqueConstraint("name", name=op.f("uq_job_switches_name")),
    )
    op.create_index(
        "ix_survey_invitations_remind",
        "survey_invitations",
        ["reminded_at", "answered_at", "emailed_at"],
    )


def downgrade():
    op.drop_index("ix_survey_invitations_remind", table_name="survey_invitations")
    op.drop_table("job_switches")
    op.drop_index("ix_job_runs_name_started_at", table_name="job_runs")
    op.drop_index("ix_job_runs_status_started_at", table_name="job_runs")
    op.drop_index("ix_job_runs_started_at", table_name="job_runs")
    op.drop_table("job_runs")
