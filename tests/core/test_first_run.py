"""A production install, built as the README says (`flask db upgrade`, `flask create-admin`),
sells at once: the standard process and the reference data are there, no demo record is."""

from __future__ import annotations

from sqlalchemy import func, select

from salesweb.auth.models import User
from salesweb.compliance.models import Rule
from salesweb.core import seeding
from salesweb.customers.models import Account
from salesweb.extensions import db
from salesweb.pipeline.models import Deal, LostReason, SalesProcess
from salesweb.surveys.models import Survey
from tests.live import fresh_app

ADMIN = "boss@acme.example"
REP = "rita@acme.example"
PASSWORD = "a-long-enough-secret"
COUNTED = (User, Account, Deal, SalesProcess, LostReason, Rule, Survey)


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _counts() -> dict[str, int]:
    return {model.__name__: _count(model) for model in COUNTED}


def _first_day(client) -> int:
    """The administrator sets the company up and adds a rep; the rep adds an account and a
    deal through the pages. Returns the deal's id."""
    signed_in = client.post("/auth/login", data={"email": ADMIN, "password": PASSWORD})
    assert signed_in.headers["Location"] == "/auth/setup"
    setup = {
        "company_name": "Acme Machinery",
        "base_currency": "USD",
        "default_locale": "en",
        "timezone": "America/New_York",
        "process_template": "standard",
    }
    assert client.post("/auth/setup", data=setup).status_code == 303
    rep = {
        "email": REP,
        "display_name": "Rita Rep",
        "role": "rep",
        "team_id": 0,
        "locale": "en",
        "timezone": "America/New_York",
        "active": "y",
        "password": PASSWORD,
    }
    assert client.post("/auth/users/new", data=rep).status_code == 303
    client.post("/auth/logout")
    assert (
        client.post("/auth/login", data={"email": REP, "password": PASSWORD}).headers["Location"]
        == "/"
    )
    account = client.post(
        "/customers/accounts/new",
        data={
            "name": "Globex",
            "type": "prospect",
            "revenue_currency": "USD",
            "credit_currency": "USD",
        },
    )
    assert account.status_code == 303, account.get_data(as_text=True)
    account_id = int(account.headers["Location"].rstrip("/").split("/")[-1])
    deal = client.post(
        "/pipeline/deals/new",
        data={"title": "First deal", "account_id": account_id, "amount": "1200", "currency": "USD"},
    )
    assert deal.status_code == 303, deal.get_data(as_text=True)
    return int(deal.headers["Location"].rstrip("/").split("/")[-1])


def test_a_production_install_sells_without_the_demo(tmp_path_factory):
    with fresh_app(tmp_path_factory, "first_run") as app:
        runner = app.test_cli_runner()
        upgraded = runner.invoke(args=["db", "upgrade"])
        assert upgraded.exit_code == 0, upgraded.output
        created = runner.invoke(args=["create-admin", ADMIN, "--password", PASSWORD])
        assert created.exit_code == 0, created.output

        client = app.test_client()
        deal_id = _first_day(client)
        assert client.get("/pipeline/board").status_code == 200

        with app.app_context():
            deal = db.session.get(Deal, deal_id)
            assert deal.stage.key == "lead" and deal.currency == "USD"
            assert deal.base_amount == deal.amount  # the company's base currency is USD
            process = deal.process_version.process
            assert process.is_default and process.name_en == "Standard sales process"
            keys = [s.key for s in deal.process_version.stages]
            assert keys == [
                "lead",
                "needs",
                "proposal",
                "quote",
                "negotiation",
                "signing",
                "after_sales",
            ]
            signing = deal.process_version.stage_by_key("signing")
            assert {"contract_approved", "credit_ok"} <= {c.kind for c in signing.criteria}
            assert _count(LostReason, LostReason.code == "price") == 1
            assert _count(Rule) == 6 and _count(Rule, Rule.kind == "blocked_customers") == 0
            assert _count(Survey) == 3
            # Nobody and nothing of the demo company.
            assert sorted(db.session.scalars(select(User.email))) == [ADMIN, REP]
            assert _count(Account) == 1 and _count(Deal) == 1
            assert _count(Account, Account.external_id.like("DEMO-%")) == 0
            assert _count(SalesProcess) == 1


def test_the_starters_run_twice_and_init_company_changes_nothing(app, db):
    seeding.run_starters()
    db.session.flush()
    first = _counts()
    assert first["SalesProcess"] == 1 and first["User"] == 0 and first["Account"] == 0
    seeding.run_starters()
    db.session.flush()
    assert _counts() == first
    result = app.test_cli_runner().invoke(args=["init-company"])
    assert result.exit_code == 0, result.output
    assert "ready: standard sales process and lost reasons" in result.output
    assert _counts() == first


def test_the_demo_runs_the_starters_first():
    names = [name for name, _ in seeding.seeders()]
    starters = [name for name, _ in seeding.starters()]
    assert names[: len(starters)] == starters
    assert "deals" in names and "deals" not in starters
    assert "users and teams" not in starters and "customers" not in starters


def test_demo_logins_prints_the_served_address_and_every_demo_user(app):
    from salesweb.auth.seed import USERS

    runner = app.test_cli_runner()
    output = runner.invoke(args=["demo-logins", "--host", "127.0.0.2", "--port", "8123"]).output
    assert "http://127.0.0.2:8123" in output and "5000" not in output
    for email, *_ in USERS:
        assert email in output
    assert "na.manager@example.com" in output and "na.rep@example.com" in output
    everywhere = runner.invoke(args=["demo-logins", "--host", "0.0.0.0", "--port", "80"]).output
    assert "http://127.0.0.1:80 (and every address of this machine)" in everywhere
