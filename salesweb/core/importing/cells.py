"""A cell's text as a clean value, the same way for every importer; RowError says what is wrong.

The message names the field by its label, so a person reading the rejects knows which column.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _

from salesweb.core.i18n import join_list
from salesweb.core.importing.registry import RowError
from salesweb.core.money import is_currency, to_amount

MAX_AMOUNT = Decimal("9999999999999999.99")

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TRUE = {"1", "true", "yes", "y", "t", "x", "是", "对", "√", "✓"}
FALSE = {"", "0", "false", "no", "n", "f", "否", "不是"}


def text(values: dict[str, str], key: str, label: Any, limit: int) -> str:
    value = values.get(key, "").strip()
    if len(value) > limit:
        raise RowError(_("“%(field)s” is longer than %(n)d characters.", field=label, n=limit))
    return value


def integer(value: str, label: Any) -> int | None:
    text = value.replace(",", "").replace(" ", "").strip()
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or number != number.to_integral_value() or number < 0 or number > 2**31 - 1:
        raise RowError(
            _("“%(value)s” is not a whole number (%(field)s).", value=value, field=label)
        )
    return int(number)


def amount(value: str, label: Any, factor: Decimal = Decimal(1)) -> Decimal | None:
    text = value.replace(" ", "").replace("¥", "").replace("$", "").replace("￥", "").strip()
    if not text:
        return None
    try:
        amount = to_amount(text) if factor == 1 else Decimal(text.replace(",", "")) * factor
        amount = to_amount(amount)
    except (ValueError, InvalidOperation):
        raise RowError(
            _("“%(value)s” is not an amount (%(field)s).", value=value, field=label)
        ) from None
    if amount < 0 or amount > MAX_AMOUNT:
        raise RowError(_("“%(value)s” is out of range (%(field)s).", value=value, field=label))
    return amount


def currency(value: str, label: Any) -> str | None:
    code = value.strip().upper()
    if not code:
        return None
    if code in ("RMB", "人民币", "元"):
        code = "CNY"
    if not is_currency(code):
        raise RowError(
            _(
                "“%(value)s” is not a currency code such as CNY or USD (%(field)s).",
                value=value,
                field=label,
            )
        )
    return code


def email(value: str, label: Any) -> str:
    text = value.strip()
    if text and (len(text) > 254 or not EMAIL.match(text)):
        raise RowError(
            _("“%(value)s” is not an e-mail address (%(field)s).", value=value, field=label)
        )
    return text


def boolean(value: str, label: Any) -> bool:
    text = value.strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise RowError(_("“%(value)s” is not yes or no (%(field)s).", value=value, field=label))


_DATE_FORMATS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T].*)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def date(value: str, label: Any) -> dt.date | None:
    text = value.strip()
    if not text:
        return None
    for pattern in _DATE_FORMATS:
        match = pattern.match(text)
        if match:
            try:
                return dt.date(*(int(part) for part in match.groups()))
            except ValueError:
                break
    raise RowError(
        _("“%(value)s” is not a date like 2026-03-31 (%(field)s).", value=value, field=label)
    )


def choice(value: str, labels: dict[str, Any], label: Any) -> str | None:
    text = value.strip()
    if not text:
        return None
    for key, name in labels.items():
        if text.lower() in (str(key).lower(), str(name).lower(), zh(name)):
            return str(key)
    raise RowError(
        _(
            "“%(value)s” is not one of: %(choices)s (%(field)s).",
            value=value,
            choices=join_list(labels),
            field=label,
        )
    )


def zh(label: Any) -> str:
    with force_locale("zh_CN"):
        return str(label).lower()


def name_key(text: str) -> str:
    """Names compare width-folded, case-folded, with runs of spaces as one."""
    return " ".join(unicodedata.normalize("NFKC", text or "").split()).casefold()
