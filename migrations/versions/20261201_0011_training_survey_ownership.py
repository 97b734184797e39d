"""Training and surveys: one open quiz attempt per person and course; owning team of surveys,
courses and loss-to-course rules.

Existing rows take the team of their author when the author was a manager (admins' work, and
rules whose author is not recorded, stay company-wide: only an administrator edits them).
Duplicate open attempts (left by the race this index closes) keep the oldest one open.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

OPEN_ATTEMPT = "uq_training_attempts_open"
OWNED = ("surveys", "training_courses", "training_reason_courses")


def upgrade():
    # Unanswered duplicates carry no answers: dropping them loses nothing a person gave.
    op.execute(
        "DELETE FROM training_attempts WHERE submitted_at IS NULL AND id NOT IN ("
        " SELECT MIN(id) FROM training_attempts WHERE submitted_at IS NULL"
        " GROUP BY user_id, course_id)"
    )
    with op.batch_alter_table("training_attempts", schema=None) as batch_op:
        batch_op.create_index(
            OPEN_ATTEMPT,
            ["user_id", "course_id"],
            unique=True,
            sqlite_where=sa.text("submitted_at IS NULL"),
            postgresql_where=sa.text("submitted_at IS NULL"),
        )
    for table in OWNED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("team_id", sa.Integer(), nullable=True))
            batch_op.create_foreign_key(f"fk_{table}_team_id_teams", "teams", ["team_id"], ["id"])
            batch_op.create_index(f"ix_{table}_team_id", ["team_id"], unique=False)
    for table in ("surveys", "training_courses"):
        op.execute(
            f"UPDATE {table} SET team_id = (SELECT users.team_id FROM users"
            f" WHERE users.id = {table}.created_by_id AND users.role = 'manager')"
        )


def downgrade():
    for table in OWNED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_team_id")
            batch_op.drop_constraint(f"fk_{table}_team_id_teams", type_="foreignkey")
            batch_op.drop_column("team_id")
    with op.batch_alter_table("training_attempts", schema=None) as batch_op:
        batch_op.drop_index(OPEN_ATTEMPT)
