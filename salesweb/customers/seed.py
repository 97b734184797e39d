"""Demo accounts, contacts, interactions, tasks and orders of the demo company.

About 60 accounts, Chinese and English, owned by the demo reps and managers (some in the public
pool), each with contacts, a year of interactions, follow-up tasks and, for customers, orders.
Everything goes through the customers services, so derived fields and audit rows are right.

The whole plan is drawn from `random.Random(2026)` before the database is looked at, so the demo
is the same every time; dates are relative to today. Accounts carry the external id
`DEMO-<n>`: an account that already exists is skipped with everything under it, so running the
seeder twice adds nothing (and a deleted demo row is not brought back).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select, update

from salesweb.auth.models import User
from salesweb.core import seeding
from salesweb.core.models import ExchangeRate, UTCDateTime, utcnow
from salesweb.customers import services
from salesweb.customers.models import Account, Contact, Interaction, Order, Task
from salesweb.extensions import db

SEED = 2026
PREFIX = "DEMO-"
RATE_MONTHS = 15  # monthly rates reaching back further than the oldest demo order

# --- the accounts ------------------------------------------------------------------------------
# fmt: off
# Owner keys: rep, rep2, mgr (华东销售部), narep, namgr (North America Sales), None (the pool).

# name, type, industry, region, city, owner, tags, web domain
ZH_ACCOUNTS = (
    ("上海明远精密机械有限公司", "customer", "机械制造", "华东", "上海", "rep", "重点客户,制造业", "mingyuan-pm.com"),
    ("杭州云帆科技有限公司", "customer", "软件与信息服务", "华东", "杭州", "rep", "SaaS,续约", "yunfan-tech.cn"),
    ("苏州恒瑞电子有限公司", "customer", "电子元器件", "华东", "苏州", "rep", "制造业", "hengrui-elec.com"),
    ("南京金陵医疗器械股份有限公司", "prospect", "医疗器械", "华东", "南京", "rep", "医疗,招标", "jinling-med.com"),
    ("宁波港盛物流有限公司", "customer", "物流", "华东", "宁波", "rep", "物流", "gangsheng-log.cn"),
    ("无锡华光新能源科技有限公司", "prospect", "新能源", "华东", "无锡", "rep", "新能源,展会线索", "huaguang-ne.com"),
    ("合肥天弘智能装备有限公司", "partner", "智能制造", "华东", "合肥", "rep", "渠道伙伴", "tianhong-ie.com"),
    ("上海浦江食品有限公司", "churned", "食品饮料", "华东", "上海", None, "流失", "pujiang-food.com"),
    ("深圳鹏程通信技术有限公司", "customer", "通信", "华南", "深圳", "rep2", "重点客户", "pengcheng-tel.com"),
    ("广州岭南化工集团", "prospect", "化工", "华南", "广州", None, "化工", "lingnan-chem.com"),
    ("东莞顺达模具有限公司", "customer", "机械制造", "华南", "东莞", "rep2", "制造业", "shunda-mold.cn"),
    ("厦门海翼贸易有限公司", "partner", "贸易", "华南", "厦门", "rep2", "渠道伙伴,出口", "haiyi-trade.com"),
    ("北京中科睿思信息技术有限公司", "prospect", "软件与信息服务", "华北", "北京", "mgr", "SaaS", "ruisi-it.com"),
    ("天津渤海重工有限公司", "customer", "机械制造", "华北", "天津", "mgr", "重点客户,国企", "bohai-hi.com"),
    ("青岛海润水产有限公司", "churned", "食品饮料", "华北", "青岛", None, "流失", "hairun-sea.com"),
    ("成都天府云数据有限公司", "prospect", "软件与信息服务", "西南", "成都", "rep2", "数据中心", "tianfu-cloud.cn"),
    ("重庆长江汽车零部件有限公司", "customer", "汽车零部件", "西南", "重庆", "rep2", "汽车,重点客户", "cj-autoparts.com"),
    ("武汉光谷激光技术有限公司", "customer", "激光设备", "华中", "武汉", "mgr", "高新技术", "ggl-laser.com"),
    ("长沙湘江工程机械有限公司", "prospect", "工程机械", "华中", "长沙", "rep2", "展会线索", "xj-machinery.com"),
    ("西安秦川航空材料有限公司", "prospect", "航空航天", "西北", "西安", None, "军工配套", "qinchuan-am.com"),
    ("常州龙城纺织有限公司", "churned", "纺织", "华东", "常州", "rep2", "流失,价格敏感", "longcheng-tex.com"),
    ("嘉兴禾丰农业科技有限公司", "prospect", "农业", "华东", "嘉兴", "rep", "农业", "hefeng-agri.cn"),
    ("绍兴越达印染有限公司", "customer", "纺织", "华东", "绍兴", "rep", "制造业,节能改造", "yueda-dye.com"),
    ("温州瓯江阀门有限公司", "customer", "机械制造", "华东", "温州", "rep", "制造业", "oujiang-valve.com"),
    ("上海申通智慧物流有限公司", "partner", "物流", "华东", "上海", "mgr", "渠道伙伴", "shentong-sl.com"),
    ("杭州西溪生物医药有限公司", "prospect", "生物医药", "华东", "杭州", "rep", "医疗", "xixi-bio.com"),
    ("苏州博睿自动化有限公司", "customer", "智能制造", "华东", "苏州", "rep2", "重点客户,自动化", "borui-auto.com"),
    ("南通江海建材有限公司", "prospect", "建材", "华东", "南通", "rep", "建材", "jianghai-bm.cn"),
    ("扬州运河酒店管理有限公司", "churned", "酒店", "华东", "扬州", None, "流失", "yunhe-hotel.com"),
    ("上海星辰教育科技有限公司", "customer", "教育", "华东", "上海", "rep2", "教育,续约", "xingchen-edu.com"),
    ("浙江千岛湖饮用水有限公司", "customer", "食品饮料", "华东", "杭州", "rep", "快消", "qdh-water.com"),
    ("福州闽江电力设备有限公司", "prospect", "电力设备", "华南", "福州", "rep2", "电力", "minjiang-pe.com"),
    ("昆山精工塑胶制品有限公司", "customer", "塑料制品", "华东", "昆山", "rep", "制造业,台资", "jinggong-plastic.com"),
    ("上海云图数据服务有限公司", "partner", "软件与信息服务", "华东", "上海", "mgr", "渠道伙伴,SaaS", "yuntu-data.com"),
    ("芜湖江城汽车电子有限公司", "prospect", "汽车零部件", "华东", "芜湖", "rep", "汽车", "jiangcheng-ae.com"),
    ("徐州淮海工程机械有限公司", "customer", "工程机械", "华东", "徐州", "mgr", "重点客户", "huaihai-cm.com"),
    ("上海华亭连锁超市有限公司", "prospect", "零售", "华东", "上海", None, "零售", "huating-mart.com"),
    ("杭州钱塘电商运营有限公司", "churned", "电子商务", "华东", "杭州", "rep", "流失", "qiantang-ec.com"),
    ("济南泉城仪器仪表有限公司", "prospect", "仪器仪表", "华北", "济南", "rep2", "展会线索", "quancheng-inst.com"),
    ("珠海横琴跨境贸易有限公司", "prospect", "贸易", "华南", "珠海", None, "跨境", "hengqin-trade.com"),
)

# name, type, industry, region, (city, country, dialling prefix), owner, tags, web domain
EN_ACCOUNTS = (
    ("Northwind Traders", "customer", "Wholesale", "West Coast", ("Seattle, WA", "United States", "+1 206-555-01"), "narep", "key account,distribution", "northwindtraders.com"),
    ("Contoso Manufacturing Inc.", "customer", "Manufacturing", "Midwest", ("Chicago, IL", "United States", "+1 312-555-01"), "narep", "key account,manufacturing", "contoso-mfg.com"),
    ("Fabrikam Robotics LLC", "prospect", "Automation", "Northeast", ("Boston, MA", "United States", "+1 617-555-01"), "narep", "trade show lead", "fabrikam-robotics.com"),
    ("Adventure Works Cycles", "customer", "Sporting goods", "West Coast", ("Portland, OR", "United States", "+1 503-555-01"), "namgr", "renewal", "adventure-works.com"),
    ("Tailspin Toys", "partner", "Retail", "South", ("Dallas, TX", "United States", "+1 214-555-01"), "narep", "reseller", "tailspintoys.com"),
    ("Blue Yonder Airlines", "prospect", "Aviation", "South", ("Atlanta, GA", "United States", "+1 404-555-01"), None, "enterprise", "blueyonderairlines.com"),
    ("Lakeshore Medical Devices", "customer", "Medical devices", "Midwest", ("Minneapolis, MN", "United States", "+1 612-555-01"), "narep", "regulated,key account", "lakeshore-med.com"),
    ("Granite State Machining", "churned", "Manufacturing", "Northeast", ("Manchester, NH", "United States", "+1 603-555-01"), None, "lost to competitor", "granitestatemachining.com"),
    ("Pacific Coast Logistics", "customer", "Logistics", "West Coast", ("Oakland, CA", "United States", "+1 510-555-01"), "namgr", "logistics", "pacificcoastlogistics.com"),
    ("Summit Ridge Energy", "prospect", "Energy", "Mountain", ("Denver, CO", "United States", "+1 303-555-01"), "narep", "energy", "summitridge-energy.com"),
    ("Harbor Point Foods", "customer", "Food & beverage", "Northeast", ("Philadelphia, PA", "United States", "+1 215-555-01"), "narep", "food safety", "harborpointfoods.com"),
    ("Redwood Analytics Inc.", "partner", "Software", "West Coast", ("San Francisco, CA", "United States", "+1 415-555-01"), "namgr", "technology partner", "redwood-analytics.com"),
    ("Maple Leaf Components Ltd.", "customer", "Electronics", "Canada", ("Toronto, ON", "Canada", "+1 416-555-01"), "narep", "electronics", "mapleleafcomponents.ca"),
    ("Lone Star Plastics", "churned", "Plastics", "South", ("Houston, TX", "United States", "+1 713-555-01"), "narep", "price sensitive", "lonestarplastics.com"),
    ("Great Lakes Packaging", "prospect", "Packaging", "Midwest", ("Milwaukee, WI", "United States", "+1 414-555-01"), None, "webinar lead", "greatlakespackaging.com"),
    ("Bayside Biotech", "prospect", "Biotech", "West Coast", ("San Diego, CA", "United States", "+1 619-555-01"), "narep", "regulated", "baysidebiotech.com"),
    ("Müller Präzisionstechnik GmbH", "customer", "Manufacturing", "Europe", ("Stuttgart", "Germany", "+49 711 555 0"), "namgr", "key account,export", "mueller-praezision.de"),
    ("Nordic Wind Systems AB", "prospect", "Energy", "Europe", ("Gothenburg", "Sweden", "+46 31 555 0"), "namgr", "energy,export", "nordicwind.se"),
    ("Brightline Education", "customer", "Education", "Northeast", ("New York, NY", "United States", "+1 212-555-01"), "narep", "renewal", "brightline-edu.com"),
    ("Keystone Industrial Supply", "customer", "Wholesale", "Northeast", ("Pittsburgh, PA", "United States", "+1 412-555-01"), "narep", "distribution", "keystone-supply.com"),
)

# Two of rep@example.com's accounts have gone quiet, so `flask customers reclaim` finds them.
IDLE = frozenset({"南通江海建材有限公司", "芜湖江城汽车电子有限公司"})
IDLE_DAYS = (120, 134)

OWNER_EMAILS = {
    "rep": "rep@example.com",
    "rep2": "rep2@example.com",
    "mgr": "manager@example.com",
    "narep": "na.rep@example.com",
    "namgr": "na.manager@example.com",
}
# Who worked a pool account before it went back to the pool.
FORMER_OWNER = {"zh": "rep2", "en": "narep"}

AREA_CODES = {
    "上海": "021", "杭州": "0571", "苏州": "0512", "南京": "025", "宁波": "0574", "无锡": "0510",
    "合肥": "0551", "深圳": "0755", "广州": "020", "东莞": "0769", "厦门": "0592", "北京": "010",
    "天津": "022", "青岛": "0532", "成都": "028", "重庆": "023", "武汉": "027", "长沙": "0731",
    "西安": "029", "常州": "0519", "嘉兴": "0573", "绍兴": "0575", "温州": "0577", "南通": "0513",
    "扬州": "0514", "福州": "0591", "昆山": "0512", "芜湖": "0553", "徐州": "0516", "济南": "0531",
    "珠海": "0756",
}
ZH_ROADS = ("经济技术开发区创业路", "高新区科技大道", "工业园区星湖街", "滨江路", "人民路", "建设大道", "东方路")
EN_STREETS = ("Commerce Drive", "Industrial Parkway", "Harbor Street", "Main Street", "Lakeview Avenue", "Technology Way")
EU_STREETS = {"Germany": "Industriestraße", "Sweden": "Hamngatan"}

ZH_SURNAMES = (
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
    ("赵", "zhao"), ("黄", "huang"), ("周", "zhou"), ("吴", "wu"), ("徐", "xu"), ("孙", "sun"),
    ("胡", "hu"), ("朱", "zhu"), ("高", "gao"), ("林", "lin"), ("何", "he"), ("郭", "guo"),
)
ZH_GIVEN = (
    ("建国", "jianguo"), ("晓明", "xiaoming"), ("丽华", "lihua"), ("志强", "zhiqiang"),
    ("婷", "ting"), ("磊", "lei"), ("静", "jing"), ("海燕", "haiyan"), ("伟", "wei"),
    ("敏", "min"), ("俊杰", "junjie"), ("雪梅", "xuemei"), ("鹏", "peng"), ("慧", "hui"),
    ("文博", "wenbo"), ("欣怡", "xinyi"),
)
ZH_TITLES = ("采购经理", "总经理", "技术总监", "设备部主管", "财务经理", "生产经理", "IT 经理", "副总经理")
EN_FIRST = ("Sarah", "Michael", "Jennifer", "David", "Emily", "Robert", "Jessica", "Daniel", "Laura", "Kevin", "Rachel", "Brian", "Megan", "Thomas", "Anna", "Lukas")
EN_LAST = ("Johnson", "Williams", "Brown", "Davis", "Garcia", "Wilson", "Anderson", "Thompson", "Martinez", "Clark", "Lewis", "Walker", "Hall", "Young", "Schmidt", "Larsen")
EN_TITLES = ("Purchasing Manager", "Plant Manager", "VP Operations", "CTO", "Procurement Lead", "Maintenance Supervisor", "CFO", "IT Director")

# The demo company sells industrial IoT hardware, software and services.
PRODUCTS = (
    # zh name, en name, CNY unit price, USD unit price, kind
    ("工业网关 IG-500", "Industrial gateway IG-500", "3800", "560", "unit"),
    ("PLC 控制模块 C200", "PLC control module C200", "12500", "1850", "unit"),
    ("伺服驱动器 SD-750", "Servo drive SD-750", "6800", "990", "unit"),
    ("传感器套件 S-12", "Sensor kit S-12", "980", "145", "unit"),
    ("设备联网软件（年费）", "Connected-plant software, annual", "48000", "7200", "licence"),
    ("现场实施服务（人天）", "On-site services (per day)", "2500", "1200", "day"),
    ("年度维保服务", "Annual maintenance plan", "36000", "5400", "licence"),
)
EUR_PER_USD = Decimal("0.92")

# kind -> (summary, outcome, next step); {contact} and {product} are filled in.
SUMMARIES = {
    "zh": {
        "call": (
            ("电话沟通了{product}的交期，客户希望下月初到货。", "客户认可方案", "发送更新后的交期表"),
            ("与{contact}电话确认了年度采购计划，预计二季度有追加订单。", "有追加意向", "整理二季度报价"),
            ("回访{contact}，了解上批设备的使用情况，运行稳定。", "客户满意", ""),
            ("{contact}来电咨询{product}的价格和账期。", "需要报价", "三天内发报价单"),
        ),
        "email": (
            ("发送了{product}的正式报价单和技术参数。", "已发送", "电话确认是否收到"),
            ("邮件答复{contact}关于发票抬头和开票时间的问题。", "已解决", ""),
            ("收到{contact}的邮件，询问能否安排上门培训。", "待安排", "协调实施工程师档期"),
        ),
        "meeting": (
            ("与{contact}及技术团队开会评审联网方案，数据采集范围达成一致。", "方案通过评审", "准备试点合同"),
            ("季度业务回顾会，讨论了明年的预算和扩产计划。", "预算待批", "下月再跟进"),
            ("线上会议演示了设备联网软件的新报表功能。", "反应积极", "开通试用账号"),
        ),
        "visit": (
            ("拜访工厂，现场查看了三条产线的设备情况。", "发现改造需求", "出具改造建议书"),
            ("带工程师上门调试{product}，问题已排除。", "问题解决", ""),
            ("拜访{contact}，沟通明年的合作重点。", "关系良好", "发送合作方案"),
        ),
        "wechat": (
            ("微信上和{contact}确认了送货地址和收货人。", "已确认", ""),
            ("{contact}微信发来现场照片，询问{product}的安装方式。", "已答复", "发送安装视频"),
            ("微信发送了新产品手册，{contact}表示会转给采购部。", "待反馈", "一周后跟进"),
        ),
        "social": (
            ("在公众号上看到客户扩产的新闻，给{contact}发消息祝贺。", "", "约时间拜访"),
            ("{contact}在行业群里询问我们展会的展位号。", "已邀约", "展会现场见面"),
        ),
        "other": (
            ("寄送了{product}样品。", "已签收", "询问测试结果"),
            ("客户参加了我们在上海举办的智能制造研讨会。", "有兴趣", "安排一对一交流"),
        ),
    },
    "en": {
        "call": (
            ("Called {contact} about lead times for the {product}; they want delivery early next month.", "Agreed on the plan", "Send the updated schedule"),
            ("Went through next year's purchasing plan with {contact}; a top-up order is likely in Q2.", "Interested in more", "Prepare a Q2 quote"),
            ("Check-in call with {contact}: the last shipment is running without issues.", "Happy customer", ""),
            ("{contact} called asking about pricing and payment terms for the {product}.", "Needs a quote", "Send a quote within three days"),
        ),
        "email": (
            ("Sent the formal quote and data sheet for the {product}.", "Sent", "Call to confirm receipt"),
            ("Answered {contact}'s e-mail about invoice details and billing dates.", "Resolved", ""),
            ("{contact} e-mailed asking whether we can run on-site training.", "To be scheduled", "Check engineer availability"),
        ),
        "meeting": (
            ("Design review with {contact} and their engineers; agreed on the data to collect.", "Design approved", "Draft the pilot contract"),
            ("Quarterly business review: discussed next year's budget and expansion plans.", "Budget pending", "Follow up next month"),
            ("Video call demonstrating the new reporting features of the connected-plant software.", "Positive reaction", "Open a trial account"),
        ),
        "visit": (
            ("Plant visit: walked three production lines with the maintenance team.", "Found retrofit needs", "Write a retrofit proposal"),
            ("On-site with an engineer to commission the {product}; issue fixed.", "Issue resolved", ""),
            ("Visited {contact} to talk about next year's priorities.", "Good relationship", "Send a partnership proposal"),
        ),
        "wechat": (
            ("WeChat with {contact}'s sourcing agent in Shenzhen about the shipping documents.", "Confirmed", ""),
            ("{contact}'s China office asked on WeChat how to mount the {product}.", "Answered", "Send the installation video"),
        ),
        "social": (
            ("Congratulated {contact} on LinkedIn after their plant expansion announcement.", "", "Ask for a meeting"),
            ("{contact} commented on our LinkedIn post about predictive maintenance.", "Engaged", "Invite to the webinar"),
        ),
        "other": (
            ("Shipped a sample {product}.", "Delivered", "Ask for test results"),
            ("{contact} attended our smart-factory webinar.", "Interested", "Book a one-to-one call"),
        ),
    },
}
KIND_WEIGHTS = {
    "zh": (("call", 5), ("wechat", 6), ("visit", 3), ("meeting", 2), ("email", 2), ("social", 1), ("other", 1)),
    "en": (("email", 6), ("call", 5), ("meeting", 3), ("visit", 1), ("social", 2), ("wechat", 1), ("other", 1)),
}
TASK_TITLES = {
    "zh": ("发送报价单", "确认交付时间", "安排现场演示", "跟进合同盖章", "回访使用情况", "催收尾款", "准备季度回顾材料", "邀请参加研讨会"),
    "en": ("Send the quote", "Confirm the delivery date", "Book an on-site demo", "Chase the signed contract", "Check in on the rollout", "Follow up on the open invoice", "Prepare the quarterly review", "Invite to the webinar"),
}
SOURCES = {
    "zh": ("展会", "官网咨询", "老客户推荐", "电话营销", "合作伙伴"),
    "en": ("Trade show", "Website", "Referral", "Outbound", "Partner"),
}
SEGMENTS = {"zh": ("大客户", "中型企业", "小微企业"), "en": ("Enterprise", "Mid-market", "SMB")}
NOTES = {
    "zh": ("决策链较长，需要同时打通技术和采购。", "对价格敏感，重视售后响应速度。", ""),
    "en": ("Long decision chain: engineering and purchasing both sign off.", "Values fast support over price.", ""),
}
TIMEZONES = {"zh": ZoneInfo("Asia/Shanghai"), "en": ZoneInfo("America/New_York")}
# fmt: on


# --- the plan ----------------------------------------------------------------------------------


@dataclass
class InteractionPlan:
    days_ago: float
    kind: str
    direction: str
    contact: int
    summary: str
    outcome: str
    next_step: str


@dataclass
class TaskPlan:
    title: str
    due_days: float  # negative: in the past
    priority: str
    contact: int
    done: bool


@dataclass
class OrderPlan:
    days_ago: int
    currency: str
    lines: list[services.LineInput]
    paid: bool


@dataclass
class AccountPlan:
    external_id: str
    lang: str
    owner: str | None
    author: str
    created_days_ago: int
    owner_days_ago: int
    data: dict[str, Any]
    contacts: list[dict[str, Any]] = field(default_factory=list)
    interactions: list[InteractionPlan] = field(default_factory=list)
    tasks: list[TaskPlan] = field(default_factory=list)
    orders: list[OrderPlan] = field(default_factory=list)


def _mobile(rng: random.Random) -> str:
    digits = f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}"
    return f"{digits[:3]} {digits[3:7]} {digits[7:]}"


def _contacts(rng: random.Random, lang: str, domain: str, dial: str, n: int) -> list[dict]:
    out = []
    used: set[str] = set()
    while len(out) < n:
        if lang == "zh":
            (surname, s_py), (given, g_py) = rng.choice(ZH_SURNAMES), rng.choice(ZH_GIVEN)
            name = surname + given
            email = (
                f"{g_py}.{s_py}@{domain}"
                if rng.random() < 0.8
                else f"{rng.randint(10**7, 10**9)}@qq.com"
            )
            contact = {
                "name": name,
                "title": rng.choice(ZH_TITLES),
                "phone": _mobile(rng),
                "email": email,
                "wechat": f"{g_py}_{s_py}{rng.randint(1, 999)}",
                "preferred_channel": rng.choice(("wechat", "wechat", "phone", "email")),
                "locale": "zh_CN",
            }
        else:
            first, last = rng.choice(EN_FIRST), rng.choice(EN_LAST)
            name = f"{first} {last}"
            contact = {
                "name": name,
                "title": rng.choice(EN_TITLES),
                "phone": f"{dial}{rng.randint(0, 99):02d}",
                "email": f"{first.lower()}.{last.lower()}@{domain}",
                "wechat": f"{first.lower()}{last.lower()}_{rng.randint(10, 99)}"
                if rng.random() < 0.15
                else "",
                "preferred_channel": rng.choice(("email", "email", "phone")),
                "locale": "en",
            }
        if name in used:
            continue
        used.add(name)
        contact["is_primary"] = not out
        out.append(contact)
    return out


def _interactions(
    rng: random.Random, lang: str, contacts: list[dict], count: int, newest: float, oldest: float
) -> list[InteractionPlan]:
    kinds, weights = zip(*KIND_WEIGHTS[lang], strict=True)
    products = [p[0] if lang == "zh" else p[1] for p in PRODUCTS]
    ages = [newest] + sorted(rng.uniform(newest, oldest) for _ in range(count - 1))
    out = []
    for age in ages:
        kind = rng.choices(kinds, weights)[0]
        index = rng.randrange(len(contacts))
        summary, outcome, next_step = rng.choice(SUMMARIES[lang][kind])
        out.append(
            InteractionPlan(
                days_ago=age,
                kind=kind,
                direction="inbound" if rng.random() < 0.3 else "outbound",
                contact=index,
                summary=summary.format(
                    contact=contacts[index]["name"], product=rng.choice(products)
                ),
                outcome=outcome,
                next_step=next_step,
            )
        )
    return out


def _orders(rng: random.Random, lang: str, country: str, kind: str) -> list[OrderPlan]:
    count = {
        "customer": rng.randint(2, 5),
        "partner": rng.randint(0, 2),
        "churned": rng.randint(1, 2),
    }
    currency = "CNY" if lang == "zh" else ("EUR" if country in ("Germany", "Sweden") else "USD")
    out = []
    for _ in range(count.get(kind, 0)):
        days_ago = rng.randint(250, 360) if kind == "churned" else rng.randint(3, 350)
        lines = []
        for product in rng.sample(PRODUCTS, rng.randint(1, 3)):
            _zh, _en, cny, usd, unit = product
            price = Decimal(cny) if currency == "CNY" else Decimal(usd)
            if currency == "EUR":
                price = (price * EUR_PER_USD).quantize(Decimal("1"))
            quantity = {"unit": rng.randint(2, 40), "licence": 1, "day": rng.randint(2, 15)}[unit]
            lines.append(
                services.LineInput(
                    product=_zh if lang == "zh" else _en,
                    quantity=Decimal(quantity),
                    unit_price=price,
                )
            )
        out.append(OrderPlan(days_ago, currency, lines, paid=days_ago > 45 or rng.random() < 0.5))
    return sorted(out, key=lambda o: -o.days_ago)


def _tasks(
    rng: random.Random, lang: str, contacts: int, overdue_first: bool, quiet: bool
) -> list[TaskPlan]:
    titles = TASK_TITLES[lang]
    out = []
    for _ in range(rng.randint(1, 2)):  # finished work
        out.append(
            TaskPlan(
                rng.choice(titles), -rng.uniform(20, 300), "normal", rng.randrange(contacts), True
            )
        )
    if quiet:
        return out
    open_count = rng.randint(1, 2) if overdue_first else rng.randint(0, 2)
    for i in range(open_count):
        due = -rng.uniform(1, 20) if overdue_first and i == 0 else rng.uniform(-15, 30)
        priority = rng.choice(("low", "normal", "normal", "high"))
        out.append(TaskPlan(rng.choice(titles), due, priority, rng.randrange(contacts), False))
    return out


def build_plan() -> list[AccountPlan]:
    """Every demo account and what hangs under it, drawn from one fixed seed."""
    rng = random.Random(SEED)
    rows = [("zh", *row) for row in ZH_ACCOUNTS] + [("en", *row) for row in EN_ACCOUNTS]
    plans = []
    rep_accounts = 0
    for n, (lang, name, kind, industry, region, place, owner, tags, domain) in enumerate(rows, 1):
        if lang == "zh":
            city, country, dial = place, "中国", ""
            area = AREA_CODES[city]
            phone = f"{area}-{rng.randint(5000, 6999)}{rng.randint(1000, 9999)}"
            address = f"{city}市{rng.choice(ZH_ROADS)}{rng.randint(1, 999)}号"
        else:
            city, country, dial = place
            phone = f"{dial}{rng.randint(0, 99):02d}"
            street = EU_STREETS.get(country) or rng.choice(EN_STREETS)
            address = (
                f"{street} {rng.randint(1, 120)}, {city}"
                if country in EU_STREETS
                else f"{rng.randint(100, 9999)} {street}, {city}"
            )
        employees = rng.choice((30, 80, 150, 300, 600, 1200, 3000, 8000))
        segment = SEGMENTS[lang][0 if employees >= 1000 else 1 if employees >= 200 else 2]
        revenue_currency = "CNY" if lang == "zh" else ("EUR" if country in EU_STREETS else "USD")
        per_head = {"CNY": 900_000, "USD": 150_000, "EUR": 140_000}[revenue_currency]
        data = {
            "external_id": f"{PREFIX}{n:03d}",
            "name": name,
            "type": kind,
            "industry": industry,
            "segment": segment,
            "region": region,
            "country": country,
            "employees": employees,
            "annual_revenue": Decimal(employees * per_head * rng.randint(7, 13) // 10),
            "revenue_currency": revenue_currency,
            "source": rng.choice(SOURCES[lang]),
            "tags": tags,
            "phone": phone,
            "email": f"{'info' if lang == 'en' else 'sales'}@{domain}",
            "website": f"https://www.{domain}",
            "address": address,
            "credit_limit": Decimal(rng.choice((50, 100, 200, 500)) * 1000)
            if kind in ("customer", "partner")
            else None,
            "credit_currency": revenue_currency,
            "notes": rng.choice(NOTES[lang]),
        }
        idle = name in IDLE
        if idle:
            newest = rng.uniform(*IDLE_DAYS)
        elif owner is None:
            newest = rng.uniform(95, 280)  # it went to the pool after going quiet
        else:
            newest = rng.uniform(0.5, 45)
        oldest = 365 if kind in ("customer", "partner", "churned") else rng.uniform(90, 240)
        oldest = max(oldest, newest + 10)
        count = {"customer": (8, 16), "partner": (5, 10), "prospect": (3, 8), "churned": (3, 7)}[
            kind
        ]
        contacts = _contacts(rng, lang, domain, dial, rng.randint(1, 3))
        plan = AccountPlan(
            external_id=data["external_id"],
            lang=lang,
            owner=owner,
            author=owner or FORMER_OWNER[lang],
            created_days_ago=int(oldest) + rng.randint(5, 400),
            owner_days_ago=0,
            data=data,
            contacts=contacts,
            interactions=_interactions(rng, lang, contacts, rng.randint(*count), newest, oldest),
        )
        plan.owner_days_ago = rng.randint(max(int(newest) + 1, 100), plan.created_days_ago)
        if owner is not None:
            overdue_first = owner == "rep" and not idle and rep_accounts < 5
            rep_accounts += owner == "rep" and not idle
            plan.tasks = _tasks(rng, lang, len(contacts), overdue_first, quiet=idle)
        plan.orders = _orders(rng, lang, country, kind)
        plans.append(plan)
    return plans


# --- applying it -------------------------------------------------------------------------------


def _at(days_from_now: float, lang: str, now: datetime) -> datetime:
    """A moment some days before (negative) or after now, moved into the account's office hours."""
    local = (now + timedelta(days=days_from_now)).astimezone(TIMEZONES[lang])
    hour = 9 + int(abs(days_from_now) * 7.3) % 9
    minute = int(abs(days_from_now) * 131) % 60
    return local.replace(hour=hour, minute=minute, second=0, microsecond=0).astimezone(UTC)


def _past(days_ago: float, lang: str, now: datetime) -> datetime:
    return min(_at(-days_ago, lang, now), now - timedelta(minutes=5))


def _rate(currency: str, year: int, month: int) -> Decimal:
    """A plausible monthly rate to CNY, the same for a given month on every run."""
    base = {"USD": 7.18, "EUR": 7.85}[currency]
    wobble = random.Random(f"{SEED}-{currency}-{year}-{month}").uniform(-0.12, 0.12)
    return Decimal(str(round(base + wobble, 4)))


def seed_exchange_rates(today: date) -> None:
    """Monthly USD and EUR rates for the months the demo orders fall in (skips existing ones)."""
    existing = set(db.session.execute(select(ExchangeRate.currency, ExchangeRate.valid_on)).all())
    year, month = today.year, today.month
    for _ in range(RATE_MONTHS):
        day = date(year, month, 1)
        for currency in ("USD", "EUR"):
            if (currency, day) not in existing:
                rate = _rate(currency, year, month)
                db.session.add(
                    ExchangeRate(currency=currency, valid_on=day, rate=rate, source="demo")
                )
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    db.session.flush()


def _backdate(table: Any, rows: list[dict[str, Any]], **columns: str) -> None:
    """Give seeded rows their past creation and completion times (bookkeeping, not an edit)."""
    if not rows:
        return
    stmt = (
        update(table)
        .where(table.c.id == bindparam("row_id"))
        .values({col: bindparam(key, type_=UTCDateTime()) for col, key in columns.items()})
    )
    db.session.execute(stmt, rows)


def _users() -> dict[str, User]:
    by_email = {
        u.email: u
        for u in db.session.scalars(select(User).where(User.email.in_(OWNER_EMAILS.values())))
    }
    return {key: by_email[email] for key, email in OWNER_EMAILS.items() if email in by_email}


def seed_customers() -> None:
    """Create the demo accounts that do not exist yet, with their contacts, history and orders."""
    users = _users()
    if set(users) != set(OWNER_EMAILS):
        return  # the demo users are missing: the users seeder did not run
    now = utcnow()
    seed_exchange_rates(now.date())
    existing = set(
        db.session.scalars(
            select(Account.external_id).where(Account.external_id.like(f"{PREFIX}%"))
        )
    )
    stamps: dict[str, list[dict[str, Any]]] = {
        "accounts": [],
        "contacts": [],
        "interactions": [],
        "tasks": [],
        "orders": [],
    }
    for plan in build_plan():
        if plan.external_id not in existing:
            _apply_plan(plan, users, now, stamps)
    _backdate(
        Account.__table__,
        stamps["accounts"],
        created_at="created",
        owner_since="owner_since",
        updated_at="created",
    )
    _backdate(Contact.__table__, stamps["contacts"], created_at="created", updated_at="created")
    _backdate(
        Interaction.__table__, stamps["interactions"], created_at="created", updated_at="created"
    )
    _backdate(Order.__table__, stamps["orders"], created_at="created", updated_at="created")
    _backdate(
        Task.__table__, stamps["tasks"], created_at="created", updated_at="created", done_at="done"
    )
    db.session.flush()
    db.session.expire_all()


def _apply_plan(
    plan: AccountPlan, users: dict[str, User], now: datetime, stamps: dict[str, list]
) -> None:
    owner = users[plan.owner] if plan.owner else None
    author = users[plan.author]
    account = services.create_account(author, plan.data, owner=owner, confirm_duplicates=True)
    created = now - timedelta(days=plan.created_days_ago)
    owner_since = now - timedelta(days=plan.owner_days_ago) if owner else None
    stamps["accounts"].append(
        {"row_id": account.id, "created": created, "owner_since": owner_since}
    )

    contacts = []
    for i, data in enumerate(plan.contacts, 1):
        contact = services.add_contact(
            author, account, {**data, "external_id": f"{plan.external_id}-C{i}"}
        )
        contacts.append(contact)
        stamps["contacts"].append({"row_id": contact.id, "created": created})

    # Newest first: only the first one moves the account's last_interaction_at.
    for item in plan.interactions:
        at = _past(item.days_ago, plan.lang, now)
        interaction, _task = services.log_interaction(
            author,
            account,
            {
                "kind": item.kind,
                "direction": item.direction,
                "occurred_at": at,
                "contact": contacts[item.contact],
                "summary": item.summary,
                "outcome": item.outcome,
                "next_step": item.next_step,
            },
        )
        stamps["interactions"].append({"row_id": interaction.id, "created": at})

    for item in plan.tasks:
        due = _at(item.due_days, plan.lang, now)
        task = services.create_task(
            author,
            title=item.title,
            due_at=due,
            owner=owner or author,
            priority=item.priority,
            account=account,
            contact=contacts[item.contact],
        )
        done = None
        if item.done:
            services.complete_task(owner or author, task)
            done = min(due + timedelta(hours=3), now)
        stamps["tasks"].append(
            {"row_id": task.id, "created": min(due, now) - timedelta(days=7), "done": done}
        )

    for i, item in enumerate(plan.orders, 1):
        ordered_on = (now - timedelta(days=item.days_ago)).date()
        order = services.create_order(
            author,
            account,
            ordered_on=ordered_on,
            currency=item.currency,
            lines=item.lines,
            external_id=f"{plan.external_id}-O{i}",
            paid=item.paid,
        )
        placed = datetime(ordered_on.year, ordered_on.month, ordered_on.day, 3, tzinfo=UTC)
        stamps["orders"].append({"row_id": order.id, "created": placed})


seeding.register(20, "customers", seed_customers)
