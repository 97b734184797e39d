"""Compliance test helpers: contract terms, file bytes, the demo rules and gates, approving."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from decimal import Decimal

from salesweb.compliance import services
from salesweb.compliance.models import Contract
from salesweb.compliance.seed import seed_rules
from tests.factories import make_user
from tests.pipeline.factories import make_process

ALL_CLAUSES = [
    "confidentiality",
    "liability_cap",
    "penalty",
    "intellectual_property",
    "data_protection",
    "termination",
]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 100


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


def terms(**overrides) -> dict:
    data = {
        "title": "销售合同 Sales contract",
        "value": Decimal("50000.00"),
        "currency": "CNY",
        "discount_pct": Decimal("5"),
        "payment_days": 60,
        "start_date": date(2026, 1, 1),
        "end_date": date(2026, 12, 31),
        "auto_renew": False,
        "governing_law": "中华人民共和国法律",
        "clauses": list(ALL_CLAUSES),
    }
    data.update(overrides)
    return data


def setup(gates: bool = True) -> None:
    """The demo rules, and the default process with the Signing gates."""
    make_process()
    seed_rules()
    if gates:
        services.ensure_signing_gates(make_user(role="admin"))


def approve(contract: Contract, officer=None, second=None):
    """Submit, claim and approve (twice when the value needs two approvers), waiving every
    blocking finding."""
    officer = officer or make_user(role="compliance")
    review = services.submit_contract(contract.owner, contract)
    services.claim_review(officer, review)
    waivers = {r.id: "风险可控" for r in review.results if r.blocks}
    services.decide_review(officer, review, "approve", "", {}, waivers=waivers)
    if review.needs_two:
        second = second or make_user(role="compliance")
        services.claim_review(second, review)
        services.decide_review(second, review, "approve", "", {}, confirm_waivers=True)
    return review
