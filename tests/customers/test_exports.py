"""Exports of the filtered account and contact lists: scope, filters, formats, formula safety."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from tests.factories import make_account, make_contact, make_team, make_user

EN = {"Accept-Language": "en"}


def get_csv(client, url):
    with client.get(url, headers=EN) as response:
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        assert response.mimetype == "text/csv"
        assert response.headers["Content-Disposition"].startswith("attachment;")
        body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")  # so that Excel shows Chinese
    return list(csv.reader(io.StringIO(body[1:])))


def get_xlsx(client, url):
    with client.get(url, headers=EN) as response:
        assert response.status_code == 200
        assert response.mimetype.endswith("spreadsheetml.sheet")
        data = response.get_data()
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    rows = [list(r) for r in workbook.active.iter_rows(values_only=True)]
    workbook.close()
    return rows


def column(rows, name):
    index = rows[0].index(name)
    return [r[index] for r in rows[1:]]


def test_account_csv_has_the_list_columns_and_chinese(client, db, login_as):
    user = login_as("admin")
    make_account(owner=user, name="上海星河科技有限公司", industry="制造业", external_id="A-1")
    rows = get_csv(client, "/customers/accounts/export?format=csv")
    assert rows[0][:3] == ["ID", "External ID", "Name"]
    assert "Owner e-mail" in rows[0]
    assert column(rows, "Name") == ["上海星河科技有限公司"]
    assert column(rows, "Owner e-mail") == [user.email]


def test_formulas_are_neutralised_in_csv_and_xlsx(client, db, login_as):
    user = login_as("admin")
    make_account(
        owner=user,
        name='=HYPERLINK("http://evil","x")',
        phone="+86 21 5555 0000",
        industry="@SUM(A1)",
        region="-1+2",
    )
    rows = get_csv(client, "/customers/accounts/export")
    assert column(rows, "Name") == ['\'=HYPERLINK("http://evil","x")']
    assert column(rows, "Phone") == ["'+86 21 5555 0000"]
    assert column(rows, "Industry") == ["'@SUM(A1)"]
    assert column(rows, "Region") == ["'-1+2"]
    sheet = get_xlsx(client, "/customers/accounts/export?format=xlsx")
    assert column(sheet, "Name") == ['\'=HYPERLINK("http://evil","x")']
    assert column(sheet, "Industry") == ["'@SUM(A1)"]


def test_a_reps_export_has_only_their_accounts(client, db, login_as):
    rep = login_as("rep")
    other = make_user(role="rep")
    make_account(owner=rep, name="Mine Ltd")
    make_account(owner=other, name="Theirs Ltd")
    make_account(name="Pool Ltd")
    for fmt in ("csv", "xlsx"):
        rows = (get_csv if fmt == "csv" else get_xlsx)(
            client, f"/customers/accounts/export?format={fmt}"
        )
        assert column(rows, "Name") == ["Mine Ltd"]


def test_a_managers_export_has_the_teams_accounts(client, db, login_as):
    team = make_team()
    manager = login_as("manager", team=team)
    mate = make_user(team=team)
    make_account(owner=mate, name="Team Ltd")
    make_account(owner=manager, name="Own Ltd")
    make_account(owner=make_user(team=make_team()), name="Elsewhere Ltd")
    assert sorted(column(get_csv(client, "/customers/accounts/export"), "Name")) == [
        "Own Ltd",
        "Team Ltd",
    ]


def test_export_applies_the_lists_filters_and_sort(client, db, login_as):
    user = login_as("admin")
    make_account(owner=user, name="Alpha Retail", industry="retail")
    make_account(owner=user, name="Beta Retail", industry="retail")
    make_account(owner=user, name="Gamma Mining", industry="mining")
    rows = get_csv(client, "/customers/accounts/export?industry=retail&sort=-name")
    assert column(rows, "Name") == ["Beta Retail", "Alpha Retail"]
    rows = get_csv(client, "/customers/accounts/export?q=gamma")
    assert column(rows, "Name") == ["Gamma Mining"]


def test_contact_export_is_scoped_and_neutralised(client, db, login_as):
    rep = login_as("rep")
    mine = make_account(owner=rep, name="Mine Ltd", external_id="M-1")
    theirs = make_account(owner=make_user(), name="Theirs Ltd")
    make_contact(mine, name="王伟", email="wang@mine.example", title="=cmd")
    make_contact(theirs, name="Hidden Person")
    rows = get_csv(client, "/customers/contacts/export?format=csv")
    assert column(rows, "Name") == ["王伟"]
    assert column(rows, "Account name") == ["Mine Ltd"]
    assert column(rows, "Account external ID") == ["M-1"]
    assert column(rows, "Title") == ["'=cmd"]
    sheet = get_xlsx(client, "/customers/contacts/export?format=xlsx")
    assert column(sheet, "Name") == ["王伟"]


def test_large_exports_are_read_in_chunks_without_gaps(client, db, login_as, monkeypatch):
    from salesweb.customers.views import exports

    monkeypatch.setattr(exports, "CHUNK", 2)
    user = login_as("admin")
    for n in range(7):
        make_account(owner=user, name=f"Chunk {n}")
    names = column(get_csv(client, "/customers/accounts/export?sort=-name"), "Name")
    assert names == [f"Chunk {n}" for n in reversed(range(7))]
    sheet = get_xlsx(client, "/customers/accounts/export?format=xlsx&sort=name")
    assert column(sheet, "Name") == [f"Chunk {n}" for n in range(7)]


@pytest.mark.parametrize("url", ["/customers/accounts/export", "/customers/contacts/export"])
def test_an_unknown_format_is_a_bad_request(client, db, login_as, url):
    login_as("admin")
    assert client.get(f"{url}?format=pdf").status_code == 400


def test_export_needs_sign_in(client, db):
    response = client.get("/customers/accounts/export")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_an_exported_file_imports_again_without_duplicates(
    app, client, db, login_as, tmp_path, monkeypatch
):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    login_as("admin")
    make_account(
        owner=make_user(role="rep"), name="Round Trip 有限公司", industry="物流", external_id="R-1"
    )
    with client.get("/customers/accounts/export", headers=EN) as response:
        data = response.get_data()
    path = tmp_path / "export.csv"
    path.write_bytes(data)
    result = app.test_cli_runner().invoke(args=["import", "accounts", str(path)])
    assert result.output.strip().splitlines()[-1] == "taken: 1 rejected: 0 read: 1", result.output
    rows = get_csv(client, "/customers/accounts/export")
    assert column(rows, "Name") == ["Round Trip 有限公司"]
