"""Customers: accounts, contacts, interactions, tasks, orders, ownership notices; exchange rates.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 13:53:06.539959
"""

import sqlalchemy as sa
from alembic import op


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "exchange_rates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("valid_on", sa.Date(), nullable=False),
        sa.Column("rate", sa.Numeric(precision=18, scale=8), nullable=False),
        sa.Column("source", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_rates")),
        sa.UniqueConstraint("currency", "valid_on", name="uq_exchange_rates_currency_day"),
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("industry", sa.String(length=80), nullable=False),
        sa.Column("segment", sa.String(length=80), nullable=False),
        sa.Column("region", sa.String(length=80), nullable=False),
        sa.Column("country", sa.String(length=80), nullable=False),
        sa.Column("employees", sa.Integer(), nullable=True),
        sa.Column("annual_revenue", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("revenue_currency", sa.String(length=3), nullable=False),
        sa.Column("source", sa.String(length=80), nullable=False),
        sa.Column("tags", sa.String(length=500), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("phone_key", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("email_domain", sa.String(length=120), nullable=True),
        sa.Column("website", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("credit_limit", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("credit_currency", sa.String(length=3), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("owner_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_interaction_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("search_text", sa.String(length=1000), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_accounts_owner_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("external_id", name=op.f("uq_accounts_external_id")),
    )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_accounts_deleted_at"), ["deleted_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_accounts_email_domain"), ["email_domain"], unique=False
        )
        batch_op.create_index("ix_accounts_industry", ["industry"], unique=False)
        batch_op.create_index("ix_accounts_last_interaction", ["last_interaction_at"], unique=False)
        batch_op.create_index("ix_accounts_live_name", ["deleted_at", "name"], unique=False)
        batch_op.create_index(
            "ix_accounts_live_updated", ["deleted_at", "updated_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_accounts_name_key"), ["name_key"], unique=False)
        batch_op.create_index(
            "ix_accounts_owner_last", ["owner_id", "last_interaction_at"], unique=False
        )
        batch_op.create_index(
            "ix_accounts_owner_live_name", ["owner_id", "deleted_at", "name"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_accounts_phone_key"), ["phone_key"], unique=False)
        batch_op.create_index("ix_accounts_region", ["region"], unique=False)
        batch_op.create_index("ix_accounts_segment", ["segment"], unique=False)
        batch_op.create_index("ix_accounts_type", ["type"], unique=False)
        batch_op.create_index(
            "ix_accounts_owner_live_industry", ["owner_id", "deleted_at", "industry"], unique=False
        )
        batch_op.create_index(
            "ix_accounts_owner_live_region", ["owner_id", "deleted_at", "region"], unique=False
        )
        batch_op.create_index(
            "ix_accounts_owner_live_search", ["owner_id", "deleted_at", "search_text"], unique=False
        )

    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("phone_key", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("wechat", sa.String(length=64), nullable=False),
        sa.Column("preferred_channel", sa.String(length=20), nullable=False),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column("locale", sa.String(length=10), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("search_text", sa.String(length=1000), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_contacts_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
        sa.UniqueConstraint("external_id", name=op.f("uq_contacts_external_id")),
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_contacts_account_live", ["account_id", "deleted_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_contacts_deleted_at"), ["deleted_at"], unique=False)
        batch_op.create_index("ix_contacts_email", ["email"], unique=False)
        batch_op.create_index("ix_contacts_live_name", ["deleted_at", "name"], unique=False)
        batch_op.create_index(batch_op.f("ix_contacts_phone_key"), ["phone_key"], unique=False)
        batch_op.create_index("ix_contacts_wechat", ["wechat"], unique=False)

    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("ordered_on", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("total", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("base_total", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("paid", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_orders_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint("external_id", name=op.f("uq_orders_external_id")),
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index("ix_orders_account_date", ["account_id", "ordered_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_orders_deleted_at"), ["deleted_at"], unique=False)

    op.create_table(
        "ownership_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_ownership_notices_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_ownership_notices_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ownership_notices")),
    )
    with op.batch_alter_table("ownership_notices", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ownership_notices_user_seen", ["user_id", "seen_at"], unique=False
        )

    op.create_table(
        "interactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=300), nullable=False),
        sa.Column("next_step", sa.String(length=300), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_interactions_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_interactions_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_interactions_contact_id_contacts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interactions")),
    )
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_interactions_account_time", ["account_id", "occurred_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_interactions_author_id"), ["author_id"], unique=False)
        batch_op.create_index("ix_interactions_contact", ["contact_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_interactions_deleted_at"), ["deleted_at"], unique=False
        )

    op.create_table(
        "order_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("product", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=18, scale=3), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("line_total", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_lines_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_lines")),
    )
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_order_lines_order_id"), ["order_id"], unique=False)

    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("interaction_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_tasks_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_tasks_contact_id_contacts")
        ),
        sa.ForeignKeyConstraint(
            ["done_by_id"], ["users.id"], name=op.f("fk_tasks_done_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["interaction_id"],
            ["interactions.id"],
            name=op.f("fk_tasks_interaction_id_interactions"),
        ),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_tasks_owner_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
    )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index("ix_tasks_account", ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tasks_deleted_at"), ["deleted_at"], unique=False)
        batch_op.create_index(
            "ix_tasks_owner_open_due", ["owner_id", "done_at", "deleted_at", "due_at"], unique=False
        )
        batch_op.create_index(
            "ix_tasks_open_due",
            ["owner_id", "due_at", "id"],
            unique=False,
            sqlite_where=sa.text("done_at IS NULL AND deleted_at IS NULL"),
            postgresql_where=sa.text("done_at IS NULL AND deleted_at IS NULL"),
        )


def downgrade():
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tasks_open_due")
        batch_op.drop_index("ix_tasks_owner_open_due")
        batch_op.drop_index(batch_op.f("ix_tasks_deleted_at"))
        batch_op.drop_index("ix_tasks_account")

    op.drop_table("tasks")
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_lines_order_id"))

    op.drop_table("order_lines")
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_interactions_deleted_at"))
        batch_op.drop_index("ix_interactions_contact")
        batch_op.drop_index(batch_op.f("ix_interactions_author_id"))
        batch_op.drop_index("ix_interactions_account_time")

    op.drop_table("interactions")
    with op.batch_alter_table("ownership_notices", schema=None) as batch_op:
        batch_op.drop_index("ix_ownership_notices_user_seen")

    op.drop_table("ownership_notices")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_orders_deleted_at"))
        batch_op.drop_index("ix_orders_account_date")

    op.drop_table("orders")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index("ix_contacts_wechat")
        batch_op.drop_index(batch_op.f("ix_contacts_phone_key"))
        batch_op.drop_index("ix_contacts_live_name")
        batch_op.drop_index("ix_contacts_email")
        batch_op.drop_index(batch_op.f("ix_contacts_deleted_at"))
        batch_op.drop_index("ix_contacts_account_live")

    op.drop_table("contacts")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index("ix_accounts_owner_live_region")
        batch_op.drop_index("ix_accounts_owner_live_search")
        batch_op.drop_index("ix_accounts_owner_live_industry")
        batch_op.drop_index("ix_accounts_type")
        batch_op.drop_index("ix_accounts_segment")
        batch_op.drop_index("ix_accounts_region")
        batch_op.drop_index(batch_op.f("ix_accounts_phone_key"))
        batch_op.drop_index("ix_accounts_owner_live_name")
        batch_op.drop_index("ix_accounts_owner_last")
        batch_op.drop_index(batch_op.f("ix_accounts_name_key"))
        batch_op.drop_index("ix_accounts_live_updated")
        batch_op.drop_index("ix_accounts_live_name")
        batch_op.drop_index("ix_accounts_last_interaction")
        batch_op.drop_index("ix_accounts_industry")
        batch_op.drop_index(batch_op.f("ix_accounts_email_domain"))
        batch_op.drop_index(batch_op.f("ix_accounts_deleted_at"))

    op.drop_table("accounts")
    op.drop_table("exchange_rates")
