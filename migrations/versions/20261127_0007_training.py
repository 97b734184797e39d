"""Training: member profiles, courses, lessons, quizzes, assignments, attempts, certificates.

Revision ID: 0007
Revises: 0004
Create Date: 2026-11-27 16:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "training_courses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=True),
        sa.Column("title_zh", sa.String(length=200), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=False),
        sa.Column("description_zh", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("pass_score", sa.Integer(), nullable=False),
        sa.Column("attempt_limit", sa.Integer(), nullable=False),
        sa.Column("valid_months", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_training_courses_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_courses")),
        sa.UniqueConstraint("code", name=op.f("uq_training_courses_code")),
    )
    with op.batch_alter_table("training_courses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_training_courses_deleted_at"), ["deleted_at"], unique=False
        )
        batch_op.create_index(
            "ix_training_courses_live_title", ["deleted_at", "title_en"], unique=False
        )

    op.create_table(
        "training_member_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("responsibilities", sa.Text(), nullable=False),
        sa.Column("authority", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_training_member_profiles_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_member_profiles")),
        sa.UniqueConstraint("user_id", name=op.f("uq_training_member_profiles_user_id")),
    )
    op.create_table(
        "training_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("assigned_by_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assigned_by_id"],
            ["users.id"],
            name=op.f("fk_training_assignments_assigned_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["training_courses.id"],
            name=op.f("fk_training_assignments_course_id_training_courses"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_training_assignments_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_assignments")),
        sa.UniqueConstraint("user_id", "course_id", name="uq_training_assignments_user_course"),
    )
    with op.batch_alter_table("training_assignments", schema=None) as batch_op:
        batch_op.create_index("ix_training_assignments_course", ["course_id"], unique=False)
        batch_op.create_index("ix_training_assignments_due", ["due_on"], unique=False)

    op.create_table(
        "training_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("layout", sa.JSON(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["training_courses.id"],
            name=op.f("fk_training_attempts_course_id_training_courses"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_training_attempts_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_attempts")),
    )
    with op.batch_alter_table("training_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_training_attempts_course", ["course_id"], unique=False)
        batch_op.create_index(
            "ix_training_attempts_user_course", ["user_id", "course_id", "started_at"], unique=False
        )

    op.create_table(
        "training_lessons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title_zh", sa.String(length=200), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=False),
        sa.Column("body_zh", sa.Text(), nullable=False),
        sa.Column("body_en", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["training_courses.id"],
            name=op.f("fk_training_lessons_course_id_training_courses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_lessons")),
    )
    with op.batch_alter_table("training_lessons", schema=None) as batch_op:
        batch_op.create_index(
            "ix_training_lessons_course_position", ["course_id", "position"], unique=False
        )

    op.create_table(
        "training_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("text_zh", sa.String(length=500), nullable=False),
        sa.Column("text_en", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["training_courses.id"],
            name=op.f("fk_training_questions_course_id_training_courses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_questions")),
    )
    with op.batch_alter_table("training_questions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_training_questions_course_position", ["course_id", "position"], unique=False
        )

    op.create_table(
        "training_reason_courses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reason_code", sa.String(length=40), nullable=False),
        sa.Column("stage_key", sa.String(length=40), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["training_courses.id"],
            name=op.f("fk_training_reason_courses_course_id_training_courses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_reason_courses")),
        sa.UniqueConstraint(
            "reason_code", "stage_key", name="uq_training_reason_courses_reason_code"
        ),
    )
    op.create_table(
        "training_certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["training_attempts.id"],
            name=op.f("fk_training_certificates_attempt_id_training_attempts"),
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["training_courses.id"],
            name=op.f("fk_training_certificates_course_id_training_courses"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_training_certificates_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_certificates")),
    )
    with op.batch_alter_table("training_certificates", schema=None) as batch_op:
        batch_op.create_index("ix_training_certificates_course", ["course_id"], unique=False)
        batch_op.create_index("ix_training_certificates_expires", ["expires_on"], unique=False)
        batch_op.create_index(
            "ix_training_certificates_user_course", ["user_id", "course_id"], unique=False
        )

    op.create_table(
        "training_lesson_reads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["training_lessons.id"],
            name=op.f("fk_training_lesson_reads_lesson_id_training_lessons"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_training_lesson_reads_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_lesson_reads")),
        sa.UniqueConstraint("lesson_id", "user_id", name="uq_training_lesson_reads_lesson_user"),
    )
    with op.batch_alter_table("training_lesson_reads", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_training_lesson_reads_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "training_options",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text_zh", sa.String(length=300), nullable=False),
        sa.Column("text_en", sa.String(length=300), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["training_questions.id"],
            name=op.f("fk_training_options_question_id_training_questions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_options")),
    )
    with op.batch_alter_table("training_options", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_training_options_question_id"), ["question_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("training_options", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_options_question_id"))

    op.drop_table("training_options")
    with op.batch_alter_table("training_lesson_reads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_lesson_reads_user_id"))

    op.drop_table("training_lesson_reads")
    with op.batch_alter_table("training_certificates", schema=None) as batch_op:
        batch_op.drop_index("ix_training_certificates_user_course")
        batch_op.drop_index("ix_training_certificates_expires")
        batch_op.drop_index("ix_training_certificates_course")

    op.drop_table("training_certificates")
    op.drop_table("training_reason_courses")
    with op.batch_alter_table("training_questions", schema=None) as batch_op:
        batch_op.drop_index("ix_training_questions_course_position")

    op.drop_table("training_questions")
    with op.batch_alter_table("training_lessons", schema=None) as batch_op:
        batch_op.drop_index("ix_training_lessons_course_position")

    op.drop_table("training_lessons")
    with op.batch_alter_table("training_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_training_attempts_user_course")
        batch_op.drop_index("ix_training_attempts_course")

    op.drop_table("training_attempts")
    with op.batch_alter_table("training_assignments", schema=None) as batch_op:
        batch_op.drop_index("ix_training_assignments_due")
        batch_op.drop_index("ix_training_assignments_course")

    op.drop_table("training_assignments")
    op.drop_table("training_member_profiles")
    with op.batch_alter_table("training_courses", schema=None) as batch_op:
        batch_op.drop_index("ix_training_courses_live_title")
        batch_op.drop_index(batch_op.f("ix_training_courses_deleted_at"))

    op.drop_table("training_courses")
