"""Build the large benchmark database: 100,000 accounts and everything that hangs under them,
200,000 deals with their stage histories and 50,000 quotes.

    DATABASE_URL=sqlite:////tmp/bench.sqlite .venv/bin/python bench/seed.py --accounts 100000
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_pg .venv/bin/python bench/seed.py
    DATABASE_URL=sqlite:////tmp/bench.sqlite .venv/bin/python bench/seed.py --pipeline-only

The schema comes from the migrations (`flask db upgrade`), then every table is filled with
SQLAlchemy Core executemany in batches, one transaction per table, secondary indexes dropped
during the load and rebuilt after it. Derived columns are computed with the functions the models
use, so the application sees rows exactly as its services would have written them.

Scale (per --accounts N): 2.5 N contacts, 10 N interactions over two years, 2 N tasks (about
half done, a fifth overdue), 0.2 N orders; --users people in --teams teams (one manager each),
about 10% of the accounts in the public pool. The random seed is fixed: the same command builds
the same data (dates are relative to today).

The sales pipeline (per --deals D, default 2 N): the reference data first, through the ORM
(`seed_reference()`: processes, stages, lost reasons, products, rates), then D deals on the owned
accounts (--open-share of them open, the rest won or lost), 2-5 stage-history rows each, and
--quotes quotes (default D / 4) with 1-3 lines. Its rows are planned from what the database holds,
so `--pipeline-only` adds them to a database whose customers were built before.

No audit rows are written: bench data is not business history, and the audit trail of a million
generated rows would only measure the loader.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, Table, create_engine, func, inspect, select, text  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

from salesweb.auth.models import Team, User  # noqa: E402
from salesweb.core.models import ExchangeRate  # noqa: E402
from salesweb.customers.models import (  # noqa: E402
    Account,
    Contact,
    Interaction,
    Order,
    OrderLine,
    Task,
    email_domain,
    normalise_name,
    normalise_phone,
    search_text_of,  # the search-text rule of Account/Contact.refresh_keys
)
from salesweb.pipeline.models import (  # noqa: E402
    Deal,
    LostReason,
    Product,
    Quote,
    QuoteLine,
    SalesProcess,
    Stage,
    StageHistory,
)
from salesweb.pipeline.services.quote_lines import compute_totals  # noqa: E402

SEED = 2026
BATCH = 10_000
PASSWORD = "bench-pass-2026"
DAYS_OF_HISTORY = 730

# --- vocabulary --------------------------------------------------------------------------------
# fmt: off
ZH_CITIES = (
    ("上海", "021"), ("北京", "010"), ("深圳", "0755"), ("广州", "020"), ("杭州", "0571"),
    ("苏州", "0512"), ("南京", "025"), ("成都", "028"), ("重庆", "023"), ("武汉", "027"),
    ("天津", "022"), ("西安", "029"), ("宁波", "0574"), ("无锡", "0510"), ("合肥", "0551"),
    ("长沙", "0731"), ("青岛", "0532"), ("厦门", "0592"), ("东莞", "0769"), ("佛山", "0757"),
    ("郑州", "0371"), ("济南", "0531"), ("福州", "0591"), ("昆明", "0871"), ("沈阳", "024"),
    ("大连", "0411"), ("常州", "0519"), ("温州", "0577"), ("绍兴", "0575"), ("嘉兴", "0573"),
)
ZH_BRANDS = (
    "明远", "云帆", "恒瑞", "金陵", "港盛", "华光", "天弘", "浦江", "鹏程", "岭南", "顺达", "海翼",
    "睿思", "渤海", "海润", "天府", "长江", "光谷", "湘江", "秦川", "龙城", "禾丰", "越达", "瓯江",
    "申通", "西溪", "博睿", "江海", "运河", "星辰", "千岛", "闽江", "精工", "云图", "江城", "淮海",
    "华亭", "钱塘", "泉城", "横琴", "东方", "宏达", "鑫源", "正泰", "永盛", "中瑞", "新元", "汇通",
    "嘉禾", "立信", "安达", "瑞丰", "联创", "万邦", "华信", "盛世", "德润", "铭泰", "凯达", "天成",
    "宝龙", "金桥", "信达", "启航", "远景", "卓越", "合众", "鼎盛", "弘毅", "康宁", "同力", "润泽",
    "华瑞", "中联", "百川", "众诚", "奥德", "宇通", "明辉", "致远",
)
ZH_TRADES = (
    "精密机械", "电子", "科技", "智能装备", "新能源", "生物医药", "物流", "食品", "化工", "模具",
    "贸易", "信息技术", "汽车零部件", "激光技术", "工程机械", "纺织", "建材", "教育科技", "电力设备",
    "塑胶制品", "仪器仪表", "环保科技", "包装材料", "医疗器械", "软件",
)
ZH_SUFFIXES = ("有限公司", "有限公司", "有限公司", "股份有限公司", "集团有限公司")
ZH_INDUSTRIES = ("机械制造", "电子元器件", "软件与信息服务", "新能源", "医疗器械", "物流", "食品饮料",
                 "化工", "汽车零部件", "工程机械", "纺织", "建材", "教育", "零售", "贸易", "电力设备")
ZH_REGIONS = (("华东", 35), ("华南", 20), ("华北", 15), ("华中", 10), ("西南", 10), ("西北", 5), ("东北", 5))
ZH_TAGS = ("重点客户", "续约", "制造业", "展会线索", "国企", "外资", "价格敏感", "渠道伙伴", "招标", "高新技术")
ZH_SOURCES = ("展会", "官网咨询", "老客户推荐", "电话营销", "合作伙伴")
ZH_SEGMENTS = ("大客户", "中型企业", "小微企业")
ZH_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
ZH_GIVEN = ("建国", "晓明", "丽华", "志强", "婷", "磊", "静", "海燕", "伟", "敏", "俊杰", "雪梅", "鹏",
            "慧", "文博", "欣怡", "子涵", "浩然", "思远", "佳琪", "国庆", "秀英", "春燕", "立新")
ZH_TITLES = ("采购经理", "总经理", "技术总监", "设备部主管", "财务经理", "生产经理", "IT 经理", "副总经理")
EN_FIRST_PARTS = (
    "North", "Blue", "Silver", "Granite", "Pacific", "Atlantic", "Summit", "Red", "Green", "Golden",
    "Iron", "Eagle", "Pioneer", "Liberty", "Harbor", "Maple", "Cedar", "Lake", "River", "Prairie",
    "Sierra", "Coastal", "Key", "Frontier", "Ever", "Bright", "Apex", "Vertex", "Crescent", "Falcon",
)
EN_SECOND_PARTS = ("wind", "stone", "line", "point", "view", "field", "ridge", "crest", "bridge",
                   "gate", "wood", "brook", "peak", "light", "works", "port", "mark", "way", "star")
EN_TRADES = ("Traders", "Manufacturing", "Robotics", "Logistics", "Foods", "Analytics", "Components",
             "Plastics", "Packaging", "Biotech", "Energy", "Systems", "Industrial Supply",
             "Medical Devices", "Electronics", "Machining", "Software", "Materials", "Automation")
EN_SUFFIXES = ("Inc.", "LLC", "Ltd.", "Corp.", "Co.", "GmbH", "Group", "")
EN_INDUSTRIES = ("Manufacturing", "Electronics", "Software", "Energy", "Medical devices", "Logistics",
                 "Food & beverage", "Chemicals", "Automotive", "Machinery", "Textiles", "Construction",
                 "Education", "Retail", "Wholesale", "Utilities")
EN_REGIONS = (("North America", 45), ("Europe", 30), ("Southeast Asia", 10), ("Middle East", 5),
              ("Latin America", 5), ("Oceania", 5))
EN_TAGS = ("key account", "renewal", "trade show lead", "regulated", "reseller", "price sensitive",
           "enterprise", "export", "webinar lead", "distribution")
EN_SOURCES = ("Trade show", "Website", "Referral", "Outbound", "Partner")
EN_SEGMENTS = ("Enterprise", "Mid-market", "SMB")
EN_FIRST = ("Sarah", "Michael", "Jennifer", "David", "Emily", "Robert", "Jessica", "Daniel", "Laura",
            "Kevin", "Rachel", "Brian", "Megan", "Thomas", "Anna", "Lukas", "Olivia", "James", "Sofia",
            "Noah", "Chloe", "Ethan", "Grace", "Lucas")
EN_LAST = ("Johnson", "Williams", "Brown", "Davis", "Garcia", "Wilson", "Anderson", "Thompson",
           "Martinez", "Clark", "Lewis", "Walker", "Hall", "Young", "Schmidt", "Larsen", "Nguyen",
           "Patel", "Rossi", "Kim", "Dubois", "Novak")
EN_TITLES = ("Purchasing Manager", "Plant Manager", "VP Operations", "CTO", "Procurement Lead",
             "Maintenance Supervisor", "CFO", "IT Director")
KINDS = (("call", 30), ("email", 20), ("wechat", 20), ("meeting", 10), ("visit", 10), ("social", 5), ("other", 5))
SUMMARIES = {
    "zh": (
        ("电话沟通了交期，客户希望下月初到货。", "客户认可方案", "发送更新后的交期表"),
        ("确认了年度采购计划，预计二季度有追加订单。", "有追加意向", "整理二季度报价"),
        ("回访上批设备的使用情况，运行稳定。", "客户满意", ""),
        ("客户咨询价格和账期。", "需要报价", "三天内发报价单"),
        ("发送了正式报价单和技术参数。", "已发送", "电话确认是否收到"),
        ("与技术团队开会评审联网方案，数据采集范围达成一致。", "方案通过评审", "准备试点合同"),
        ("季度业务回顾会，讨论了明年的预算和扩产计划。", "预算待批", "下月再跟进"),
        ("拜访工厂，现场查看了三条产线的设备情况。", "发现改造需求", "出具改造建议书"),
        ("微信确认了送货地址和收货人。", "已确认", ""),
        ("微信发送了新产品手册，对方表示会转给采购部。", "待反馈", "一周后跟进"),
    ),
    "en": (
        ("Called about lead times; they want delivery early next month.", "Agreed on the plan", "Send the updated schedule"),
        ("Went through next year's purchasing plan; a top-up order is likely in Q2.", "Interested in more", "Prepare a Q2 quote"),
        ("Check-in call: the last shipment is running without issues.", "Happy customer", ""),
        ("Asked about pricing and payment terms.", "Needs a quote", "Send a quote within three days"),
        ("Sent the formal quote and data sheet.", "Sent", "Call to confirm receipt"),
        ("Design review with their engineers; agreed on the data to collect.", "Design approved", "Draft the pilot contract"),
        ("Quarterly business review: budget and expansion plans.", "Budget pending", "Follow up next month"),
        ("Plant visit: walked three production lines with the maintenance team.", "Found retrofit needs", "Write a retrofit proposal"),
        ("Congratulated them on LinkedIn after their expansion announcement.", "", "Ask for a meeting"),
        ("Attended our smart-factory webinar.", "Interested", "Book a one-to-one call"),
    ),
}
TASK_TITLES = {
    "zh": ("发送报价单", "确认交付时间", "安排现场演示", "跟进合同盖章", "回访使用情况", "催收尾款", "准备季度回顾材料"),
    "en": ("Send the quote", "Confirm the delivery date", "Book an on-site demo", "Chase the signed contract",
           "Check in on the rollout", "Follow up on the open invoice", "Prepare the quarterly review"),
}
PRODUCTS = (("工业网关 IG-500", "Industrial gateway IG-500", 3800), ("PLC 控制模块 C200", "PLC control module C200", 12500),
            ("伺服驱动器 SD-750", "Servo drive SD-750", 6800), ("传感器套件 S-12", "Sensor kit S-12", 980),
            ("设备联网软件（年费）", "Connected-plant software, annual", 48000), ("年度维保服务", "Annual maintenance plan", 36000))
ZH_TEAMS = ("华东销售一部", "华东销售二部", "华南销售部", "华北销售部", "华中销售部", "西南销售部", "大客户部")
EN_TEAMS = ("North America Sales", "EMEA Sales", "APAC Sales")
TYPES = (("prospect", 45), ("customer", 35), ("partner", 5), ("churned", 15))
USD_RATE = Decimal("7.2000")
# fmt: on


def _weighted(pairs: tuple[tuple[str, int], ...]) -> tuple[tuple[str, ...], list[int]]:
    values, weights = zip(*pairs, strict=True)
    cum, total = [], 0
    for w in weights:
        total += w
        cum.append(total)
    return values, cum


class BulkLoader:
    """The plumbing: one seeded random stream, batched inserts, index drop and rebuild."""

    def __init__(self, engine: Engine, seed: int) -> None:
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"
        self.rng = random.Random(seed)
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.timings: list[tuple[str, int, float]] = []
        self.dropped: dict[str, list[dict[str, Any]]] = {}

    def _next_id(self, table: Table) -> int:
        with self.engine.connect() as conn:
            return (conn.scalar(select(func.max(table.c.id))) or 0) + 1

    def _insert(
        self, table: Table, rows: Iterable[dict[str, Any]], label: str | None = None
    ) -> int:
        """executemany in batches, all in one transaction; reports rows and seconds."""
        started = time.perf_counter()
        count = 0
        stmt = table.insert()
        with self.engine.begin() as conn:
            batch: list[dict[str, Any]] = []
            for row in rows:
                batch.append(row)
                if len(batch) >= BATCH:
                    conn.execute(stmt, batch)
                    count += len(batch)
                    batch = []
            if batch:
                conn.execute(stmt, batch)
                count += len(batch)
        self._timed(label or table.name, count, started)
        return count

    def _timed(self, label: str, rows: int, started: float, unit: str = "rows") -> None:
        seconds = time.perf_counter() - started
        self.timings.append((label, rows, seconds))
        rate = f"{rows / seconds:>10,.0f} {unit}/s" if rows and seconds and unit == "rows" else ""
        print(f"  {label:<24} {rows:>10,} {unit:<7} {seconds:>8.2f} s {rate}", flush=True)

    def drop_indexes(self, tables: list[Table]) -> None:
        """Plain secondary indexes slow a bulk load down; they are rebuilt after it."""
        with self.engine.begin() as conn:
            inspector = inspect(conn)
            for table in tables:
                kept = []
                for index in inspector.get_indexes(table.name):
                    columns = index.get("column_names") or []
                    if index.get("unique") or index.get("duplicates_constraint"):
                        continue
                    options = any(
                        value is not None and not (isinstance(value, list) and not value)
                        for value in (index.get("dialect_options") or {}).values()
                    )
                    if not columns or None in columns or options or index.get("include_columns"):
                        continue  # expressions or options: leave it in place
                    kept.append(index)
                    conn.execute(text(f'DROP INDEX "{index["name"]}"'))
                self.dropped[table.name] = kept

    def create_indexes(self, tables: list[Table]) -> None:
        for table in tables:
            started = time.perf_counter()
            with self.engine.begin() as conn:
                for index in self.dropped.get(table.name, []):
                    columns = ", ".join(f'"{name}"' for name in index["column_names"])
                    conn.execute(
                        text(f'CREATE INDEX "{index["name"]}" ON {table.name} ({columns})')
                    )
            count = len(self.dropped.get(table.name, []))
            self._timed(f"{table.name} (rebuild)", count, started, "indexes")

    def finish(self, analyze: bool, tables: Iterable[str]) -> None:
        """Sequences past the inserted ids (PostgreSQL), statistics if asked, a checkpoint."""
        started = time.perf_counter()
        tables = list(tables)
        if self.sqlite:
            with self.engine.connect() as conn:
                if analyze:
                    conn.exec_driver_sql("ANALYZE")
                conn.commit()
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            with self.engine.begin() as conn:
                for name in tables:
                    # Explicit ids were inserted: move each sequence past them for the app.
                    conn.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                            f"COALESCE((SELECT max(id) FROM {name}), 1))"
                        )
                    )
            if analyze:
                with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    for name in tables:
                        conn.exec_driver_sql(f"VACUUM ANALYZE {name}")
        label = "analyze" if analyze else "checkpoint"
        self._timed(label, 0, started, "")


CUSTOMER_TABLES = (
    "teams",
    "users",
    "accounts",
    "contacts",
    "interactions",
    "tasks",
    "orders",
    "order_lines",
)


class Loader(BulkLoader):
    """The people, their accounts and everything that hangs under them."""

    def __init__(self, engine: Engine, accounts: int, users: int, teams: int, seed: int) -> None:
        super().__init__(engine, seed)
        self.n = accounts
        self.n_users = users
        self.n_teams = teams

    # --- people --------------------------------------------------------------------------------

    def load_people(self) -> None:
        rng, now = self.rng, self.now
        team_base, user_base = self._next_id(Team.__table__), self._next_id(User.__table__)
        per_team = max(2, self.n_users // self.n_teams)
        english_from = round(self.n_teams * 0.7)
        password_hash = generate_password_hash(PASSWORD)  # one hash for everyone: hashing is slow
        teams, users = [], []
        self.team_lang: list[str] = []
        self.team_members: list[list[int]] = []
        self.user_team: dict[int, int] = {}
        self.user_role: dict[int, str] = {}
        for t in range(self.n_teams):
            lang = "en" if t >= english_from else "zh"
            names = EN_TEAMS if lang == "en" else ZH_TEAMS
            k = t - english_from if lang == "en" else t
            name = (
                names[k]
                if k < len(names)
                else (f"Sales Team {t + 1}" if lang == "en" else f"销售{t + 1}部")
            )
            teams.append(
                {"id": team_base + t, "name": f"{name} (bench)", "region": name, "manager_id": None,
                 "version": 1, "created_at": now - timedelta(days=900), "updated_at": now}
            )  # fmt: skip
            self.team_lang.append(lang)
            members = []
            for i in range(per_team):
                uid = user_base + len(users)
                role = "manager" if i == 0 else "rep"
                if lang == "zh":
                    display = rng.choice(ZH_SURNAMES) + rng.choice(ZH_GIVEN)
                else:
                    display = f"{rng.choice(EN_FIRST)} {rng.choice(EN_LAST)}"
                email = (
                    f"bench.mgr{t + 1:02d}@example.com"
                    if role == "manager"
                    else f"bench.rep{t + 1:02d}.{i:02d}@example.com"
                )
                users.append(
                    {"id": uid, "email": email, "display_name": display, "password_hash": password_hash,
                     "role": role, "team_id": team_base + t, "locale": "zh_CN" if lang == "zh" else "en",
                     "timezone": "Asia/Shanghai" if lang == "zh" else "America/New_York",
                     "active": True, "failed_logins": 0, "session_token": f"{rng.getrandbits(128):032x}",
                     "version": 1, "created_at": now - timedelta(days=rng.randint(60, 900)),
                     "updated_at": now}
                )  # fmt: skip
                members.append(uid)
                self.user_team[uid] = t
                self.user_role[uid] = role
            self.team_members.append(members)
        users.append(
            {"id": user_base + len(users), "email": "bench.admin@example.com", "display_name": "Bench Admin",
             "password_hash": password_hash, "role": "admin", "team_id": None, "locale": "en",
             "timezone": "Asia/Shanghai", "active": True, "failed_logins": 0,
             "session_token": f"{rng.getrandbits(128):032x}", "version": 1,
             "created_at": now - timedelta(days=900), "updated_at": now}
        )  # fmt: skip
        self._insert(Team.__table__, teams)
        self._insert(User.__table__, users)
        with self.engine.begin() as conn:
            for t, members in enumerate(self.team_members):
                conn.execute(
                    Team.__table__.update()
                    .where(Team.__table__.c.id == team_base + t)
                    .values(manager_id=members[0])
                )
        self.sales_people = [uid for members in self.team_members for uid in members]
        reps = [u for u in self.sales_people if self.user_role[u] == "rep"]
        self.reps_by_lang = {
            lang: [u for u in reps if self.team_lang[self.user_team[u]] == lang] or reps
            for lang in ("zh", "en")
        }

    # --- accounts and their history ------------------------------------------------------------

    def plan_accounts(self) -> None:
        """Owner, language, type and activity of every account, and when each interaction happens."""
        rng, n = self.rng, self.n
        # Managers own a few accounts, reps most of them.
        owners = self.sales_people
        owner_cum, running = [], 0
        for u in owners:
            running += 1 if self.user_role[u] == "manager" else 6
            owner_cum.append(running)
        types, type_cum = _weighted(TYPES)
        activity = {"prospect": 0.6, "customer": 1.6, "partner": 1.0, "churned": 0.5}
        self.owner: list[int | None] = []
        self.lang: list[str] = []
        self.type: list[str] = []
        weights = []
        for _ in range(n):
            if rng.random() < 0.10:
                owner, lang = None, "zh" if rng.random() < 0.7 else "en"
            else:
                owner = rng.choices(owners, cum_weights=owner_cum)[0]
                lang = self.team_lang[self.user_team[owner]]
            kind = rng.choices(types, cum_weights=type_cum)[0]
            self.owner.append(owner)
            self.lang.append(lang)
            self.type.append(kind)
            # One account in a thousand is a very busy one (hundreds of interactions).
            weights.append(
                activity[kind] * (60 if rng.random() < 0.001 else 1) * (0.5 if owner is None else 1)
            )
        total = 10 * n
        started = time.perf_counter()
        # Interactions in time order, as they would have been logged; each picks an account.
        self.i_when = sorted(rng.random() for _ in range(total))
        self.i_account = rng.choices(range(n), weights=weights, k=total)
        self.newest = [-1] * n
        self.oldest = [-1] * n
        for j, a in enumerate(self.i_account):
            if self.oldest[a] < 0:
                self.oldest[a] = j
            self.newest[a] = j
        self._timed("(plan interactions)", total, started)

    def _when(self, j: int) -> datetime:
        return self.now - timedelta(days=DAYS_OF_HISTORY * (1 - self.i_when[j]))

    def load_accounts(self) -> None:
        rng, now = self.rng, self.now
        self.account_base = self._next_id(Account.__table__)
        self.interaction_base = self._next_id(Interaction.__table__)
        zh_regions, zh_region_cum = _weighted(ZH_REGIONS)
        en_regions, en_region_cum = _weighted(EN_REGIONS)

        def rows() -> Iterator[dict[str, Any]]:
            for a in range(self.n):
                aid = self.account_base + a
                lang, owner = self.lang[a], self.owner[a]
                if lang == "zh":
                    city, area = rng.choice(ZH_CITIES)
                    name = (
                        city
                        + rng.choice(ZH_BRANDS)
                        + rng.choice(ZH_TRADES)
                        + rng.choice(ZH_SUFFIXES)
                    )
                    phone = f"{area}-{rng.randint(50000000, 89999999)}"
                    email = f"sales@corp{aid}.cn"
                    region = rng.choices(zh_regions, cum_weights=zh_region_cum)[0]
                    industry, tags = rng.choice(ZH_INDUSTRIES), ZH_TAGS
                    source, segments, country = rng.choice(ZH_SOURCES), ZH_SEGMENTS, "中国"
                    address = f"{city}市高新区科技大道{rng.randint(1, 999)}号"
                else:
                    first = rng.choice(EN_FIRST_PARTS) + rng.choice(EN_SECOND_PARTS)
                    name = f"{first} {rng.choice(EN_TRADES)} {rng.choice(EN_SUFFIXES)}".strip()
                    phone = f"+1 {rng.randint(201, 989)}-555-{rng.randint(0, 9999):04d}"
                    email = f"info@{first.lower()}{aid}.com"
                    region = rng.choices(en_regions, cum_weights=en_region_cum)[0]
                    industry, tags = rng.choice(EN_INDUSTRIES), EN_TAGS
                    source, segments = rng.choice(EN_SOURCES), EN_SEGMENTS
                    country = {"North America": "United States", "Europe": "Germany"}.get(
                        region, region
                    )
                    address = f"{rng.randint(100, 9999)} Commerce Drive"
                employees = rng.choice((20, 50, 120, 300, 800, 2500, 9000))
                newest, oldest = self.newest[a], self.oldest[a]
                created = now - timedelta(days=rng.uniform(30, 1100))
                if oldest >= 0:
                    created = min(created, self._when(oldest) - timedelta(days=1))
                last = self._when(newest) if newest >= 0 else None
                phone_key = normalise_phone(phone)
                yield {
                    "id": aid, "external_id": None, "name": name, "name_key": normalise_name(name),
                    "type": self.type[a], "industry": industry,
                    "segment": segments[0 if employees >= 1000 else 1 if employees >= 200 else 2],
                    "region": region, "country": country, "employees": employees,
                    "annual_revenue": Decimal(employees * rng.randint(200_000, 1_500_000)),
                    "revenue_currency": "CNY" if lang == "zh" else "USD", "source": source,
                    "tags": Account.pack_tags(rng.sample(tags, rng.choice((0, 1, 1, 2, 3)))),
                    "phone": phone, "phone_key": phone_key, "email": email,
                    "email_domain": email_domain(email), "website": "https://www." + email.split("@")[1],
                    "address": address,
                    "credit_limit": Decimal(rng.choice((50, 100, 200, 500)) * 1000) if self.type[a] == "customer" else None,
                    "credit_currency": "CNY" if lang == "zh" else "USD", "notes": "",
                    "owner_id": owner,
                    "owner_since": created + (now - created) * rng.random() if owner else None,
                    "last_interaction_at": last, "search_text": search_text_of(name, phone_key, email),
                    "version": 1, "deleted_at": now - timedelta(days=rng.randint(1, 300)) if rng.random() < 0.01 else None,
                    "created_at": created, "updated_at": max(created, last or created),
                }  # fmt: skip

        self._insert(Account.__table__, rows())

    def load_contacts(self) -> None:
        rng, now, n = self.rng, self.now, self.n
        self.contact_base = self._next_id(Contact.__table__)
        counts = [1] * n
        for _ in range(round(2.5 * n) - n):
            counts[rng.randrange(n)] += 1
        self.contact_count = counts
        self.first_contact = []
        next_id = self.contact_base
        for c in counts:
            self.first_contact.append(next_id)
            next_id += c

        def rows() -> Iterator[dict[str, Any]]:
            cid = self.contact_base
            for a in range(n):
                lang = self.lang[a]
                for k in range(counts[a]):
                    if lang == "zh":
                        name = rng.choice(ZH_SURNAMES) + rng.choice(ZH_GIVEN)
                        digits = f"1{rng.choice('3589')}{rng.randint(100000000, 999999999)}"
                        phone = f"{digits[:3]} {digits[3:7]} {digits[7:]}"
                        email = f"c{cid}@{'qq.com' if rng.random() < 0.3 else f'corp{self.account_base + a}.cn'}"
                        wechat = f"wx_{cid:x}{rng.randint(10, 99)}"
                        channel = rng.choice(("wechat", "wechat", "phone", "email"))
                        title, locale = rng.choice(ZH_TITLES), "zh_CN"
                    else:
                        first, last = rng.choice(EN_FIRST), rng.choice(EN_LAST)
                        name = f"{first} {last}"
                        phone = f"+1 {rng.randint(201, 989)}-555-{rng.randint(0, 9999):04d}"
                        email = f"{first.lower()}.{last.lower()}{cid}@example.com"
                        wechat = ""
                        channel = rng.choice(("email", "email", "phone"))
                        title, locale = rng.choice(EN_TITLES), "en"
                    phone_key = normalise_phone(phone)
                    created = now - timedelta(days=rng.uniform(1, 1000))
                    yield {
                        "id": cid, "external_id": None, "account_id": self.account_base + a,
                        "name": name, "title": title, "phone": phone, "phone_key": phone_key,
                        "email": email, "wechat": wechat, "preferred_channel": channel,
                        "is_primary": k == 0, "locale": locale, "notes": "",
                        "search_text": search_text_of(name, phone_key, email, wechat), "version": 1,
                        "deleted_at": None, "created_at": created, "updated_at": created,
                    }  # fmt: skip
                    cid += 1

        self._insert(Contact.__table__, rows())

    def load_interactions(self) -> None:
        rng = self.rng
        kinds, kind_cum = _weighted(KINDS)
        directions = ("outbound", "outbound", "inbound")

        def rows() -> Iterator[dict[str, Any]]:
            for j, a in enumerate(self.i_account):
                at = self._when(j)
                lang = self.lang[a]
                author = self.owner[a] or rng.choice(self.reps_by_lang[lang])
                summary, outcome, next_step = rng.choice(SUMMARIES[lang])
                contact = (
                    self.first_contact[a] + rng.randrange(self.contact_count[a])
                    if rng.random() < 0.85
                    else None
                )
                yield {
                    "id": self.interaction_base + j, "account_id": self.account_base + a,
                    "contact_id": contact, "author_id": author,
                    "kind": rng.choices(kinds, cum_weights=kind_cum)[0],
                    "direction": rng.choice(directions), "occurred_at": at, "summary": summary,
                    "outcome": outcome, "next_step": next_step, "version": 1,
                    "deleted_at": at if rng.random() < 0.005 else None, "created_at": at, "updated_at": at,
                }  # fmt: skip

        self._insert(Interaction.__table__, rows())

    def load_tasks(self) -> None:
        rng, now = self.rng, self.now
        base = self._next_id(Task.__table__)
        owned = [a for a in range(self.n) if self.owner[a] is not None]
        priorities = ("low", "normal", "normal", "normal", "high")
        total = 2 * self.n

        def rows() -> Iterator[dict[str, Any]]:
            for k in range(total):
                if rng.random() < 0.9:
                    a = rng.choice(owned)
                    owner, lang = self.owner[a], self.lang[a]
                    account = self.account_base + a
                    contact = (
                        self.first_contact[a] + rng.randrange(self.contact_count[a])
                        if rng.random() < 0.5
                        else None
                    )
                    newest = self.newest[a]
                    interaction = (
                        self.interaction_base + newest
                        if newest >= 0 and rng.random() < 0.3
                        else None
                    )
                else:
                    owner = rng.choice(self.sales_people)
                    lang = self.team_lang[self.user_team[owner]]
                    account = contact = interaction = None
                state = rng.random()
                done_at = done_by = None
                if state < 0.5:  # done
                    due = now - timedelta(days=rng.uniform(1, DAYS_OF_HISTORY))
                    done_at = min(now, due + timedelta(days=rng.uniform(-3, 5)))
                    done_by = owner
                elif state < 0.7:  # open and overdue
                    due = now - timedelta(days=rng.uniform(0.1, 60))
                else:  # open, due later
                    due = now + timedelta(days=rng.uniform(0.1, 45))
                created = min(now, due) - timedelta(days=rng.uniform(1, 14))
                yield {
                    "id": base + k, "title": rng.choice(TASK_TITLES[lang]), "due_at": due,
                    "owner_id": owner, "priority": rng.choice(priorities), "account_id": account,
                    "contact_id": contact, "interaction_id": interaction, "kind": "follow_up",
                    "notes": "", "done_at": done_at, "done_by_id": done_by, "version": 1,
                    "deleted_at": None, "created_at": created, "updated_at": done_at or created,
                }  # fmt: skip

        self._insert(Task.__table__, rows())

    def load_orders(self) -> None:
        rng, now = self.rng, self.now
        order_base = self._next_id(Order.__table__)
        line_base = self._next_id(OrderLine.__table__)
        customers = [a for a in range(self.n) if self.type[a] in ("customer", "churned")]
        total = round(0.2 * self.n)
        orders, lines = [], []
        for k in range(total):
            a = rng.choice(customers)
            lang = self.lang[a]
            currency = "CNY" if lang == "zh" or rng.random() < 0.3 else "USD"
            ordered = (now - timedelta(days=rng.uniform(1, DAYS_OF_HISTORY))).date()
            order_total = Decimal("0")
            for zh, en, cny in rng.sample(PRODUCTS, rng.randint(1, 3)):
                price = (
                    Decimal(cny)
                    if currency == "CNY"
                    else (Decimal(cny) / USD_RATE).quantize(Decimal("1"))
                )
                quantity = Decimal(rng.randint(1, 20))
                line_total = (quantity * price).quantize(Decimal("0.01"))
                order_total += line_total
                lines.append(
                    {"id": line_base + len(lines), "order_id": order_base + k,
                     "product": zh if lang == "zh" else en, "quantity": quantity,
                     "unit_price": price, "line_total": line_total}
                )  # fmt: skip
            rate = Decimal(1) if currency == "CNY" else USD_RATE
            paid_late = rng.random() < 0.5  # drawn every time, so the stream does not hang on today
            placed = datetime(ordered.year, ordered.month, ordered.day, 3, tzinfo=UTC)
            orders.append(
                {"id": order_base + k, "external_id": None, "account_id": self.account_base + a,
                 "ordered_on": ordered, "currency": currency, "total": order_total,
                 "base_total": (order_total * rate).quantize(Decimal("0.01")),
                 "paid": paid_late or ordered < date.today() - timedelta(days=30),
                 "notes": "", "version": 1, "deleted_at": None, "created_at": placed, "updated_at": placed}
            )  # fmt: skip
        self._insert(Order.__table__, orders)
        self._insert(OrderLine.__table__, lines)


# --- the sales pipeline ----------------------------------------------------------------------
# fmt: off
# Where open deals sit and where lost ones were lost, by position of the open stages (a funnel).
OPEN_STAGE_WEIGHTS = (30, 24, 18, 12, 10, 6)
LOST_STAGE_WEIGHTS = (30, 25, 18, 14, 8, 5)
QUOTE_POSITION = 3  # deals that reached the quote stage (position 3 of the default process) have quotes
DEAL_SOURCES = {"zh": ("展会", "官网咨询", "老客户推荐", "电话营销", "合作伙伴"),
                "en": ("Trade show", "Website", "Referral", "Outbound", "Partner")}
NEXT_STEPS = {"zh": ("安排演示", "发送报价", "确认需求", "约技术交流", "催合同盖章", "确认预算"),
              "en": ("Book a demo", "Send the quote", "Confirm the requirements", "Chase the signature",
                     "Follow up on pricing", "Meet the decision maker")}
BACK_REASONS = {"zh": ("客户预算推迟到下季度", "决策人变更，需要重新确认需求"),
                "en": ("Budget pushed to next quarter", "New decision maker: needs to be re-qualified")}
COMPETITORS = ("西门子", "施耐德", "汇川技术", "Rockwell", "ABB", "Honeywell")
LOST_NOTES = {"zh": "客户内部项目取消", "en": "The customer cancelled the project"}
QUOTE_TERMS = "付款方式：合同签订后30天内付清。\nPayment within 30 days of signing."
DISCOUNTS = (Decimal("0"), Decimal("0"), Decimal("0"), Decimal("5"), Decimal("10"), Decimal("15"))
BIG_DISCOUNTS = (Decimal("18"), Decimal("20"), Decimal("25"))
# fmt: on
PIPELINE_TABLES = ("deals", "deal_stage_history", "quotes", "quote_lines")


class PipelineLoader(BulkLoader):
    """Deals with their stage histories, and quotes with their lines, over the accounts and the
    people already in the database (built now or before): the rows read from the database, not
    from the customer loader, so `--pipeline-only` on an existing database builds the same data.
    """

    def __init__(self, engine: Engine, deals: int, quotes: int, open_share: float, seed: int):
        super().__init__(engine, seed + 1)  # its own stream: the customer data does not shift it
        self.n_deals = deals
        self.n_quotes = quotes
        self.open_share = open_share

    def read_reference(self) -> None:
        """The default process, reasons, products, rates, people and accounts, from the database."""
        with self.engine.connect() as conn:
            process = conn.execute(
                select(SalesProcess.__table__.c.id, SalesProcess.__table__.c.current_version_id)
                .where(SalesProcess.__table__.c.is_default.is_(True))
                .order_by(SalesProcess.__table__.c.id)
                .limit(1)
            ).one()
            self.version_id = process.current_version_id
            stages = conn.execute(
                select(Stage.__table__)
                .where(Stage.__table__.c.version_id == self.version_id)
                .order_by(Stage.__table__.c.position)
            ).all()
            self.open_stages = [s for s in stages if s.kind == "open"]
            self.after_sales = next(s for s in stages if s.kind == "after_sales")
            reasons = conn.execute(
                select(LostReason.__table__)
                .where(LostReason.__table__.c.active.is_(True))
                .order_by(LostReason.__table__.c.position)
            ).all()
            self.reasons = [(r.id, r.code, r.needs_text) for r in reasons]
            self.products = [
                (p.id, p.name, p.list_price)
                for p in conn.execute(
                    select(Product.__table__)
                    .where(
                        Product.__table__.c.active.is_(True), Product.__table__.c.currency == "CNY"
                    )
                    .order_by(Product.__table__.c.id)
                )
            ]
            self.usd_rates = [
                (r.valid_on, r.rate, r.source)
                for r in conn.execute(
                    select(ExchangeRate.__table__)
                    .where(ExchangeRate.__table__.c.currency == "USD")
                    .order_by(ExchangeRate.__table__.c.valid_on)
                )
            ]
            users = conn.execute(
                select(User.id, User.team_id, User.role, User.locale).order_by(User.id)
            ).all()
            self.user_lang = {u.id: "en" if u.locale == "en" else "zh" for u in users}
            self.team_manager = {
                t.id: t.manager_id for t in conn.execute(select(Team.id, Team.manager_id))
            }
            self.user_team = {u.id: u.team_id for u in users}
            accounts = Account.__table__.c
            rows = conn.execute(
                select(accounts.id, accounts.owner_id, accounts.type, accounts.name)
                .where(accounts.owner_id.is_not(None), accounts.deleted_at.is_(None))
                .order_by(accounts.id)
            ).all()
            contacts = Contact.__table__.c
            self.primary_contact = dict(
                conn.execute(
                    select(contacts.account_id, func.min(contacts.id))
                    .where(contacts.is_primary.is_(True), contacts.deleted_at.is_(None))
                    .group_by(contacts.account_id)
                ).all()
            )
        if not rows or not self.products or not self.open_stages:
            raise SystemExit("No owned accounts or no default process: nothing to hang deals on.")
        self.accounts = [(r.id, r.owner_id, r.name) for r in rows]
        activity = {"prospect": 1.0, "customer": 2.0, "partner": 1.5, "churned": 1.0}
        self.account_cum, running = [], 0.0
        for r in rows:
            running += activity.get(r.type, 1.0)
            self.account_cum.append(running)

    def _usd_rate(self, on: date) -> tuple[Decimal, date, str]:
        """The newest USD rate valid on the day (the oldest one before the table starts)."""
        chosen = self.usd_rates[0]
        for rate in self.usd_rates:
            if rate[0] <= on:
                chosen = rate
        return chosen[1], chosen[0], chosen[2]

    def _path(self, status: str, position: int) -> list[tuple[int, str, str]]:
        """The stage history of a deal: (stage position, status, reason) rows, 2 to 5 of them.
        Stages may be skipped forward (their criteria met at once); imports start anywhere."""
        rng, last_open = self.rng, len(self.open_stages) - 1
        k = rng.randint(2, 5)
        if status == "open":
            if position == 0:  # went forward once, then back with a reason
                return [(0, "open", ""), (1, "open", ""), (0, "open", "back")]
            middle = sorted(rng.sample(range(1, position), min(k - 2, position - 1)))
            return [(0, "open", ""), *((m, "open", "") for m in middle), (position, "open", "")]
        if status == "won":
            middle = sorted(rng.sample(range(1, last_open + 1), min(k - 2, last_open)))
            return [(0, "open", ""), *((m, "open", "") for m in middle), (-1, "won", "")]
        if position == 0 or k == 2:
            return [(position, "open", ""), (position, "lost", "")]
        middle = sorted(rng.sample(range(1, position), min(k - 3, position - 1)))
        return [
            (0, "open", ""),
            *((m, "open", "") for m in middle),
            (position, "open", ""),
            (position, "lost", ""),
        ]

    def load_deals(self) -> None:
        rng, now, today = self.rng, self.now, self.now.date()
        deal_base = self._next_id(Deal.__table__)
        history_base = self._next_id(StageHistory.__table__)
        opens, losts = range(len(self.open_stages)), range(len(self.open_stages))
        reason_ids = [r for r in self.reasons if r[1] != "other"]
        other = next((r for r in self.reasons if r[1] == "other"), None)
        history: list[dict[str, Any]] = []
        # What the quotes need: per deal (id, owner, lang, currency, status, from, to).
        self.quotable: list[tuple[int, int, str, str, str, datetime, datetime]] = []
        per_day = 86400

        def rows() -> Iterator[dict[str, Any]]:
            for k in range(self.n_deals):
                account_id, owner, account_name = rng.choices(
                    self.accounts, cum_weights=self.account_cum
                )[0]
                lang = self.user_lang.get(owner, "zh")
                draw = rng.random()
                if draw < self.open_share:
                    status = "open"
                    position = rng.choices(opens, weights=OPEN_STAGE_WEIGHTS)[0]
                    created = now - timedelta(seconds=rng.uniform(3, 200) * per_day)
                    end = now - timedelta(seconds=rng.uniform(0, 60) * per_day)
                    end = max(end, created + timedelta(hours=1))
                else:
                    status = (
                        "won" if draw < self.open_share + (1 - self.open_share) * 0.4 else "lost"
                    )
                    position = rng.choices(losts, weights=LOST_STAGE_WEIGHTS)[0]
                    age = rng.uniform(30, DAYS_OF_HISTORY)
                    created = now - timedelta(seconds=age * per_day)
                    end = created + timedelta(seconds=rng.uniform(7, min(180, age - 1)) * per_day)
                path = self._path(status, position)
                # Entry times: the first at creation, the last at `end`, the others in between.
                inner = sorted(rng.random() for _ in range(len(path) - 2))
                span = end - created
                times = [created, *(created + span * x for x in inner), end]
                deal_id = deal_base + k
                for i, (pos, row_status, reason) in enumerate(path):
                    stage = self.after_sales if pos < 0 else self.open_stages[pos]
                    history.append(
                        {"id": history_base + len(history), "deal_id": deal_id, "stage_id": stage.id,
                         "status": row_status, "entered_at": times[i],
                         "left_at": times[i + 1] if i + 1 < len(path) else None, "actor_id": owner,
                         "via": "import", "reason": rng.choice(BACK_REASONS[lang]) if reason else ""}
                    )  # fmt: skip
                stage = self.after_sales if status == "won" else self.open_stages[position]
                product_id, product_name, list_price = rng.choice(self.products)
                quantity = rng.randint(1, 20)
                usd = rng.random() < (0.4 if lang == "en" else 0.03) and bool(self.usd_rates)
                if usd:
                    rate, rate_date, rate_source = self._usd_rate(created.date())
                    amount = (list_price / rate * quantity).quantize(Decimal("1")) + Decimal("0.00")
                    base = (amount * rate).quantize(Decimal("0.01"))
                else:
                    rate, rate_date, rate_source = Decimal(1), None, "base"
                    amount = base = (list_price * quantity).quantize(Decimal("0.01"))
                closed_on = end.date() if status != "open" else None
                reason_row = None
                if status == "lost":
                    reason_row = other if other and rng.random() < 0.08 else rng.choice(reason_ids)
                updated = min(now, end + timedelta(seconds=rng.uniform(0, 5) * per_day))
                if status == "won" or position >= QUOTE_POSITION:  # reached the quote stage
                    self.quotable.append(
                        (deal_id, owner, lang, "USD" if usd else "CNY", status, created, end)
                    )
                yield {
                    "id": deal_id, "external_id": None,
                    "title": f"{account_name} · {product_name}"[:200], "account_id": account_id,
                    "contact_id": self.primary_contact.get(account_id) if rng.random() < 0.7 else None,
                    "owner_id": owner, "process_version_id": self.version_id, "stage_id": stage.id,
                    "status": status, "amount": amount, "currency": "USD" if usd else "CNY",
                    "rate": rate, "rate_date": rate_date, "rate_source": rate_source,
                    "base_amount": base,
                    "expected_close": closed_on or today + timedelta(days=rng.randint(-20, 120)),
                    "closed_on": closed_on, "engaged_on": created.date() if rng.random() < 0.3 else None,
                    "source": rng.choice(DEAL_SOURCES[lang]),
                    "competitor": rng.choice(COMPETITORS)
                    if reason_row is not None and reason_row[1] == "competitor" else "",
                    "next_step": rng.choice(NEXT_STEPS[lang]) if status == "open" else "",
                    "probability": {"open": stage.probability, "won": 100, "lost": 0}[status],
                    "probability_reason": "",
                    "lost_reason_id": reason_row[0] if reason_row else None,
                    "lost_note": LOST_NOTES[lang] if reason_row is not None and reason_row[2] else "",
                    "stage_entered_at": end, "product_name": product_name, "version": 1,
                    "deleted_at": updated if rng.random() < 0.005 else None,
                    "created_at": created, "updated_at": updated,
                }  # fmt: skip

        self._insert(Deal.__table__, rows())
        self._insert(StageHistory.__table__, history)

    def load_quotes(self) -> None:
        """Quotes of deals that reached the quote stage: the last one of a won deal accepted, of a
        lost one declined, of an open one anywhere from draft to sent; totals as quoting computes
        them; numbered Q-YYYY-NNNNNN in the order they were made."""
        rng, now = self.rng, self.now
        quote_base = self._next_id(Quote.__table__)
        line_base = self._next_id(QuoteLine.__table__)
        candidates = list(self.quotable)
        rng.shuffle(candidates)
        planned: list[tuple[datetime, tuple, bool]] = []  # (made, deal, last of the deal)
        for deal in candidates:
            if len(planned) >= self.n_quotes:
                break
            count = rng.choices((1, 2, 3, 4, 6), weights=(70, 20, 6, 3, 1))[0]
            count = min(count, self.n_quotes - len(planned))
            _deal_id, _owner, _lang, _currency, _status, created, end = deal
            start = created + (end - created) * 0.3
            made = sorted(start + (end - start) * rng.random() for _ in range(count))
            for i, at in enumerate(made):
                planned.append((at, deal, i == count - 1))
        planned.sort(key=lambda q: q[0])
        last_status = {
            "open": (("draft", "pending_approval", "approved", "sent"), (25, 15, 25, 35)),
            "won": (("accepted",), (1,)),
            "lost": (("declined", "sent", "rejected"), (60, 30, 10)),
        }
        earlier_status = (("declined", "rejected", "sent", "approved"), (45, 20, 25, 10))
        seq_by_year: dict[int, int] = {}
        quotes, lines = [], []
        for k, (made, deal, last) in enumerate(planned):
            deal_id, owner, lang, currency, deal_status, _created, _end = deal
            values, weights = last_status[deal_status] if last else earlier_status
            status = rng.choices(values, weights=weights)[0]
            year = made.year
            seq_by_year[year] = seq_by_year.get(year, 0) + 1
            big = status in ("pending_approval", "rejected") or (
                status not in ("draft",) and rng.random() < 0.2
            )
            products = rng.sample(self.products, rng.randint(1, min(3, len(self.products))))
            items = []
            for n, (product_id, _name, list_price) in enumerate(products):
                price = (
                    (list_price / self._usd_rate(made.date())[0]).quantize(Decimal("0.01"))
                    if currency == "USD"
                    else list_price
                )
                discount = rng.choice(BIG_DISCOUNTS) if big and n == 0 else rng.choice(DISCOUNTS)
                items.append((product_id, Decimal(rng.randint(1, 20)).quantize(Decimal("0.001")),
                              price, discount))  # fmt: skip
            tax_rate = Decimal("13.00")
            totals = compute_totals([(q, p, d) for _pid, q, p, d in items], tax_rate)
            quote_id = quote_base + k
            for n, ((product_id, quantity, price, discount), total) in enumerate(
                zip(items, totals.line_totals, strict=True)
            ):
                lines.append(
                    {"id": line_base + len(lines), "quote_id": quote_id, "position": n,
                     "product_id": product_id, "description": "", "quantity": quantity,
                     "unit_price": price, "discount_pct": discount, "line_total": total}
                )  # fmt: skip
            decided_at = decided_by = None
            comment = ""
            if status not in ("draft", "pending_approval"):
                if totals.max_discount > 15:  # above the limit: the team's manager decided
                    decided_by = self.team_manager.get(self.user_team.get(owner))
                    decided_at = made + timedelta(hours=rng.uniform(1, 48))
                    comment = "同意" if status != "rejected" else "折扣过高"
                else:  # within the limit: approved when submitted
                    decided_at = made + timedelta(minutes=rng.uniform(1, 60))
            decided_at = min(decided_at, now) if decided_at else None
            quotes.append(
                {"id": quote_id, "number": f"Q-{year}-{seq_by_year[year]:06d}", "revision": 1,
                 "deal_id": deal_id, "status": status, "currency": currency,
                 "language": "en" if lang == "en" else "zh_CN", "subtotal": totals.subtotal,
                 "tax_rate": tax_rate, "tax": totals.tax, "total": totals.total,
                 "max_discount": totals.max_discount, "valid_until": made.date() + timedelta(days=30),
                 "terms": QUOTE_TERMS, "created_by_id": owner, "decided_by_id": decided_by,
                 "decided_at": decided_at, "decision_comment": comment, "version": 1,
                 "deleted_at": None, "created_at": made, "updated_at": decided_at or made}
            )  # fmt: skip
        self._insert(Quote.__table__, quotes)
        self._insert(QuoteLine.__table__, lines)


def pipeline_tables() -> list[Table]:
    return [Deal.__table__, StageHistory.__table__, Quote.__table__, QuoteLine.__table__]


def empty_pipeline(engine: Engine) -> None:
    """Delete every deal and what hangs under it (the reference data stays)."""
    with engine.begin() as conn:
        for name in (
            "quote_lines",
            "quotes",
            "deal_interactions",
            "deal_approvals",
            "deal_steps_done",
            "deal_stage_history",
            "deals",
        ):
            conn.execute(text(f"DELETE FROM {name}"))


def reset_database(url: str) -> None:
    """Start from an empty database: delete the SQLite file, or recreate PostgreSQL's schema."""
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=200, help="sales people (managers included)")
    parser.add_argument("--teams", type=int, default=10)
    parser.add_argument(
        "--deals", type=int, help="deals (default: 2 per account, 200,000 for 100,000 accounts)"
    )
    parser.add_argument(
        "--quotes", type=int, help="quotes (default: one per 4 deals, 50,000 for 200,000 deals)"
    )
    parser.add_argument(
        "--open-share",
        type=float,
        default=0.10,
        help="share of the deals still open (default 0.10: about 2,000 open deals per team "
        "of the default 10 teams and 200,000 deals)",
    )
    parser.add_argument(
        "--pipeline-only",
        action="store_true",
        help="add only the deals and quotes to a database that has the customer data already",
    )
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument(
        "--reset",
        action="store_true",
        help="empty the database first (with --pipeline-only: only the deals and quotes)",
    )
    parser.add_argument(
        "--analyze",
        choices=("auto", "yes", "no"),
        default="auto",
        help="collect planner statistics after the load (auto: PostgreSQL yes, SQLite no, "
        "because the application never runs ANALYZE on SQLite)",
    )
    parser.add_argument(
        "--keep-indexes", action="store_true", help="do not drop indexes for the load"
    )
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("set DATABASE_URL or pass --database-url")
    if args.accounts < 10 or args.teams < 1 or args.users < 2 * args.teams:
        parser.error("need at least 10 accounts and two people per team")
    if not 0 <= args.open_share <= 1:
        parser.error("--open-share is between 0 and 1")

    from flask_migrate import upgrade

    from salesweb import create_app

    if args.reset and not args.pipeline_only:
        reset_database(args.database_url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url})
    started = time.perf_counter()
    with app.app_context():
        upgrade(revision="heads")  # every area's branch
        from salesweb.extensions import db

        db.engine.dispose()
    print(f"migrated in {time.perf_counter() - started:.2f} s", flush=True)

    # One connection for the whole load; on SQLite durability is not needed while loading.
    engine = create_engine(args.database_url, pool_size=1, max_overflow=0)
    with engine.connect() as conn:
        accounts = conn.scalar(select(func.count()).select_from(Account.__table__)) or 0
        deals = conn.scalar(text("SELECT count(*) FROM deals")) or 0
        conn.rollback()  # the PRAGMAs below refuse to run inside a transaction
        if engine.dialect.name == "sqlite":
            raw = conn.connection.driver_connection
            raw.execute("PRAGMA synchronous=OFF")
            raw.execute("PRAGMA cache_size=-400000")
    if args.pipeline_only:
        if not accounts:
            print("The database has no accounts: build it without --pipeline-only first.")
            return 1
        if deals and not args.reset:
            print("The database already has deals: add --reset to replace them.")
            return 1
    elif accounts:
        print("The database already has accounts: use --reset to start from an empty one.")
        return 1

    analyze = args.analyze == "yes" or (args.analyze == "auto" and engine.dialect.name != "sqlite")
    total_started = time.perf_counter()
    tables: list[str] = []
    if not args.pipeline_only:
        loader = Loader(engine, args.accounts, args.users, args.teams, args.seed)
        bulk = [Account.__table__, Contact.__table__, Interaction.__table__, Task.__table__]
        print(f"building {args.accounts:,} accounts on {engine.dialect.name}:", flush=True)
        if not args.keep_indexes:
            loader.drop_indexes(bulk)
        loader.load_people()
        loader.plan_accounts()
        loader.load_accounts()
        loader.load_contacts()
        loader.load_interactions()
        loader.load_tasks()
        loader.load_orders()
        if not args.keep_indexes:
            loader.create_indexes(bulk)
        tables += CUSTOMER_TABLES
        accounts = args.accounts

    n_deals = 2 * accounts if args.deals is None else args.deals
    n_quotes = n_deals // 4 if args.quotes is None else args.quotes
    pipeline = PipelineLoader(engine, n_deals, n_quotes, args.open_share, args.seed)
    print(f"building {n_deals:,} deals and {n_quotes:,} quotes:", flush=True)
    if args.pipeline_only and deals:
        started = time.perf_counter()
        empty_pipeline(engine)
        pipeline._timed("(delete old deals)", deals, started)
    started = time.perf_counter()
    with app.app_context():
        # The default process, stages, lost reasons, products and rates, through the ORM as
        # every installation gets them (a few audit rows: reference data, not bench data).
        from salesweb.extensions import db
        from salesweb.pipeline.seed import seed_reference

        seed_reference()
        db.session.commit()
        db.engine.dispose()
    pipeline._timed("(reference data)", 0, started, "")
    if n_deals:
        pipeline.read_reference()
        bulk = pipeline_tables()
        if not args.keep_indexes:
            pipeline.drop_indexes(bulk)
        pipeline.load_deals()
        pipeline.load_quotes()
        if not args.keep_indexes:
            pipeline.create_indexes(bulk)
        tables += PIPELINE_TABLES
    pipeline.finish(analyze, tables)
    print(f"  {'total':<24} {'':>18} {time.perf_counter() - total_started:>8.2f} s")
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
