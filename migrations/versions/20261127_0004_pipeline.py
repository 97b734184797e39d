"""Pipeline: sales processes, versions, stages, steps, criteria, deals, history, products, quotes.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 14:02:11.754739
"""

import sqlalchemy as sa
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('lost_reasons',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('label_zh', sa.String(length=80), nullable=False),
    sa.Column('label_en', sa.String(length=80), nullable=False),
    sa.Column('needs_text', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lost_reasons')),
    sa.UniqueConstraint('code', name=op.f('uq_lost_reasons_code'))
    )
    op.create_table('products',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('series', sa.String(length=80), nullable=False),
    sa.Column('list_price', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_products')),
    sa.UniqueConstraint('name', name=op.f('uq_products_name')),
    sa.UniqueConstraint('sku', name=op.f('uq_products_sku'))
    )
    op.create_table('sales_processes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name_zh', sa.String(length=120), nullable=False),
    sa.Column('name_en', sa.String(length=120), nullable=False),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('current_version_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales_processes'))
    )
    op.create_table('process_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_process_versions_created_by_id_users')),
    sa.ForeignKeyConstraint(['process_id'], ['sales_processes.id'], name=op.f('fk_process_versions_process_id_sales_processes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_process_versions')),
    sa.UniqueConstraint('process_id', 'number', name='uq_process_versions_number')
    )
    # sales_processes.current_version_id -> process_versions closes a cycle: added afterwards.
    with op.batch_alter_table('sales_processes') as batch_op:
        batch_op.create_foreign_key('fk_sales_processes_current_version', 'process_versions', ['current_version_id'], ['id'])
    op.create_table('stages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('name_zh', sa.String(length=80), nullable=False),
    sa.Column('name_en', sa.String(length=80), nullable=False),
    sa.Column('probability', sa.Integer(), nullable=False),
    sa.Column('responsible_role', sa.String(length=20), nullable=False),
    sa.Column('sla_days', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['process_versions.id'], name=op.f('fk_stages_version_id_process_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stages')),
    sa.UniqueConstraint('version_id', 'key', name='uq_stages_version_key')
    )
    with op.batch_alter_table('stages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stages_version_id'), ['version_id'], unique=False)

    op.create_table('deals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=64), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('process_version_id', sa.Integer(), nullable=False),
    sa.Column('stage_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('amount', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('rate', sa.Numeric(precision=18, scale=8), nullable=True),
    sa.Column('rate_date', sa.Date(), nullable=True),
    sa.Column('rate_source', sa.String(length=80), nullable=False),
    sa.Column('base_amount', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('expected_close', sa.Date(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('engaged_on', sa.Date(), nullable=True),
    sa.Column('source', sa.String(length=80), nullable=False),
    sa.Column('competitor', sa.String(length=120), nullable=False),
    sa.Column('next_step', sa.String(length=300), nullable=False),
    sa.Column('probability', sa.Integer(), nullable=False),
    sa.Column('probability_reason', sa.String(length=300), nullable=False),
    sa.Column('lost_reason_id', sa.Integer(), nullable=True),
    sa.Column('lost_note', sa.String(length=500), nullable=False),
    sa.Column('stage_entered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('product_name', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_deals_account_id_accounts')),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_deals_contact_id_contacts')),
    sa.ForeignKeyConstraint(['lost_reason_id'], ['lost_reasons.id'], name=op.f('fk_deals_lost_reason_id_lost_reasons')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_deals_owner_id_users')),
    sa.ForeignKeyConstraint(['process_version_id'], ['process_versions.id'], name=op.f('fk_deals_process_version_id_process_versions')),
    sa.ForeignKeyConstraint(['stage_id'], ['stages.id'], name=op.f('fk_deals_stage_id_stages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deals')),
    sa.UniqueConstraint('external_id', name=op.f('uq_deals_external_id'))
    )
    with op.batch_alter_table('deals', schema=None) as batch_op:
        batch_op.create_index('ix_deals_account', ['account_id'], unique=False)
        batch_op.create_index('ix_deals_base_amount', ['base_amount'], unique=False)
        batch_op.create_index(batch_op.f('ix_deals_deleted_at'), ['deleted_at'], unique=False)
        batch_op.create_index('ix_deals_expected_close', ['expected_close'], unique=False)
        batch_op.create_index('ix_deals_live_status_stage', ['deleted_at', 'status', 'stage_id'], unique=False)
        batch_op.create_index('ix_deals_owner_status_stage', ['owner_id', 'status', 'stage_id'], unique=False)
        batch_op.create_index('ix_deals_owner_status_live', ['owner_id', 'status', 'deleted_at', 'updated_at', 'stage_id', 'base_amount', 'id'], unique=False)
        batch_op.create_index('ix_deals_updated', ['updated_at'], unique=False)

    op.create_table('stage_criteria',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stage_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['stage_id'], ['stages.id'], name=op.f('fk_stage_criteria_stage_id_stages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stage_criteria'))
    )
    with op.batch_alter_table('stage_criteria', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stage_criteria_stage_id'), ['stage_id'], unique=False)

    op.create_table('stage_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stage_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name_zh', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['stage_id'], ['stages.id'], name=op.f('fk_stage_steps_stage_id_stages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stage_steps'))
    )
    with op.batch_alter_table('stage_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stage_steps_stage_id'), ['stage_id'], unique=False)

    op.create_table('deal_approvals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deal_id', sa.Integer(), nullable=False),
    sa.Column('stage_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('approved_by_id', sa.Integer(), nullable=False),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('comment', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_deal_approvals_approved_by_id_users')),
    sa.ForeignKeyConstraint(['deal_id'], ['deals.id'], name=op.f('fk_deal_approvals_deal_id_deals')),
    sa.ForeignKeyConstraint(['stage_id'], ['stages.id'], name=op.f('fk_deal_approvals_stage_id_stages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deal_approvals'))
    )
    with op.batch_alter_table('deal_approvals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deal_approvals_deal_id'), ['deal_id'], unique=False)

    op.create_table('deal_stage_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deal_id', sa.Integer(), nullable=False),
    sa.Column('stage_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('entered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('left_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('via', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_deal_stage_history_actor_id_users')),
    sa.ForeignKeyConstraint(['deal_id'], ['deals.id'], name=op.f('fk_deal_stage_history_deal_id_deals')),
    sa.ForeignKeyConstraint(['stage_id'], ['stages.id'], name=op.f('fk_deal_stage_history_stage_id_stages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deal_stage_history'))
    )
    with op.batch_alter_table('deal_stage_history', schema=None) as batch_op:
        batch_op.create_index('ix_deal_stage_history_deal', ['deal_id', 'entered_at'], unique=False)
        batch_op.create_index('ix_deal_stage_history_stage', ['stage_id', 'entered_at'], unique=False)

    op.create_table('deal_steps_done',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deal_id', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.Integer(), nullable=False),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['deal_id'], ['deals.id'], name=op.f('fk_deal_steps_done_deal_id_deals')),
    sa.ForeignKeyConstraint(['done_by_id'], ['users.id'], name=op.f('fk_deal_steps_done_done_by_id_users')),
    sa.ForeignKeyConstraint(['step_id'], ['stage_steps.id'], name=op.f('fk_deal_steps_done_step_id_stage_steps')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deal_steps_done')),
    sa.UniqueConstraint('deal_id', 'step_id', name='uq_deal_steps_done_deal_step')
    )
    op.create_table('deal_interactions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deal_id', sa.Integer(), nullable=False),
    sa.Column('interaction_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['deal_id'], ['deals.id'], name=op.f('fk_deal_interactions_deal_id_deals')),
    sa.ForeignKeyConstraint(['interaction_id'], ['interactions.id'], name=op.f('fk_deal_interactions_interaction_id_interactions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deal_interactions')),
    sa.UniqueConstraint('interaction_id', name=op.f('uq_deal_interactions_interaction_id'))
    )
    op.create_index('ix_deal_interactions_deal_id', 'deal_interactions', ['deal_id'])
    op.create_table('quotes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=30), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('deal_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=False),
    sa.Column('subtotal', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('tax_rate', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('tax', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('total', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('max_discount', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('terms', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_comment', sa.String(length=500), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_quotes_created_by_id_users')),
    sa.ForeignKeyConstraint(['deal_id'], ['deals.id'], name=op.f('fk_quotes_deal_id_deals')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_quotes_decided_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quotes')),
    sa.UniqueConstraint('number', 'revision', name='uq_quotes_number_revision')
    )
    with op.batch_alter_table('quotes', schema=None) as batch_op:
        batch_op.create_index('ix_quotes_deal', ['deal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quotes_deleted_at'), ['deleted_at'], unique=False)
        batch_op.create_index('ix_quotes_status', ['status'], unique=False)

    op.create_table('quote_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quote_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=18, scale=3), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('discount_pct', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('line_total', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_quote_lines_product_id_products')),
    sa.ForeignKeyConstraint(['quote_id'], ['quotes.id'], name=op.f('fk_quote_lines_quote_id_quotes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quote_lines'))
    )
    with op.batch_alter_table('quote_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quote_lines_quote_id'), ['quote_id'], unique=False)



def downgrade():
    with op.batch_alter_table('sales_processes') as batch_op:
        batch_op.drop_constraint('fk_sales_processes_current_version', type_='foreignkey')
    with op.batch_alter_table('quote_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quote_lines_quote_id'))

    op.drop_table('quote_lines')
    with op.batch_alter_table('quotes', schema=None) as batch_op:
        batch_op.drop_index('ix_quotes_status')
        batch_op.drop_index(batch_op.f('ix_quotes_deleted_at'))
        batch_op.drop_index('ix_quotes_deal')

    op.drop_table('quotes')
    op.drop_table('deal_interactions')
    op.drop_table('deal_steps_done')
    with op.batch_alter_table('deal_stage_history', schema=None) as batch_op:
        batch_op.drop_index('ix_deal_stage_history_stage')
        batch_op.drop_index('ix_deal_stage_history_deal')

    op.drop_table('deal_stage_history')
    with op.batch_alter_table('deal_approvals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deal_approvals_deal_id'))

    op.drop_table('deal_approvals')
    with op.batch_alter_table('stage_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stage_steps_stage_id'))

    op.drop_table('stage_steps')
    with op.batch_alter_table('stage_criteria', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stage_criteria_stage_id'))

    op.drop_table('stage_criteria')
    with op.batch_alter_table('deals', schema=None) as batch_op:
        batch_op.drop_index('ix_deals_updated')
        batch_op.drop_index('ix_deals_owner_status_stage')
        batch_op.drop_index('ix_deals_owner_status_live')
        batch_op.drop_index('ix_deals_live_status_stage')
        batch_op.drop_index('ix_deals_expected_close')
        batch_op.drop_index(batch_op.f('ix_deals_deleted_at'))
        batch_op.drop_index('ix_deals_base_amount')
        batch_op.drop_index('ix_deals_account')

    op.drop_table('deals')
    with op.batch_alter_table('stages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stages_version_id'))

    op.drop_table('stages')
    op.drop_table('process_versions')
    op.drop_table('sales_processes')
    op.drop_table('products')
    op.drop_table('lost_reasons')
