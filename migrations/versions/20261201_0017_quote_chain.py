"""One chain from quote to contract to order: a deal remembers the accepted quote its amount came
from (and why a person kept another amount) and the order its win made; a contract remembers the
quote it was made from and its payment terms; an order carries the quote's tax.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("tax", sa.Numeric(18, 2), nullable=False, server_default="0")
        )
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quote_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("amount_note", sa.String(300), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("order_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_deals_quote_id_quotes", "quotes", ["quote_id"], ["id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_deals_order_id_orders"), "orders", ["order_id"], ["id"]
        )
        batch_op.create_index("ix_deals_order", ["order_id"], unique=False)
    # Deals won before: their order is the one numbered after them (DEAL-<id>).
    op.execute(
        "UPDATE deals SET order_id = (SELECT orders.id FROM orders"
        " WHERE orders.external_id = 'DEAL-' || deals.id)"
        " WHERE status = 'won' AND order_id IS NULL"
    )
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quote_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("payment_terms", sa.Text(), nullable=False, server_default="")
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_contracts_quote_id_quotes"), "quotes", ["quote_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_contracts_quote_id_quotes"), type_="foreignkey")
        batch_op.drop_column("payment_terms")
        batch_op.drop_column("quote_id")
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.drop_index("ix_deals_order")
        batch_op.drop_constraint(batch_op.f("fk_deals_order_id_orders"), type_="foreignkey")
        batch_op.drop_constraint("fk_deals_quote_id_quotes", type_="foreignkey")
        batch_op.drop_column("order_id")
        batch_op.drop_column("amount_note")
        batch_op.drop_column("quote_id")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("tax")
