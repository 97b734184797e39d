"""Every audit action the code writes has a name in both languages."""

import ast
from pathlib import Path

from flask_babel import force_locale

from salesweb.compliance.models import Decision
from salesweb.core import audit

ROOT = Path(__file__).resolve().parents[2] / "salesweb"
WRITERS = {"log_event": 0, "name_change": 1, "AttemptRefused": 1, "record_attempt": 2}


def _strings(node: ast.AST) -> set[str]:
    return {
        n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }


def _call_name(call: ast.Call) -> str:
    return getattr(call.func, "attr", None) or getattr(call.func, "id", "")


def action_codes() -> set[str]:
    """String literals that reach an action argument: passed directly to a writer, assigned to a
    variable named `action`, or passed for a parameter named `action` of a function of the same
    module (how quoting's helpers hand the code on)."""
    codes: set[str] = set()
    for path in ROOT.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        takes_action = {
            f.name: [a.arg for a in f.args.args].index("action")
            for f in ast.walk(tree)
            if isinstance(f, ast.FunctionDef) and "action" in [a.arg for a in f.args.args]
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and any(
                getattr(t, "id", None) == "action" for t in node.targets
            ):
                codes |= _strings(node.value)
            if not isinstance(node, ast.Call):
                continue
            name = _call_name(node)
            position = WRITERS.get(name, takes_action.get(name))
            if name == "AttemptRefused" and len(node.args) <= 1:
                continue
            if position is None:
                continue
            for keyword in node.keywords:
                if keyword.arg == "action":
                    codes |= _strings(keyword.value)
            if len(node.args) > position:
                codes |= _strings(node.args[position])
    # the review decision is written under the decision's own code
    return codes | {str(d) for d in Decision}


def test_every_action_code_in_the_code_has_a_label_in_both_languages(app):
    codes = action_codes()
    assert {"claim", "review_claim", "move", "step_done", "quote_sent", "claim_refused"} <= codes
    assert sorted(c for c in codes if c not in audit.ACTION_LABELS) == []
    for code in codes:
        with app.test_request_context(), force_locale("zh_CN"):
            zh = audit.action_label(code)
        with app.test_request_context(), force_locale("en"):
            en = audit.action_label(code)
        assert en and zh != en, f"{code} has no Chinese name"


def test_review_claim_is_not_the_public_pool_claim(app):
    with app.test_request_context(), force_locale("zh_CN"):
        assert audit.action_label("review_claim") != audit.action_label("claim")
