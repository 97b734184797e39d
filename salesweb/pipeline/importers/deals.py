"""The deal importer.

Deals are matched by their external id. A new one is built by the model's own rules (opened in
its stage, booked, won or lost) and the batch is written in bulk, as history (its stage history
says "import"), with its audit rows alongside; a deal that exists already is moved through the
services (move_deal, win_deal, lose_deal), so its exit criteria hold on this path too. Accounts,
owners and products are found by name; a value that matches nothing is a rejection that names
it, unless the user maps it (`--map-value FIELD:FROM=TO`, stages with `--map-stage FROM=TO`).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from sqlalchemy import bindparam, insert, select

from salesweb.auth.importers import ActingImporter, job_user
from salesweb.auth.models import User
from salesweb.auth.permissions import MANAGERS, scope_owned
from salesweb.core import audit
from salesweb.core.errors import DomainError
from salesweb.core.i18n import join_list
from salesweb.core.importing import (
    BatchResult,
    ImportField,
    ImportJob,
    ImportOption,
    ParsedRow,
    RowError,
    cells,
)
from salesweb.core.importing.bulk import column_values
from salesweb.core.models import ExchangeRate, today, utcnow
from salesweb.core.money import Conversion, base_currency
from salesweb.customers import services as customers
from salesweb.customers.importers import importable_accounts
from salesweb.customers.models import Account, AccountType, Order, OrderLine, normalise_name
from salesweb.extensions import db
from salesweb.pipeline import services
from salesweb.pipeline.importers.common import loose_key, no_match
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
from salesweb.pipeline.permissions import can_edit_deal

UNKNOWN_REASON = "unknown_imported"
NEAREST_EARLIER = "nearest_earlier"  # rate_fallback: book at the nearest earlier rate, said so
# What a new deal takes from its row as it is; the rest follows the model's rules.
NEW_DEAL_FIELDS = (
    "external_id",
    "title",
    "owner_id",
    "account_id",
    "product_name",
    "engaged_on",
    "amount",
    "currency",
)
OUTCOME_WORDS = {
    DealStatus.WON: ("won", "win", "closed won", "赢单", "成交", "已成交"),
    DealStatus.LOST: ("lost", "closed lost", "输单", "丢单", "已丢单"),
}


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
    stages: dict[str, Stage]
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
    reasons: dict[str, LostReason]
    unknown_reason: LostReason | None
    existing: dict[str, Existing]
    rates: dict[str, RateTable] = field(default_factory=dict)
    currencies: dict[str, str | RowError | None] = field(default_factory=dict)
    max_rate_age: int = 7
    seen: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class RateTable:
    """One currency's dated rates, oldest first, to find the rate of a deal's own date."""

    days: list[date]
    rates: list[tuple[Decimal, str]]

    def on_or_before(self, day: date) -> tuple[date, Decimal, str] | None:
        index = bisect_right(self.days, day)
        if index == 0:
            return None
        return (self.days[index - 1], *self.rates[index - 1])


def stage_targets(version: Any) -> dict[str, Target]:
    """What a stage value may say: a stage's key, zh or en name, or won / lost in words."""
    first_open = services.open_stages(version)[0].key
    targets: dict[str, Target] = {}
    for status, words in OUTCOME_WORDS.items():
        for word in words:
            stage_key = first_open
            if status == DealStatus.WON:
                stage_key = services.after_sales_stage(version).key
            targets[cells.name_key(word)] = Target(status, stage_key)
    for stage in version.stages:
        status = DealStatus.WON if stage.kind == StageKind.AFTER_SALES else DealStatus.OPEN
        for text in (stage.key, stage.name_zh, stage.name_en):
            if text:
                targets[cells.name_key(text)] = Target(status, stage.key)
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


class DealImporter(ActingImporter):
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
            help=_l(
                "The currency of the amounts, such as USD: a column, or one for every row. "
                "Required when the file has amounts; it is never assumed."
            ),
            currency_of=("amount",),
        ),
        ImportField(
            "rate_fallback",
            _l("Deals without a rate of their date"),
            fixed=True,
            help=_l(
                "A foreign amount is converted at the rate of the deal's date (close date, else "
                "engage date). Empty: a deal with no rate within a few days before its date is "
                "rejected. nearest_earlier: it is booked at the nearest earlier rate, and the "
                "deal says so."
            ),
        ),
        ImportField("lost_reason", _l("Lost reason"), ("reason lost", "丢单原因", "输单原因")),
        ImportField(
            "keep_without_account",
            _l("Keep deals without an account"),
            ("keep without account",),
            fixed=True,
            help=_l(
                "yes: deals with no account are taken; otherwise they are rejected "
                "(on the command line: --set keep_without_account=yes)."
            ),
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

    def __init__(self) -> None:
        self._fields = {f.key: f for f in self.fields}

    def allowed(self, user: Any) -> bool:
        return user is None or user.role in MANAGERS

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
            cells.boolean(keep, self.field("keep_without_account").label)
        except RowError as exc:
            problems.append(exc.message)
        fallback = mapping.get("fixed", {}).get("rate_fallback", "")
        if fallback and fallback != NEAREST_EARLIER:
            problems.append(
                _(
                    "“%(value)s” is not a choice for “%(field)s”: leave it empty or say %(choice)s.",
                    value=fallback,
                    field=self.field("rate_fallback").label,
                    choice=NEAREST_EARLIER,
                )
            )
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
            found = targets.get(cells.name_key(target))
            if found is None:
                problems.append(
                    _(
                        "No stage “%(value)s” in the sales process (%(option)s).",
                        value=target,
                        option=option,
                    )
                )
            else:
                out[cells.name_key(source)] = found
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
                out.setdefault(name.strip(), {})[cells.name_key(source)] = target
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
        acting = job_user(job)
        owners: dict[str, list[OwnerRef]] = {}
        owners_loose: dict[str, str] = {}
        # Only the people and accounts the acting user may import onto are looked up, so that
        # another team's name is "not found" and no hint spells it.
        people = select(User.id, User.display_name, User.team_id)
        if acting is not None:
            people = scope_owned(people, acting, User.id)
        for r in db.session.execute(people):
            owners.setdefault(cells.name_key(r.display_name), []).append(
                OwnerRef(r.id, r.display_name, r.team_id)
            )
            owners_loose.setdefault(loose_key(r.display_name), r.display_name)
        accounts: dict[str, list[int]] = {}
        accounts_key: dict[str, str] = {}
        for r in db.session.execute(importable_accounts(select(Account.id, Account.name), acting)):
            accounts.setdefault(r.name.strip(), []).append(r.id)
            accounts_key.setdefault(normalise_name(r.name), r.name)
        products: dict[str, ProductRef] = {}
        products_loose: dict[str, str] = {}
        for r in db.session.execute(select(Product.name, Product.currency)):
            products[r.name.casefold()] = ProductRef(r.name, r.currency)
            products_loose.setdefault(loose_key(r.name), r.name)
        in_scope = {o.id for found in owners.values() for o in found}
        reasons: dict[str, LostReason] = {}
        unknown = None
        for reason in db.session.scalars(select(LostReason)):
            for text in (reason.code, reason.label_zh, reason.label_en):
                reasons.setdefault(cells.name_key(text), reason)
            if reason.code == UNKNOWN_REASON:
                unknown = reason
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
            base_currency=base_currency(),
            zone=ZoneInfo(current_app.config["SALESWEB_TIMEZONE"]),
            stages={s.key: s for s in version.stages},
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
            rates=_rate_tables(),
            max_rate_age=current_app.config["SALESWEB_RATE_MAX_AGE_DAYS"],
        )

    # -- one row ------------------------------------------------------------------------------

    def convert(self, state: DealState, values: dict[str, str], row_number: int) -> dict[str, Any]:
        label = self._fields.__getitem__  # a dict: this runs for every cell of every row
        values = dict(values)
        for key, mapping in state.value_maps.items():
            mapped = mapping.get(cells.name_key(values.get(key, "")))
            if mapped is not None:
                values[key] = mapped
        external_id = cells.text(values, "external_id", label("external_id").label, 64)
        if not external_id:
            raise RowError(_("The external ID is empty."))
        earlier = state.seen.get(external_id)
        if earlier is not None and earlier != row_number:
            raise RowError(_("Same deal as row %(row)d (same external ID).", row=earlier))
        owner = self._owner(state, values.get("owner", "").strip())
        account_name = values.get("account", "").strip()
        account_id = self._account(state, account_name) if account_name else None
        if account_id is None and not cells.boolean(
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
        engaged_on = cells.date(values.get("engaged_on", ""), label("engaged_on").label)
        closed_on = cells.date(values.get("closed_on", ""), label("closed_on").label)
        amount = cells.amount(values.get("amount", ""), label("amount").label)
        currency = self._currency(state, values.get("currency", ""))
        if currency is None and amount is not None:
            raise RowError(
                _(
                    "The amount has no currency: fill in “%(field)s” or give one currency for every row (--set currency=USD).",
                    field=label("currency").label,
                )
            )
        if target.status == DealStatus.OPEN:
            closed_on = None
        elif closed_on and engaged_on and closed_on < engaged_on:
            raise RowError(_("The close date is before the engage date."))
        reason = None
        if target.status == DealStatus.LOST:
            reason = self._reason(state, values.get("lost_reason", "").strip())
        fallback = values.get("rate_fallback", "").strip() == NEAREST_EARLIER
        rate = (
            self._rate(state, currency, closed_on or engaged_on or today(), fallback)
            if amount is not None and currency is not None
            else None
        )
        title = (
            cells.text(values, "title", label("title").label, 200)
            or (
                " · ".join(p for p in (account_name, product.name if product else "") if p)
                or external_id
            )[:200]
        )
        existing = self._existing(state, external_id, target)
        data = {
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
            "currency": currency or state.base_currency,
            "rate": rate,
            "lost_reason_id": reason.id if reason else None,
            "_existing": existing,
            "_same": existing is not None
            and existing.status == target.status
            and (existing.status != DealStatus.OPEN or existing.stage_key == target.stage_key),
        }
        if existing is None:
            try:
                data["_deal"] = self._new_deal(state, data, reason)
            except DomainError as exc:
                raise RowError(exc.message) from None
        state.seen.setdefault(external_id, row_number)
        return data

    def _new_deal(self, state: DealState, data: dict[str, Any], reason: LostReason | None) -> Deal:
        """The deal a new row describes, by the model's own rules: opened in its stage (the
        first one when it is closed already) since the engage date, booked, then won or lost
        on the close date, entering its last stage then."""
        now = utcnow()
        closed = self._moment(state, data["closed_on"])
        since = self._moment(state, data["engaged_on"]) or closed or now
        status = data["status"]
        stage = state.stages[data["stage_key"] if status == DealStatus.OPEN else state.first_open]
        deal = Deal.opened(
            stage,
            since,
            **{key: data[key] for key in NEW_DEAL_FIELDS},
            created_at=since,
            updated_at=now,
        )
        if data["rate"] is not None:
            deal.book(data["rate"])
        if status == DealStatus.WON:
            deal.win(data["closed_on"])
        elif status == DealStatus.LOST:
            deal.lose(reason, closed_on=data["closed_on"], imported=True)
            # The file says "lost", not where: the first stage only holds it, and says so.
            deal.stage_unknown = True
        if status != DealStatus.OPEN:
            deal.stage_id, deal.stage_entered_at = state.stages[data["stage_key"]].id, closed or now
        return deal

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
        found = state.owners.get(cells.name_key(name), [])
        if not found:  # the owners are those of the user's scope: another team's reads the same
            closest = state.owners_loose.get(loose_key(name))
            message = _("No one you may import deals for is called “%(name)s”.", name=name)
            if closest is None:
                message += " " + _(
                    "Import the people first (the users file: flask import users), then the deals."
                )
            raise no_match(message, "owner", name, closest)
        if len(found) > 1:
            raise RowError(_("Several users are called “%(name)s”.", name=name))
        return found[0]

    def _account(self, state: DealState, name: str) -> int:
        found = state.accounts.get(name, [])
        if not found:
            closest = state.accounts_key.get(normalise_name(name))
            message = _("No account you may import deals onto is called “%(name)s”.", name=name)
            if closest is None:
                message += " " + _(
                    "Import the accounts first (the accounts file: flask import accounts), then the deals."
                )
            raise no_match(message, "account", name, closest)
        if len(found) > 1:
            raise RowError(_("Several accounts are called “%(name)s”.", name=name))
        return found[0]

    def _product(self, state: DealState, name: str) -> ProductRef | None:
        if not name:
            return None
        product = state.products.get(name.casefold())
        if product is None:
            raise no_match(
                _("No product is called “%(name)s”.", name=name),
                "product",
                name,
                state.products_loose.get(loose_key(name)),
            )
        return product

    def _stage(self, state: DealState, value: str) -> Target:
        target = state.stage_map.get(cells.name_key(value)) or state.targets.get(
            cells.name_key(value)
        )
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

    def _reason(self, state: DealState, text: str) -> LostReason:
        if text:
            reason = state.reasons.get(cells.name_key(text))
            if reason is None:
                raise RowError(_("No lost reason is called “%(name)s”.", name=text))
            return reason
        if state.unknown_reason is None:
            raise RowError(
                _("The lost reason “unknown (imported)” is not set up: ask an administrator.")
            )
        return state.unknown_reason

    def _currency(self, state: DealState, text: str) -> str | None:
        """The currency of a cell, read once per distinct text of the job (a file has few)."""
        if text not in state.currencies:
            try:
                state.currencies[text] = cells.currency(text, self._fields["currency"].label)
            except RowError as exc:
                state.currencies[text] = exc
        found = state.currencies[text]
        if isinstance(found, RowError):
            raise RowError(found.message)
        return found

    def _rate(self, state: DealState, currency: str, day: date, fallback: bool) -> Conversion:
        """The rate of the deal's own date (the newest at most `max_rate_age` days before it),
        never today's: a 2017 deal at a 2026 rate is wrong. With the fallback, an older rate,
        its source saying it was the nearest earlier one."""
        if currency == state.base_currency:
            return Conversion(Decimal(1), Decimal(1), None, "base")
        table = state.rates.get(currency)
        found = table.on_or_before(day) if table else None
        if found is not None and (day - found[0]).days <= state.max_rate_age:
            return Conversion(found[1], found[1], found[0], found[2])
        if found is not None and fallback:
            return Conversion(found[1], found[1], found[0], f"{NEAREST_EARLIER}:{found[2]}"[:80])
        if found is None:
            raise RowError(
                _(
                    "No %(currency)s rate on or before %(day)s (the deal's date): import the rates first (flask import rates FILE, or Exchange rates).",
                    currency=currency,
                    day=day.isoformat(),
                )
            )
        raise RowError(
            _(
                "No %(currency)s rate within %(days)d days before %(day)s (the deal's date; the nearest earlier is of %(earlier)s): import the rates of that time, or book at the nearest earlier rate (--set rate_fallback=nearest_earlier).",
                currency=currency,
                days=state.max_rate_age,
                day=day.isoformat(),
                earlier=found[0].isoformat(),
            )
        )

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
        deals: list[Deal] = [row.data["_deal"] for row in rows]
        # render_nulls: every row has the same columns, so each batch goes in a few statements
        # (the ORM would otherwise split it wherever the empty values differ); the ids are read
        # back by the unique external id, which on PostgreSQL is several times faster than an
        # INSERT ... RETURNING kept in parameter order.
        db.session.execute(insert(Deal).execution_options(render_nulls=True), column_values(deals))
        by_external = dict(
            db.session.execute(
                select(Deal.external_id, Deal.id).where(
                    Deal.external_id.in_([deal.external_id for deal in deals])
                )
            ).all()
        )
        for deal in deals:
            deal.id = by_external[deal.external_id]
        history = [entry for deal in deals for entry in self._history(state, deal)]
        db.session.execute(insert(StageHistory).execution_options(render_nulls=True), history)
        audit.log_created(deals)
        self._orders(deals)
        for row, deal in zip(rows, deals, strict=True):
            state.existing[deal.external_id] = Existing(
                deal.id, deal.status, row.data["stage_key"], False
            )

    def _orders(self, deals: list[Deal]) -> None:
        """The order each won deal with an account would have had (as win_deal makes it), so
        the account's lifetime value and last purchase are right; its base total is the deal's,
        at the rate of its close date."""
        orders = [
            Order(
                external_id=f"DEAL-{deal.id}",
                account_id=deal.account_id,
                ordered_on=deal.closed_on,
                currency=deal.currency,
                total=deal.amount,
                base_total=deal.base_amount,
                paid=True,
                notes="",
            )
            for deal in deals
            if deal.status == DealStatus.WON and deal.account_id is not None
        ]
        if not orders:
            return
        # A prospect that bought is a customer now, by the same service a deal won in the app
        # calls (a batch touches a few dozen accounts at most).
        buyers = {order.account_id for order in orders}
        for account in db.session.scalars(
            select(Account).where(
                Account.id.in_(buyers),
                Account.type.in_((AccountType.PROSPECT, AccountType.CHURNED)),
            )
        ):
            customers.become_customer(None, account)
        db.session.execute(
            insert(Order).execution_options(render_nulls=True), column_values(orders)
        )
        ids = dict(
            db.session.execute(
                select(Order.external_id, Order.id).where(
                    Order.external_id.in_([order.external_id for order in orders])
                )
            ).all()
        )
        for order in orders:
            order.id = ids[order.external_id]
        by_deal = {f"DEAL-{deal.id}": deal for deal in deals}
        # Each won deal links its order, as win_deal does (the deal page links to it).
        deals_table = Deal.__table__
        db.session.execute(
            deals_table.update()
            .where(deals_table.c.id == bindparam("deal_id"))
            .values(order_id=bindparam("new_order_id")),
            [
                {"deal_id": by_deal[order.external_id].id, "new_order_id": order.id}
                for order in orders
            ],
        )
        db.session.execute(
            insert(OrderLine),
            [
                {
                    "order_id": order.id,
                    "product": (
                        by_deal[order.external_id].product_name or by_deal[order.external_id].title
                    )[:200],
                    "quantity": Decimal(1),
                    "unit_price": order.total,
                    "line_total": order.total,
                }
                for order in orders
            ],
        )
        audit.log_created(orders)

    def _history(self, state: DealState, deal: Deal) -> list[dict[str, Any]]:
        """As history: the pipeline entered at the engage date, then the close if there was one.
        Rows, not objects: a large import writes tens of thousands of them."""
        entry = {
            "deal_id": deal.id,
            "actor_id": state.acting.id if state.acting else None,
            "via": "import",
        }
        last = {
            **entry,
            "stage_id": deal.stage_id,
            "status": deal.status,
            "entered_at": deal.stage_entered_at,
            "left_at": None,
        }
        if deal.status == DealStatus.OPEN:
            return [last]
        first = {
            **entry,
            "stage_id": state.stages[state.first_open].id,
            "status": DealStatus.OPEN,
            "entered_at": deal.created_at,
            "left_at": deal.stage_entered_at,
        }
        return [first, last]

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
        if data["rate"] is not None and deal.currency == data["currency"]:
            deal.book(data["rate"])  # at the rate of the deal's own date, as a new one is
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


def _rate_tables() -> dict[str, RateTable]:
    """Every dated rate, by currency, read once per job."""
    days: dict[str, list[date]] = {}
    rates: dict[str, list[tuple[Decimal, str]]] = {}
    for r in db.session.execute(
        select(
            ExchangeRate.currency, ExchangeRate.valid_on, ExchangeRate.rate, ExchangeRate.source
        ).order_by(ExchangeRate.currency, ExchangeRate.valid_on)
    ):
        days.setdefault(r.currency, []).append(r.valid_on)
        rates.setdefault(r.currency, []).append((r.rate, r.source))
    return {code: RateTable(days[code], rates[code]) for code in days}
