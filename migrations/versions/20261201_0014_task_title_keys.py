"""Generated task titles and notes are stored as a key and its parameters, read in the
reader's language.

Existing generated texts (after-sales steps, quote decisions, survey follow-ups), written in
the language of whoever triggered them, are mapped back to their keys where the text matches.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# The generated titles as the catalogs wrote them up to now, in both languages.
PATTERNS = {
    "quote_decision": (
        ("quote_approved", r"^Quote (?P<quote>.+) approved: send it to the customer$"),
        ("quote_approved", r"^报价单 (?P<quote>.+) 已批准：请发送给客户$"),
        ("quote_rejected", r"^Quote (?P<quote>.+) rejected: revise it$"),
        ("quote_rejected", r"^报价单 (?P<quote>.+) 被驳回：请修订$"),
    ),
    "feedback": (
        (
            "survey_follow_up",
            r"^Follow up the survey answer of (?P<contact>.+) \((?P<score>[^()]*)\)$",
        ),
        ("survey_follow_up", r"^跟进 (?P<contact>.+) 的问卷答复（(?P<score>[^（）]*)）$"),
    ),
}

# The generated notes, by task kind; a quote decision's comment may span lines.
NOTE_PATTERNS = {
    "after_sales": (
        ("after_sales", r"^After-sales for deal (?P<deal>.+)$"),
        ("after_sales", r"^商机 (?P<deal>.+) 的售后服务$"),
    ),
    "quote_decision": (
        (
            "quote_decision",
            r"^(?P<who>.+?) on deal “(?P<deal>.+)”: (?P<comment>.*)$",
        ),
        ("quote_decision", r"^(?P<who>.+?) 对商机“(?P<deal>.+)”的意见：(?P<comment>.*)$"),
    ),
}

tasks = sa.table(
    "tasks",
    sa.column("id", sa.Integer),
    sa.column("title", sa.String),
    sa.column("notes", sa.Text),
    sa.column("kind", sa.String),
    sa.column("title_key", sa.String),
    sa.column("title_params", sa.JSON),
    sa.column("notes_key", sa.String),
    sa.column("notes_params", sa.JSON),
)
steps = sa.table(
    "stage_steps", sa.column("name_zh", sa.String), sa.column("name_en", sa.String)
)


def upgrade():
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("title_key", sa.String(length=60), nullable=True))
        batch.add_column(sa.Column("title_params", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("notes_key", sa.String(length=60), nullable=True))
        batch.add_column(sa.Column("notes_params", sa.JSON(), nullable=True))
    bind = op.get_bind()
    for task_id, key, params in _generated(bind):
        bind.execute(
            tasks.update()
            .where(tasks.c.id == task_id)
            .values(title_key=key, title_params=params)
        )
    for task_id, key, params in _generated_notes(bind):
        bind.execute(
            tasks.update()
            .where(tasks.c.id == task_id)
            .values(notes_key=key, notes_params=params)
        )


def _generated(bind):
    """(task id, key, parameters) of every stored title that matches a generated one."""
    names = {}
    for zh, en in bind.execute(sa.select(steps.c.name_zh, steps.c.name_en)):
        names.setdefault(zh, (zh, en))
        names.setdefault(en, (zh, en))
    rows = bind.execute(
        sa.select(tasks.c.id, tasks.c.title, tasks.c.kind).where(
            tasks.c.kind.in_(["after_sales", *PATTERNS])
        )
    ).all()
    for task_id, title, kind in rows:
        if kind == "after_sales":
            if title in names:
                zh, en = names[title]
                yield task_id, "bilingual", {"zh": zh, "en": en}
            continue
        for key, pattern in PATTERNS[kind]:
            found = re.match(pattern, title)
            if found:
                yield task_id, key, found.groupdict()
                break


def _generated_notes(bind):
    """(task id, key, parameters) of every stored note that matches a generated one."""
    rows = bind.execute(
        sa.select(tasks.c.id, tasks.c.notes, tasks.c.kind).where(
            tasks.c.kind.in_(list(NOTE_PATTERNS))
        )
    ).all()
    for task_id, notes, kind in rows:
        for key, pattern in NOTE_PATTERNS[kind]:
            found = re.match(pattern, notes or "", re.DOTALL)
            if found:
                yield task_id, key, found.groupdict()
                break


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        # A batch rebuild would drop `tasks`, which other tables reference with foreign keys
        # enforced; SQLite 3.35+ drops an unindexed column in place.
        for column in ("notes_params", "notes_key", "title_params", "title_key"):
            op.execute(f"ALTER TABLE tasks DROP COLUMN {column}")
        return
    for column in ("notes_params", "notes_key", "title_params", "title_key"):
        op.drop_column("tasks", column)
