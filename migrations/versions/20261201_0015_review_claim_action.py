"""Audit: a compliance officer taking a review is "review_claim", no longer the public pool's
"claim" (one code meant two things, so the history called it "claimed from the public pool").

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

audit_log = sa.table(
    "audit_log",
    sa.column("action", sa.String),
    sa.column("record_type", sa.String),
)


def _rename(old: str, new: str) -> None:
    op.execute(
        audit_log.update()
        .where(audit_log.c.record_type == "contract_reviews", audit_log.c.action == old)
        .values(action=new)
    )


def upgrade():
    _rename("claim", "review_claim")


def downgrade():
    _rename("review_claim", "claim")
