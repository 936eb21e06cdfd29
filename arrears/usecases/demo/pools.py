"""The word lists the demo draws names, places and phone ranges from. Pure data.

Phone ranges are chosen so that a demo can never reach a real person where the country reserves
numbers for fiction: North American 555-0100…0199 and the Ofcom drama ranges in the UK. China has
no such range; the demo's Chinese mobile numbers are random and may be in service (see docs/demo.md).
"""

from __future__ import annotations

from typing import NamedTuple


class CnPlace(NamedTuple):
    region: str  # ISO 3166-2 (numeric GB/T 2260 form)
    province: str  # empty for the municipalities
    city: str
    area_code: str  # trunk prefix included, as dialled nationally
    districts: tuple[tuple[str, str], ...]  # (district, GB/T 2260 code used in resident IDs)
    streets: tuple[str, ...]


class WesternPlace(NamedTuple):
    region: str  # ISO 3166-2
    city: str
    postal_prefixes: tuple[str, ...]
    phone_prefixes: tuple[str, ...]  # formatted national prefix, the line follows


CN_SURNAMES: tuple[tuple[str, str], ...] = (
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
    ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"),
    ("马", "ma"), ("朱", "zhu"), ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("高", "gao"),
    ("林", "lin"), ("罗", "luo"), ("郑", "zheng"), ("梁", "liang"), ("谢", "xie"), ("宋", "song"),
    ("唐", "tang"), ("韩", "han"), ("冯", "feng"), ("邓", "deng"), ("曹", "cao"), ("彭", "peng"),
)  # fmt: skip
CN_GIVEN_NAMES: tuple[tuple[str, str], ...] = (
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("秀英", "xiuying"), ("敏", "min"), ("静", "jing"),
    ("丽", "li"), ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"),
    ("艳", "yan"), ("杰", "jie"), ("娟", "juan"), ("涛", "tao"), ("明", "ming"), ("超", "chao"),
    ("秀兰", "xiulan"), ("霞", "xia"), ("平", "ping"), ("刚", "gang"), ("桂英", "guiying"),
    ("建华", "jianhua"), ("志强", "zhiqiang"), ("晓东", "xiaodong"), ("海燕", "haiyan"),
    ("子涵", "zihan"), ("浩然", "haoran"), ("欣怡", "xinyi"), ("宇轩", "yuxuan"), ("梓萱", "zixuan"),
    ("文博", "wenbo"), ("雨桐", "yutong"), ("俊杰", "junjie"), ("佳怡", "jiayi"),
)  # fmt: skip
CN_MOBILE_PREFIXES: tuple[str, ...] = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155",
    "156", "157", "158", "159", "166", "176", "177", "178", "180", "181", "182", "183", "185",
    "186", "187", "188", "189", "198", "199",
)  # fmt: skip
CN_PLACES: tuple[CnPlace, ...] = (
    CnPlace("CN-11", "", "北京市", "010", (("朝阳区", "110105"), ("海淀区", "110108"), ("东城区", "110101")),
            ("建国路", "中关村大街", "望京街", "朝阳北路")),
    CnPlace("CN-31", "", "上海市", "021", (("浦东新区", "310115"), ("徐汇区", "310104"), ("静安区", "310106")),
            ("世纪大道", "南京西路", "淮海中路", "漕溪北路")),
    CnPlace("CN-44", "广东省", "广州市", "020", (("天河区", "440106"), ("越秀区", "440104")),
            ("天河路", "中山五路", "体育东路")),
    CnPlace("CN-44", "广东省", "深圳市", "0755", (("南山区", "440305"), ("福田区", "440304")),
            ("科技园路", "深南大道", "福华三路")),
    CnPlace("CN-33", "浙江省", "杭州市", "0571", (("西湖区", "330106"), ("上城区", "330102")),
            ("文三路", "延安路", "学院路")),
    CnPlace("CN-32", "江苏省", "南京市", "025", (("鼓楼区", "320106"), ("玄武区", "320102")),
            ("中山路", "北京东路", "珠江路")),
    CnPlace("CN-32", "江苏省", "苏州市", "0512", (("姑苏区", "320508"), ("吴中区", "320506")),
            ("干将路", "人民路", "东吴北路")),
    CnPlace("CN-51", "四川省", "成都市", "028", (("武侯区", "510107"), ("锦江区", "510104")),
            ("人民南路", "春熙路", "科华北路")),
    CnPlace("CN-42", "湖北省", "武汉市", "027", (("武昌区", "420106"), ("江汉区", "420103")),
            ("中南路", "解放大道", "中北路")),
)  # fmt: skip
CN_COMPANY_BRANDS: tuple[tuple[str, str], ...] = (
    ("宏达", "hongda"), ("华信", "huaxin"), ("鑫源", "xinyuan"), ("恒通", "hengtong"), ("瑞丰", "ruifeng"),
    ("金桥", "jinqiao"), ("联创", "lianchuang"), ("中盛", "zhongsheng"), ("永盛", "yongsheng"),
    ("天成", "tiancheng"), ("广源", "guangyuan"), ("新锐", "xinrui"), ("博远", "boyuan"), ("佳和", "jiahe"),
    ("盛世", "shengshi"), ("嘉禾", "jiahe"), ("东升", "dongsheng"), ("启航", "qihang"),
)  # fmt: skip
CN_COMPANY_TRADES: tuple[str, ...] = (
    "贸易", "电子科技", "建材", "物流", "餐饮管理", "服装", "机械设备", "食品", "信息技术", "装饰工程",
)  # fmt: skip
CN_FINANCE_TITLES: tuple[str, ...] = ("财务经理", "财务主管", "会计")
CN_DECISION_TITLES: tuple[str, ...] = ("总经理", "法定代表人", "董事长")

US_FIRST_NAMES: tuple[str, ...] = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
    "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Carlos", "Maria",
    "Daniel", "Karen", "Matthew", "Nancy", "Anthony", "Lisa", "Kevin", "Ashley", "Luis", "Michelle",
)  # fmt: skip
US_LAST_NAMES: tuple[str, ...] = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
    "Lee", "Perez", "Thompson", "White", "Harris", "Clark", "Lewis", "Nguyen", "Walker", "Young",
)  # fmt: skip
US_STREETS: tuple[str, ...] = (
    "Main St", "Oak Ave", "Maple Dr", "Elm St", "Pine St", "Cedar Ln", "Washington Blvd", "Lake View Rd",
    "Park Ave", "Sunset Blvd", "Hillcrest Dr", "River Rd",
)  # fmt: skip
US_PLACES: tuple[WesternPlace, ...] = (
    WesternPlace("US-CA", "Los Angeles", ("900", "901"), ("(213) 555-01", "(310) 555-01")),
    WesternPlace("US-CA", "San Francisco", ("941",), ("(415) 555-01",)),
    WesternPlace("US-CA", "San Diego", ("921",), ("(619) 555-01", "(858) 555-01")),
    WesternPlace("US-NY", "New York", ("100", "112"), ("(212) 555-01", "(718) 555-01", "(917) 555-01")),
    WesternPlace("US-NY", "Buffalo", ("142",), ("(716) 555-01",)),
    WesternPlace("US-TX", "Houston", ("770",), ("(713) 555-01", "(832) 555-01")),
    WesternPlace("US-TX", "Dallas", ("752",), ("(214) 555-01", "(972) 555-01")),
    WesternPlace("US-TX", "Austin", ("787",), ("(512) 555-01",)),
    WesternPlace("US-FL", "Miami", ("331",), ("(305) 555-01",)),
    WesternPlace("US-FL", "Orlando", ("328",), ("(407) 555-01",)),
    WesternPlace("US-IL", "Chicago", ("606",), ("(312) 555-01", "(773) 555-01")),
    WesternPlace("US-WA", "Seattle", ("981",), ("(206) 555-01",)),
    WesternPlace("US-GA", "Atlanta", ("303",), ("(404) 555-01",)),
    WesternPlace("US-MA", "Boston", ("021",), ("(617) 555-01",)),
)  # fmt: skip

UK_FIRST_NAMES: tuple[str, ...] = (
    "Oliver", "Amelia", "George", "Isla", "Harry", "Ava", "Jack", "Emily", "Charlie", "Sophie",
    "Thomas", "Grace", "James", "Olivia", "William", "Lily", "Mohammed", "Freya", "Callum", "Eilidh",
    "Rhys", "Seren", "Ciaran", "Aoife",
)  # fmt: skip
UK_LAST_NAMES: tuple[str, ...] = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Wright",
    "Robinson", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Campbell", "Murray",
    "Hughes", "Kelly", "Khan", "O'Neill",
)  # fmt: skip
UK_STREETS: tuple[str, ...] = (
    "High Street", "Station Road", "Church Lane", "Victoria Road", "Park Road", "Queen Street",
    "Mill Lane", "Green Lane", "King Street", "Manor Road",
)  # fmt: skip
UK_COMPANY_WORDS: tuple[str, ...] = (
    "Northgate", "Riverside", "Oakfield", "Kingsway", "Harbour", "Thistle", "Severn", "Pennine",
)  # fmt: skip
UK_COMPANY_TRADES: tuple[str, ...] = ("Joinery", "Catering", "Plumbing", "Logistics", "Design", "Motors")
UK_PLACES: tuple[WesternPlace, ...] = (
    WesternPlace("GB-ENG", "London", ("E1", "N1", "SE1", "SW9", "NW6"), ("020 7946 0",)),
    WesternPlace("GB-ENG", "Manchester", ("M1", "M4", "M14"), ("0161 496 0",)),
    WesternPlace("GB-ENG", "Birmingham", ("B1", "B5", "B29"), ("0121 496 0",)),
    WesternPlace("GB-ENG", "Leeds", ("LS1", "LS6"), ("0113 496 0",)),
    WesternPlace("GB-SCT", "Glasgow", ("G1", "G12"), ("0141 496 0",)),
    WesternPlace("GB-SCT", "Edinburgh", ("EH1", "EH6"), ("0131 496 0",)),
    WesternPlace("GB-WLS", "Cardiff", ("CF10", "CF24"), ("029 2018 0",)),
    WesternPlace("GB-NIR", "Belfast", ("BT1", "BT7"), ("028 9018 0",)),
)  # fmt: skip
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

# Hardship stories in the debtor's language: (category, description, financial situation).
CN_HARDSHIPS: tuple[tuple[str, str, str], ...] = (
    ("employment", "所在公司裁员，本人于近期失业，正在找工作。", "失业，目前靠积蓄和家人支持生活，无稳定收入。"),
    ("health", "本人因病住院治疗，无法正常工作。", "医疗支出较大，收入明显下降。"),
    ("income", "单位降薪，月收入减少约三成。", "收入下降，每月可用于还款的金额有限。"),
    ("family", "家中老人重病需要照顾，家庭开支增加。", "家庭负担加重，暂时无力按原计划还款。"),
)  # fmt: skip
CN_BUSINESS_HARDSHIPS: tuple[tuple[str, str, str], ...] = (
    ("business", "受市场需求下滑影响，公司订单大幅减少。", "经营困难，现金流紧张，应收账款回收缓慢。"),
    ("business", "主要客户拖欠货款，公司资金周转困难。", "资金链紧张，正在与客户协商回款。"),
)  # fmt: skip
EN_HARDSHIPS: tuple[tuple[str, str, str], ...] = (
    ("employment", "Lost their job when the employer downsized.", "Unemployed, living on savings; no steady income."),
    ("health", "Hospitalised after an illness and unable to work for several weeks.",
     "Medical bills and reduced income; can pay only small amounts."),
    ("income", "Working hours were cut by the employer.", "Income down by about a third."),
    ("family", "Separated from their partner and now supports two children alone.",
     "Household budget is stretched; asks for time to pay."),
)  # fmt: skip
EN_BUSINESS_HARDSHIPS: tuple[tuple[str, str, str], ...] = (
    ("business", "Trade fell sharply after the loss of the main customer.",
     "Business is struggling; cash flow is tight."),
)  # fmt: skip
