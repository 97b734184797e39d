"""Importers of accounts, contacts and orders for core.importing (upload page and `flask import`).

Each importer loads its lookups once per job (name keys, external ids, users), so that a file of
100,000 rows does not ask the database once per row; new accounts are inserted in bulk with
their audit rows written alongside, matched ones updated through the ORM (audited as usual).
Importing the same file twice matches instead of duplicating: by external id, else by the
duplicate rule of customers.services.find_duplicates (name key, phone, company mail domain).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from sqlalchemy import func, insert, select
from sqlalchemy.orm import joinedload

from salesweb.auth.importers import ActingImporter, job_user
from salesweb.auth.models import User, normalise_email
from salesweb.auth.permissions import can_see_owner, owner_filter
from salesweb.core import importing
from salesweb.core.audit import actor, plain
from salesweb.core.errors import DomainError
from salesweb.core.importing import (
    BatchResult,
    ImportField,
    ImportJob,
    ParsedRow,
    RowError,
    cells,
)
from salesweb.core.models import AuditLog, utcnow
from salesweb.customers import bp, services
from salesweb.customers.models import (
    ACCOUNT_TYPE_LABELS,
    CHANNEL_LABELS,
    PUBLIC_MAIL_DOMAINS,
    Account,
    AccountType,
    Contact,
    Order,
    OrderLine,
    email_domain,
    normalise_name,
    normalise_phone,
    search_text_of,
)
from salesweb.customers.permissions import (
    can_assign_account,
    can_edit_account,
    can_import_accounts,
    can_own_beyond_pool_cap,
    scope_accounts,
)
from salesweb.extensions import db

MILLION = Decimal(1_000_000)


# --- who may own imported accounts -----------------------------------------------------------


@dataclass
class OwnerInfo:
    id: int
    email: str
    role: str
    team_id: int | None
    active: bool


def _users_by_email() -> dict[str, OwnerInfo]:
    rows = db.session.execute(select(User.id, User.email, User.role, User.team_id, User.active))
    return {
        normalise_email(r.email): OwnerInfo(r.id, r.email, r.role, r.team_id, r.active)
        for r in rows
    }


def _owner_problem(acting: User | None, owner: OwnerInfo) -> str | None:
    """The rules of customers.services.assign_account, checked once per owner and job."""
    return services.assignment_problem(acting, owner)


def _owned_counts() -> dict[int, int]:
    rows = db.session.execute(
        select(Account.owner_id, func.count())
        .where(Account.owner_id.is_not(None), Account.deleted_at.is_(None))
        .group_by(Account.owner_id)
    )
    return {owner_id: count for owner_id, count in rows}


def _may_change(acting: User | None, account: Account) -> bool:
    """Who may change an account by import: who may edit it, or hand it out (pool, team)."""
    return (
        acting is None or can_edit_account(acting, account) or can_assign_account(acting, account)
    )


def importable_accounts(stmt: Any, acting: User | None) -> Any:
    """Live accounts an import may refer to: the acting user's and the pool (as `_may_change`);
    every account for the command line and administrators."""
    if acting is None:
        return stmt.where(Account.deleted_at.is_(None))
    return scope_accounts(stmt, acting, include_pool=True)


def changeable_account_ids(acting: User | None) -> set[int] | None:
    """The ids of the accounts the acting user may change by import, and of the deleted ones
    of the user's scope (told to restore them); None: every account."""
    clause = owner_filter(acting, Account.owner_id) if acting is not None else None
    if acting is None or clause is None:
        return None
    ids = set(db.session.scalars(importable_accounts(select(Account.id), acting)))
    deleted = select(Account.id).where(Account.deleted_at.is_not(None), clause)
    return ids | set(db.session.scalars(deleted))


# --- accounts --------------------------------------------------------------------------------


def no_currency(field: object, key: str) -> RowError:
    """An amount without its currency is refused, never booked in an assumed one."""
    return RowError(
        _(
            "An amount has no currency: fill in “%(field)s” or give one currency for every row (--set %(key)s=USD).",
            field=field,
            key=key,
        )
    )


def _not_your_account() -> str:
    """The same text for every account the user may not change: it names nothing."""
    return _("This matches an existing account that you may not change.")


ACCOUNT_TEXTS = {
    "industry": 80,
    "segment": 80,
    "region": 80,
    "country": 80,
    "source": 80,
    "phone": 40,
    "website": 200,
    "address": 300,
    "notes": 20000,
}


@dataclass
class AccountState:
    acting: User | None
    job_id: int
    base_currency: str
    by_external: dict[str, tuple[int, bool]]
    by_name: dict[str, int]
    by_phone: dict[str, int]
    by_domain: dict[str, int]
    info: dict[int, tuple[str, str | None]]
    users: dict[str, OwnerInfo]
    owned: dict[int, int]
    cap: int
    mine: set[int] | None = None  # the accounts the acting user may change; None: all
    seen: dict[tuple[str, str], int] = field(default_factory=dict)
    owner_problems: dict[int, str | None] = field(default_factory=dict)


class AccountImporter(ActingImporter):
    label = _l("Accounts")
    batch_size = 1000
    fields = (
        ImportField(
            "external_id",
            _l("External ID"),
            ("account id", "customer id", "客户编号", "外部编号", "编号"),
        ),
        ImportField(
            "name",
            _lp("account", "Name"),
            (
                "account",
                "account name",
                "company",
                "company name",
                "customer",
                "customer name",
                "客户",
                "客户名称",
                "公司",
                "公司名称",
                "企业名称",
                "名称",
            ),
            required=True,
        ),
        ImportField("type", _l("Type"), ("account type", "客户类型", "类型"), fixed=True),
        ImportField("industry", _l("Industry"), ("sector", "行业", "所属行业")),
        ImportField("segment", _l("Segment"), ("细分市场", "客户分级", "分级")),
        ImportField("region", _l("Region"), ("区域", "地区", "大区", "territory")),
        ImportField(
            "country",
            _l("Country"),
            ("office location", "location", "国家", "国家地区", "所在国家"),
        ),
        ImportField(
            "employees",
            _l("Employees"),
            ("employee count", "headcount", "员工数", "员工人数", "人数"),
        ),
        ImportField(
            "annual_revenue", _l("Annual revenue"), ("revenue", "年收入", "营业收入", "营收")
        ),
        ImportField(
            "annual_revenue_millions",
            _l("Annual revenue (millions)"),
            ("revenue millions", "revenue m", "revenue musd", "年收入百万", "营收百万"),
            help=_l("Multiplied by 1,000,000 on import."),
        ),
        ImportField(
            "revenue_currency",
            _l("Revenue currency"),
            ("currency", "币种", "货币"),
            fixed=True,
            currency_of=("annual_revenue", "annual_revenue_millions"),
        ),
        ImportField("source", _l("Source"), ("lead source", "来源", "客户来源"), fixed=True),
        ImportField("tags", _l("Tags"), ("tag", "标签")),
        ImportField("phone", _l("Phone"), ("telephone", "tel", "电话", "联系电话", "座机")),
        ImportField(
            "email",
            _lp("address", "E-mail"),
            ("email address", "mail", "邮箱", "电子邮件", "电子邮箱"),
        ),
        ImportField("website", _l("Website"), ("web", "url", "homepage", "网站", "网址", "官网")),
        ImportField("address", _l("Address"), ("地址", "办公地址", "公司地址")),
        ImportField("credit_limit", _l("Credit limit"), ("信用额度",)),
        ImportField(
            "credit_currency",
            _l("Credit currency"),
            ("信用额度币种",),
            fixed=True,
            currency_of=("credit_limit",),
        ),
        ImportField("notes", _l("Notes"), ("note", "comments", "remarks", "备注", "说明")),
        ImportField(
            "owner_email",
            _l("Owner e-mail"),
            ("owner", "account owner", "owner mail", "负责人", "负责人邮箱", "销售负责人"),
            fixed=True,
        ),
    )

    def allowed(self, user: Any) -> bool:
        return user is None or can_import_accounts(user)

    def check_mapping(self, mapping: dict[str, Any]) -> list[str]:
        problems = super().check_mapping(mapping)
        columns = mapping.get("columns", {})
        if "annual_revenue" in columns and "annual_revenue_millions" in columns:
            problems.append(_("Map revenue either in units or in millions, not both."))
        return problems

    def prepare(self, job: ImportJob) -> AccountState:
        acting = job_user(job)
        by_external: dict[str, tuple[int, bool]] = {}
        by_name: dict[str, int] = {}
        by_phone: dict[str, int] = {}
        by_domain: dict[str, int] = {}
        info: dict[int, tuple[str, str | None]] = {}
        rows = db.session.execute(
            select(
                Account.id,
                Account.name,
                Account.external_id,
                Account.name_key,
                Account.phone_key,
                Account.email_domain,
                Account.deleted_at,
            ).order_by(Account.id)
        )
        for r in rows:
            deleted = r.deleted_at is not None
            if r.external_id:
                by_external[r.external_id] = (r.id, deleted)
            if deleted:
                continue
            info[r.id] = (r.name, r.external_id)
            by_name.setdefault(r.name_key, r.id)
            if len(r.phone_key) >= 7:
                by_phone.setdefault(r.phone_key, r.id)
            if r.email_domain and r.email_domain not in PUBLIC_MAIL_DOMAINS:
                by_domain.setdefault(r.email_domain, r.id)
        return AccountState(
            acting=acting,
            job_id=job.id,
            base_currency=current_app.config["SALESWEB_BASE_CURRENCY"],
            by_external=by_external,
            by_name=by_name,
            by_phone=by_phone,
            by_domain=by_domain,
            info=info,
            users=_users_by_email(),
            owned=_owned_counts(),
            cap=current_app.config["SALESWEB_POOL_CAP"],
            mine=changeable_account_ids(acting),
        )

    def convert(
        self, state: AccountState, values: dict[str, str], row_number: int
    ) -> dict[str, Any]:
        label = self.field
        data: dict[str, Any] = {}
        name = cells.text(values, "name", label("name").label, 200)
        if not name:
            raise RowError(_("The name is empty."))
        data["name"] = name
        external_id = cells.text(values, "external_id", label("external_id").label, 64) or None
        data["external_id"] = external_id
        for key, limit in ACCOUNT_TEXTS.items():
            if key in values:
                data[key] = cells.text(values, key, label(key).label, limit)
        if values.get("type"):
            data["type"] = cells.choice(values["type"], ACCOUNT_TYPE_LABELS, label("type").label)
        if "employees" in values:
            data["employees"] = cells.integer(values["employees"], label("employees").label)
        if values.get("annual_revenue"):
            data["annual_revenue"] = cells.amount(
                values["annual_revenue"], label("annual_revenue").label
            )
        if values.get("annual_revenue_millions"):
            data["annual_revenue"] = cells.amount(
                values["annual_revenue_millions"], label("annual_revenue_millions").label, MILLION
            )
        for key in ("revenue_currency", "credit_currency"):
            code = cells.currency(values.get(key, ""), label(key).label)
            if code:
                data[key] = code
        if values.get("credit_limit"):
            data["credit_limit"] = cells.amount(values["credit_limit"], label("credit_limit").label)
        for amount, key in (
            ("annual_revenue", "revenue_currency"),
            ("credit_limit", "credit_currency"),
        ):
            if data.get(amount) is not None and key not in data:
                raise no_currency(label(key).label, key)
        if "email" in values:
            data["email"] = cells.email(values["email"], label("email").label)
        if values.get("tags"):
            data["tags"] = Account.pack_tags(values["tags"])
            if len(data["tags"]) > 500:
                raise RowError(
                    _(
                        "“%(field)s” is longer than %(n)d characters.",
                        field=label("tags").label,
                        n=500,
                    )
                )
        owner_email = values.get("owner_email", "").strip()
        if owner_email:
            data["owner"] = self._owner(state, owner_email)

        keys = {
            "name": normalise_name(name),
            "phone": normalise_phone(data.get("phone")),
            "domain": email_domain(data.get("email")) or "",
        }
        data["_keys"] = keys
        data["_target"] = self._match(state, data, keys, row_number)
        return data

    def _owner(self, state: AccountState, email: str) -> OwnerInfo:
        owner = state.users.get(normalise_email(email))
        # Someone outside the user's scope reads as no one, so the file cannot probe addresses.
        if owner is None or (state.acting is not None and not can_see_owner(state.acting, owner)):
            raise RowError(
                _("No one you may give accounts to has the e-mail “%(email)s”.", email=email)
            )
        if owner.id not in state.owner_problems:
            state.owner_problems[owner.id] = _owner_problem(state.acting, owner)
        problem = state.owner_problems[owner.id]
        if problem:
            raise RowError(problem)
        return owner

    def _match(
        self, state: AccountState, data: dict[str, Any], keys: dict[str, str], row_number: int
    ) -> int | None:
        """The existing account this row is (None: a new one); rejects a repeat within the file."""
        external_id = data["external_id"]
        seen_keys = [("ext", external_id)] if external_id else []
        seen_keys.append(("name", keys["name"]))
        if len(keys["phone"]) >= 7:
            seen_keys.append(("phone", keys["phone"]))
        if keys["domain"] and keys["domain"] not in PUBLIC_MAIL_DOMAINS:
            seen_keys.append(("domain", keys["domain"]))
        for key in seen_keys:
            earlier = state.seen.get(key)
            if earlier is not None and earlier != row_number:
                raise RowError(
                    _(
                        "Same account as row %(row)d (same external id, name, phone or e-mail domain).",
                        row=earlier,
                    )
                )
        target: int | None = None
        data["_by_external"] = bool(external_id and external_id in state.by_external)
        if external_id and external_id in state.by_external:
            target, deleted = state.by_external[external_id]
            if state.mine is not None and target not in state.mine:
                raise RowError(_not_your_account())  # not even whether it was deleted
            if deleted:
                raise RowError(
                    _(
                        "The account with external id “%(id)s” was deleted; restore it before importing it again.",
                        id=external_id,
                    )
                )
        if target is None:
            target = (
                state.by_name.get(keys["name"])
                or (state.by_phone.get(keys["phone"]) if len(keys["phone"]) >= 7 else None)
                or (
                    state.by_domain.get(keys["domain"])
                    if keys["domain"] not in PUBLIC_MAIL_DOMAINS
                    else None
                )
            )
        if target is not None and state.mine is not None and target not in state.mine:
            # Matched (to avoid a duplicate) but not the user's: say nothing of whose it is.
            raise RowError(_not_your_account())
        if target is not None and not data["_by_external"] and external_id:
            name, other = state.info[target]
            if other and other != external_id:
                raise RowError(
                    _(
                        "This looks like the existing account “%(name)s” (same name, phone or e-mail domain), which has another external id.",
                        name=name,
                    )
                )
        for key in seen_keys:
            state.seen.setdefault(key, row_number)
        return target

    def write(self, state: AccountState, rows: list[ParsedRow]) -> BatchResult:
        result = BatchResult()
        existing = [r for r in rows if r.data["_target"] is not None]
        new = [r for r in rows if r.data["_target"] is None]
        owned = dict(state.owned)
        if existing:
            self._update(state, existing, result, owned)
        accepted = []
        for row in new:
            problem = self._cap_problem(state, row.data.get("owner"), owned, None)
            if problem:
                result.rejects.append((row.row_number, problem))
            else:
                accepted.append(row)
        if accepted:
            self._insert(state, accepted)
            result.created += len(accepted)
        state.owned = owned
        return result

    def _cap_problem(
        self,
        state: AccountState,
        owner: OwnerInfo | None,
        owned: dict[int, int],
        current: int | None,
    ) -> str | None:
        if owner is None or owner.id == current:
            return None
        if not can_own_beyond_pool_cap(owner) and owned.get(owner.id, 0) >= state.cap:
            return _(
                "%(name)s already owns %(cap)d accounts, the most a rep may own.",
                name=owner.email,
                cap=state.cap,
            )
        owned[owner.id] = owned.get(owner.id, 0) + 1
        return None

    def _insert(self, state: AccountState, rows: list[ParsedRow]) -> None:
        now = utcnow()
        records = []
        for row in rows:
            data = row.data
            owner = data.get("owner")
            record = {
                "external_id": data["external_id"],
                "name": data["name"],
                "name_key": data["_keys"]["name"],
                "type": data.get("type") or AccountType.PROSPECT.value,
                "employees": data.get("employees"),
                "annual_revenue": data.get("annual_revenue"),
                "revenue_currency": data.get("revenue_currency") or state.base_currency,
                "credit_limit": data.get("credit_limit"),
                "credit_currency": data.get("credit_currency") or state.base_currency,
                "tags": data.get("tags", ""),
                "email": data.get("email", ""),
                "phone_key": data["_keys"]["phone"],
                "email_domain": data["_keys"]["domain"] or None,
                "owner_id": owner.id if owner else None,
                "owner_since": now if owner else None,
                "search_text": search_text_of(
                    data["name"], data["_keys"]["phone"], data.get("email")
                ),
                "import_job_id": state.job_id,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
            for key in ACCOUNT_TEXTS:
                record[key] = data.get(key, "")
            records.append(record)
        ids = db.session.scalars(
            insert(Account).returning(Account.id, sort_by_parameter_order=True), records
        ).all()
        actor_id, actor_label, ip = actor()
        excluded = Account.__audit_exclude__ | {"id"}
        audit_rows = [
            {
                "created_at": now,
                "actor_id": actor_id,
                "actor_label": actor_label,
                "action": "create",
                "record_type": Account.__tablename__,
                "record_id": str(account_id),
                "record_label": record["name"][:200],
                "changes": {
                    k: [None, plain(v)]
                    for k, v in record.items()
                    if v not in (None, "") and k not in excluded
                },
                "ip": ip,
            }
            for account_id, record in zip(ids, records, strict=True)
        ]
        db.session.execute(insert(AuditLog), audit_rows)

    def _update(
        self, state: AccountState, rows: list[ParsedRow], result: BatchResult, owned: dict[int, int]
    ) -> None:
        ids = {r.data["_target"] for r in rows}
        accounts = {a.id: a for a in db.session.scalars(select(Account).where(Account.id.in_(ids)))}
        now = utcnow()
        for row in rows:
            account = accounts[row.data["_target"]]
            changes = self._changes(account, row.data)
            if not row.data["_by_external"]:
                changes.pop(
                    "name", None
                )  # matched by the duplicate rule: keep the existing spelling
            owner = row.data.get("owner")
            if owner is not None and owner.id != account.owner_id:
                changes["owner_id"] = owner.id
            if not changes:
                result.unchanged += 1
                continue
            if not _may_change(state.acting, account):
                result.rejects.append((row.row_number, _not_your_account()))
                continue
            problem = (
                self._cap_problem(state, owner, owned, account.owner_id)
                if "owner_id" in changes
                else None
            )
            if problem:
                result.rejects.append((row.row_number, problem))
                continue
            for key, value in changes.items():
                setattr(account, key, value)
            if "owner_id" in changes:
                account.owner_since = now
            account.import_job_id = state.job_id
            account.refresh_keys()
            result.updated += 1
        db.session.flush()

    @staticmethod
    def _changes(account: Account, data: dict[str, Any]) -> dict[str, Any]:
        """The row's non-empty values that differ from the account (an empty cell keeps data)."""
        changes = {}
        for key in (
            *ACCOUNT_TEXTS,
            "name",
            "external_id",
            "type",
            "employees",
            "annual_revenue",
            "revenue_currency",
            "credit_limit",
            "credit_currency",
            "email",
        ):
            value = data.get(key)
            if value in (None, ""):
                continue
            if getattr(account, key) != value:
                changes[key] = value
        if data.get("tags"):
            merged = Account.pack_tags(account.tag_list + data["tags"].strip(",").split(","))
            if merged != account.tags:
                changes["tags"] = merged
        return changes


# --- contacts --------------------------------------------------------------------------------


@dataclass
class ContactState:
    acting: User | None
    accounts_by_external: dict[str, int]
    accounts_by_name: dict[str, list[int]]
    by_external: dict[str, int]
    by_account_name: dict[tuple[int, str], int]
    seen: dict[tuple, int] = field(default_factory=dict)


def _contact_key(name: str) -> str:
    return re.sub(r"\s+", " ", name.strip()).casefold()


def _account_for(state: Any, values: dict[str, str]) -> int:
    """The account a contact or order row belongs to: by its external id, else by name."""
    external = values.get("account_external_id", "").strip()
    name = values.get("account_name", "").strip()
    if external:
        account_id = state.accounts_by_external.get(external)
        if account_id is None:
            raise RowError(_("No account has the external id “%(id)s”.", id=external))
        return account_id
    if not name:
        raise RowError(_("The account is empty: give its external id or its name."))
    matches = state.accounts_by_name.get(normalise_name(name), [])
    if not matches:
        raise RowError(_("No account is called “%(name)s”.", name=name))
    if len(matches) > 1:
        raise RowError(
            _("Several accounts are called “%(name)s”; give the account's external id.", name=name)
        )
    return matches[0]


def _account_lookups(acting: User | None) -> tuple[dict[str, int], dict[str, list[int]]]:
    """External id and name key -> the accounts the acting user may import onto: another
    team's account is not found, exactly like one that does not exist."""
    by_external: dict[str, int] = {}
    by_name: dict[str, list[int]] = {}
    rows = db.session.execute(
        importable_accounts(select(Account.id, Account.external_id, Account.name_key), acting)
    )
    for r in rows:
        if r.external_id:
            by_external[r.external_id] = r.id
        by_name.setdefault(r.name_key, []).append(r.id)
    return by_external, by_name


def _check_accounts(
    acting: User | None, rows: list[ParsedRow], result: BatchResult
) -> list[ParsedRow]:
    """Rows whose account the acting user may change; the others are rejected."""
    ids = {r.data["account_id"] for r in rows}
    accounts = {a.id: a for a in db.session.scalars(select(Account).where(Account.id.in_(ids)))}
    allowed = []
    for row in rows:
        account = accounts.get(row.data["account_id"])
        if account is None or not _may_change(acting, account):
            result.rejects.append((row.row_number, _("You may not change this account.")))
        else:
            row.data["account"] = account
            allowed.append(row)
    return allowed


def _account_column_problem(mapping: dict[str, Any]) -> list[str]:
    columns = mapping.get("columns", {})
    if "account_external_id" not in columns and "account_name" not in columns:
        return [_("Choose the column with the account's external id or name.")]
    return []


ACCOUNT_REFERENCE = (
    ImportField(
        "account_external_id", _l("Account external ID"), ("account id", "customer id", "客户编号")
    ),
    ImportField(
        "account_name",
        _l("Account name"),
        ("account", "company", "customer", "客户", "客户名称", "公司", "公司名称"),
    ),
)


class ContactImporter(ActingImporter):
    label = _l("Contacts")
    batch_size = 500
    fields = (
        *ACCOUNT_REFERENCE,
        ImportField("external_id", _l("External ID"), ("contact id", "联系人编号")),
        ImportField(
            "name",
            _lp("person", "Name"),
            ("contact", "contact name", "full name", "联系人", "姓名", "联系人姓名"),
            required=True,
        ),
        ImportField(
            "title", _lp("job", "Title"), ("job title", "position", "职位", "职务", "头衔")
        ),
        ImportField("phone", _l("Phone"), ("mobile", "telephone", "tel", "手机", "电话", "手机号")),
        ImportField(
            "email", _lp("address", "E-mail"), ("email address", "mail", "邮箱", "电子邮件")
        ),
        ImportField("wechat", _l("WeChat"), ("weixin", "wechat id", "微信", "微信号")),
        ImportField(
            "preferred_channel",
            _l("Preferred channel"),
            ("channel", "首选渠道", "联系方式"),
            fixed=True,
        ),
        ImportField("is_primary", _l("Primary contact"), ("primary", "main contact", "主要联系人")),
        ImportField("notes", _l("Notes"), ("note", "备注")),
    )

    def allowed(self, user: Any) -> bool:
        return user is None or can_import_accounts(user)

    def check_mapping(self, mapping: dict[str, Any]) -> list[str]:
        return super().check_mapping(mapping) + _account_column_problem(mapping)

    def prepare(self, job: ImportJob) -> ContactState:
        acting = job_user(job)
        accounts_by_external, accounts_by_name = _account_lookups(acting)
        by_external: dict[str, int] = {}
        by_account_name: dict[tuple[int, str], int] = {}
        rows = db.session.execute(
            select(Contact.id, Contact.external_id, Contact.account_id, Contact.name).where(
                Contact.deleted_at.is_(None)
            )
        )
        for r in rows:
            if r.external_id:
                by_external[r.external_id] = r.id
            by_account_name.setdefault((r.account_id, _contact_key(r.name)), r.id)
        return ContactState(
            acting, accounts_by_external, accounts_by_name, by_external, by_account_name
        )

    def convert(
        self, state: ContactState, values: dict[str, str], row_number: int
    ) -> dict[str, Any]:
        label = self.field
        name = cells.text(values, "name", label("name").label, 120)
        if not name:
            raise RowError(_("The name is empty."))
        account_id = _account_for(state, values)
        data: dict[str, Any] = {"name": name, "account_id": account_id}
        data["external_id"] = (
            cells.text(values, "external_id", label("external_id").label, 64) or None
        )
        for key, limit in (("title", 120), ("phone", 40), ("wechat", 64), ("notes", 20000)):
            if key in values:
                data[key] = cells.text(values, key, label(key).label, limit)
        if "email" in values:
            data["email"] = cells.email(values["email"], label("email").label)
        if values.get("preferred_channel"):
            data["preferred_channel"] = cells.choice(
                values["preferred_channel"], CHANNEL_LABELS, label("preferred_channel").label
            )
        if "is_primary" in values:
            data["is_primary"] = cells.boolean(values["is_primary"], label("is_primary").label)
        key = (account_id, _contact_key(name))
        for seen_key in ([("ext", data["external_id"])] if data["external_id"] else []) + [key]:
            earlier = state.seen.get(seen_key)
            if earlier is not None and earlier != row_number:
                raise RowError(_("Same contact as row %(row)d.", row=earlier))
        target = state.by_external.get(data["external_id"] or "") or state.by_account_name.get(key)
        data["_target"] = target
        for seen_key in ([("ext", data["external_id"])] if data["external_id"] else []) + [key]:
            state.seen.setdefault(seen_key, row_number)
        return data

    def write(self, state: ContactState, rows: list[ParsedRow]) -> BatchResult:
        result = BatchResult()
        rows = _check_accounts(state.acting, rows, result)
        targets = {r.data["_target"] for r in rows if r.data["_target"]}
        existing = {
            c.id: c
            for c in db.session.scalars(
                select(Contact).options(joinedload(Contact.account)).where(Contact.id.in_(targets))
            )
        }
        rows = self._own_contacts(state.acting, rows, existing, result)
        touched: dict[int, list[Contact]] = {}
        primaries: dict[int, Contact] = {}
        for row in rows:
            data = row.data
            contact = existing.get(data["_target"]) if data["_target"] else None
            fields = {
                k: data[k]
                for k in (
                    "name",
                    "external_id",
                    "title",
                    "phone",
                    "email",
                    "wechat",
                    "preferred_channel",
                    "notes",
                )
                if data.get(k) not in (None, "")
            }
            if contact is None:
                contact = Contact(account_id=data["account_id"], **fields)
                contact.is_primary = False
                contact.refresh_keys()
                db.session.add(contact)
                result.created += 1
            else:
                changed = {k: v for k, v in fields.items() if getattr(contact, k) != v}
                for key, value in changed.items():
                    setattr(contact, key, value)
                contact.refresh_keys()
                if changed or (data.get("is_primary") and not contact.is_primary):
                    result.updated += 1
                else:
                    result.unchanged += 1
            touched.setdefault(data["account_id"], []).append(contact)
            if data.get("is_primary"):
                primaries[data["account_id"]] = contact
        db.session.flush()
        self._settle_primaries(touched, primaries)
        db.session.flush()
        return result

    @staticmethod
    def _own_contacts(
        acting: User | None,
        rows: list[ParsedRow],
        existing: dict[int, Contact],
        result: BatchResult,
    ) -> list[ParsedRow]:
        """Rows matching (by external id) a contact of an account the user may not change are
        rejected: the row's own account being the user's does not open another team's contact."""
        kept = []
        for row in rows:
            contact = existing.get(row.data["_target"]) if row.data["_target"] else None
            if contact is not None and not _may_change(acting, contact.account):
                result.rejects.append((row.row_number, _("You may not change this contact.")))
            else:
                kept.append(row)
        return kept

    @staticmethod
    def _settle_primaries(touched: dict[int, list[Contact]], primaries: dict[int, Contact]) -> None:
        """One primary contact per account: the row that says so, else the existing one, else the first."""
        if not touched:
            return
        current = {
            c.account_id: c
            for c in db.session.scalars(
                select(Contact).where(
                    Contact.account_id.in_(touched),
                    Contact.is_primary.is_(True),
                    Contact.deleted_at.is_(None),
                )
            )
        }
        for account_id, contacts in touched.items():
            chosen = primaries.get(account_id) or current.get(account_id) or contacts[0]
            if not chosen.is_primary:
                chosen.is_primary = True
            old = current.get(account_id)
            if old is not None and old is not chosen:
                old.is_primary = False


# --- orders ----------------------------------------------------------------------------------


@dataclass
class OrderState:
    acting: User | None
    base_currency: str
    accounts_by_external: dict[str, int]
    accounts_by_name: dict[str, list[int]]
    existing: dict[str, int]  # order number -> its account
    created: dict[str, int] = field(default_factory=dict)
    heads: dict[str, tuple[int, int, date, str]] = field(default_factory=dict)


class OrderImporter(ActingImporter):
    label = _l("Orders")
    batch_size = 500
    fields = (
        *ACCOUNT_REFERENCE,
        ImportField(
            "external_id",
            _l("Order number"),
            ("order", "order id", "order no", "订单号", "订单编号"),
            required=True,
        ),
        ImportField(
            "ordered_on",
            _l("Order date"),
            ("date", "order date", "下单日期", "订单日期", "日期"),
            required=True,
        ),
        ImportField(
            "currency", _l("Currency"), ("币种", "货币"), fixed=True, currency_of=("unit_price",)
        ),
        ImportField("product", _l("Product"), ("item", "产品", "商品", "产品名称"), required=True),
        ImportField("quantity", _l("Quantity"), ("qty", "数量"), required=True),
        ImportField("unit_price", _l("Unit price"), ("price", "单价", "价格"), required=True),
    )

    def allowed(self, user: Any) -> bool:
        return user is None or can_import_accounts(user)

    def check_mapping(self, mapping: dict[str, Any]) -> list[str]:
        return super().check_mapping(mapping) + _account_column_problem(mapping)

    def prepare(self, job: ImportJob) -> OrderState:
        acting = job_user(job)
        accounts_by_external, accounts_by_name = _account_lookups(acting)
        existing = dict(
            db.session.execute(
                select(Order.external_id, Order.account_id).where(Order.external_id.is_not(None))
            ).all()
        )
        return OrderState(
            acting,
            current_app.config["SALESWEB_BASE_CURRENCY"],
            accounts_by_external,
            accounts_by_name,
            existing,
        )

    def convert(self, state: OrderState, values: dict[str, str], row_number: int) -> dict[str, Any]:
        label = self.field
        number = cells.text(values, "external_id", label("external_id").label, 64)
        if not number:
            raise RowError(_("The order number is empty."))
        account_id = _account_for(state, values)
        ordered_on = cells.date(values.get("ordered_on", ""), label("ordered_on").label)
        if ordered_on is None:
            raise RowError(_("The order date is empty."))
        product = cells.text(values, "product", label("product").label, 200)
        if not product:
            raise RowError(_("The product is empty."))
        quantity_text = values.get("quantity", "").replace(",", "").strip()
        try:
            quantity = Decimal(quantity_text).quantize(Decimal("0.001"))
        except InvalidOperation:
            raise RowError(
                _(
                    "“%(value)s” is not a number (%(field)s).",
                    value=values.get("quantity", ""),
                    field=label("quantity").label,
                )
            ) from None
        if quantity <= 0 or quantity > Decimal("999999999999"):
            raise RowError(_("Quantities must be greater than zero."))
        price = cells.amount(values.get("unit_price", ""), label("unit_price").label)
        if price is None:
            raise RowError(_("The unit price is empty."))
        currency = cells.currency(values.get("currency", ""), label("currency").label)
        if not currency:
            raise no_currency(label("currency").label, "currency")
        head = state.heads.get(number)
        if head is None:
            state.heads[number] = (row_number, account_id, ordered_on, currency)
        elif head[1:] != (account_id, ordered_on, currency):
            raise RowError(
                _(
                    "Row %(row)d has the same order number with another account, date or currency.",
                    row=head[0],
                )
            )
        return {
            "external_id": number,
            "account_id": account_id,
            "ordered_on": ordered_on,
            "currency": currency,
            "line": services.LineInput(product=product, quantity=quantity, unit_price=price),
        }

    def write(self, state: OrderState, rows: list[ParsedRow]) -> BatchResult:
        result = BatchResult()
        rows = _check_accounts(state.acting, rows, result)
        groups: dict[str, list[ParsedRow]] = {}
        for row in rows:
            groups.setdefault(row.data["external_id"], []).append(row)
        created: dict[str, int] = {}
        for number, group in groups.items():
            if number in state.existing:
                if state.existing[number] != group[0].data["account_id"]:
                    # Another account's order (perhaps another team's): refused, never described.
                    reason = _(
                        "The order number “%(number)s” is already used for another account.",
                        number=number,
                    )
                    result.rejects.extend((r.row_number, reason) for r in group)
                else:  # imported before: the same file again adds nothing
                    result.unchanged += len(group)
                continue
            first = group[0].data
            order_id = state.created.get(number)
            if order_id is None:
                try:
                    with db.session.begin_nested():
                        order = services.create_order(
                            state.acting,
                            first["account"],
                            ordered_on=first["ordered_on"],
                            currency=first["currency"],
                            lines=[r.data["line"] for r in group],
                            external_id=number,
                        )
                except DomainError as exc:
                    result.rejects.extend((r.row_number, exc.message) for r in group)
                    continue
                created[number] = order.id
                result.created += 1
            else:
                self._add_lines(order_id, [r.data["line"] for r in group])
                result.updated += 1
        state.created.update(created)
        return result

    @staticmethod
    def _add_lines(order_id: int, lines: list[services.LineInput]) -> None:
        """More lines of an order this job created in an earlier batch."""
        from salesweb.core.money import to_base

        order = db.session.get(Order, order_id)
        assert order is not None
        for line in lines:
            order.lines.append(
                OrderLine(
                    product=line.product,
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    line_total=(line.quantity * line.unit_price).quantize(Decimal("0.01")),
                )
            )
        order.recompute_total()
        order.base_total = to_base(order.total, order.currency, order.ordered_on).base_amount
        db.session.flush()


importing.register("accounts", AccountImporter())
importing.register("contacts", ContactImporter())
importing.register("orders", OrderImporter())


@bp.record_once
def _register_cli(state: Any) -> None:
    importing.register_cli(state.app)
