"""Every message of the code and templates is translated in both catalogs."""

from salesweb.core import catalogs


def test_every_message_has_zh_cn_and_en_translation():
    gaps = catalogs.missing()
    assert gaps == {"zh_CN": [], "en": []}, gaps


def test_placeholders_survive_translation():
    import re

    placeholder = re.compile(r"%\(\w+\)[sd]")
    for locale in catalogs.LOCALES:
        for message in catalogs.load(locale):
            if message.id and message.string:
                assert sorted(placeholder.findall(message.id)) == sorted(
                    placeholder.findall(message.string)
                ), (locale, message.id)


def test_money_and_dates_follow_locale(app):
    from datetime import UTC, datetime
    from decimal import Decimal

    from flask_babel import force_locale

    from salesweb.core.i18n import fmt_datetime
    from salesweb.core.money import format_money

    with app.test_request_context():
        with force_locale("en"):
            assert format_money(Decimal("1234.50"), "USD") == "$1,234.50"
        with force_locale("zh_CN"):
            assert format_money(Decimal("1234.50"), "CNY") == "¥1,234.50"
            # 00:30 UTC is 08:30 in Asia/Shanghai, the default time zone.
            assert "08:30" in fmt_datetime(datetime(2026, 1, 2, 0, 30, tzinfo=UTC))
