"""Training: files attached to lessons (images shown in the lesson, documents to download).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "training_lesson_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("mime", sa.String(length=100), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lesson_id"], ["training_lessons.id"],
            name="fk_training_lesson_files_lesson_id_training_lessons",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["users.id"], name="fk_training_lesson_files_uploaded_by_id_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_training_lesson_files"),
        sa.UniqueConstraint("stored_name", name="uq_training_lesson_files_stored_name"),
    )
    op.create_index("ix_training_lesson_files_lesson_id", "training_lesson_files", ["lesson_id"])


def downgrade():
    op.drop_index("ix_training_lesson_files_lesson_id", table_name="training_lesson_files")
    op.drop_table("training_lesson_files")
