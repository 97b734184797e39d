"""Importing accounts, contacts and orders: command line, the upload-map-preview-commit views."""

from __future__ import annotations

import codecs
import csv
import io
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from salesweb.auth.models import Role
from salesweb.core import importing
from salesweb.core.importing import ImportJob, ImportReject, Status
from salesweb.core.models import AuditLog
from salesweb.customers.models import Account, Contact, Order
from salesweb.customers.permissions import can_view_import, scope_imports
from tests.conftest import HX, by_id, parse
from tests.datasets import crm_dataset
from tests.factories import (
    make_account,
    make_contact,
    make_import_job,
    make_team,
    make_user,
)

SHARED = crm_dataset() / "accounts.csv"
EN = {"Accept-Language": "en"}
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 200
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


@pytest.fixture(autouse=True)
def uploads_in_tmp(app, tmp_path, monkeypatch):
    """Stored uploads go to a temporary instance folder, not the working tree's."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def xlsx_bytes(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    workbook.close()
    return out.getvalue()


def upload(client, content: bytes, name="accounts.csv", kind="accounts"):
    return client.post(
        "/customers/imports/new",
        data={"kind": kind, "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
        headers=EN,
    )


def job_from(response) -> ImportJob:
    from salesweb.extensions import db

    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    job_id = int(response.headers["Location"].split("/")[3])
    return db.session.get(ImportJob, job_id)


def run_through(
    client, content: bytes, name="accounts.csv", kind="accounts", mapping=None, fixed=None
):
    """Upload, keep (or change) the guessed mapping, look at the preview, commit."""
    job = job_from(upload(client, content, name, kind))
    form = {f"col-{index}": key for key, index in job.mapping["columns"].items()}
    for column, key in (mapping or {}).items():
        index = job.headers.index(column)
        for existing in [c for c, v in form.items() if v == key]:
            form.pop(existing)
        form[f"col-{index}"] = key
    for key, value in (fixed or {}).items():
        form[f"fixed-{key}"] = value
    response = client.post(f"/customers/imports/{job.id}/mapping", data=form, headers=EN)
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    assert client.get(f"/customers/imports/{job.id}/preview", headers=EN).status_code == 200
    response = client.post(f"/customers/imports/{job.id}/commit", headers=EN)
    assert response.status_code == 303
    return job


# --- the shared real-world file --------------------------------------------------------------


def test_cli_imports_the_shared_accounts_file_and_again_without_duplicates(app, db):
    runner = app.test_cli_runner()
    args = [
        "import",
        "accounts",
        str(SHARED),
        "--map",
        "revenue=annual_revenue_millions",
        "--set",
        "revenue_currency=USD",
    ]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "taken: 85 rejected: 0 read: 85"
    assert count(db, Account) == 85
    acme = db.session.scalar(select(Account).where(Account.name == "Acme Corporation"))
    assert acme.industry == "technolgy"  # kept as it is, not "fixed"
    assert acme.annual_revenue == Decimal("1100040000.00") and acme.revenue_currency == "USD"
    assert acme.employees == 2822 and acme.country == "United States"
    assert acme.owner_id is None  # no owner column: the public pool
    created = db.session.scalar(
        select(func.count())
        .select_from(AuditLog)
        .where(AuditLog.record_type == "accounts", AuditLog.action == "create")
    )
    assert created == 85

    again = runner.invoke(args=args)
    assert again.output.strip().splitlines()[-1] == "taken: 85 rejected: 0 read: 85"
    assert count(db, Account) == 85


def test_cli_refuses_an_unknown_column_or_field(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import", "accounts", str(SHARED), "--map", "nope=name"])
    assert result.exit_code != 0 and "no column" in result.output
    result = runner.invoke(args=["import", "accounts", str(SHARED), "--map", "revenue=wealth"])
    assert result.exit_code != 0 and "unknown field" in result.output


def test_manager_imports_the_shared_file_through_the_views(client, db, login_as):
    login_as("manager")
    content = SHARED.read_bytes()
    job = job_from(upload(client, content))
    assert job.status == Status.PENDING
    mapping = client.get(f"/customers/imports/{job.id}/mapping", headers=EN)
    assert by_id(mapping, "col-0").xpath("./option[@selected]/@value") == ["name"]
    assert by_id(mapping, "col-1").xpath("./option[@selected]/@value") == ["industry"]
    assert by_id(mapping, "col-2").xpath("./option[@selected]/@value") == []
    job = run_through(
        client,
        content,
        mapping={"revenue": "annual_revenue_millions"},
        fixed={"revenue_currency": "USD"},
    )
    db.session.refresh(job)
    assert (job.status, job.taken, job.rejected, job.rows_read) == (Status.DONE, 85, 0, 85)
    page = client.get(f"/customers/imports/{job.id}", headers=EN)
    assert "85 rows read: 85 taken + 0 rejected" in by_id(page, "import-summary").text_content()
    assert count(db, Account) == 85

    again = run_through(
        client,
        content,
        mapping={"revenue": "annual_revenue_millions"},
        fixed={"revenue_currency": "USD"},
    )
    db.session.refresh(again)
    assert (again.taken, again.rejected, again.created_records) == (85, 0, 0)
    assert count(db, Account) == 85


def test_preview_shows_each_rows_problem(client, db, login_as):
    login_as("manager")
    content = b"name,employees\nGood Co,12\n,3\nBad Co,many\n"
    job = job_from(upload(client, content))
    client.post(
        f"/customers/imports/{job.id}/mapping", data={"col-0": "name", "col-1": "employees"}
    )
    preview = client.get(f"/customers/imports/{job.id}/preview", headers=EN)
    assert "OK" in by_id(preview, "preview-row-2").text_content()
    assert "name is empty" in by_id(preview, "preview-row-3").text_content()
    assert "not a whole number" in by_id(preview, "preview-row-4").text_content()
    assert count(db, Account) == 0  # a preview writes nothing


def test_without_a_name_column_preview_and_commit_send_back_to_the_columns(client, db, login_as):
    login_as("manager")
    job = job_from(upload(client, b"a,b\nx,y\n"))
    preview = client.get(f"/customers/imports/{job.id}/preview")
    assert preview.status_code == 303 and preview.headers["Location"].endswith("/mapping")
    commit = client.post(f"/customers/imports/{job.id}/commit")
    assert commit.status_code == 303 and commit.headers["Location"].endswith("/mapping")
    db.session.refresh(job)
    assert job.status == Status.PENDING and count(db, Account) == 0


def test_mapping_refuses_a_field_twice_or_no_name(client, db, login_as):
    login_as("manager")
    job = job_from(upload(client, b"a,b\nx,y\n"))
    twice = client.post(
        f"/customers/imports/{job.id}/mapping", data={"col-0": "name", "col-1": "name"}, headers=EN
    )
    assert twice.status_code == 422 and "chosen for two columns" in twice.get_data(as_text=True)
    none = client.post(
        f"/customers/imports/{job.id}/mapping", data={"col-1": "industry"}, headers=EN
    )
    assert none.status_code == 422 and "Choose the column for" in none.get_data(as_text=True)
    fragment = client.post(
        f"/customers/imports/{job.id}/mapping", data={"col-1": "industry"}, headers={**EN, **HX}
    )
    assert fragment.status_code == 422 and "<html" not in fragment.get_data(as_text=True)
    assert by_id(fragment, "import-mapping-form") is not None


# --- encodings and formats -------------------------------------------------------------------

ZH_ROWS = "客户名称,行业,电话\n上海星河科技有限公司,制造业,021-5555 0101\n北京云帆贸易有限公司,零售,010-6666 0202\n"


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (ZH_ROWS.encode("gbk"), "gbk.csv"),
        (codecs.BOM_UTF8 + ZH_ROWS.encode(), "bom.csv"),
        (ZH_ROWS.encode(), "plain.csv"),
        (xlsx_bytes([line.split(",") for line in ZH_ROWS.strip().splitlines()]), "book.xlsx"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_chinese_csv_in_every_encoding_and_xlsx(client, db, login_as, content, name):
    login_as("admin")
    job = run_through(client, content, name)
    db.session.refresh(job)
    assert (job.taken, job.rejected) == (2, 0), job.error
    names = set(db.session.scalars(select(Account.name)))
    assert names == {"上海星河科技有限公司", "北京云帆贸易有限公司"}
    star = db.session.scalar(select(Account).where(Account.name == "上海星河科技有限公司"))
    assert star.industry == "制造业" and star.phone == "021-5555 0101"


# --- bad files -------------------------------------------------------------------------------


@pytest.mark.parametrize("content", [PNG, EXE], ids=["png", "exe"])
def test_a_renamed_binary_is_refused_next_to_the_file_field(client, db, login_as, content):
    login_as("manager")
    response = upload(client, content, "customers.csv")
    assert response.status_code == 422
    error = by_id(response, "file-error")
    assert error is not None and "not a CSV or XLSX" in error.text_content()
    assert by_id(response, "file").get("aria-describedby").split()[-1] == "file-error"
    assert count(db, ImportJob) == 0 and count(db, Account) == 0


def test_an_oversize_upload_is_refused(app, client, db, login_as, monkeypatch):
    login_as("manager")
    # (small numbers: the test client spools bodies over 500 kB to a file it never closes)
    monkeypatch.setitem(app.config, "SALESWEB_UPLOAD_LIMIT", 100 * 1024)
    big = b"name\n" + b"x" * (100 * 1024 + 10) + b"\n"
    response = upload(client, big)
    assert response.status_code == 422
    assert "larger than 100 kB" in by_id(response, "file-error").text_content()
    assert count(db, ImportJob) == 0
    assert not any(Path(app.instance_path, "imports").glob("*"))


def test_an_upload_beyond_the_request_limit_is_refused_with_the_form(
    app, client, db, login_as, monkeypatch
):
    login_as("manager")
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2000)
    response = upload(client, b"name\n" + b"y" * 5000 + b"\n")
    assert response.status_code == 413
    assert "larger than" in by_id(response, "file-error").text_content()
    assert count(db, ImportJob) == 0


def test_a_missing_file_is_asked_for(client, db, login_as):
    login_as("manager")
    response = client.post("/customers/imports/new", data={"kind": "accounts"}, headers=EN)
    assert response.status_code == 422 and by_id(response, "file-error") is not None


# --- malformed rows, owners, rejects ---------------------------------------------------------


def test_malformed_rows_are_rejected_with_reasons_and_the_good_rows_taken(client, db, login_as):
    manager = login_as("manager", team=make_team())
    mate = make_user(team=manager.team)
    stranger = make_user(team=make_team())
    db.session.commit()
    rows = [
        "name,employees,annual revenue,owner,email,type",
        f"Alpha Ltd,10,1000,{mate.email},a@alpha.example,customer",
        "Beta Ltd,ten,,,,",
        ",5,,,,",
        "Gamma Ltd,3,,nobody@nowhere.example,,",
        f"Delta Ltd,4,,{stranger.email},,",
        "Epsilon Ltd,4,-5,,,",
        "Zeta Ltd,4,,,not-an-email,",
        "Eta Ltd,4,,,,boss",
        'Theta Ltd,4,,,,,"surplus, cell"',
        "ALPHA LTD.,11,,,,",
        "Iota Ltd,7,,,,",
    ]
    job = run_through(
        client,
        "\n".join(rows).encode(),
        mapping={"owner": "owner_email"},
        fixed={"revenue_currency": "CNY"},
    )
    db.session.refresh(job)
    assert job.rows_read == 11
    assert (job.taken, job.rejected) == (2, 9)
    assert job.taken + job.rejected == job.rows_read
    reasons = {
        r.row_number: r.reason
        for r in db.session.scalars(select(ImportReject).where(ImportReject.job_id == job.id))
    }
    assert "not a whole number" in reasons[3]
    assert "name is empty" in reasons[4]
    assert "nobody@nowhere.example" in reasons[5] and "No one" in reasons[5]
    # another team's person reads exactly as no one at all (the file cannot probe addresses)
    assert reasons[6].replace(stranger.email, "X") == reasons[5].replace(
        "nobody@nowhere.example", "X"
    )
    assert "out of range" in reasons[7]
    assert "not an e-mail address" in reasons[8]
    assert "is not one of" in reasons[9]
    assert "unquoted separator" in reasons[10]
    assert "Same account as row 2" in reasons[11]
    alpha = db.session.scalar(select(Account).where(Account.name == "Alpha Ltd"))
    assert alpha.owner_id == mate.id and alpha.owner_since is not None and alpha.type == "customer"

    csv_response = client.get(f"/customers/imports/{job.id}/rejects.csv", headers=EN)
    body = csv_response.get_data(as_text=True)
    csv_response.close()
    assert csv_response.mimetype == "text/csv"
    assert "attachment" in csv_response.headers["Content-Disposition"]
    assert body.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert table[0] == [
        "Row",
        "Reason",
        "name",
        "employees",
        "annual revenue",
        "owner",
        "email",
        "type",
    ]
    assert len(table) == 1 + 9
    assert table[1][0] == "3" and table[1][2:4] == ["Beta Ltd", "ten"]
    # the value that began with "-" is neutralised against formula injection in the download
    assert "'-5" in [cell for row in table for cell in row]

    page = client.get(f"/customers/imports/{job.id}", headers=EN)
    assert by_id(page, "reject-3") is not None
    assert by_id(page, "import-rejects-download").get("hx-boost") == "false"


def test_reimport_matches_by_external_id_and_updates(client, db, login_as):
    login_as("admin")
    first = b"external id,name,industry\nC-1,Kappa Ltd,retail\n"
    run_through(client, first)
    second = b"external id,name,industry\nC-1,Kappa Holdings,software\n"
    job = run_through(client, second)
    db.session.refresh(job)
    assert (job.taken, job.created_records, job.updated_records) == (1, 0, 1)
    account = db.session.scalar(select(Account).where(Account.external_id == "C-1"))
    assert account.name == "Kappa Holdings" and account.industry == "software"
    assert count(db, Account) == 1


def test_duplicate_rule_matches_an_existing_account_by_phone(client, db, login_as):
    login_as("admin")
    existing = make_account(name="Lambda 有限公司", phone="021-5555 0303")
    db.session.commit()
    job = run_through(client, b"name,phone,industry\nLambda Trading,+86 21 5555 0303,food\n")
    db.session.refresh(job)
    assert (job.taken, job.created_records, job.updated_records) == (1, 0, 1)
    db.session.refresh(existing)
    assert existing.name == "Lambda 有限公司" and existing.industry == "food"


def test_a_manager_cannot_change_another_teams_account_by_import(client, db, login_as):
    login_as("manager", team=make_team())
    other = make_user(team=make_team())
    make_account(owner=other, name="Mu Ltd")
    db.session.commit()
    job = run_through(client, b"name,industry\nMu Ltd,mining\n")
    db.session.refresh(job)
    assert (job.taken, job.rejected) == (0, 1)
    reason = db.session.scalar(select(ImportReject.reason).where(ImportReject.job_id == job.id))
    assert "may not change" in reason


# --- who -------------------------------------------------------------------------------------


def test_upload_page_can_preselect_the_kind(client, db, login_as):
    login_as("manager")
    page = client.get("/customers/imports/new?kind=contacts", headers=EN)
    assert by_id(page, "kind").xpath("./option[@selected]/@value") == ["contacts"]
    assert by_id(page, "file").get("type") == "file"
    assert parse(page).xpath("//label[@for='file']")


@pytest.mark.parametrize("role", ["rep", "compliance"])
def test_reps_and_compliance_cannot_import(client, db, login_as, role):
    login_as(role)
    assert client.get("/customers/imports/new").status_code == 403
    assert upload(client, b"name\nA\n").status_code == 403
    assert count(db, ImportJob) == 0


def test_another_persons_job_is_not_found(client, db, login_as):
    login_as("manager")
    job = job_from(upload(client, b"name\nA\n"))
    login_as("manager")
    for url in (
        f"/customers/imports/{job.id}",
        f"/customers/imports/{job.id}/mapping",
        f"/customers/imports/{job.id}/status",
        f"/customers/imports/{job.id}/rejects.csv",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/customers/imports/{job.id}/commit").status_code == 404
    login_as("admin")
    assert client.get(f"/customers/imports/{job.id}").status_code == 200


# --- progress --------------------------------------------------------------------------------


def test_status_is_a_fragment_for_htmx_and_a_page_otherwise(client, db, login_as):
    login_as("manager")
    job = job_from(upload(client, b"name\nA\nB\n"))
    job.status, job.rows_total, job.rows_read, job.taken = Status.RUNNING, 2, 1, 1
    from salesweb.core.models import utcnow

    job.heartbeat_at = utcnow()
    db.session.commit()
    running = client.get(f"/customers/imports/{job.id}/status", headers={**EN, **HX})
    text = running.get_data(as_text=True)
    assert running.status_code == 200 and "<html" not in text
    section = by_id(running, "import-status")
    assert section.get("hx-trigger") == "every 1s"
    progress = by_id(running, "import-progress")
    assert progress.get("value") == "50" and progress.text_content().strip() == "50%"
    assert "1 of 2 rows read" in by_id(running, "import-progress-text").text_content()

    page = client.get(f"/customers/imports/{job.id}/status", headers=EN)
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True)
    assert "HX-Request" in page.headers["Vary"]

    job.status, job.rows_read, job.taken = Status.DONE, 2, 2
    db.session.commit()
    finished = client.get(f"/customers/imports/{job.id}/status", headers={**EN, **HX})
    assert finished.status_code == 286  # htmx stops polling
    assert by_id(finished, "import-status").get("hx-trigger") is None
    assert "2 rows read: 2 taken + 0 rejected" in by_id(finished, "import-summary").text_content()


def test_import_list_shows_own_recent_jobs(client, db, login_as):
    login_as("manager")
    job = job_from(upload(client, b"name\nA\n"))
    page = client.get("/customers/imports", headers=EN)
    assert page.status_code == 200 and by_id(page, f"import-{job.id}") is not None
    login_as("manager")
    assert by_id(client.get("/customers/imports"), f"import-{job.id}") is None


# --- contacts and orders ---------------------------------------------------------------------


def test_contacts_import_matches_accounts_and_sets_one_primary(client, db, login_as):
    login_as("admin")
    account = make_account(name="Nu 有限公司", external_id="N-1")
    make_account(name="Xi Ltd")
    db.session.commit()
    content = (
        "account id,account name,联系人,职位,手机,邮箱,微信,主要联系人\n"
        "N-1,,王伟,采购经理,13800000001,wang@nu.example,wangwei,否\n"
        "N-1,,李娜,总经理,13800000002,li@nu.example,lina,是\n"
        ",Xi Ltd,Tom,CTO,,,,\n"
        ",Nobody Ltd,Ann,,,,,\n"
        "N-1,,王伟,采购经理,,,,\n"
    ).encode("gbk")
    job = run_through(client, content, "contacts.csv", kind="contacts")
    db.session.refresh(job)
    assert (job.taken, job.rejected, job.rows_read) == (3, 2, 5)
    contacts = {
        c.name: c
        for c in db.session.scalars(select(Contact).where(Contact.account_id == account.id))
    }
    assert set(contacts) == {"王伟", "李娜"}
    assert contacts["李娜"].is_primary and not contacts["王伟"].is_primary
    assert contacts["王伟"].title == "采购经理" and contacts["王伟"].wechat == "wangwei"
    again = run_through(client, content, "contacts.csv", kind="contacts")
    db.session.refresh(again)
    assert again.created_records == 0 and count(db, Contact) == 3


def test_orders_import_groups_lines_by_order_number(client, db, login_as):
    login_as("admin")
    make_account(name="Omicron Ltd", external_id="O-1")
    db.session.commit()
    content = (
        b"account id,order number,order date,product,quantity,unit price\n"
        b"O-1,SO-1,2026-03-01,Widget,2,100.00\n"
        b"O-1,SO-1,2026-03-01,Gadget,1,50.5\n"
        b"O-1,SO-2,2026/3/5,Widget,0,100\n"
        b"O-1,SO-3,2026-02-30,Widget,1,100\n"
    )
    job = run_through(client, content, "orders.csv", kind="orders", fixed={"currency": "CNY"})
    db.session.refresh(job)
    assert (job.taken, job.rejected, job.rows_read) == (2, 2, 4)
    order = db.session.scalar(select(Order).where(Order.external_id == "SO-1"))
    assert order.total == Decimal("250.50") and len(order.lines) == 2
    again = run_through(client, content, "orders.csv", kind="orders", fixed={"currency": "CNY"})
    db.session.refresh(again)
    assert again.created_records == 0 and count(db, Order) == 1


# --- scope: another team's records read as none at all --------------------------------------


def _reasons(db, job) -> dict[int, str]:
    rows = db.session.scalars(select(ImportReject).where(ImportReject.job_id == job.id))
    return {r.row_number: r.reason for r in rows}


def test_a_matched_account_of_another_team_is_rejected_without_its_name(client, db, login_as):
    manager = login_as("manager", team=make_team())
    other = make_user(team=make_team())
    make_account(owner=other, name="华东客户有限公司", external_id="E-1", industry="mining")
    make_account(owner=other, name="Sigma Ltd", phone="021-5555 0404")
    gone = make_account(owner=other, name="Gone Ltd", external_id="G-1")
    gone.deleted_at = gone.created_at
    mine = make_account(owner=make_user(team=manager.team), name="Mine Ltd", external_id="G-2")
    mine.deleted_at = mine.created_at
    db.session.commit()
    content = (
        "external id,name,phone,industry\n"
        "E-1,华东客户有限公司,,mining\n"  # the same values: still not the manager's to take
        "S-9,Sigma Holdings,+86 21 5555 0404,retail\n"  # by phone, with another external id
        "G-1,Gone Ltd,,\n"  # deleted, another team's: not even that is said
        "G-2,Mine Ltd,,\n"  # deleted, the team's own: restore it first
    ).encode()
    job = run_through(client, content)
    db.session.refresh(job)
    assert (job.taken, job.rejected) == (0, 4)
    reasons = _reasons(db, job)
    assert reasons[2] == reasons[3] == reasons[4] and "may not change" in reasons[2]
    assert "华东客户" not in reasons[2] and "Sigma" not in reasons[3]
    assert "restore it" in reasons[5]
    assert count(db, Account) == 4


def test_contacts_and_orders_do_not_find_another_teams_account(client, db, login_as):
    login_as("manager", team=make_team())
    other = make_user(team=make_team())
    theirs = make_account(owner=other, name="Tau Ltd", external_id="T-1")
    make_account(name="Pool Ltd", external_id="P-1")  # the pool is the manager's to hand out
    their_contact = Contact(account=theirs, name="Old Name", external_id="K-1")
    db.session.add(their_contact)
    db.session.commit()
    contacts = (
        "account id,account name,contact id,联系人\n"
        "T-1,,,Ann\n"
        "T-404,,,Ann\n"
        ",Tau Ltd,,Bob\n"
        ",Nobody Ltd,,Bob\n"
        "P-1,,K-1,New Name\n"  # the pool account is fine, another team's contact is not
        "P-1,,,Cleo\n"
    ).encode()
    job = run_through(client, contacts, "contacts.csv", kind="contacts")
    db.session.refresh(job)
    assert (job.taken, job.rejected) == (1, 5)
    reasons = _reasons(db, job)
    assert reasons[2].replace("T-1", "X") == reasons[3].replace("T-404", "X")
    assert reasons[4].replace("Tau Ltd", "X") == reasons[5].replace("Nobody Ltd", "X")
    assert "may not change this contact" in reasons[6]
    db.session.refresh(their_contact)
    assert their_contact.name == "Old Name"
    assert {c.name for c in db.session.scalars(select(Contact))} == {"Old Name", "Cleo"}

    their_order = Order(
        account=theirs, external_id="SO-9", ordered_on=date(2026, 1, 5), currency="CNY"
    )
    their_order.total = their_order.base_total = Decimal("10.00")
    db.session.add(their_order)
    db.session.commit()
    orders = (
        b"account id,order number,order date,product,quantity,unit price\n"
        b"T-1,SO-1,2026-03-01,Widget,1,100\n"
        b"T-404,SO-2,2026-03-01,Widget,1,100\n"
        b"P-1,SO-9,2026-03-01,Widget,1,100\n"  # another team's order number: not "unchanged"
    )
    job = run_through(client, orders, "orders.csv", kind="orders", fixed={"currency": "CNY"})
    db.session.refresh(job)
    assert (job.taken, job.rejected) == (0, 3)
    reasons = _reasons(db, job)
    assert reasons[2].replace("T-1", "X") == reasons[3].replace("T-404", "X")
    assert "already used for another account" in reasons[4]
    assert count(db, Order) == 1


def test_the_command_line_and_administrators_import_onto_every_account(app, client, db, login_as):
    other = make_user(team=make_team())
    make_account(owner=other, name="Upsilon Ltd", external_id="U-1")
    db.session.commit()
    login_as("admin")
    job = run_through(client, b"account id,name\nU-1,Ann\n", "contacts.csv", kind="contacts")
    db.session.refresh(job)
    assert (job.taken, job.rejected) == (1, 0)


# --- export, then import the file back -------------------------------------------------------

FORMULA_LIKE = {
    "phone": "+86 21 5555 0199",
    "industry": "=Manufacturing",
    "region": "-East-",
    "segment": "@key accounts",
    "address": "'quoted' street",  # a quote before anything else is the user's own: kept
}


def _exported(client, url: str, fmt: str) -> bytes:
    with client.get(f"{url}?format={fmt}", headers=EN) as response:
        assert response.status_code == 200
        return response.get_data()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exported_accounts_import_back_with_their_values(client, db, login_as, fmt):
    login_as("admin")
    account = make_account(
        owner=make_user(), name="+Plus 有限公司", external_id="R-1", **FORMULA_LIKE
    )
    db.session.commit()
    content = _exported(client, "/customers/accounts/export", fmt)
    assert b"'+86" in content or fmt == "xlsx"  # the export did neutralise it
    job = run_through(client, content, f"accounts.{fmt}")
    db.session.refresh(job)
    assert (job.taken, job.rejected, job.updated_records) == (1, 0, 0), _reasons(db, job)
    db.session.refresh(account)
    assert account.name == "+Plus 有限公司"
    assert {k: getattr(account, k) for k in FORMULA_LIKE} == FORMULA_LIKE


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exported_contacts_import_back_with_their_values(client, db, login_as, fmt):
    login_as("admin")
    account = make_account(owner=make_user(), name="Rho Ltd", external_id="R-2")
    values = {"name": "=Wang Wei", "title": "-", "phone": "+86 138 0000 0001", "wechat": "@ww"}
    contact = make_contact(account, external_id="K-2", **values)
    db.session.commit()
    content = _exported(client, "/customers/contacts/export", fmt)
    job = run_through(client, content, f"contacts.{fmt}", kind="contacts")
    db.session.refresh(job)
    assert (job.taken, job.rejected) == (1, 0)
    db.session.refresh(contact)
    assert {k: getattr(contact, k) for k in values} == values
    assert count(db, Contact) == 1


# --- a job whose uploaded file is gone (a database restored without instance/) ---------------


def _gone_message(client, job) -> None:
    page = client.get(f"/customers/imports/{job.id}", headers=EN)
    assert page.status_code == 200
    assert "upload the file again" in by_id(page, "import-file-gone").text_content()
    again = by_id(page, "import-upload-again")
    assert again.get("href") == f"/customers/imports/new?kind={job.kind}"
    assert by_id(page, "import-status").get("hx-get") is None  # nothing to wait for


def test_a_pending_job_without_its_file_says_so_on_every_page(client, db, login_as):
    login_as("manager")
    job = job_from(upload(client, b"name,phone\nA Ltd,'+86 21 5555 0100\n"))
    job.path().unlink()
    for url in (f"/customers/imports/{job.id}/mapping", f"/customers/imports/{job.id}/preview"):
        response = client.get(url, headers=EN)
        assert response.status_code == 303, url
        assert response.headers["Location"] == f"/customers/imports/{job.id}"
    posted = client.post(f"/customers/imports/{job.id}/mapping", data={"col-0": "name"})
    assert posted.status_code == 303
    assert client.post(f"/customers/imports/{job.id}/commit").status_code == 303
    db.session.refresh(job)
    assert job.status == Status.PENDING and count(db, Account) == 0
    _gone_message(client, job)
    assert client.get(f"/customers/imports/{job.id}/status", headers=HX).status_code == 200
    assert client.get(f"/customers/imports/{job.id}/rejects.csv").status_code == 200
    page = client.get(f"/customers/imports/new?kind={job.kind}", headers=EN)
    assert by_id(page, "kind").xpath("./option[@selected]/@value") == ["accounts"]


def test_a_stalled_job_without_its_file_fails_with_the_reason_when_resumed(client, db, login_as):
    from salesweb.core.importing import FILE_GONE
    from salesweb.core.models import utcnow

    login_as("manager")
    job = job_from(upload(client, b"name\nA Ltd\nB Ltd\n"))
    job.status, job.rows_total, job.rows_read, job.taken = Status.RUNNING, 2, 1, 1
    job.heartbeat_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    job.path().unlink()
    _gone_message(client, job)
    assert by_id(client.get(f"/customers/imports/{job.id}", headers=EN), "import-stalled") is None
    assert client.post(f"/customers/imports/{job.id}/resume").status_code == 303
    db.session.refresh(job)
    assert (job.status, job.error, job.rows_read) == (Status.FAILED, FILE_GONE, 1)
    _gone_message(client, job)
    page = client.get(f"/customers/imports/{job.id}", headers=EN)
    assert by_id(page, "import-failed") is None  # the reason is said, not a generic error
    assert "1 rows read" in by_id(page, "import-summary").text_content()


# --- where imported accounts went ------------------------------------------------------------


def test_the_result_says_how_many_accounts_went_to_the_pool_and_links_to_them(client, db, login_as):
    manager = login_as("manager", team=make_team())
    mate = make_user(team=manager.team)
    make_account(name="Older pool account")  # in the pool already, not from this import
    db.session.commit()
    content = (f"name,owner\nPool One Ltd,\nPool Two Ltd,\nTeam One Ltd,{mate.email}\n").encode()
    job = run_through(client, content, mapping={"owner": "owner_email"})
    page = client.get(f"/customers/imports/{job.id}", headers=EN)
    assert by_id(page, "import-pooled").text_content().startswith("2")
    assert by_id(page, "import-listed").text_content().startswith("1")
    pool_link = by_id(page, "import-pool-link").get("href")
    pool = client.get(pool_link, headers=EN)
    names = [a.text_content() for a in by_id(pool, "pool-table").xpath(".//tbody/tr/td[1]/a")]
    assert sorted(names) == ["Pool One Ltd", "Pool Two Ltd"]
    assert by_id(pool, "account-imported-filter") is not None

    for link_id in ("import-accounts-link", "import-go-accounts"):
        listed = client.get(by_id(page, link_id).get("href"), headers=EN)
        assert "Team One Ltd" in by_id(listed, "results").text_content()
        assert "Older pool account" not in by_id(listed, "results").text_content()
        assert "Pool One Ltd" not in by_id(listed, "results").text_content()

    # an administrator's list holds the pool too, so the same link shows all three
    login_as("admin")
    page = client.get(f"/customers/imports/{job.id}", headers=EN)
    assert by_id(page, "import-listed").text_content().startswith("3")


def test_the_status_fragment_of_a_contacts_import_says_nothing_of_the_pool(client, db, login_as):
    login_as("admin")
    make_account(name="Phi Ltd", external_id="F-1")
    db.session.commit()
    job = run_through(client, b"account id,name\nF-1,Ann\n", "contacts.csv", kind="contacts")
    page = client.get(f"/customers/imports/{job.id}/status", headers={**EN, **HX})
    assert by_id(page, "import-summary") is not None and by_id(page, "import-where") is None


# --- who sees which import job (customers.permissions, block "imports") ----------------------


@pytest.mark.parametrize(
    ("role", "whose", "expected"),
    [
        (Role.ADMIN, "own", True),
        (Role.ADMIN, "other", True),
        (Role.ADMIN, "command line", True),
        (Role.MANAGER, "own", True),
        (Role.MANAGER, "other", False),
        (Role.MANAGER, "command line", False),
        (Role.REP, "own", True),
        (Role.REP, "other", False),
        (Role.COMPLIANCE, "other", False),
    ],
)
def test_can_view_import(db, role, whose, expected):
    user = make_user(role)
    started_by = {"own": user, "other": make_user(Role.MANAGER), "command line": None}[whose]
    job = make_import_job(started_by)
    assert can_view_import(user, job) is expected


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        (Role.ADMIN, {"own", "other", "command line"}),
        (Role.MANAGER, {"own"}),
        (Role.REP, {"own"}),
        (Role.COMPLIANCE, {"own"}),
    ],
)
def test_scope_imports(db, role, sees):
    user = make_user(role)
    jobs = {
        "own": make_import_job(user),
        "other": make_import_job(make_user(Role.MANAGER)),
        "command line": make_import_job(None),
    }
    seen = set(db.session.scalars(scope_imports(importing.jobs_stmt(), user)))
    assert {name for name, job in jobs.items() if job in seen} == sees


# --- accounts an import left in the pool, to the owners of their deals (issue 13) -------------


@pytest.fixture
def pooled(db):
    """A finished account import by a manager; its accounts in the pool with deals of the
    manager's reps (and of a rep of another team)."""
    from tests.pipeline.factories import make_deal

    team, other_team = make_team(), make_team()
    manager = make_user(role=Role.MANAGER, team=team)
    ann, bob = make_user(team=team, display_name="Ann"), make_user(team=team, display_name="Bob")
    outsider = make_user(team=other_team, display_name="Zed")
    job = make_import_job(created_by=manager, status=Status.DONE, taken=6, rows_read=6)

    def account(name, *deals):
        acc = make_account(name=name, owner=None, import_job_id=job.id)
        for owner, closed in deals:
            make_deal(owner=owner, account=acc).closed_on = closed
        return acc

    day = date(2017, 3, 1)
    accounts = {
        "most": account("Most Ltd", (ann, day), (ann, day), (bob, day + timedelta(days=9))),
        "tie": account("Tie Ltd", (ann, day), (bob, day + timedelta(days=1))),
        "none": account("No Deals Ltd"),
        "outside": account("Outside Ltd", (outsider, day)),
        "claimed": account("Claimed Ltd", (ann, day)),
        "deleted": account("Deleted Ltd", (ann, day)),
    }
    accounts["claimed"].owner_id = bob.id
    accounts["deleted"].soft_delete()
    make_account(name="Other import Ltd", owner=None)  # in the pool, not from this import
    db.session.commit()
    return {"job": job, "manager": manager, "ann": ann, "bob": bob, **accounts}


def owners(db, *accounts) -> list[int | None]:
    db.session.expire_all()
    return [db.session.get(Account, a.id).owner_id for a in accounts]


def test_the_pool_plan_gives_each_account_to_who_owns_most_of_its_deals(app, db, pooled):
    from salesweb.customers import services

    with app.test_request_context():
        plan = services.pool_owner_plan(pooled["manager"], pooled["job"].id)
    picks = {p.account.name: (p.owner.display_name, p.deals, p.tie) for p in plan.picks}
    assert picks == {"Most Ltd": ("Ann", 2, False), "Tie Ltd": ("Bob", 1, True)}
    assert plan.kept == {"no_deals": 1, "not_yours": 1, "at_cap": 0}
    assert [(u.display_name, n) for u, n in plan.by_owner()] == [("Ann", 1), ("Bob", 1)]


def test_giving_the_pooled_accounts_is_audited_and_leaves_the_rest(app, db, pooled):
    from salesweb.customers import services

    with app.test_request_context():
        services.give_pooled_accounts_to_deal_owners(pooled["manager"], pooled["job"].id)
    db.session.commit()
    ann, bob = pooled["ann"].id, pooled["bob"].id
    assert owners(db, pooled["most"], pooled["tie"], pooled["none"], pooled["outside"]) == [
        ann,
        bob,
        None,
        None,
    ]
    assert owners(db, pooled["claimed"], pooled["deleted"]) == [bob, None]
    rows = db.session.scalars(
        select(AuditLog).where(AuditLog.action == "assign", AuditLog.record_type == "accounts")
    ).all()
    assert {r.record_id for r in rows} == {str(pooled["most"].id), str(pooled["tie"].id)}
    assert all(r.changes["owner_id"][0] is None for r in rows)


def test_a_rep_at_the_cap_keeps_the_account_in_the_pool(app, db, pooled, monkeypatch):
    from salesweb.customers import services

    monkeypatch.setitem(app.config, "SALESWEB_POOL_CAP", 1)
    with app.test_request_context():
        plan = services.pool_owner_plan(pooled["manager"], pooled["job"].id)
    # Bob owns Claimed Ltd already: at the cap. Ann gets one, then is at the cap too.
    assert [p.account.name for p in plan.picks] == ["Most Ltd"]
    assert plan.kept["at_cap"] == 1


def test_the_result_page_offers_the_plan_and_the_plan_page_confirms(client, db, pooled, login_as):
    login_as(user=pooled["manager"])
    job = pooled["job"]
    page = client.get(f"/customers/imports/{job.id}", headers=EN)
    assert by_id(page, "import-pooled").text_content().startswith("4")
    link = by_id(page, "import-pool-owners-link").get("href")
    plan = client.get(link, headers=EN)
    assert plan.status_code == 200
    assert "most of its deals" in by_id(plan, "pool-plan-rule").text_content()
    assert "latest deal is the most recent" in by_id(plan, "pool-plan-rule").text_content()
    rows = by_id(plan, "pool-plan-accounts").xpath(".//tbody/tr")
    assert [r.get("id") for r in rows] == [f"pool-pick-{pooled[k].id}" for k in ("most", "tie")]
    assert "tie" in by_id(plan, f"pool-pick-{pooled['tie'].id}").text_content()
    assert by_id(plan, "pool-kept-no_deals").text_content() == "1"
    assert owners(db, pooled["most"], pooled["tie"]) == [None, None]  # looking changes nothing

    form = by_id(plan, "pool-assign-form")
    done = client.post(form.get("action"), headers=EN)
    assert done.status_code == 303 and done.headers["Location"].endswith(f"/imports/{job.id}")
    assert owners(db, pooled["most"], pooled["tie"]) == [pooled["ann"].id, pooled["bob"].id]
    after = client.get(done.headers["Location"], headers=EN)
    assert "given to the owners of their deals: 2" in after.get_data(as_text=True)
    assert by_id(after, "import-pooled").text_content().startswith("2")


def test_an_htmx_confirmation_navigates_to_the_result(client, db, pooled, login_as):
    login_as(user=pooled["manager"])
    url = f"/customers/imports/{pooled['job'].id}/pool-owners"
    response = client.post(url, headers={**EN, **HX})
    assert response.status_code == 204
    assert response.headers["HX-Location"].endswith(f"/imports/{pooled['job'].id}")


def test_nothing_to_give_is_said_and_changes_nothing(client, db, pooled, login_as):
    login_as(user=pooled["manager"])
    url = f"/customers/imports/{pooled['job'].id}/pool-owners"
    assert client.post(url, headers=EN).status_code == 303
    second = client.post(url, headers=EN)  # the accounts left have nobody to go to
    assert second.status_code == 303 and second.headers["Location"].endswith("/pool-owners")
    page = client.get(second.headers["Location"], headers=EN)
    assert by_id(page, "pool-plan-none") is not None and by_id(page, "pool-assign-form") is None
    assert "None of these accounts can be given" in page.get_data(as_text=True)
    assert owners(db, pooled["none"], pooled["outside"]) == [None, None]


def test_who_may_give_an_imports_pooled_accounts(client, db, pooled, login_as):
    url = f"/customers/imports/{pooled['job'].id}/pool-owners"
    for role in ("rep", "compliance"):
        login_as(role, team=pooled["manager"].team)
        assert client.get(url, headers=EN).status_code == 403
        assert client.post(url, headers=EN).status_code == 403
    login_as("manager", team=pooled["manager"].team)  # another person's import
    assert client.get(url, headers=EN).status_code == 404
    assert client.post(url, headers=EN).status_code == 404
    assert owners(db, pooled["most"], pooled["tie"]) == [None, None]
    login_as("admin")
    assert client.get(url, headers=EN).status_code == 200


@pytest.mark.parametrize(
    "job_fields", [{"kind": "contacts"}, {"status": Status.RUNNING}, {"status": Status.PENDING}]
)
def test_only_a_finished_account_import_has_a_pool_plan(client, db, login_as, job_fields):
    manager = login_as("manager", team=make_team())
    fields = {"kind": "accounts", "status": Status.DONE, **job_fields}
    job = make_import_job(created_by=manager, **fields)
    db.session.commit()
    url = f"/customers/imports/{job.id}/pool-owners"
    assert client.get(url, headers=EN).status_code == 404
    assert client.post(url, headers=EN).status_code == 404
    assert client.get("/customers/imports/999999/pool-owners", headers=EN).status_code == 404


def test_the_shared_data_sets_pooled_accounts_go_to_their_agents(app, client, db, login_as):
    """The shared teams and accounts files imported as the README says (accounts come without
    an owner: all in the pool), deals of the first rows of the pipeline file: each account goes
    to the agent with most of its deals, ties to the latest deal, then the name."""
    from salesweb.auth.models import User
    from tests.pipeline.factories import make_deal

    runner = app.test_cli_runner()
    accounts_args = ["--map", "revenue=annual_revenue_millions", "--set", "revenue_currency=USD"]
    for args in (
        ["import", "users", str(SHARED.parent / "sales_teams.csv")],
        ["import", "accounts", str(SHARED), *accounts_args],
    ):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
    job = db.session.scalar(select(ImportJob).where(ImportJob.kind == "accounts"))
    people = {u.display_name: u for u in db.session.scalars(select(User))}
    accounts = {a.name: a for a in db.session.scalars(select(Account))}
    assert len(accounts) == 85 and all(a.owner_id is None for a in accounts.values())

    votes: dict[str, dict[str, list]] = {}
    with (SHARED.parent / "sales_pipeline.csv").open(encoding="utf-8") as f:
        for row in list(csv.DictReader(f))[:300]:
            if not row["account"]:
                continue
            on = date.fromisoformat(row["close_date"] or row["engage_date"] or "2017-01-01")
            agent, account = people[row["sales_agent"]], accounts[row["account"]]
            make_deal(owner=agent, account=account).closed_on = on
            mine = votes.setdefault(account.name, {}).setdefault(agent.display_name, [0, ""])
            mine[0], mine[1] = mine[0] + 1, max(mine[1], on.isoformat())
    db.session.commit()

    def expected(account_votes):
        by_name = sorted(account_votes.items())
        return max(by_name, key=lambda item: (item[1][0], item[1][1]))[0]

    login_as("admin")
    url = f"/customers/imports/{job.id}/pool-owners"
    plan = client.get(url, headers=EN)
    assert len(by_id(plan, "pool-plan-accounts").xpath(".//tbody/tr")) == len(votes)
    assert by_id(plan, "pool-kept-no_deals").text_content() == str(85 - len(votes))
    assert client.post(url, headers=EN).status_code == 303
    db.session.expire_all()
    for name, account_votes in votes.items():
        assert accounts[name].owner.display_name == expected(account_votes), name
    assert sum(a.owner_id is None for a in accounts.values()) == 85 - len(votes)


def test_a_confirmation_without_its_token_is_refused_and_changes_nothing(
    app, client, db, pooled, login_as, monkeypatch
):
    login_as(user=pooled["manager"])
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    url = f"/customers/imports/{pooled['job'].id}/pool-owners"
    assert client.post(url, headers=EN).status_code == 400
    assert client.post(url, data={"csrf_token": "forged"}, headers=EN).status_code == 400
    assert owners(db, pooled["most"], pooled["tie"]) == [None, None]


def test_amounts_without_a_currency_are_refused_never_assumed(client, db, login_as, app):
    """A revenue, credit limit or order price with no currency is refused at the mapping step
    (no column, no fixed value) and, row by row, where the currency cell is empty."""
    login_as("admin")
    make_account(name="Pi Ltd", external_id="PI-1")
    db.session.commit()
    job = job_from(upload(client, b"name,annual revenue\nRho Ltd,1000\n"))
    form = {f"col-{index}": key for key, index in job.mapping["columns"].items()}
    refused = client.post(f"/customers/imports/{job.id}/mapping", data=form, headers=EN)
    assert refused.status_code == 422
    assert "no currency" in refused.get_data(as_text=True)
    assert count(db, Account) == 1

    content = b"name,annual revenue,currency\nSigma Ltd,1000,\nTau Ltd,2000,USD\n"
    job = run_through(client, content)
    db.session.refresh(job)
    assert (job.taken, job.rejected) == (1, 1)
    assert "has no currency" in _reasons(db, job)[2]
    tau = db.session.scalar(select(Account).where(Account.name == "Tau Ltd"))
    assert (tau.annual_revenue, tau.revenue_currency) == (Decimal("2000.00"), "USD")

    orders = (
        b"account id,order number,order date,product,quantity,unit price,currency\n"
        b"PI-1,SO-7,2026-03-01,Widget,1,100,\n"
    )
    job = run_through(client, orders, "orders.csv", kind="orders")
    db.session.refresh(job)
    assert (job.taken, job.rejected) == (0, 1)
    assert "has no currency" in _reasons(db, job)[2]
    assert count(db, Order) == 0
