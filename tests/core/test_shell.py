"""The shell a person meets on every page: form fields, sortable lists, the grouped main menu,
badge contrast, the board's move dialog and the package metadata."""

import re
import tomllib
from decimal import Decimal
from pathlib import Path

from salesweb.compliance import services
from tests.compliance.factories import make_contract
from tests.compliance.helpers import setup
from tests.conftest import HX, by_id, parse
from tests.pipeline.factories import make_deal

EN = {"Accept-Language": "en"}
ROOT = Path(__file__).resolve().parents[2]


# --- 1. form fields -------------------------------------------------------------------------


def test_fresh_form_has_no_invalid_or_autofocus_none(client, login_as, db):
    login_as("rep")
    page = client.get("/customers/accounts/new", headers=EN)
    text = page.get_data(as_text=True)
    assert '="None"' not in text
    form = parse(page).get_element_by_id("account-form")
    assert form.xpath(".//*[@aria-invalid]") == []
    # a page whose job is this form: its first field, and only that one, takes the focus
    assert [e.get("id") for e in form.xpath(".//*[@autofocus]")] == ["name"]


def test_refused_field_is_marked_invalid(client, login_as, db):
    login_as("rep")
    refused = client.post("/customers/accounts/new", headers=EN, data={"name": ""})
    assert refused.status_code == 422
    name = by_id(refused, "name")
    assert name.get("aria-invalid") == "true"
    assert "name-error" in name.get("aria-describedby").split()
    assert by_id(refused, "industry").get("aria-invalid") is None


def test_required_mark_sits_inside_the_label(client, login_as, db):
    login_as("rep")
    label = parse(client.get("/customers/accounts/new", headers=EN)).xpath("//label[@for='name']")[
        0
    ]
    assert label.xpath("./span[@class='req']")


def test_review_page_does_not_grab_focus(client, login_as, db, app):
    officer = login_as("compliance")
    with app.test_request_context():
        setup()
        contract = make_contract(payment_days=120, clauses=["confidentiality"])
        review = services.submit_contract(contract.owner, contract)
        services.claim_review(officer, review)  # the officer's decision form is on the page
    db.session.commit()
    page = client.get(f"/compliance/reviews/{review.id}", headers=EN)
    assert page.status_code == 200
    tree = parse(page)
    assert tree.xpath("//form//select | //form//textarea | //form//input[@type!='hidden']")
    assert tree.xpath("//*[@autofocus]") == []
    assert tree.xpath("//*[@aria-invalid]") == []


# --- 2. sortable lists and contrast ---------------------------------------------------------


def test_aria_sort_is_on_the_header_cell(client, login_as, db):
    login_as("admin")
    page = parse(client.get("/auth/users?sort=-name", headers=EN))
    assert page.xpath("//a[@aria-sort]") == []
    sorted_heads = page.xpath("//th[@aria-sort]")
    assert len(sorted_heads) == 1
    assert sorted_heads[0].get("aria-sort") == "descending"
    assert "Name" in sorted_heads[0].text_content()


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_every_badge_reaches_4_5_to_1():
    css = (ROOT / "static/css/app.css").read_text()
    variables = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})", css))
    rules = re.findall(r"\.(badge[a-z-]*)\s*\{([^}]*)\}", css)
    assert {name for name, _ in rules} >= {"badge", "badge-muted", "badge-danger"}
    base = dict(re.findall(r"(background|color):\s*([^;]+);", dict(rules)["badge"]))

    def colour(value: str) -> str:
        value = value.strip()
        return variables[value[6:-1]] if value.startswith("var(") else value

    for name, body in rules:
        own = {**base, **dict(re.findall(r"(background|color):\s*([^;]+);", body))}
        ratio = _contrast(colour(own["color"]), colour(own["background"]))
        assert ratio >= 4.5, (name, round(ratio, 2))


# --- 4. the main menu -----------------------------------------------------------------------


def _menu(client):
    tree = parse(client.get("/", headers=EN))
    nav = tree.get_element_by_id("mainnav")
    top = nav.xpath("./ul/li")
    groups = {
        d.xpath("./summary")[0].text_content().strip(): [a.text_content() for a in d.xpath(".//a")]
        for d in nav.xpath(".//details")
    }
    return top, groups


def test_admin_menu_is_grouped_by_area(client, login_as, db):
    login_as("admin")
    top, groups = _menu(client)
    assert len(top) <= 8  # one row at 1,366 px: a handful of groups, not 20 links
    assert groups["Customers"] == ["Accounts", "Contacts", "My tasks", "Public pool"]
    assert groups["Compliance"][:3] == ["Contracts", "Review queue", "Compliance dashboard"]
    assert groups["Administration"] == [
        "Users",
        "Processes",
        "Rates",
        "Company settings",
        "Audit log",
        "Scheduled jobs",
    ]
    assert "Quote approvals" in groups["Sales"]


def test_menu_shows_only_what_the_role_may_open(client, login_as, db):
    login_as("rep")
    top, groups = _menu(client)
    links = [a for items in groups.values() for a in items]
    assert "Administration" not in groups and "Review queue" not in links
    assert "Public pool" in groups["Customers"]
    assert "Quote approvals" not in links
    login_as("compliance")
    _, groups = _menu(client)
    assert "Public pool" not in groups["Customers"]
    assert "Review queue" in groups["Compliance"]


def test_menu_marks_the_current_page_and_its_group(client, login_as, db):
    login_as("manager")
    tree = parse(client.get("/customers/contacts", headers=EN))
    current = tree.xpath("//nav[@id='mainnav']//a[@aria-current='page']")
    assert [a.text_content() for a in current] == ["Contacts"]
    summary = current[0].xpath("ancestor::details/summary")[0]
    assert "current" in summary.get("class")


# --- 3. the board ---------------------------------------------------------------------------


def test_board_has_one_move_dialog_and_a_skip_link(client, login_as, db, app):
    rep = login_as("rep")
    with app.test_request_context():
        deals = [make_deal(rep, title=f"Board deal {i}") for i in range(3)]
    db.session.commit()
    page = client.get("/pipeline/board", headers=EN)
    tree = parse(page)
    assert tree.xpath("//a[@class='skip-link' and @href='#board-start']")
    assert by_id(page, "board-start") is not None
    assert len(tree.xpath("//dialog")) == 1 and tree.xpath("//*[@id='board']//form") == []
    reason = by_id(page, "move-dialog-reason")
    assert reason is not None and reason.get("name") == "reason"
    for deal in deals:
        card = by_id(page, f"card-{deal.id}")
        assert card.xpath(".//form") == []  # a card carries a link, not a form of its own
        move = card.xpath(".//a[@data-move]")[0]
        assert move.get("href").endswith(f"/pipeline/deals/{deal.id}#move-form")
    # the board fragment redrawn after a move keeps the single dialog outside it
    fragment = client.get("/pipeline/board", headers={**EN, **HX})
    assert "<dialog" not in fragment.get_data(as_text=True)


def test_deal_list_marks_the_late_cell_not_the_row(client, login_as, db, app):
    rep = login_as("rep")
    with app.test_request_context():
        deal = make_deal(rep, title="Late deal", amount=Decimal("1234.50"))
        deal.stage_entered_at = deal.stage_entered_at.replace(year=2020)
    db.session.commit()
    page = client.get("/pipeline/deals", headers=EN)
    row = by_id(page, f"deal-{deal.id}")
    assert "overdue" not in (row.get("class") or "")
    assert row.xpath(".//span[contains(@class, 'badge-danger')]")
    amount = row.xpath("./td")[4]  # title, account, stage, forecast, amount
    assert "num" in amount.get("class")


# --- 8. package metadata ---------------------------------------------------------------------


def test_licence_is_an_spdx_expression():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["license"] == "LicenseRef-Proprietary"
    assert "setuptools>=77" in project["build-system"]["requires"]
    # flat layout said outright: an editable install needs no meta-path finder (and its warning)
    assert project["tool"]["setuptools"]["package-dir"] == {"": "."}


def test_registry_orders_groups_and_folds_a_group_of_one(app):
    from flask import Blueprint, Flask

    from salesweb.core import navigation
    from salesweb.core.navigation import Entry, Group

    demo = Flask(__name__)
    bp = Blueprint("demo", __name__)
    later, first = Group("later", "Later", 20), Group("first", "First", 10)
    navigation.register(
        bp,
        Entry("B", "demo.b", 20, first),
        Entry("Only", "demo.only", 10, later),
        Entry("A", "demo.a", 10, first, current=("demo.a",)),
        Entry("Hidden", "demo.hidden", 30, first, lambda user: False),
    )
    for name in ("a", "b", "only", "hidden"):
        bp.add_url_rule(f"/{name}", name, lambda: "")
    demo.register_blueprint(bp)

    class Someone:
        is_authenticated = True

    with demo.test_request_context("/a"):
        demo.preprocess_request()
        items = navigation.menu(Someone())
    assert [i.label for i in items] == ["First", "Only"]
    assert [(link.label, link.current) for link in items[0].links] == [("A", True), ("B", False)]
    assert items[0].current and items[1].links == [] and items[1].url == "/only"


def test_money_columns_are_right_aligned_head_and_cells(client, login_as, db, app):
    login_as("compliance")
    with app.test_request_context():
        setup()
        contract = make_contract()
        services.submit_contract(contract.owner, contract)
    db.session.commit()
    for url, table in (
        ("/compliance/contracts", "contract-table"),
        ("/compliance/reviews", "queue-table"),
    ):
        tree = parse(client.get(url, headers=EN))
        heads = tree.xpath(f"//table[@id='{table}']/thead/tr/th")
        value = next(i for i, th in enumerate(heads) if "Value" in th.text_content())
        assert "num" in heads[value].get("class", ""), url
        for row in tree.xpath(f"//table[@id='{table}']/tbody/tr"):
            assert "num" in row.xpath("./td|./th")[value].get("class", ""), url
