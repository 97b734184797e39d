"""Locale and time-zone selection, and Babel formatting filters for templates."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import has_request_context, request, session
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_login import current_user

LOCALES = ("zh_CN", "en")
LOCALE_NAMES = {"zh_CN": "中文", "en": "English"}


def company_default(name: str) -> str:
    """The company's default language or time zone (its setting, else the configuration)."""
    from salesweb.core import settings

    return settings.get(name)


def select_locale() -> str:
    """The user's saved language; anonymous: the switcher's choice, then Accept-Language."""
    if not has_request_context():
        return company_default("default_locale")
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in LOCALES:
        return chosen
    best = request.accept_languages.best_match(["zh_CN", "zh", "en"])
    if best in ("zh", "zh_CN"):
        return "zh_CN"
    if best == "en":
        return "en"
    return company_default("default_locale")


def select_timezone() -> str:
    if not has_request_context():
        return company_default("timezone")
    if current_user and current_user.is_authenticated and current_user.timezone:
        return current_user.timezone
    return company_default("timezone")


def html_lang() -> str:
    """The value for <html lang>: BCP 47 spelling of the active locale."""
    locale = get_locale()
    if locale is None:
        return "zh-CN"
    return f"{locale.language}-{locale.territory}" if locale.territory else locale.language


def fmt_datetime(value: datetime | None, fmt: str = "medium") -> str:
    return format_datetime(value, fmt) if value else ""


def fmt_date(value: date | str | None, fmt: str = "medium") -> str:
    """A date for the reader; frozen JSON snapshots (contract versions) keep ISO text."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return value
    return format_date(value, fmt) if value else ""


def fmt_number(value: Decimal | int | float | None) -> str:
    return format_decimal(value) if value is not None else ""


def join_list(items: Iterable[object], style: str = "enumeration") -> str:
    """Items joined for display the way the reader's language lists things: "甲、乙、丙" in
    Chinese, "a, b, c" in English. style "standard" or "or" adds the final conjunction
    ("甲、乙和丙", "a, b, and c"); a plain enumeration suits lists that are cut short."""
    from babel.lists import format_list

    texts = [str(item) for item in items]
    if not texts:
        return ""
    # get_locale also answers under force_locale in a job or command, not only in a request.
    locale = get_locale() or company_default("default_locale")
    if style != "enumeration":
        return format_list(texts, style, locale)
    from babel import Locale

    middle = Locale.parse(locale).list_patterns["standard"]["middle"]
    joined = texts[0]
    for text in texts[1:]:
        joined = middle.format(joined, text)
    return joined


def register_filters(app) -> None:
    app.jinja_env.filters["datetime"] = fmt_datetime
    app.jinja_env.filters["date"] = fmt_date
    app.jinja_env.filters["number"] = fmt_number
    app.jinja_env.filters["join_list"] = join_list


def to_utc(local: datetime | None) -> datetime | None:
    """A naive date-time typed by the user, read in their time zone, as aware UTC."""
    from datetime import UTC
    from zoneinfo import ZoneInfo

    if local is None:
        return None
    if local.tzinfo is None:
        local = local.replace(tzinfo=ZoneInfo(select_timezone()))
    return local.astimezone(UTC)


def to_local(value: datetime | None) -> datetime | None:
    """An aware UTC date-time as the naive local time a datetime-local input shows."""
    from zoneinfo import ZoneInfo

    if value is None:
        return None
    return value.astimezone(ZoneInfo(select_timezone())).replace(
        tzinfo=None, second=0, microsecond=0
    )


def bilingual(zh: str, en: str, locale: str | None = None) -> str:
    """An administrator-configured text (stage names, rules, surveys, courses) in the given
    language, or the reader's; each language falls back to the other when its text is empty."""
    if locale is None:
        # get_locale also follows force_locale in a job or command, outside any request.
        current = get_locale()
        locale = current.language if current is not None else company_default("default_locale")
    return (zh or en) if locale.startswith("zh") else (en or zh)


def bilingual_in(stem: str) -> Callable[..., str]:
    """A model method `<stem>_in(locale=None)`: the text of the `<stem>_zh` / `<stem>_en` column
    pair in that language (the reader's when None), as `bilingual` chooses it."""
    zh, en = f"{stem}_zh", f"{stem}_en"

    def text_in(self: Any, locale: str | None = None) -> str:
        return bilingual(getattr(self, zh), getattr(self, en), locale)

    text_in.__name__ = text_in.__qualname__ = f"{stem}_in"
    return text_in


def bilingual_text(stem: str, locale: str | None = None) -> property:
    """A read-only model property: the `<stem>_zh` / `<stem>_en` pair in the reader's language,
    or always in `locale` (an audit label: `bilingual_text("title", locale="en")`).
    `title = bilingual_text("title")` beside title_zh and title_en; no column of its own."""
    text_in = bilingual_in(stem)
    return property(lambda self: text_in(self, locale), doc=f"{stem}_zh or {stem}_en")
