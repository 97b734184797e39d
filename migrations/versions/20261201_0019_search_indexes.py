"""Search that an index serves, and the admin deal list sorted by an index.

Accounts and contacts are searched for a substring of their `search_text` (name, phone digits,
e-mail, WeChat). `LIKE '%…%'` on a plain column reads every row, so:

- SQLite: an external-content FTS5 table per searched table with the trigram tokenizer
  (`accounts_fts`, `contacts_fts`), built here from the existing rows and kept current by
  triggers, so every write (the ORM, importers' and the bench's Core bulk inserts, a restore)
  updates it in its own transaction with no code path able to forget it.
- PostgreSQL: the pg_trgm extension and a GIN trigram index on each `search_text`, which serves
  `LIKE '%…%'` directly; PostgreSQL maintains it itself.

The deal list's default order (last change first) for someone who sees every deal reads
`ix_deals_status_live_updated` backwards instead of sorting every open deal; on PostgreSQL,
partial indexes over live rows give the account, contact and deal lists their default order.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01
"""

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

SEARCHED = ("accounts", "contacts")
# PostgreSQL does not take `deleted_at IS NULL` as an equality that fixes the index's first
# column, so an index led by deleted_at cannot give the lists their order there: partial
# indexes over live rows do (SQLite reads its deleted_at-led indexes in order already).
PG_LIVE_LIST_INDEXES = {
    "ix_accounts_live_name_pg": ("accounts", "name, id"),
    "ix_contacts_live_name_pg": ("contacts", "name, id"),
    "ix_deals_live_status_updated_pg": ("deals", "status, updated_at, id"),
}


def _sqlite_upgrade(name: str) -> None:
    fts = f"{name}_fts"
    # case_sensitive 1: search_text and the search term are both lower-cased by the application,
    # so matching is exact, as LIKE is on PostgreSQL.
    op.execute(
        f"CREATE VIRTUAL TABLE {fts} USING fts5(search_text, content='{name}', "
        "content_rowid='id', tokenize='trigram case_sensitive 1')"
    )
    op.execute(
        f"CREATE TRIGGER {fts}_after_insert AFTER INSERT ON {name} BEGIN "
        f"INSERT INTO {fts}(rowid, search_text) VALUES (new.id, new.search_text); END"
    )
    op.execute(
        f"CREATE TRIGGER {fts}_after_delete AFTER DELETE ON {name} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, search_text) VALUES ('delete', old.id, old.search_text);"
        " END"
    )
    op.execute(
        f"CREATE TRIGGER {fts}_after_update AFTER UPDATE OF search_text ON {name} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, search_text) VALUES ('delete', old.id, old.search_text);"
        f" INSERT INTO {fts}(rowid, search_text) VALUES (new.id, new.search_text); END"
    )
    op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in SEARCHED:
            _sqlite_upgrade(name)
    elif dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        # The extension may live in another schema than this one (one per database): name its
        # operator class with that schema.
        schema = op.get_bind().exec_driver_sql(
            "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_trgm'"
        )
        ops = f"{schema.scalar()}.gin_trgm_ops"
        for name in SEARCHED:
            op.execute(f"CREATE INDEX ix_{name}_search_trgm ON {name} USING gin (search_text {ops})")
        for index, (name, columns) in PG_LIVE_LIST_INDEXES.items():
            op.execute(f"CREATE INDEX {index} ON {name} ({columns}) WHERE deleted_at IS NULL")
    op.create_index(
        "ix_deals_status_live_updated", "deals", ["status", "deleted_at", "updated_at", "id"]
    )
    op.create_index("ix_contacts_search_text", "contacts", ["search_text"])


def downgrade():
    op.drop_index("ix_contacts_search_text", table_name="contacts")
    op.drop_index("ix_deals_status_live_updated", table_name="deals")
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in SEARCHED:
            fts = f"{name}_fts"
            for event in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS {fts}_after_{event}")
            op.execute(f"DROP TABLE IF EXISTS {fts}")
    elif dialect == "postgresql":
        for name in SEARCHED:
            op.execute(f"DROP INDEX IF EXISTS ix_{name}_search_trgm")
        for index in PG_LIVE_LIST_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {index}")
        # The extension goes too, unless something else in the database (another schema's
        # indexes) still uses it.
        op.execute(
            "DO $$ BEGIN DROP EXTENSION IF EXISTS pg_trgm; "
            "EXCEPTION WHEN dependent_objects_still_exist THEN NULL; END $$"
        )
