"""Compliance: contracts, versions, attachments, rules, reviews with their trail, risks.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 16:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "compliance_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("description_zh", sa.String(length=300), nullable=False),
        sa.Column("description_en", sa.String(length=300), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compliance_rules")),
    )
    op.create_index(
        "ix_compliance_rules_active_kind", "compliance_rules", ["active", "kind"], unique=False
    )
    op.create_table(
        "contracts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=30), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("value", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("base_value", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("discount_pct", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("payment_days", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("auto_renew", sa.Boolean(), nullable=False),
        sa.Column("governing_law", sa.String(length=120), nullable=False),
        sa.Column("clauses", sa.JSON(), nullable=False),
        sa.Column("version_no", sa.Integer(), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signed_by_id", sa.Integer(), nullable=True),
        sa.Column("search_text", sa.String(length=500), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_contracts_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(["deal_id"], ["deals.id"], name=op.f("fk_contracts_deal_id_deals")),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_contracts_owner_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["signed_by_id"], ["users.id"], name=op.f("fk_contracts_signed_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contracts")),
        sa.UniqueConstraint("number", name=op.f("uq_contracts_number")),
    )
    op.create_index(
        "ix_contracts_account_status", "contracts", ["account_id", "status"], unique=False
    )
    op.create_index("ix_contracts_deal", "contracts", ["deal_id"], unique=False)
    op.create_index(op.f("ix_contracts_deleted_at"), "contracts", ["deleted_at"], unique=False)
    op.create_index(
        "ix_contracts_live_updated", "contracts", ["deleted_at", "updated_at"], unique=False
    )
    op.create_index(
        "ix_contracts_owner_live_status",
        "contracts",
        ["owner_id", "deleted_at", "status"],
        unique=False,
    )
    op.create_index("ix_contracts_search", "contracts", ["search_text"], unique=False)
    op.create_index("ix_contracts_status", "contracts", ["status"], unique=False)
    op.create_table(
        "contract_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("mime", sa.String(length=100), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_contract_attachments_contract_id_contracts"),
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["users.id"],
            name=op.f("fk_contract_attachments_uploaded_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contract_attachments")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_contract_attachments_stored_name")),
    )
    op.create_index(
        op.f("ix_contract_attachments_contract_id"),
        "contract_attachments",
        ["contract_id"],
        unique=False,
    )
    op.create_table(
        "contract_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("attachment_ids", sa.JSON(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_contract_versions_contract_id_contracts"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_contract_versions_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contract_versions")),
        sa.UniqueConstraint("contract_id", "number", name="uq_contract_versions_number"),
    )
    op.create_table(
        "risks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("likelihood", sa.Integer(), nullable=False),
        sa.Column("impact", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("mitigation", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("next_review_on", sa.Date(), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("deal_id", sa.Integer(), nullable=True),
        sa.Column("contract_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_risks_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contracts.id"], name=op.f("fk_risks_contract_id_contracts")
        ),
        sa.ForeignKeyConstraint(["deal_id"], ["deals.id"], name=op.f("fk_risks_deal_id_deals")),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_risks_owner_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risks")),
    )
    op.create_index("ix_risks_account", "risks", ["account_id"], unique=False)
    op.create_index("ix_risks_cell", "risks", ["likelihood", "impact"], unique=False)
    op.create_index("ix_risks_contract", "risks", ["contract_id"], unique=False)
    op.create_index("ix_risks_deal", "risks", ["deal_id"], unique=False)
    op.create_index(op.f("ix_risks_deleted_at"), "risks", ["deleted_at"], unique=False)
    op.create_index(
        "ix_risks_live_status_score", "risks", ["deleted_at", "status", "score"], unique=False
    )
    op.create_index("ix_risks_next_review", "risks", ["next_review_on"], unique=False)
    op.create_index("ix_risks_owner", "risks", ["owner_id"], unique=False)
    op.create_table(
        "contract_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("version_no", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("severity", sa.Integer(), nullable=False),
        sa.Column("blocking", sa.Integer(), nullable=False),
        sa.Column("warnings", sa.Integer(), nullable=False),
        sa.Column("needs_two", sa.Boolean(), nullable=False),
        sa.Column("approvals", sa.Integer(), nullable=False),
        sa.Column("claimed_by_id", sa.Integer(), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["claimed_by_id"], ["users.id"], name=op.f("fk_contract_reviews_claimed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_contract_reviews_contract_id_contracts"),
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"],
            ["users.id"],
            name=op.f("fk_contract_reviews_submitted_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["contract_versions.id"],
            name=op.f("fk_contract_reviews_version_id_contract_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contract_reviews")),
    )
    op.create_index(
        "ix_contract_reviews_contract",
        "contract_reviews",
        ["contract_id", "submitted_at"],
        unique=False,
    )
    op.create_index("ix_contract_reviews_decided", "contract_reviews", ["decided_at"], unique=False)
    op.create_index(
        "ix_contract_reviews_queue",
        "contract_reviews",
        ["status", "severity", "submitted_at"],
        unique=False,
    )
    op.create_table(
        "review_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_review_decisions_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["contract_reviews.id"],
            name=op.f("fk_review_decisions_review_id_contract_reviews"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_decisions")),
    )
    op.create_index("ix_review_decisions_decision", "review_decisions", ["decision"], unique=False)
    op.create_index(
        "ix_review_decisions_review", "review_decisions", ["review_id", "created_at"], unique=False
    )
    op.create_table(
        "review_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("description_zh", sa.String(length=300), nullable=False),
        sa.Column("description_en", sa.String(length=300), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["contract_reviews.id"],
            name=op.f("fk_review_results_review_id_contract_reviews"),
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["compliance_rules.id"],
            name=op.f("fk_review_results_rule_id_compliance_rules"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_results")),
    )
    op.create_index(
        "ix_review_results_review", "review_results", ["review_id", "position"], unique=False
    )
    op.create_index(
        "ix_review_results_rule_passed", "review_results", ["rule_id", "passed"], unique=False
    )
    op.create_table(
        "review_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_review_comments_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["result_id"],
            ["review_results.id"],
            name=op.f("fk_review_comments_result_id_review_results"),
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["contract_reviews.id"],
            name=op.f("fk_review_comments_review_id_contract_reviews"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_comments")),
    )
    op.create_index(
        "ix_review_comments_review", "review_comments", ["review_id", "created_at"], unique=False
    )


def downgrade():
    op.drop_index("ix_review_comments_review", table_name="review_comments")
    op.drop_table("review_comments")
    op.drop_index("ix_review_results_rule_passed", table_name="review_results")
    op.drop_index("ix_review_results_review", table_name="review_results")
    op.drop_table("review_results")
    op.drop_index("ix_review_decisions_review", table_name="review_decisions")
    op.drop_index("ix_review_decisions_decision", table_name="review_decisions")
    op.drop_table("review_decisions")
    op.drop_index("ix_contract_reviews_queue", table_name="contract_reviews")
    op.drop_index("ix_contract_reviews_decided", table_name="contract_reviews")
    op.drop_index("ix_contract_reviews_contract", table_name="contract_reviews")
    op.drop_table("contract_reviews")
    op.drop_index("ix_risks_owner", table_name="risks")
    op.drop_index("ix_risks_next_review", table_name="risks")
    op.drop_index("ix_risks_live_status_score", table_name="risks")
    op.drop_index(op.f("ix_risks_deleted_at"), table_name="risks")
    op.drop_index("ix_risks_deal", table_name="risks")
    op.drop_index("ix_risks_contract", table_name="risks")
    op.drop_index("ix_risks_cell", table_name="risks")
    op.drop_index("ix_risks_account", table_name="risks")
    op.drop_table("risks")
    op.drop_table("contract_versions")
    op.drop_index(op.f("ix_contract_attachments_contract_id"), table_name="contract_attachments")
    op.drop_table("contract_attachments")
    op.drop_index("ix_contracts_status", table_name="contracts")
    op.drop_index("ix_contracts_search", table_name="contracts")
    op.drop_index("ix_contracts_owner_live_status", table_name="contracts")
    op.drop_index("ix_contracts_live_updated", table_name="contracts")
    op.drop_index(op.f("ix_contracts_deleted_at"), table_name="contracts")
    op.drop_index("ix_contracts_deal", table_name="contracts")
    op.drop_index("ix_contracts_account_status", table_name="contracts")
    op.drop_table("contracts")
    op.drop_index("ix_compliance_rules_active_kind", table_name="compliance_rules")
    op.drop_table("compliance_rules")
