"""Importers of users, products and deals for core.importing (upload page and `flask import`).

Users and teams come from a file shaped like a sales-team list (agent, manager, office): matched
by display name, created without a password (they sign in once an administrator sets one).
Products are matched by name. Deals are matched by their external id: new ones are written in
bulk where the file says they are, as history (their stage history says "import"), with their
audit rows alongside; a deal that exists already is moved through the services (move_deal,
win_deal, lose_deal), so its exit criteria hold on this path too. Accounts, owners and products
are found by name; a value that matches nothing is a rejection that names it, unless the user
maps it (`--map-value FIELD:FROM=TO`, stages with `--map-stage FROM=TO`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from sqlalchemy import insert, select

from salesweb.auth import services as auth_services
from salesweb.auth.models import Role, Team, User
from salesweb.auth.permissions import can_manage_users, scope_owned
from salesweb.core import importing
from salesweb.core.audit import actor, plain
from salesweb.core.errors import DomainError
from salesweb.core.i18n import join_list
from salesweb.core.importing import (
    BatchResult,
    Importer,
    ImportField,
    ImportJob,
    ImportOption,
    ParsedRow,
    RowError,
)
from salesweb.core.models import AuditLog, utcnow
from salesweb.core.money import to_base
from salesweb.customers.importers import (
    _actor_label,
    _amount,
    _boolean,
    _currency,
    _date,
    _email,
    _job_user,
    _text,
    importable_accounts,
)
from salesweb.customers.models import Account, normalise_name
from salesweb.extensions import db
from salesweb.pipeline import services
from salesweb.pipeline.models import (
    DEAL_STATUS_LABELS,
    Deal,
    DealStatus,
    LostReason,
    Product,
    Stage,
    StageHistory,
    StageKind,
)
from salesweb.pipeline.permissions import can_edit_deal, can_manage_products

IMPORTED_MAIL_DOMAIN = "imported.invalid"
UNKNOWN_REASON = "unknown_imported"
OUTCOME_WORDS = {
    DealStatus.WON: ("won", "win", "closed won", "赢单", "成交", "已成交"),
    DealStatus.LOST: ("lost", "closed lost", "输单", "丢单", "已丢单"),
}


def _key(text: str) -> str:
    """Names compare width-folded, case-folded, with runs of spaces as one."""
    return " ".join(unicodedata.normalize("NFKC", text or "").split()).casefold()


def _loose(text: str) -> str:
    """Letters and digits only: "GTXPro" and "GTX Pro" look alike (for a hint, never a match)."""
    return "".join(ch for ch in _key(text) if ch.isalnum())


def _no_match(message: str, field_key: str, value: str, closest: str | None) -> RowError:
    """A value that matches nothing; when one record looks alike, say how to map it."""
    if closest:
        message += " " + _(
            "Did you mean “%(other)s”? Then map the value: %(mapping)s",
            other=closest,
            mapping=f"{field_key}:{value}={closest}",
        )
    return RowError(message)


def _audit_created(model: Any, ids: list[int], records: list[dict[str, Any]], label: str) -> None:
    """The "create" audit rows of records inserted in bulk (the ORM's listener does not see them)."""
    actor_id, actor_label, ip = actor()
    now = utcnow()
    excluded = model.__audit_exclude__ | {"id"}
    db.session.execute(
        insert(AuditLog).execution_options(render_nulls=True),
        [
            {
                "created_at": now,
                "actor_id": actor_id,
                "actor_label": actor_label,
                "action": "create",
                "record_type": model.__tablename__,
                "record_id": str(record_id),
                "record_label": str(record[label])[:200],
                "changes": {
                    k: [None, plain(v)]
                    for k, v in record.items()
                    if v not in (None, "") and k not in excluded
                },
                "ip": ip,
            }
            for record_id, record in zip(ids, records, strict=True)
        ],
    )


# --- users and teams -------------------------------------------------------------------------


@dataclass
class UserState:
    acting: User | None
    by_name: dict[str, list[int]]
    by_email: dict[str, int]
    teams: dict[str, int]
    emails: set[str]


def imported_email(name: str, taken: set[str]) -> str:
    """firstname.lastname@imported.invalid, made unique; an address nobody can receive mail at."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    local = ".".join(re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", ascii_name))[:60] or "user"
    candidate, n = f"{local}@{IMPORTED_MAIL_DOMAIN}", 2
    while candidate in taken:
        candidate, n = f"{local}.{n}@{IMPORTED_MAIL_DOMAIN}", n + 1
    return candidate


class UserImporter(Importer):
    label = _l("Users and teams")
    batch_size = 500
    fields = (
        ImportField(
            "name",
            _lp("person", "Name"),
            (
                "sales agent",
                "agent",
                "sales rep",
                "rep",
                "user",
                "display name",
                "full name",
                "销售代表",
                "销售",
                "姓名",
                "员工",
            ),
            required=True,
        ),
        ImportField(
            "manager", _l("Manager"), ("sales manager", "销售经理", "经理", "主管"), fixed=True
        ),
        ImportField(
            "team",
            _l("Team"),
            (
                "regional office",
                "office",
                "team name",
                "团队",
                "销售团队",
                "区域",
                "大区",
                "办事处",
            ),
            fixed=True,
        ),
        ImportField(
            "email", _lp("address", "E-mail"), ("email address", "mail", "邮箱", "电子邮件")
        ),
    )

    def allowed(self, user: Any) -> bool:
        return user is None or can_manage_users(user)

    def prepare(self, job: ImportJob) -> UserState:
        by_name: dict[str, list[int]] = {}
        by_email: dict[str, int] = {}
        for r in db.session.execute(select(User.id, User.display_name, User.email)):
            by_name.setdefault(_key(r.display_name), []).append(r.id)
            by_email[r.email.lower()] = r.id
        teams = {r.name.casefold(): r.id for r in db.session.execute(select(Team.id, Team.name))}
        return UserState(_job_user(job), by_name, by_email, teams, set(by_email))

    def audit_actor(self, state: UserState, job: ImportJob) -> tuple[int | None, str, str | None]:
        return _actor_label(state.acting, job)

    def convert(self, state: UserState, values: dict[str, str], row_number: int) -> dict[str, Any]:
        label = self.field
        name = _text(values, "name", label("name").label, 120)
        if not name:
            raise RowError(_("The name is empty."))
        manager = _text(values, "manager", label("manager").label, 120)
        team = _text(values, "team", label("team").label, 120)
        email = _email(values.get("email", ""), label("email").label).lower()
        if _key(manager) == _key(name):
            manager = ""  # a manager's own row
        for who in (name, manager):
            if who and len(state.by_name.get(_key(who), [])) > 1:
                raise RowError(_("Several users are called “%(name)s”.", name=who))
        return {"name": name, "manager": manager, "team": team, "email": email}

    def write(self, state: UserState, rows: list[ParsedRow]) -> BatchResult:
        result = BatchResult()
        # Work on copies: if the database refuses the batch, the state stays as it was.
        by_name = {k: list(v) for k, v in state.by_name.items()}
        by_email, teams, emails = dict(state.by_email), dict(state.teams), set(state.emails)
        for row in rows:
            data = row.data
            created = updated = 0
            team, team_made = None, False
            if data["team"]:
                team_id = teams.get(data["team"].casefold())
                if team_id is None:
                    team = auth_services.create_team(None, name=data["team"], region=data["team"])
                    teams[team.name.casefold()] = team.id
                    created, team_made = created + 1, True
                else:
                    team = db.session.get(Team, team_id)
            if data["manager"]:
                manager, made, moved = self._user(
                    data["manager"], "", Role.MANAGER, team, by_name, by_email, emails
                )
                created, updated = created + made, updated + moved
                if team is not None and team.manager is None:
                    team.manager = manager  # the first manager named for an office leads it
                    updated += 0 if team_made else 1
            _user, made, moved = self._user(
                data["name"], data["email"], Role.REP, team, by_name, by_email, emails
            )
            created, updated = created + made, updated + moved
            result.created += created
            result.updated += updated
            if not created and not updated:
                result.unchanged += 1
        db.session.flush()
        state.by_name, state.by_email, state.teams, state.emails = by_name, by_email, teams, emails
        return result

    @staticmethod
    def _user(
        name: str,
        email: str,
        role: str,
        team: Team | None,
        by_name: dict[str, list[int]],
        by_email: dict[str, int],
        emails: set[str],
    ) -> tuple[User, int, int]:
        """The user of this name (or e-mail), else a new one without a password: (user, created, moved)."""
        user_id = by_email.get(email) if email else None
        if user_id is None:
            ids = by_name.get(_key(name), [])
            if len(ids) > 1:
                raise RowError(_("Several users are called “%(name)s”.", name=name))
            user_id = ids[0] if ids else None
        if user_id is not None:
            user = db.session.get(User, user_id)
            assert user is not None
            if team is not None and user.team_id != team.id:
                user.team = team  # the file says where the person works now
                return user, 0, 1
            return user, 0, 0
        address = email or imported_email(name, emails)
        user = auth_services.create_user(
            None, email=address, display_name=name, role=role, password=None, team=team
        )
        by_name.setdefault(_key(name), []).append(user.id)
        by_email[address] = user.id
        emails.add(address)
        return user, 1, 0


# --- products --------------------------------------------------------------------------------


@dataclass
class ProductState:
    acting: User | None
    base_currency: str
    by_name: dict[str, int]
    skus: dict[str, int]
    seen: dict[str, int] = field(default_factory=dict)


def sku_from_name(name: str, taken: dict[str, int]) -> str:
    """An SKU made of the name ("GTX Pro" -> "GTX-PRO"), unique among the SKUs in use."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().upper()
    base = re.sub(r"[^A-Z0-9]+", "-", ascii_name).strip("-")[:50] or "P"
    candidate, n = base, 2
    while candidate.casefold() in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


class ProductImporter(Importer):
    label = _l("Products")
    batch_size = 1000
    fields = (
        ImportField(
            "name",
            _lp("thing", "Name"),
            ("product", "product name", "产品", "产品名称", "名称"),
            required=True,
        ),
        ImportField("sku", _l("SKU"), ("code", "product code", "item code", "编号", "产品编号")),
        ImportField("series", _l("Series"), ("product line", "line", "系列", "产品系列")),
        ImportField(
            "list_price",
            _l("List price"),
            ("sales price", "price", "unit price", "价格", "单价", "标价", "售价"),
            required=True,
        ),
        ImportField("currency", _l("Currency"), ("币种", "货币"), fixed=True),
    )

    def allowed(self, user: Any) -> bool:
        return user is None or can_manage_products(user)

    def prepare(self, job: ImportJob) -> ProductState:
        by_name: dict[str, int] = {}
        skus: dict[str, int] = {}
        for r in db.session.execute(select(Product.id, Product.name, Product.sku)):
            by_name[r.name.casefold()] = r.id
            skus[r.sku.casefold()] = r.id
        return ProductState(
            _job_user(job), current_app.config["SALESWEB_BASE_CURRENCY"], by_name, skus
        )

    def audit_actor(
        self, state: ProductState, job: ImportJob
    ) -> tuple[int | None, str, str | None]:
        return _actor_label(state.acting, job)

    def convert(
        self, state: ProductState, values: dict[str, str], row_number: int
    ) -> dict[str, Any]:
        label = self.field
        name = _text(values, "name", label("name").label, 200)
        if not name:
            raise RowError(_("The name is empty."))
        sku = _text(values, "sku", label("sku").label, 60)
        price = _amount(values.get("list_price", ""), label("list_price").label)
        if price is None:
            raise RowError(_("The list price is empty."))
        currency = _currency(values.get("currency", ""), label("currency").label)
        for seen_key in (name.casefold(), f"sku:{sku.casefold()}" if sku else None):
            earlier = state.seen.get(seen_key) if seen_key else None
            if earlier is not None and earlier != row_number:
                raise RowError(_("Same product as row %(row)d.", row=earlier))
        state.seen.setdefault(name.casefold(), row_number)
        if sku:
            state.seen.setdefault(f"sku:{sku.casefold()}", row_number)
        target = state.by_name.get(name.casefold())
        if sku and state.skus.get(sku.casefold(), target) != target:
            raise RowError(_("Another product already has this SKU."))
        return {
            "name": name,
            "sku": sku,
            "series": _text(values, "series", label("series").label, 80),
            "list_price": price,
            "currency": currency or state.base_currency,
            "_target": target,
        }

    def write(self, state: ProductState, rows: list[ParsedRow]) -> BatchResult:
        result = BatchResult()
        skus = dict(state.skus)
        existing = {r.data["_target"] for r in rows if r.data["_target"] is not None}
        products = {
            p.id: p for p in db.session.scalars(select(Product).where(Product.id.in_(existing)))
        }
        records = []
        now = utcnow()
        for row in rows:
            data = row.data
            product = products.get(data["_target"]) if data["_target"] is not None else None
            if product is not None:
                changes = {
                    k: data[k]
                    for k in ("sku", "series", "list_price", "currency")
                    if data[k] not in (None, "") and getattr(product, k) != data[k]
                }
                for key, value in changes.items():
                    setattr(product, key, value)
                if changes:
                    result.updated += 1
                else:
                    result.unchanged += 1
                continue
            sku = data["sku"] or sku_from_name(data["name"], skus)
            skus[sku.casefold()] = 0
            records.append(
                {
                    "sku": sku,
                    "name": data["name"],
                    "series": data["series"],
                    "list_price": data["list_price"],
                    "currency": data["currency"],
                    "active": True,
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        db.session.flush()
        if records:
            ids = db.session.scalars(
                insert(Product)
                .execution_options(render_nulls=True)
                .returning(Product.id, sort_by_parameter_order=True),
                records,
            ).all()
            _audit_created(Product, ids, records, "name")
            for product_id, record in zip(ids, records, strict=True):
                state.by_name[record["name"].casefold()] = product_id
                skus[record["sku"].casefold()] = product_id
            result.created += len(records)
        state.skus = skus
        return result


# --- deals -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StageInfo:
    id: int
    key: str
    kind: str
    probability: int


@dataclass(frozen=True)
class Target:
    """Where a row's stage value puts a deal: a status and the key of its stage."""

    status: str
    stage_key: str


@dataclass(frozen=True)
class OwnerRef:
    id: int
    name: str
    team_id: int | None


@dataclass(frozen=True)
class ProductRef:
    name: str
    currency: str


@dataclass(frozen=True)
class Existing:
    id: int
    status: str
    stage_key: str
    deleted: bool
    mine: bool = True  # owned within the acting user's scope


@dataclass
class DealState:
    acting: User | None
    job_id: int
    base_currency: str
    zone: ZoneInfo
    version_id: int
    stages: dict[str, StageInfo]
    first_open: str
    targets: dict[str, Target]
    stage_map: dict[str, Target]
    value_maps: dict[str, dict[str, str]]
    owners: dict[str, list[OwnerRef]]
    owners_loose: dict[str, str]
    accounts: dict[str, list[int]]
    accounts_key: dict[str, str]
    products: dict[str, ProductRef]
    products_loose: dict[str, str]
    reasons: dict[str, int]
    unknown_reason: int | None
    existing: dict[str, Existing]
    rates: dict[str, tuple[Decimal, date | None, str] | str] = field(default_factory=dict)
    seen: dict[str, int] = field(default_factory=dict)


def stage_targets(version: Any) -> dict[str, Target]:
    """What a stage value may say: a stage's key, zh or en name, or won / lost in words."""
    first_open = services.open_stages(version)[0].key
    targets: dict[str, Target] = {}
    for status, words in OUTCOME_WORDS.items():
        for word in words:
            stage_key = first_open
            if status == DealStatus.WON:
                stage_key = services.after_sales_stage(version).key
            targets[_key(word)] = Target(status, stage_key)
    for stage in version.stages:
        status = DealStatus.WON if stage.kind == StageKind.AFTER_SALES else DealStatus.OPEN
        for text in (stage.key, stage.name_zh, stage.name_en):
            if text:
                targets[_key(text)] = Target(status, stage.key)
    return targets


def _pairs(lines: list[str], option: Any) -> tuple[list[tuple[str, str]], list[str]]:
    """FROM=TO lines and the problems of the lines that are not."""
    pairs, problems = [], []
    for line in lines:
        source, sep, target = line.partition("=")
        if not sep or not target.strip():
            problems.append(_("“%(line)s” is not FROM=TO (%(option)s).", line=line, option=option))
        else:
            pairs.append((source.strip().strip('"'), target.strip().strip('"')))
    return pairs, problems


class DealImporter(Importer):
    label = _l("Deals")
    batch_size = 1000
    fields = (
        ImportField(
            "external_id",
            _l("External ID"),
            ("opportunity id", "deal id", "opportunity", "商机编号", "机会编号", "编号"),
            required=True,
        ),
        ImportField(
            "title", _lp("deal", "Title"), ("deal name", "opportunity name", "商机名称", "标题")
        ),
        ImportField(
            "owner",
            _l("Owner"),
            ("sales agent", "agent", "sales rep", "rep", "负责人", "销售代表", "销售"),
            required=True,
            fixed=True,
        ),
        ImportField(
            "account",
            _l("Account"),
            ("account name", "company", "customer", "客户", "客户名称", "公司", "公司名称"),
        ),
        ImportField("product", _l("Product"), ("product name", "产品", "产品名称")),
        ImportField(
            "stage",
            _l("Stage"),
            ("deal stage", "sales stage", "status", "阶段", "销售阶段", "商机阶段"),
            required=True,
            fixed=True,
        ),
        ImportField(
            "engaged_on",
            _l("Engaged on"),
            ("engage date", "engaged", "start date", "接洽日期", "开始日期"),
        ),
        ImportField(
            "closed_on", _l("Close date"), ("closed on", "closing date", "成交日期", "关闭日期")
        ),
        ImportField(
            "amount", _l("Amount"), ("close value", "value", "deal value", "金额", "成交金额")
        ),
        ImportField(
            "currency",
            _l("Currency"),
            ("币种", "货币"),
            fixed=True,
            help=_l("Empty: the product's currency, else the base currency."),
        ),
        ImportField("lost_reason", _l("Lost reason"), ("reason lost", "丢单原因", "输单原因")),
        ImportField(
            "keep_without_account",
            _l("Keep deals without an account"),
            ("keep without account",),
            fixed=True,
            help=_l("yes: deals with no account are taken; otherwise they are rejected."),
        ),
    )
    options = (
        ImportOption(
            "map_stage",
            _l("Stage mappings"),
            metavar="FROM=TO",
            help=_l(
                "One per line: the stage in the file = a stage of the sales process (its key, "
                "Chinese or English name), or won / lost. For example: Prospecting=客户开发"
            ),
            cli_help="Map a stage of the file to a stage (key, zh or en name) or to won/lost.",
        ),
        ImportOption(
            "map_value",
            _l("Value mappings"),
            metavar="FIELD:FROM=TO",
            help=_l(
                "One per line: field:value in the file = the value as it stands in salesweb. "
                "For example: product:GTXPro=GTX Pro"
            ),
            cli_help="Map a value of a field (owner, account, product, ...) to one that exists.",
        ),
    )

    def allowed(self, user: Any) -> bool:
        return user is None or user.role in (Role.ADMIN, Role.MANAGER)

    # -- the mapping and its options ----------------------------------------------------------

    def check_mapping(self, mapping: dict[str, Any]) -> list[str]:
        problems = super().check_mapping(mapping)
        process = services.default_process()
        if process is None or process.current_version is None:
            return [
                *problems,
                _("There is no sales process yet: ask an administrator to set one up."),
            ]
        keep = mapping.get("fixed", {}).get("keep_without_account", "")
        try:
            _boolean(keep, self.field("keep_without_account").label)
        except RowError as exc:
            problems.append(exc.message)
        self._stage_map(mapping, stage_targets(process.current_version), problems)
        self._value_maps(mapping, problems)
        return problems

    def _stage_map(
        self, mapping: dict[str, Any], targets: dict[str, Target], problems: list[str]
    ) -> dict[str, Target]:
        option = self.options[0].label
        pairs, bad = _pairs(mapping.get("options", {}).get("map_stage", []), option)
        problems.extend(bad)
        out: dict[str, Target] = {}
        for source, target in pairs:
            found = targets.get(_key(target))
            if found is None:
                problems.append(
                    _(
                        "No stage “%(value)s” in the sales process (%(option)s).",
                        value=target,
                        option=option,
                    )
                )
            else:
                out[_key(source)] = found
        return out

    def _value_maps(
        self, mapping: dict[str, Any], problems: list[str]
    ) -> dict[str, dict[str, str]]:
        option = self.options[1].label
        known = {f.key for f in self.fields}
        out: dict[str, dict[str, str]] = {}
        for line in mapping.get("options", {}).get("map_value", []):
            name, colon, rest = line.partition(":")
            if not colon or name.strip() not in known:
                problems.append(
                    _(
                        "“%(line)s” does not start with a field (%(fields)s) and a colon (%(option)s).",
                        line=line,
                        fields=join_list(sorted(known)),
                        option=option,
                    )
                )
                continue
            pairs, bad = _pairs([rest], option)
            problems.extend(bad)
            for source, target in pairs:
                out.setdefault(name.strip(), {})[_key(source)] = target
        return out

    # -- per job ------------------------------------------------------------------------------

    def prepare(self, job: ImportJob) -> DealState:
        process = services.default_process()
        if process is None or process.current_version is None:
            raise DomainError(
                _("There is no sales process yet: ask an administrator to set one up.")
            )
        version = process.current_version
        problems: list[str] = []
        targets = stage_targets(version)
        stage_map = self._stage_map(job.mapping, targets, problems)
        value_maps = self._value_maps(job.mapping, problems)
        acting = _job_user(job)
        owners: dict[str, list[OwnerRef]] = {}
        owners_loose: dict[str, str] = {}
        # Only the people and accounts the acting user may import onto are looked up, so that
        # another team's name is "not found" and no hint spells it.
        people = select(User.id, User.display_name, User.team_id)
        if acting is not None:
            people = scope_owned(people, acting, User.id)
        for r in db.session.execute(people):
            owners.setdefault(_key(r.display_name), []).append(
                OwnerRef(r.id, r.display_name, r.team_id)
            )
            owners_loose.setdefault(_loose(r.display_name), r.display_name)
        accounts: dict[str, list[int]] = {}
        accounts_key: dict[str, str] = {}
        for r in db.session.execute(importable_accounts(select(Account.id, Account.name), acting)):
            accounts.setdefault(r.name.strip(), []).append(r.id)
            accounts_key.setdefault(normalise_name(r.name), r.name)
        products: dict[str, ProductRef] = {}
        products_loose: dict[str, str] = {}
        for r in db.session.execute(select(Product.name, Product.currency)):
            products[r.name.casefold()] = ProductRef(r.name, r.currency)
            products_loose.setdefault(_loose(r.name), r.name)
        in_scope = {o.id for found in owners.values() for o in found}
        reasons: dict[str, int] = {}
        unknown = None
        for reason in db.session.scalars(select(LostReason)):
            for text in (reason.code, reason.label_zh, reason.label_en):
                reasons.setdefault(_key(text), reason.id)
            if reason.code == UNKNOWN_REASON:
                unknown = reason.id
        existing = {
            r.external_id: Existing(
                r.id, r.status, r.key, r.deleted_at is not None, r.owner_id in in_scope
            )
            for r in db.session.execute(
                select(
                    Deal.id,
                    Deal.external_id,
                    Deal.status,
                    Stage.key,
                    Deal.deleted_at,
                    Deal.owner_id,
                )
                .join(Stage, Stage.id == Deal.stage_id)
                .where(Deal.external_id.is_not(None))
            )
        }
        return DealState(
            acting=acting,
            job_id=job.id,
            base_currency=current_app.config["SALESWEB_BASE_CURRENCY"],
            zone=ZoneInfo(current_app.config["SALESWEB_TIMEZONE"]),
            version_id=version.id,
            stages={s.key: StageInfo(s.id, s.key, s.kind, s.probability) for s in version.stages},
            first_open=services.open_stages(version)[0].key,
            targets=targets,
            stage_map=stage_map,
            value_maps=value_maps,
            owners=owners,
            owners_loose=owners_loose,
            accounts=accounts,
            accounts_key=accounts_key,
            products=products,
            products_loose=products_loose,
            reasons=reasons,
            unknown_reason=unknown,
            existing=existing,
        )

    def audit_actor(self, state: DealState, job: ImportJob) -> tuple[int | None, str, str | None]:
        return _actor_label(state.acting, job)

    # -- one row ------------------------------------------------------------------------------

    def convert(self, state: DealState, values: dict[str, str], row_number: int) -> dict[str, Any]:
        label = self.field
        values = dict(values)
        for key, mapping in state.value_maps.items():
            mapped = mapping.get(_key(values.get(key, "")))
            if mapped is not None:
                values[key] = mapped
        external_id = _text(values, "external_id", label("external_id").label, 64)
        if not external_id:
            raise RowError(_("The external ID is empty."))
        earlier = state.seen.get(external_id)
        if earlier is not None and earlier != row_number:
            raise RowError(_("Same deal as row %(row)d (same external ID).", row=earlier))
        owner = self._owner(state, values.get("owner", "").strip())
        account_name = values.get("account", "").strip()
        account_id = self._account(state, account_name) if account_name else None
        if account_id is None and not _boolean(
            values.get("keep_without_account", ""), label("keep_without_account").label
        ):
            raise RowError(
                _(
                    "No account: rejected unless “%(field)s” (%(key)s) is yes.",
                    field=label("keep_without_account").label,
                    key="keep_without_account",
                )
            )
        product = self._product(state, values.get("product", "").strip())
        target = self._stage(state, values.get("stage", "").strip())
        engaged_on = _date(values.get("engaged_on", ""), label("engaged_on").label)
        closed_on = _date(values.get("closed_on", ""), label("closed_on").label)
        amount = _amount(values.get("amount", ""), label("amount").label)
        currency = (
            _currency(values.get("currency", ""), label("currency").label)
            or (product.currency if product else None)
            or state.base_currency
        )
        if target.status == DealStatus.OPEN:
            closed_on = None
        elif closed_on and engaged_on and closed_on < engaged_on:
            raise RowError(_("The close date is before the engage date."))
        if target.status == DealStatus.WON:
            if amount is None or amount <= 0:
                raise RowError(_("A won deal needs an amount."))
            if closed_on is None:
                raise RowError(_("A won deal needs a close date."))
        reason_id = None
        if target.status == DealStatus.LOST:
            reason_id = self._reason(state, values.get("lost_reason", "").strip())
        rate = self._rate(state, currency) if amount is not None else None
        title = (
            _text(values, "title", label("title").label, 200)
            or (
                " · ".join(p for p in (account_name, product.name if product else "") if p)
                or external_id
            )[:200]
        )
        existing = self._existing(state, external_id, target)
        state.seen.setdefault(external_id, row_number)
        return {
            "external_id": external_id,
            "title": title,
            "owner_id": owner.id,
            "account_id": account_id,
            "product_name": product.name if product else "",
            "status": target.status,
            "stage_key": target.stage_key,
            "engaged_on": engaged_on,
            "closed_on": closed_on,
            "amount": amount,
            "currency": currency,
            "rate": rate,
            "lost_reason_id": reason_id,
            "_existing": existing,
            "_same": existing is not None
            and existing.status == target.status
            and (existing.status != DealStatus.OPEN or existing.stage_key == target.stage_key),
        }

    @staticmethod
    def _existing(state: DealState, external_id: str, target: Target) -> Existing | None:
        """The deal imported before under this external ID; a deleted or closed one stays as is."""
        existing = state.existing.get(external_id)
        if existing is None:
            return None
        if not existing.mine:  # before anything is said about its state
            raise RowError(_("You may not change this deal."))
        if existing.deleted:
            raise RowError(
                _(
                    "The deal with external ID “%(id)s” was deleted; restore it before importing it again.",
                    id=external_id,
                )
            )
        if existing.status != DealStatus.OPEN and existing.status != target.status:
            raise RowError(
                _(
                    "This deal is already closed (%(status)s); an import does not reopen it.",
                    status=DEAL_STATUS_LABELS[DealStatus(existing.status)],
                )
            )
        return existing

    def _owner(self, state: DealState, name: str) -> OwnerRef:
        if not name:
            raise RowError(_("The owner is empty."))
        found = state.owners.get(_key(name), [])
        if not found:  # the owners are those of the user's scope: another team's reads the same
            raise _no_match(
                _("No one you may import deals for is called “%(name)s”.", name=name),
                "owner",
                name,
                state.owners_loose.get(_loose(name)),
            )
        if len(found) > 1:
            raise RowError(_("Several users are called “%(name)s”.", name=name))
        return found[0]

    def _account(self, state: DealState, name: str) -> int:
        found = state.accounts.get(name, [])
        if not found:
            raise _no_match(
                _("No account you may import deals onto is called “%(name)s”.", name=name),
                "account",
                name,
                state.accounts_key.get(normalise_name(name)),
            )
        if len(found) > 1:
            raise RowError(_("Several accounts are called “%(name)s”.", name=name))
        return found[0]

    def _product(self, state: DealState, name: str) -> ProductRef | None:
        if not name:
            return None
        product = state.products.get(name.casefold())
        if product is None:
            raise _no_match(
                _("No product is called “%(name)s”.", name=name),
                "product",
                name,
                state.products_loose.get(_loose(name)),
            )
        return product

    def _stage(self, state: DealState, value: str) -> Target:
        target = state.stage_map.get(_key(value)) or state.targets.get(_key(value))
        if target is None and not value:
            raise RowError(_("The stage is empty."))
        if target is None:
            names = join_list(state.stages)
            raise RowError(
                _(
                    "No stage “%(value)s” in the sales process: map it to one of %(stages)s, won or lost.",
                    value=value,
                    stages=names,
                )
            )
        return target

    def _reason(self, state: DealState, text: str) -> int:
        if text:
            reason = state.reasons.get(_key(text))
            if reason is None:
                raise RowError(_("No lost reason is called “%(name)s”.", name=text))
            return reason
        if state.unknown_reason is None:
            raise RowError(
                _("The lost reason “unknown (imported)” is not set up: ask an administrator.")
            )
        return state.unknown_reason

    def _rate(self, state: DealState, currency: str) -> tuple[Decimal, date | None, str]:
        """The currency's rate as a deal booked today gets it (services._book), once per job."""
        if currency not in state.rates:
            try:
                conversion = to_base(Decimal(1), currency, utcnow().date())
                state.rates[currency] = (conversion.rate, conversion.rate_date, conversion.source)
            except DomainError as exc:
                state.rates[currency] = exc.message
        rate = state.rates[currency]
        if isinstance(rate, str):
            raise RowError(rate)
        return rate

    # -- a batch ------------------------------------------------------------------------------

    def write(self, state: DealState, rows: list[ParsedRow]) -> BatchResult:
        result = BatchResult()
        new = [r for r in rows if r.data["_existing"] is None]
        known = [r for r in rows if r.data["_existing"] is not None and not r.data["_same"]]
        result.unchanged += sum(1 for r in rows if r.data["_existing"] and r.data["_same"])
        if known:
            self._update(state, known, result)
        if new:
            self._insert(state, new)
            result.created += len(new)
        return result

    def _moment(self, state: DealState, day: date | None) -> datetime | None:
        """A date from the file as the start of that day in the company's time zone, in UTC."""
        if day is None:
            return None
        return datetime.combine(day, time.min, tzinfo=state.zone).astimezone(UTC)

    def _insert(self, state: DealState, rows: list[ParsedRow]) -> None:
        now = utcnow()
        acting_id = state.acting.id if state.acting else None
        records, histories = [], []
        row_keys = {r.data["external_id"]: r.data["stage_key"] for r in rows}
        for row in rows:
            data = row.data
            stage = state.stages[data["stage_key"]]
            engaged = self._moment(state, data["engaged_on"])
            closed = self._moment(state, data["closed_on"])
            if data["status"] == DealStatus.LOST and closed is None:
                closed, data["closed_on"] = now, now.date()
            amount = data["amount"]
            rate = data["rate"]
            probability = {DealStatus.WON: 100, DealStatus.LOST: 0}.get(
                data["status"], stage.probability
            )
            records.append(
                {
                    "external_id": data["external_id"],
                    "title": data["title"],
                    "account_id": data["account_id"],
                    "contact_id": None,
                    "owner_id": data["owner_id"],
                    "process_version_id": state.version_id,
                    "stage_id": stage.id,
                    "status": data["status"],
                    "amount": amount,
                    "currency": data["currency"],
                    "rate": rate[0] if rate else None,
                    "rate_date": rate[1] if rate else None,
                    "rate_source": rate[2] if rate else "",
                    "base_amount": (amount * rate[0]).quantize(Decimal("0.01")) if rate else None,
                    "expected_close": None,
                    "closed_on": data["closed_on"],
                    "engaged_on": data["engaged_on"],
                    "source": "",
                    "competitor": "",
                    "next_step": "",
                    "probability": probability,
                    "probability_reason": "",
                    "lost_reason_id": data["lost_reason_id"],
                    "lost_note": "",
                    "stage_entered_at": closed or engaged or now,
                    "product_name": data["product_name"],
                    "version": 1,
                    "created_at": engaged or closed or now,
                    "updated_at": now,
                }
            )
            # As history: the pipeline entered at the engage date, then the close if there was one.
            first = stage if data["status"] == DealStatus.OPEN else state.stages[state.first_open]
            history = [(first.id, DealStatus.OPEN, engaged or closed or now, closed)]
            if data["status"] != DealStatus.OPEN:
                history.append((stage.id, data["status"], closed, None))
            histories.append(history)
        # render_nulls: every row has the same columns, so each batch goes in a few statements
        # (the ORM would otherwise split it wherever the empty values differ); the ids are read
        # back by the unique external id, which on PostgreSQL is several times faster than an
        # INSERT ... RETURNING kept in parameter order.
        db.session.execute(insert(Deal).execution_options(render_nulls=True), records)
        by_external = dict(
            db.session.execute(
                select(Deal.external_id, Deal.id).where(
                    Deal.external_id.in_([r["external_id"] for r in records])
                )
            ).all()
        )
        ids = [by_external[record["external_id"]] for record in records]
        db.session.execute(
            insert(StageHistory).execution_options(render_nulls=True),
            [
                {
                    "deal_id": deal_id,
                    "stage_id": stage_id,
                    "status": status,
                    "entered_at": entered,
                    "left_at": left,
                    "actor_id": acting_id,
                    "via": "import",
                    "reason": "",
                }
                for deal_id, history in zip(ids, histories, strict=True)
                for stage_id, status, entered, left in history
            ],
        )
        _audit_created(Deal, ids, records, "title")
        for deal_id, record in zip(ids, records, strict=True):
            state.existing[record["external_id"]] = Existing(
                deal_id, record["status"], row_keys[record["external_id"]], False
            )

    def _update(self, state: DealState, rows: list[ParsedRow], result: BatchResult) -> None:
        """Deals imported before: only their stage or outcome changes, through the services."""
        ids = [r.data["_existing"].id for r in rows]
        deals = {d.id: d for d in db.session.scalars(select(Deal).where(Deal.id.in_(ids)))}
        for row in rows:
            deal = deals[row.data["_existing"].id]
            try:
                with db.session.begin_nested():
                    changed = self._apply(state, deal, row.data)
            except services.GateRefused as exc:
                missing = " ".join(m.message for m in exc.missing)
                result.rejects.append(
                    (
                        row.row_number,
                        _(
                            "%(error)s Still missing: %(missing)s",
                            error=exc.message,
                            missing=missing,
                        ),
                    )
                )
            except (DomainError, RowError) as exc:
                result.rejects.append((row.row_number, exc.message))
            else:
                if changed:
                    result.updated += 1
                else:
                    result.unchanged += 1

    def _apply(self, state: DealState, deal: Deal, data: dict[str, Any]) -> bool:
        """Bring an open deal to the row's stage or outcome; False when it is there already."""
        acting = state.acting
        if acting is not None and not can_edit_deal(acting, deal):
            raise RowError(_("You may not change this deal."))
        if deal.status != DealStatus.OPEN:  # closed since the job began: as the file says, or not
            if deal.status == data["status"]:
                return False
            raise RowError(
                _(
                    "This deal is already closed (%(status)s); an import does not reopen it.",
                    status=DEAL_STATUS_LABELS[DealStatus(deal.status)],
                )
            )
        status = data["status"]
        if status == DealStatus.OPEN:
            target = deal.process_version.stage_by_key(data["stage_key"])
            if target is None:
                raise RowError(_("The deal's sales process has no such stage."))
            if target.id == deal.stage_id:
                return False
            reason = _("Moved back by import #%(job)d.", job=state.job_id)
            services.move_deal(acting, deal, target, via="import", reason=reason)
            return True
        if data["amount"] is not None and deal.amount != data["amount"]:
            services.update_deal(
                acting, deal, {"amount": data["amount"]}, None, contact=deal.contact
            )
        if status == DealStatus.WON:
            services.win_deal(acting, deal, closed_on=data["closed_on"], via="import")
            return True
        reason = db.session.get(LostReason, data["lost_reason_id"])
        if reason is None or not reason.active:
            raise RowError(
                _(
                    "This deal is open here and lost in the file: give its lost reason (a column) to close it."
                )
            )
        services.lose_deal(acting, deal, reason, via="import")
        if data["closed_on"] is not None:
            deal.closed_on = data["closed_on"]
            db.session.flush()
        return True


importing.register("users", UserImporter())
importing.register("products", ProductImporter())
importing.register("deals", DealImporter())
