"""The house rules that review found drifting, checked over the whole tree so they stay kept.

- A view is short: parse, load, check, call one service, commit, respond (at most 30 lines).
- A view reads no raw `request.form` (forms parse) and names no role (permissions decide).
- A template asks a `can_*` function, never compares a role.
- Money columns use the one `Money` type; every area has its `queries.py`.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "salesweb"
TEMPLATES = ROOT / "templates"
AREAS = ("auth", "customers", "pipeline", "compliance", "surveys", "training", "goals")
ROLE_NAMES = {"admin", "manager", "rep", "compliance"}
MAX_VIEW_LINES = 30
ROUTE_DECORATORS = {"route", "get", "post", "put", "patch", "delete"}


def view_modules() -> list[Path]:
    found = []
    for area in AREAS:
        base = PACKAGE / area
        found += [p for p in (base / "views.py", base / "public_views.py") if p.exists()]
        if (base / "views").is_dir():
            found += sorted((base / "views").glob("*.py"))
    return found


def _is_route(decorator: ast.expr) -> bool:
    call = decorator if isinstance(decorator, ast.Call) else None
    func = call.func if call else decorator
    return isinstance(func, ast.Attribute) and func.attr in ROUTE_DECORATORS


def views(path: Path) -> list[ast.FunctionDef]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and any(_is_route(d) for d in node.decorator_list)
    ]


def _where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"


def long_views() -> list[str]:
    out = []
    for path in view_modules():
        for fn in views(path):
            length = fn.end_lineno - fn.lineno + 1  # the def line to the last line, no decorators
            if length > MAX_VIEW_LINES:
                out.append(f"{_where(path, fn)} {fn.name}: {length} lines")
    return out


def raw_form_reads() -> list[str]:
    out = []
    for path in view_modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr == "form"
                and isinstance(node.value, ast.Name)
                and node.value.id == "request"
            ):
                out.append(_where(path, node))
    return out


def role_names_in_views() -> list[str]:
    """A role spelled in a view module: a role string, or the Role enum itself."""
    out = []
    for path in view_modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in ROLE_NAMES:
                out.append(f"{_where(path, node)} {node.value!r}")
            elif isinstance(node, ast.Name) and node.id == "Role":
                out.append(f"{_where(path, node)} Role")
    return out


ROLE_TEST = re.compile(
    r"""\.role\s*(==|!=|\bin\b|\bnot\s+in\b)|(==|!=)\s*['"](admin|manager|rep|compliance)['"]"""
)


def role_tests_in_templates() -> list[str]:
    out = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if ROLE_TEST.search(line):
                out.append(f"{path.relative_to(ROOT)}:{number} {line.strip()}")
    return out


def money_spelled_out() -> list[str]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == PACKAGE / "core" / "models.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"Numeric\(\s*18\s*,\s*2\s*\)", line.split("#")[0]):
                out.append(f"{path.relative_to(ROOT)}:{number}")
    return out


@pytest.mark.parametrize(
    "check",
    [long_views, raw_form_reads, role_names_in_views, role_tests_in_templates, money_spelled_out],
)
def test_house_rule(check):
    assert check() == []


@pytest.mark.parametrize("area", AREAS)
def test_every_area_has_its_queries_module(area):
    assert (PACKAGE / area / "queries.py").exists()


def test_the_checks_see_what_they_look_for(tmp_path, monkeypatch):
    """Each check finds a planted offence, so an empty answer means something."""
    views_dir = tmp_path / "salesweb" / "auth" / "views"
    views_dir.mkdir(parents=True)
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_VIEW_LINES))
    (views_dir / "planted.py").write_text(
        "@bp.post('/x')\n@access('admin')\ndef planted():\n"
        "    if current_user.role == Role.REP:\n        return request.form['a']\n" + body + "\n"
    )
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "t.html").write_text("{% if user.role != 'compliance' %}x{% endif %}")
    (tmp_path / "salesweb" / "pipeline").mkdir()
    (tmp_path / "salesweb" / "pipeline" / "models.py").write_text("amount = Numeric(18, 2)\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["x"]), "ROOT", tmp_path)
    monkeypatch.setattr(__import__(__name__, fromlist=["x"]), "PACKAGE", tmp_path / "salesweb")
    monkeypatch.setattr(__import__(__name__, fromlist=["x"]), "TEMPLATES", tmp_path / "templates")
    assert len(long_views()) == 1
    assert len(raw_form_reads()) == 1
    assert {r.split()[-1] for r in role_names_in_views()} == {"'admin'", "Role"}
    assert len(role_tests_in_templates()) == 1
    assert len(money_spelled_out()) == 1
