"""Configuration and the shared command-line entry points."""

import pytest
from sqlalchemy import func, select

from salesweb.auth.models import Role, User
from salesweb.config import Config, ProductionConfig, config_from_env


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("SALESWEB_ENV", "production")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        config_from_env()
    monkeypatch.setenv("SECRET_KEY", "s3cret-from-env")
    assert config_from_env().SECRET_KEY == "s3cret-from-env"
    assert isinstance(config_from_env(), ProductionConfig)


def test_development_key_is_generated_once(monkeypatch, tmp_path):
    import salesweb.config as config

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setattr(config, "INSTANCE", tmp_path)
    first = Config().SECRET_KEY
    assert len(first) == 64 and (tmp_path / "secret_key").read_text() == first
    assert first == Config().SECRET_KEY


def test_create_admin(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["create-admin", "Boss@Example.com", "--password", "long-enough-secret"]
    )
    assert result.exit_code == 0, result.output
    admin = db.session.scalar(select(User).where(User.email == "boss@example.com"))
    assert admin.role == Role.ADMIN and admin.check_password("long-enough-secret")
    again = runner.invoke(
        args=["create-admin", "boss@example.com", "--password", "long-enough-secret"]
    )
    assert again.exit_code != 0
    short = runner.invoke(args=["create-admin", "other@example.com", "--password", "short"])
    assert short.exit_code != 0
    assert (
        db.session.scalar(
            select(func.count()).select_from(User).where(User.email == "other@example.com")
        )
        == 0
    )


def test_seed_demo_twice_changes_nothing_the_second_time(app, db):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    counts = {
        model: db.session.scalar(select(func.count()).select_from(model)) for model in (User,)
    }
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    assert {m: db.session.scalar(select(func.count()).select_from(m)) for m in counts} == counts
    emails = set(db.session.scalars(select(User.email)))
    assert {
        "admin@example.com",
        "manager@example.com",
        "rep@example.com",
        "rep2@example.com",
        "compliance@example.com",
    } <= emails
    if_empty = runner.invoke(args=["seed-demo", "--if-empty"])
    assert "already has users" in if_empty.output
