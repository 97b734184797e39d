from decimal import Decimal

import pytest

from salesweb.core.money import is_currency, to_amount


def test_to_amount_parses_and_rounds():
    assert to_amount("1,234.565") == Decimal("1234.57")
    assert to_amount(Decimal("3")) == Decimal("3.00")


@pytest.mark.parametrize("bad", ["abc", "", "NaN", "Infinity", 1.5])
def test_to_amount_refuses(bad):
    with pytest.raises(ValueError):
        to_amount(bad)


def test_currencies():
    assert is_currency("CNY") and is_currency("usd")
    assert not is_currency("XXQ") and not is_currency("")
