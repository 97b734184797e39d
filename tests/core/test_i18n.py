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


# Short English words that mean different things on different pages; Chinese needs a different
# word for each meaning, so every use names its meaning with a context (pgettext).
AMBIGUOUS = {
    "Open",
    "Closed",
    "Name",
    "Rejected",
    "Title",
    "Score",
    "Claim",
    "Failed",
    "required",
    "Active",
    "Answer",
    "Assign",
    "Done",
    "E-mail",
    "Customer",
}


def test_ambiguous_words_are_never_extracted_without_a_context():
    bare = sorted(
        f"{message.id} at {message.locations[0]}"
        for message in catalogs.extract()
        if message.id in AMBIGUOUS and not message.context
    )
    assert bare == []


def test_a_message_with_a_context_is_never_also_used_without_one():
    with_context, without = set(), set()
    for message in catalogs.extract():
        if message.id:
            (with_context if message.context else without).add(str(message.id))
    assert sorted(with_context & without) == []


def test_every_context_message_has_its_msgctxt_in_both_catalogs():
    wanted = {(m.id, m.context) for m in catalogs.extract() if m.context}
    assert len(wanted) > 20
    for locale in catalogs.LOCALES:
        present = {(m.id, m.context) for m in catalogs.load(locale) if m.context and m.string}
        assert wanted - present == set(), locale


def test_missing_counts_each_context_on_its_own(monkeypatch):
    from babel.messages.catalog import Catalog

    template = Catalog()
    template.add("Open", context="deal status")
    template.add("Open", context="a meaning nobody translated")
    monkeypatch.setattr(catalogs, "extract", lambda: template)
    gaps = catalogs.missing()
    assert gaps["zh_CN"] == ["a meaning nobody translated|Open"]
    assert gaps["en"] == ["a meaning nobody translated|Open"]


def test_the_same_word_reads_differently_by_context(app):
    from flask import render_template_string
    from flask_babel import force_locale, pgettext

    assert "pgettext" in app.jinja_env.globals and "npgettext" in app.jinja_env.globals
    source = (
        "{{ pgettext('import rows', 'Rejected') }}/{{ pgettext('approval', 'Rejected') }}"
        "/{{ pgettext('deal status', 'Open') }}/{{ pgettext('link', 'Open') }}"
    )
    with app.test_request_context():
        with force_locale("zh_CN"):
            assert render_template_string(source) == "未导入/已驳回/进行中/查看"
            assert pgettext("person", "Name") == "姓名"
            assert pgettext("account", "Name") == "客户名称"
            assert pgettext("risk status", "Closed") == "已关闭"
        with force_locale("en"):
            assert render_template_string(source) == "Rejected/Rejected/Open/Open"
