"""Migration 0015 renames the review claims already in the audit log, and back."""

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from salesweb import config as configs
from salesweb import create_app
from salesweb.extensions import db as _db

ROWS = [("contract_reviews", "claim"), ("accounts", "claim"), ("contract_reviews", "create")]


def _actions(connection) -> list[tuple[str, str]]:
    return [
        tuple(r)
        for r in connection.execute(text("SELECT record_type, action FROM audit_log ORDER BY id"))
    ]


def test_review_claims_are_renamed_and_pool_claims_kept(tmp_path):
    config = configs.TestConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path}/migration.sqlite"
    app = create_app(config)
    with app.app_context():
        upgrade(revision="0009")
        with _db.engine.begin() as connection:
            for record_type, action in ROWS:
                connection.execute(
                    text(
                        "INSERT INTO audit_log (created_at, actor_label, action, record_type,"
                        " record_id, record_label, changes)"
                        " VALUES ('2026-11-30 00:00:00', 'x', :a, :t, '1', '', '{}')"
                    ),
                    {"a": action, "t": record_type},
                )
        upgrade(revision="0015")
        with _db.engine.connect() as connection:
            assert _actions(connection) == [
                ("contract_reviews", "review_claim"),
                ("accounts", "claim"),
                ("contract_reviews", "create"),
            ]
        downgrade(revision="0009")
        with _db.engine.connect() as connection:
            assert _actions(connection) == ROWS
        _db.engine.dispose()
