from datetime import timedelta

import pytest

from salesweb.core.errors import DomainError
from salesweb.core.models import utcnow
from salesweb.customers.models import Account, email_domain, normalise_name, normalise_phone
from tests.factories import make_task, make_user


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("上海明远精密机械有限公司", "上海明远精密机械"),
        ("Acme Corporation", "ACME corp."),
        ("Ｎｏｒｔｈｗｉｎｄ Traders Ltd", "northwind traders"),
        ("华为技术有限公司", "华为技术"),
    ],
)
def test_normalised_names_match(a, b):
    assert normalise_name(a) == normalise_name(b)


def test_name_that_is_only_a_suffix_keeps_a_key():
    assert normalise_name("Company") == "company"


def test_phone_and_domain_keys():
    assert normalise_phone("+86 138-0013-8000") == "13800138000"
    assert normalise_phone("0086 21 5555 0000") == "2155550000"
    assert email_domain("Li.Na@Example.COM") == "example.com"
    assert email_domain("nonsense") is None


def test_tags_are_packed_for_exact_matching():
    assert Account.pack_tags("vip， 华东 ,vip,") == ",vip,华东,"
    assert Account.pack_tags("") == ""


def test_task_complete_and_reopen(db):
    user = make_user()
    task = make_task(user, due_at=utcnow() - timedelta(hours=1))
    assert task.is_overdue()
    task.complete(user)
    assert task.is_done and not task.is_overdue()
    with pytest.raises(DomainError):
        task.complete(user)
    task.reopen()
    with pytest.raises(DomainError):
        task.reopen()
