"""Configuration read from the environment."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _dev_secret_key() -> str:
    """Generate a secret key once into instance/ so development sessions survive restarts."""
    INSTANCE.mkdir(parents=True, exist_ok=True)
    path = INSTANCE / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


class Config:
    """Development defaults; every value can be overridden by the environment."""

    ENV_NAME = "development"
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE / 'salesweb.sqlite'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SALESWEB_BASE_CURRENCY = os.environ.get("SALESWEB_BASE_CURRENCY", "CNY")
    SALESWEB_DEFAULT_LOCALE = os.environ.get("SALESWEB_DEFAULT_LOCALE", "zh_CN")
    SALESWEB_TIMEZONE = os.environ.get("SALESWEB_TIMEZONE", "Asia/Shanghai")
    SALESWEB_PROXY_COUNT = int(os.environ.get("SALESWEB_PROXY_COUNT", "0"))
    SALESWEB_LOGIN_LIMIT = os.environ.get("SALESWEB_LOGIN_LIMIT", "20 per minute")
    SALESWEB_LOCKOUT_FAILURES = 5
    SALESWEB_LOCKOUT_MINUTES = 15
    # Failures older than this no longer count toward a lock.
    SALESWEB_LOCKOUT_WINDOW_MINUTES = int(os.environ.get("SALESWEB_LOCKOUT_WINDOW_MINUTES", "15"))
    # A session unused for this long is signed out (checked on the server, not the cookie).
    SALESWEB_SESSION_IDLE_HOURS = float(os.environ.get("SALESWEB_SESSION_IDLE_HOURS", "12"))
    # How long a SQLite write waits for the one before it; writers queue (BEGIN IMMEDIATE).
    SALESWEB_SQLITE_BUSY_SECONDS = float(os.environ.get("SALESWEB_SQLITE_BUSY_SECONDS", "30"))
    # gc.freeze() once the application is built (see salesweb.create_app); 0 turns it off.
    SALESWEB_GC_FREEZE = os.environ.get("SALESWEB_GC_FREEZE", "1") != "0"
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    BABEL_DEFAULT_LOCALE = SALESWEB_DEFAULT_LOCALE
    BABEL_DEFAULT_TIMEZONE = "UTC"
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "salesweb" / "translations")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SALESWEB_SECURE_COOKIES")
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = 25 * 1024 * 1024
    MAIL_SERVER = os.environ.get("SMTP_HOST", "")
    MAIL_PORT = int(os.environ.get("SMTP_PORT", "25"))
    MAIL_USERNAME = os.environ.get("SMTP_USER", "")
    MAIL_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
    MAIL_USE_TLS = _bool("SMTP_STARTTLS")
    MAIL_FROM = os.environ.get("SMTP_FROM", "salesweb@localhost")
    PER_PAGE = 25
    # Lists count their rows up to this many, then say "more than" (the exact count on demand).
    LIST_COUNT_LIMIT = 10_000
    SALESWEB_POOL_CAP = int(os.environ.get("SALESWEB_POOL_CAP", "200"))
    SALESWEB_RECLAIM_DAYS = int(os.environ.get("SALESWEB_RECLAIM_DAYS", "90"))
    # How old the newest rate before a deal's date may be for an import to convert at it.
    SALESWEB_RATE_MAX_AGE_DAYS = int(os.environ.get("SALESWEB_RATE_MAX_AGE_DAYS", "7"))
    SALESWEB_UPLOAD_LIMIT = 10 * 1024 * 1024
    SALESWEB_FILES_DIR = os.environ.get("SALESWEB_FILES_DIR", "")  # uploads; default instance/
    SALESWEB_QUOTE_DISCOUNT_LIMIT = int(os.environ.get("SALESWEB_QUOTE_DISCOUNT_LIMIT", "15"))
    SALESWEB_PUBLIC_URL = os.environ.get("SALESWEB_PUBLIC_URL", "http://localhost:5000")
    SALESWEB_SURVEY_LIMIT = os.environ.get("SALESWEB_SURVEY_LIMIT", "120 per minute")
    SALESWEB_COMPANY_NAME = os.environ.get("SALESWEB_COMPANY_NAME", "")
    SALESWEB_COMPANY_ADDRESS = os.environ.get("SALESWEB_COMPANY_ADDRESS", "")
    SALESWEB_COMPANY_PHONE = os.environ.get("SALESWEB_COMPANY_PHONE", "")
    # Jobs (core.jobs): unset -> a SQLite queue under instance/ worked by the serving process;
    # redis://... -> a Redis queue worked by `flask jobs worker` on any number of machines.
    SALESWEB_JOBS_URL = os.environ.get("SALESWEB_JOBS_URL", "")
    SALESWEB_JOBS_PATH = os.environ.get("SALESWEB_JOBS_PATH", str(INSTANCE / "jobs.sqlite"))
    SALESWEB_JOBS_QUEUE = os.environ.get("SALESWEB_JOBS_QUEUE", "salesweb")
    SALESWEB_JOBS_WORKERS = int(os.environ.get("SALESWEB_JOBS_WORKERS", "2"))
    SALESWEB_JOBS_IMMEDIATE = _bool("SALESWEB_JOBS_IMMEDIATE")  # run in the caller (debugging)
    SALESWEB_JOBS_KEEP_DAYS = int(os.environ.get("SALESWEB_JOBS_KEEP_DAYS", "30"))
    # Open survey invitations get their one reminder this many days after the invitation.
    SALESWEB_SURVEY_REMIND_DAYS = int(os.environ.get("SALESWEB_SURVEY_REMIND_DAYS", "7"))

    def __init__(self) -> None:
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or _dev_secret_key()


class ProductionConfig(Config):
    """Production refuses to start without an explicit SECRET_KEY."""

    ENV_NAME = "production"

    def __init__(self) -> None:
        key = os.environ.get("SECRET_KEY")
        if not key:
            raise RuntimeError("SECRET_KEY must be set when SALESWEB_ENV=production")
        self.SECRET_KEY = key


class TestConfig(Config):
    """Used by the test suite; the database comes from TEST_DATABASE_URL or a temp file."""

    ENV_NAME = "test"
    TESTING = True
    WTF_CSRF_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    SALESWEB_JOBS_IMMEDIATE = True  # jobs run eagerly in the caller; one test runs a worker

    def __init__(self) -> None:
        self.SECRET_KEY = "test-secret-key"


def config_from_env() -> Config:
    """Pick the configuration class named by SALESWEB_ENV."""
    name = os.environ.get("SALESWEB_ENV", "development").lower()
    return ProductionConfig() if name == "production" else Config()
