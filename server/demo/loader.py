"""The demo county: a 如东县-style county loaded through the one write path.

``load_demo(db)`` runs inside the caller's write transaction (``store.write_now``) and
writes every record as the person who would write it: the system actor creates the
units, station and school staff register mentees, screen them (摸排), pair them with
五老 volunteers and record group events, the volunteers log about six months of visits
and talks ending today, staff enter a few records for a volunteer without a smartphone
(代录), review (approve / return) activities, close a few pairings, and the county
reviewer approves and returns statistics returns. Every mutation must be ``applied``.

The content is generated from a ``random.Random(2026)`` and dated relative to
``sync.timeutil.local_today()``, so a run on the same day always yields the same demo
(record ids are fresh UUIDv7s). All accounts share ``DEMO_PASSWORD``.
"""
from __future__ import annotations

import datetime
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from sync import apply_mutations, new_id
from sync.scope import Actor
from sync.system import SYSTEM
from sync.timeutil import local_today
from sync.users import actor_for, create_user

from .auth import hash_password

DEMO_PASSWORD = "banxing2026"
SEED = 2026
DAYS = 182  # about six months of records, ending today

Date = datetime.date

# --- the county: units -----------------------------------------------------------------

COUNTY = {
    "key": "county", "name": "如东县关工委", "kind": "county",
    "phone": "0513-84120806", "address": "如东县掘港街道人民路 县行政中心 4 号楼",
}


@dataclass(frozen=True)
class Town:
    key: str
    name: str
    phone: str
    address: str
    station: str
    station_address: str
    station_phone: str
    school: str
    school_address: str
    school_phone: str
    school_level: str  # primary | junior
    nearby_schools: tuple[str, ...]  # schools the station's children attend
    villages: tuple[str, ...]


TOWNS = (
    Town("juegang", "掘港街道关工委", "0513-84521317", "如东县掘港街道青园北路 街道办事处",
         "掘港街道校外教育辅导站", "掘港街道友谊社区服务中心二楼", "0513-84521340",
         "掘港街道城东小学", "掘港街道学府路 18 号", "0513-84536602", "primary",
         ("掘港街道城南小学", "掘港街道城东小学", "掘港街道第二初级中学"),
         ("友谊社区", "东方社区", "新光社区", "江海社区")),
    Town("bencha", "栟茶镇关工委", "0513-84651022", "如东县栟茶镇镇政府大院",
         "栟茶镇校外教育辅导站", "栟茶镇文化站一楼", "0513-84651137",
         "栟茶镇初级中学", "栟茶镇育才路 6 号", "0513-84652210", "junior",
         ("栟茶镇中心小学", "栟茶镇初级中学"),
         ("浒澪村", "东凌村", "方凌村", "栟茶社区")),
    Town("chahe", "岔河镇关工委", "0513-84781195", "如东县岔河镇镇政府大院",
         "岔河镇校外教育辅导站", "岔河镇新街社区活动中心", "0513-84781206",
         "岔河镇中心小学", "岔河镇文化路 3 号", "0513-84782318", "primary",
         ("岔河镇中心小学", "岔河镇初级中学"),
         ("新街社区", "古坝村", "景安村", "双桥村")),
)

# Students and parents each school or station serves (lecture coverage = participants ÷ these).
ENROLMENT = {
    "juegang.station": (420, 398), "juegang.school": (1264, 1187),
    "bencha.station": (316, 297), "bencha.school": (986, 931),
    "chahe.station": (268, 251), "chahe.school": (772, 726),
}


def _unit_name(key: str) -> str:
    if key == "county":
        return COUNTY["name"]
    town = next(t for t in TOWNS if t.key == key.split(".")[0])
    if key.endswith(".station"):
        return town.station
    if key.endswith(".school"):
        return town.school
    return town.name


# --- the people ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoUser:
    login: str
    role: str
    name: str
    unit: str  # unit key
    phone: str
    about: str = ""
    smartphone: bool = True


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", "admin", "陆卫东", "county", "13905136021", "县关工委办公室，系统管理员"),
    DemoUser("county", "reviewer", "周文清", "county", "13862790418", "县关工委秘书长（与县教体局联合督查）"),
    DemoUser("staff-juegang", "staff", "钱海燕", "juegang", "13813702265", "街道关工委专职副主任"),
    DemoUser("staff-bencha", "staff", "孙立新", "bencha", "13773661530", "镇关工委常务副主任"),
    DemoUser("staff-chahe", "staff", "吴红梅", "chahe", "15962718843", "镇关工委秘书"),
    DemoUser("zhan-juegang", "staff", "朱晓东", "juegang.station", "13914384472", "辅导站站长"),
    DemoUser("xiao-juegang", "staff", "蒋丽娟", "juegang.school", "18861997305", "心理健康教师"),
    DemoUser("zhan-bencha", "staff", "沈国平", "bencha.station", "13606276519", "辅导站站长"),
    DemoUser("xiao-bencha", "staff", "顾春燕", "bencha.school", "13962745108", "德育处主任"),
    DemoUser("zhan-chahe", "staff", "曹建军", "chahe.station", "15851322097", "辅导站站长"),
    DemoUser("xiao-chahe", "staff", "缪晓红", "chahe.school", "13584609731", "心理健康兼职教师"),
    DemoUser("wang.laoshi", "mentor", "王建国", "juegang.station", "13962705183", "退休教师（原城南小学语文教师）"),
    DemoUser("chen.ganbu", "mentor", "陈德明", "juegang.station", "13706289014", "老干部（原街道党工委副书记）"),
    DemoUser("zhang.laoshi", "mentor", "张秀兰", "juegang.school", "13951301627", "退休教师（原城东小学班主任）"),
    DemoUser("sun.laoshi", "mentor", "孙国华", "juegang.school", "13862718350", "退休教师（原小学校长）"),
    DemoUser("liu.laobing", "mentor", "刘志刚", "bencha.station", "13003588102", "老战士（退役军人，用老人机，记录由辅导站代录）",
             smartphone=False),
    DemoUser("yang.mofan", "mentor", "杨桂芳", "bencha.station", "15190802746", "老模范（原村妇女主任）"),
    DemoUser("xu.yisheng", "mentor", "徐玉梅", "bencha.school", "13585206631", "老专家（退休卫生院医生）"),
    DemoUser("zhou.laoshi", "mentor", "周福林", "bencha.school", "13813614092", "退休教师（原初中数学教师）"),
    DemoUser("ma.ganbu", "mentor", "马永生", "chahe.station", "13773747265", "老干部（原镇教育办主任）"),
    DemoUser("gu.laobing", "mentor", "顾长林", "chahe.station", "15896281374", "老战士（退役军人）"),
    DemoUser("huang.laoshi", "mentor", "黄春华", "chahe.school", "13921627480", "退休教师（心理健康兼职教师）"),
    DemoUser("bao.laoshi", "mentor", "包秀英", "chahe.school", "18751307726", "退休教师（原幼儿园园长）"),
)

ROLE_ORDER = {"admin": 0, "reviewer": 1, "staff": 2, "mentor": 3}

# --- the children: profiles of need (一人一策) ----------------------------------------------


@dataclass(frozen=True)
class Profile:
    key: str
    categories: tuple[str, ...]
    risks: tuple[str, ...]  # the current risk level is drawn from these
    situation: str
    plan: str
    goals: str
    guardians: tuple[str, ...]  # relations of the guardian, e.g. 母亲

    @property
    def approach(self) -> str:
        return {"psych": "fuxin", "hardship": "zhuxue", "left_behind": "guanai"}[self.categories[0]]


PROFILES: tuple[Profile, ...] = (
    Profile(
        "introvert", ("psych",), ("watch", "normal"),
        "性格内向，在班里几乎不和同学说话，课间常一个人坐在座位上；班主任反映{ta}最近上课走神。",
        "扶心扶志。①每两周面对面谈心一次，从{ta}喜欢的{hobby}聊起，逐步引导{ta}说出心里话；②请班主任安排一位开朗的同学"
        "与{ta}同桌，课间带{ta}一起活动；③鼓励{ta}周末到辅导站参加兴趣小组；④每月和{rel}沟通一次，请家长多倾听、少批评。",
        "一学期内能主动和两三位同学交往；情绪低落时愿意向老师或家长说出来。",
        ("母亲", "父亲"),
    ),
    Profile(
        "divorce", ("psych",), ("watch", "key"),
        "父母离异后随父亲生活，近两个月情绪波动大，成绩明显下滑，常说“学了也没用”。",
        "扶心扶志。①每周谈心或电话一次，让{ta}把对父母离异的委屈说出来；②协调父母双方，约定母亲每周和{ta}通一次电话；"
        "③与班主任、心理老师保持三方联系，每两周交流一次{ta}的在校表现；④情绪持续低落或出现消极言语时，立即告知家长，"
        "转介县人民医院心理门诊。",
        "情绪逐步稳定，恢复正常的学习节奏；能与父母双方保持联系。",
        ("父亲", "奶奶"),
    ),
    Profile(
        "phone", ("psych",), ("watch", "normal"),
        "沉迷手机游戏，常玩到凌晨，白天上课打瞌睡，和母亲为手机多次激烈争吵。",
        "扶心扶志。①和{ta}一起制定作息表和手机使用约定（每天不超过一小时），每次见面看看执行情况；②引导{ta}把兴趣转到"
        "{sport}等户外活动上，周末到辅导站参加活动；③指导{rel}改变说教的方式，请家长参加家长学校第5讲。",
        "作息规律，晚上十点前睡觉；能和家长平和地商量手机的使用。",
        ("母亲",),
    ),
    Profile(
        "anxiety", ("psych",), ("normal", "watch"),
        "对自己要求很高，考试前明显焦虑，常说头痛、睡不着；一次测验没考好后哭了一节课。",
        "扶心扶志。①教{ta}深呼吸、写“烦恼本”等自我调节的方法；②和{rel}沟通，降低对分数的期望，多肯定孩子的努力；"
        "③考试前后各谈心一次；④鼓励{ta}参加{sport}等放松的活动。",
        "掌握两三种缓解紧张的方法；考试前能正常睡眠。",
        ("母亲", "父亲"),
    ),
    Profile(
        "crisis", ("psych",), ("key",),
        "曾在作业本上写下“活着没意思”等消极话语，班主任发现后上报；家长已带{ta}到县人民医院心理门诊就诊，目前定期复诊。",
        "扶心扶志（重点对象）。①每周至少面对面谈心一次，重点了解情绪和睡眠；②与{rel}、班主任、心理老师每天互通情况，"
        "发现异常当天报告辅导站；③提醒家长按时带{ta}复诊，收好家中的药品和刀具；④不追问、不说教，多陪伴、多倾听；"
        "⑤发现自伤迹象立即上报，必要时转介专业机构。",
        "不发生自伤自残；按时复诊；情绪低落时能主动求助。",
        ("母亲", "父亲"),
    ),
    Profile(
        "conflict", ("psych",), ("watch",),
        "和同学发生冲突后被孤立，不愿上学，本学期已两次请假在家。",
        "扶心扶志。①上门家访了解冲突经过，帮{ta}梳理情绪；②和班主任商量，在班上开展“学会交往 和谐相处”主题班会，"
        "化解同学间的矛盾；③陪{ta}练习和同学沟通的方法；④每周电话回访，关注出勤情况。",
        "恢复正常上学；在班上至少有一位能说心里话的同学。",
        ("母亲", "外婆"),
    ),
    Profile(
        "temper", ("psych",), ("watch", "normal"),
        "脾气急躁，本学期在校多次和同学动手，事后又很后悔；家长多以打骂管教。",
        "扶心扶志。①教{ta}生气时“先数到十”“离开现场”等控制情绪的办法；②请班主任给{ta}安排劳动委员等任务，让{ta}在"
        "集体里找到位置；③指导家长改变打骂的方式，请家长参加家长学校；④利用{sport}等运动释放精力。",
        "一个学期不再和同学动手；能用语言表达不满。",
        ("父亲", "爷爷"),
    ),
    Profile(
        "illness", ("hardship",), ("normal",),
        "父亲因病长期卧床，家里靠母亲打零工维持；{ta}懂事但自卑，不愿参加需要花钱的集体活动。",
        "助学扶志。①协调镇关工委和爱心人士落实每学期的助学金；②每月上门家访一次，了解家庭的实际困难；③每周六到辅导站"
        "参加作业辅导；④多发现{ta}的长处，鼓励{ta}参加班级和辅导站的活动，增强自信。",
        "不因家庭困难影响学业；能自信地参加集体活动。",
        ("母亲",),
    ),
    Profile(
        "dibao", ("hardship",), ("normal", "watch"),
        "家庭为低保户，住房简陋，学习用品短缺；放学后要照顾年幼的弟弟，作业常完成不了。",
        "助学扶志。①发动离退休干部捐助学习用品和冬衣；②联系学校落实午餐补助；③安排辅导站志愿者每周两次辅导作业；"
        "④和{rel}商量，合理安排{ta}照看弟弟的时间。",
        "按时完成作业；学习成绩稳步提高。",
        ("父亲", "母亲"),
    ),
    Profile(
        "bereaved", ("hardship", "psych"), ("watch", "key"),
        "母亲去年病故，父亲在工地打零工，收入不稳定；{ta}变得沉默寡言，常一个人发呆。",
        "助学扶志与扶心扶志相结合。①协调落实助学资助，减轻家庭负担；②每两周谈心一次，陪{ta}慢慢走出失去母亲的悲伤；"
        "③请班主任多关注{ta}的情绪，安排同学结伴；④指导父亲多陪伴、多交流。",
        "情绪逐步好转，愿意和人交流；学习不掉队。",
        ("父亲", "奶奶"),
    ),
    Profile(
        "grandparents", ("left_behind",), ("normal",),
        "父母在{city}务工，随{rel}生活；{rel}年纪大了，只能管吃住，作业没人辅导。",
        "关爱扶志。①每周电话问候一次，每月上门家访一次；②协调父母每周固定一个晚上和{ta}视频；③安排{ta}放学后到辅导站"
        "写作业；④节假日邀请{ta}参加辅导站的活动。",
        "养成按时完成作业的习惯；和父母保持每周联系。",
        ("奶奶", "爷爷", "外婆"),
    ),
    Profile(
        "missing", ("left_behind", "psych"), ("watch",),
        "父母在{city}打工，一年回来一次；{ta}和父母通电话时常不说话，近来情绪低落，有时偷偷哭。",
        "关爱扶志与扶心扶志相结合。①每两周谈心一次，帮{ta}说出对父母的想念；②和在外的父母沟通，约定固定的视频时间，"
        "多关心孩子的感受，不只问成绩；③请班主任安排{ta}参加班级活动；④寒暑假协调父母回家或接{ta}团聚。",
        "情绪稳定；能主动和父母说说学校里的事。",
        ("外婆", "奶奶"),
    ),
    Profile(
        "netbar", ("left_behind",), ("watch", "normal"),
        "单亲家庭，随{rel}生活，{rel}身体不好；{ta}放学后常在镇上网吧附近逗留，晚归。",
        "关爱扶志。①和{rel}、班主任约定放学接送和到家报平安；②安排{ta}每天放学到辅导站写作业、参加兴趣活动；③每周谈心"
        "一次，讲清网吧的危害；④联系村（社区）关注家庭困难，帮助申请救助。",
        "放学后按时回家，不进网吧；在辅导站结交新朋友。",
        ("外婆",),
    ),
    Profile(
        "special", ("left_behind", "psych"), ("key", "watch"),
        "父亲服刑，母亲离家多年，由叔叔一家代为监护；{ta}很敏感，怕同学知道家里的事，曾说“没人要我”。",
        "关爱扶志与扶心扶志相结合（重点对象）。①每周面对面谈心，给{ta}稳定的陪伴；②和叔叔婶婶沟通，让{ta}在家里有自己"
        "的位置；③和班主任约定保护{ta}的隐私；④发现消极言语或自伤迹象立即上报辅导站和家长。",
        "情绪稳定，有安全感；不发生自伤自残。",
        ("叔叔",),
    ),
)

SURNAMES = "陈张王李刘周吴徐朱孙顾缪曹季冒陆沈丁施钱黄杨蔡许严范"
BOY_NAMES = ("子轩", "浩然", "宇航", "思远", "俊杰", "明轩", "天佑", "博文", "家豪", "雨泽", "皓宇", "晨阳", "一鸣", "嘉乐",
             "文博", "梓豪", "睿哲", "志远")
GIRL_NAMES = ("子涵", "雨萱", "欣怡", "佳琪", "若曦", "一诺", "诗琪", "可馨", "嘉怡", "紫萱", "梦瑶", "欣妍", "思琪", "语桐",
              "雨欣", "佳怡", "婉清", "心怡")
MEN = ("建军", "国华", "志强", "海军", "卫兵", "永明", "建华", "春林", "红兵", "晓峰")
WOMEN = ("秀英", "桂兰", "海燕", "红梅", "玉兰", "美华", "丽萍", "春梅", "小芳", "金凤", "晓燕", "亚琴", "建芳", "慧娟")
ELDER_MEN = ("德才", "福生", "长根", "根宝", "友林")
ELDER_WOMEN = ("桂英", "秀珍", "兰英", "凤英", "翠兰")
HOBBIES = ("画画", "篮球", "乒乓球", "折纸", "象棋", "唱歌", "足球", "五子棋", "手工", "动画片", "跳绳", "书法")
SPORTS = ("篮球", "乒乓球", "跳绳", "足球", "羽毛球", "跑步")
BOOKS = ("草房子", "小英雄雨来", "城南旧事", "青铜葵花", "昆虫记", "西游记", "寄小读者", "爱的教育")
CITIES = ("苏州", "上海", "无锡", "常州", "杭州", "南通市区", "昆山")
ITEMS = ("两本课外书", "一套文具", "一袋苹果", "一副象棋", "一本字帖", "学习计划表", "助学金申请表", "一件爱心人士捐的冬衣",
         "一盒彩笔")
GROUP_THEMES = ("“学会交往 和谐相处”小组活动", "周末读书会", "手工兴趣小组", "趣味运动会", "“我的朋友”主题绘画活动",
                "亲子游戏活动", "书法兴趣班", "心理健康微课观看交流")

RELATION_WORD = {"母亲": "孩子妈妈", "父亲": "孩子爸爸", "奶奶": "奶奶", "爷爷": "爷爷", "外婆": "外婆", "叔叔": "叔叔"}
PRIMARY_GRADES = ("三年级", "四年级", "五年级", "六年级")
JUNIOR_GRADES = ("七年级", "八年级", "九年级")
GRADE_NUMBER = {"三年级": 3, "四年级": 4, "五年级": 5, "六年级": 6, "七年级": 7, "八年级": 8, "九年级": 9}

# --- activity texts ------------------------------------------------------------------------

PREPARATION = {
    "home_visit": (
        "提前一天和{rel}电话约好时间；翻看了上次的记录，准备问问{focus}；带上{item}。",
        "先向班主任了解了{ta}近两周在校的表现，准备了{item}；这次重点想聊{focus}。",
        "和辅导站{staff}碰了个头，商量这次家访的重点：{focus}。约好放学后上门，带上{item}。",
        "回顾了一人一策的安排，列了三个想问的问题（{focus}等），带上{item}，下午四点半到{ta}家。",
    ),
    "talk": (
        "和学校心理老师商量了谈话提纲，约在{place}；准备先从{ta}喜欢的{hobby}聊起，再谈{focus}。",
        "提前和班主任约好利用课后服务时间谈心，准备了{item}；想了解{focus}。",
        "看了{ta}上次写的“心情本”，准备围绕{focus}多听{ta}说。",
    ),
    "remote": (
        "{rel}说这几天不方便上门，约好晚饭后视频；提前想好要问的几件事：{focus}。",
        "约好周日晚上七点打电话，准备了解{focus}，并提醒{ta}按作息表休息。",
        "和在外打工的父母约好三方视频，事先和家长沟通好：多听孩子说，少问成绩。",
    ),
    "group": (
        "辅导站组织{theme}，提前和{rel}说好接送，安排{ta}和两位性格开朗的同学一组。",
        "和辅导员商量好活动中给{ta}安排一个小任务（发材料、计时），让{ta}有参与感；活动是{theme}。",
    ),
}

FOCUS = {
    "psych": ("最近睡眠和情绪怎么样", "和同学相处的情况", "对考试的担心", "手机使用时间", "在家和家长的沟通"),
    "hardship": ("家里最近的困难", "学习用品够不够", "助学金办理进度", "作业有没有跟上", "午餐补助落实情况"),
    "left_behind": ("和爸爸妈妈联系的情况", "周末在家做些什么", "{rel}身体怎样", "放学后去哪里", "作业有没有人看"),
}

OPENERS = {
    "home_visit": (
        "下午到{ta}家中，{rel}在家。",
        "放学后陪{ta}一起走回家，路上边走边聊，到家后又和{rel}聊了一会儿。",
        "上门时{ta}正在写作业，{rel}热情招呼我坐下。",
        "晚饭前到{ta}家，{ta}在门口等我。",
    ),
    "talk": (
        "在{place}和{ta}面对面聊了四十来分钟。",
        "放学后在{place}谈心。",
        "约{ta}在{place}见面，先下了一盘棋，再慢慢聊。",
    ),
    "remote": (
        "晚上七点多和{ta}视频通话，{rel}也在旁边。",
        "给{ta}打电话，聊了二十多分钟。",
        "和{ta}及在{city}打工的父母三方视频，聊了半个小时。",
    ),
    "group": (
        "{ta}参加了辅导站组织的{theme}。",
        "陪{ta}参加{theme}，活动结束后单独聊了一会儿。",
    ),
}

# Record bodies by (category, stage 0 early / 1 middle / 2 late); each marked where it can
# happen: "any" (also on the phone), "face" (face to face) or "home" (a home visit only).
BODIES: dict[tuple[str, int], tuple[tuple[str, str], ...]] = {
    ("psych", 0): (
        ("any", "{ta}一开始话很少，问一句答一句。我没有急着问学校的事，先聊{ta}喜欢的{hobby}，{ta}慢慢愿意多说几句了。"
                "{ta}说晚上经常睡不着，觉得班上没人愿意和{ta}玩。"),
        ("face", "{ta}情绪比较低落，说最近考试没考好被家长批评了，觉得自己“什么都做不好”。我告诉{ta}一次考试说明不了什么，"
                 "和{ta}一起找出了两道其实会做的题，{ta}笑了一下。"),
        ("home", "{ta}对我还有些戒备，{rel}在旁边时更不愿开口。{rel}去做饭后，{ta}才说起和同桌闹矛盾的事，说着说着哭了。"
                 "我陪{ta}坐了一会儿，让{ta}把委屈都说出来。"),
        ("any", "{ta}说这几天不想上学，问{ta}原因只说“没意思”。我没有讲大道理，只是告诉{ta}有什么想说的随时可以找我，"
                "{ta}点头答应了。"),
    ),
    ("psych", 1): (
        ("home", "这次{ta}主动给我看了新画的画，话明显多了。{ta}说按我们的约定，每天睡前少玩半小时手机，这周有四天做到了。"
                 "我当着{rel}的面表扬了{ta}。"),
        ("any", "{ta}说最近和同桌关系好了一些，课间会一起去打乒乓球。谈到期中考试还是紧张，我教了{ta}考前深呼吸的方法，"
                "一起练了几遍。"),
        ("any", "{ta}情绪总体平稳，但提到家里的事还是沉默。我没有追问，和{ta}约好有心事可以写在本子上，下次带给我看。"),
        ("face", "{ta}把“心情本”带来给我看，上面记了这两周开心和不开心的事，开心的比上次多。我们一起商量了不开心的时候"
                 "可以怎么办。"),
    ),
    ("psych", 2): (
        ("any", "{ta}精神状态明显好转，笑声多了，说班主任让{ta}当了小组长。{rel}反映{ta}在家发脾气少了，作息也规律了。"),
        ("any", "{ta}主动说起这学期交了两个好朋友，周末还一起去图书馆。我们一起回顾了这几个月的变化，{ta}说“以前觉得"
                "没人在乎我，现在不这么想了”。"),
        ("any", "{ta}最近情绪稳定，月考成绩有进步。和{ta}商量了假期的安排，{ta}打算参加辅导站的书法兴趣班。"),
    ),
    ("hardship", 0): (
        ("home", "家里只有两间平房，{rel}说每月光药费就要一千多元，全靠打零工维持。{ta}很懂事，放学回家先做饭再写作业，"
                 "但说不想参加学校的研学活动，因为要交钱。"),
        ("home", "{ta}的书包已经破了，文具也不全，{rel}说不好意思向学校开口。我把带来的东西交给{ta}，告诉{rel}可以申请"
                 "关工委的助学资助，申请表我来帮着填。"),
        ("any", "和{ta}聊学习，{ta}说数学跟不上，家里没人能辅导。{ta}说话声音很小，总说“家里条件不好，不能给人添麻烦”。"),
    ),
    ("hardship", 1): (
        ("any", "镇关工委联系的爱心人士送来的助学金已经到账，{rel}很感激。{ta}用这笔钱买了学习资料，还主动给我讲了一道"
                "{ta}做对的应用题。"),
        ("any", "每周六上午{ta}到辅导站参加作业辅导，{ta}说数学已经能跟上了，还在辅导站认识了同村的伙伴。"),
        ("any", "{ta}情绪不错，说学校的午餐补助落实了。聊到长大后的打算，{ta}说想当医生，“能给家里人看病”。我鼓励{ta}"
                "先把眼前的功课学好。"),
    ),
    ("hardship", 2): (
        ("face", "{ta}这学期被评为班级“进步之星”，拿着奖状给我看，很自豪。{rel}说孩子比以前开朗多了。"),
        ("any", "{ta}主动报名参加了辅导站的朗诵比赛，得了二等奖。家里的困难还在，但{ta}说“我不怕，慢慢会好的”。"),
        ("any", "{rel}在镇上找到了离家近的工作，家里情况有所好转。{ta}成绩稳定，性格也开朗了，和我约好一起去县图书馆。"),
    ),
    ("left_behind", 0): (
        ("any", "{ta}随{rel}生活，爸爸妈妈在{city}打工，过年才回来。{rel}年纪大了，只能管吃住，作业没人看。{ta}说想妈妈，"
                "但打电话时又不知道说什么。"),
        ("home", "{ta}一个人在房间里看电视，见到我有些拘谨。{rel}说{ta}放学后常一个人在外面转到天黑才回家。我和{ta}约好"
                 "每周一、三、五放学后先到辅导站写作业。"),
        ("any", "{ta}说爸爸妈妈很少打电话，“打了也只问成绩”，说到这里就不说话了。我告诉{ta}爸爸妈妈在外面辛苦也是为了"
                "{ta}，答应帮{ta}和爸爸妈妈约个固定的视频时间。"),
    ),
    ("left_behind", 1): (
        ("any", "按约定，这周六晚上{ta}和在{city}的妈妈视频了半个小时。{ta}说妈妈答应过年给{ta}买新书包，说的时候很高兴。"),
        ("any", "{ta}这个月基本能按时到辅导站写作业，辅导员说{ta}和其他孩子玩得很好。{rel}说孩子天黑前就到家了。"),
        ("home", "帮{rel}看了{ta}的作业本，发现有几次没交。和{ta}一起做了一张每日作业打卡表，贴在床头。"),
    ),
    ("left_behind", 2): (
        ("home", "{ta}的爸爸从{city}回来几天，我上门时一家人正在吃饭。爸爸说孩子在电话里话多了，感谢五老的照顾。{ta}主动"
                 "把我送到路口。"),
        ("any", "{ta}在辅导站交了几个好朋友，周末一起打篮球，性格开朗了不少，期中考试语文考了班上前十名。"),
        ("any", "{ta}说现在每周六晚上和爸爸妈妈视频已经成了习惯，有事也愿意先告诉我和{rel}。"),
    ),
}
GROUP_BODIES = (
    "活动中{ta}参与不太积极，中途一个人坐在角落。我过去陪{ta}坐了一会儿，{ta}说不太习惯人多的场合，答应下次再试试。",
    "{ta}一开始站在边上，在辅导员鼓励下和同组同学一起完成了任务，结束时还主动帮忙收拾。",
    "{ta}和同组的小伙伴配合得很好，还上台说了几句感想。活动后和{ta}单独聊了聊最近的学习和心情。",
)
BODY_PLACES = {"home_visit": ("any", "face", "home"), "talk": ("any", "face"), "remote": ("any",)}

FIRST_RECORD = (
    "第一次上门家访，{rel}介绍了家里的情况：{situation}我向{rel}说明了结对帮扶的安排和一人一策的打算，留下了我的电话，"
    "约好以后每两三周来一次。{ta}一开始有些拘谨，临走时主动说了声“再见”。"
)

FOLLOW_UPS = {
    "psych": (
        "{due}前再见一次面，看看作息表的执行情况；请班主任留意{ta}课间和同学相处的情况。",
        "把这次的情况告诉了班主任，约好两周后再谈一次；情绪有反复的话请{rel}随时给我打电话。",
        "和{ta}约好一起读《{book}》，{due}前电话问问{ta}读到哪里了。",
        "请心理老师在学校多关注{ta}，{due}前我再上门，和{rel}一起看看{ta}这段时间的变化。",
    ),
    "hardship": (
        "帮忙联系镇关工委落实助学资助，{due}前告诉{rel}办理进度。",
        "请辅导站安排志愿者周六给{ta}辅导数学，{due}前去辅导站看看{ta}的作业。",
        "把{ta}需要的冬衣尺码报给镇关工委，{due}前送到家里。",
        "{due}前再上门，看看家里的困难有没有缓解，和{rel}商量下学期的打算。",
    ),
    "left_behind": (
        "联系在{city}打工的家长，建议每周固定一个晚上和孩子视频；{due}前电话了解执行情况。",
        "请辅导站辅导员留意{ta}到站写作业的情况，{due}前我再去辅导站看看。",
        "{due}前再上门看看{ta}和{rel}，顺便检查作业打卡表。",
        "和班主任约好，{ta}如果没按时到校就通知我和{rel}；{due}前再电话了解。",
    ),
}

CLOSING = {
    "improved": "结对帮扶告一段落：{ta}情绪稳定，和同学相处正常，学习也跟上了。转为常规关注，请班主任继续留意，有情况随时联系我。",
    "stable": "经与辅导站、班主任商量，{ta}目前情况稳定，结对告一段落，转为常规关注；每学期回访一次。",
    "referred": "经与家长、学校商量，转介县人民医院心理门诊进一步评估和治疗，辅导站继续跟进，由其他志愿者接续结对关爱。",
}

REFERRAL_RECORD = (
    "{ta}近一个月情绪反复，两次说晚上睡不着、不想上学，复诊时医生建议系统治疗。和{rel}、班主任、心理老师一起商量后，"
    "{rel}同意转介，我也向{ta}说明了：换一种方式帮{ta}，大家都还在。"
)
RISK_RECORDS = (
    "谈话中{ta}说“有时候觉得活着没意思”，卷起袖子时看到左手腕有几道浅浅的划痕。{ta}不愿多说。我没有批评{ta}，告诉{ta}"
    "我会一直陪着{ta}，并征得{ta}同意后告诉了{rel}。",
    "{rel}打来电话，说{ta}和家里吵架后把自己关在房间里，说了“不想活了”之类的话。我赶到家中陪{ta}聊了一个多小时，"
    "{ta}情绪才慢慢平复下来。",
    "班主任告诉我，{ta}这几天在课桌上刻字、在作业本上画了很多黑色的涂鸦。我到学校和{ta}谈心，{ta}承认最近晚上一个人"
    "哭，有过伤害自己的念头。",
)
RISK_PREPARATIONS = (
    "按约定每周上门，带上{item}；上次{ta}说睡不好，这次重点了解睡眠和情绪。",
    "接到{rel}电话后立即出发，路上给班主任打了电话，了解{ta}这两天在校的情况。",
    "班主任反映情况后，先和学校心理老师商量了谈话方式：不追问、不说教、多倾听。",
)
RISK_FOLLOW_UP = (
    "当天已告知{rel}和班主任，并报告辅导站；建议尽快到县人民医院心理门诊就诊。请{rel}收好家里的刀具和药品，晚上多陪"
    "{ta}。{due}前再上门，其间每天电话了解情况。"
)
BRIEF_RECORDS = {"home_visit": "去家里看了看，孩子还好。", "talk": "聊了一会儿，情况正常。",
                 "remote": "电话问了问，没什么事。", "group": "参加了活动，表现还可以。"}
RETURN_COMMENTS = {
    "brief": "过程记录太简略，请补充孩子的具体表现和谈话要点。",
    "no_due": "缺少下次跟踪的日期和具体安排，请补上。",
    "no_prep": "事前准备没有填写，请补充这次活动前做了哪些准备。",
}
APPROVE_COMMENTS = (None, None, "记录完整，同意。", "准备充分，跟踪及时。", "同意。请继续关注孩子的情绪变化。", "已阅，同意归档。")

MOODS_BY_STAGE = (("低落", "沉默", "紧张", "焦虑", "烦躁"), ("平稳", "有点紧张", "愿意交流"), ("开心", "平稳", "自信"))
OBSERVATIONS = {
    "psych": (("睡眠不好", "不愿与同学交往", "手机使用时间长", "上课注意力差", "情绪有起伏"),
              ("主动说出心事", "和同学关系改善", "作息规律", "学习有进步", "笑容多了")),
    "hardship": (("学习用品短缺", "家务负担重", "懂事但自卑", "作业跟不上"),
                 ("学习有进步", "资助已到位", "参加集体活动", "饮食正常")),
    "left_behind": (("想念父母", "作业无人辅导", "与祖辈沟通少", "放学晚归"),
                    ("按时到辅导站", "与同伴玩得好", "和父母每周视频", "作业按时完成")),
}

KIND_WEIGHTS = (("home_visit", 36), ("talk", 34), ("remote", 20), ("group", 10))


# --- generation ----------------------------------------------------------------------------


def _mutation(entity: str, fields: dict[str, Any], record_id: str | None = None,
              base_version: int | None = None) -> dict[str, Any]:
    return {"entity": entity, "record_id": record_id or new_id(), "op": "upsert", "base_version": base_version,
            "fields": fields}


def _apply(db: sqlite_utils.Database, actor: Actor, mutations: list[dict[str, Any]]) -> None:
    """Apply as ``actor``; anything but ``applied`` aborts the whole demo (and its transaction)."""
    if not mutations:
        return
    outcomes = apply_mutations(db, actor, mutations)
    bad = [o.answer() for o in outcomes if o.status != "applied"]
    if bad:
        raise RuntimeError(f"demo: {len(bad)} of {len(outcomes)} mutations by {actor.name} ({actor.role}) "
                           f"were not applied; first: {bad[:3]}")


def _version(db: sqlite_utils.Database, table: str, record_id: str) -> int:
    return int(db.execute(f"SELECT version FROM {table} WHERE id = ?", [record_id]).fetchone()[0])


def _phone(rng: random.Random) -> str:
    return rng.choice(("139", "138", "137", "136", "135", "158", "159", "187", "151", "152")) + "".join(
        str(rng.randrange(10)) for _ in range(8)
    )


@dataclass
class Mentee:
    id: str
    unit: str  # unit key
    profile: Profile
    name: str
    gender: str
    grade: str
    school: str
    risk: str
    initial_risk: str
    rel: str  # guardian relation
    guardian: str
    ctx: dict[str, str]
    registered: Date
    code: str = ""

    @property
    def slow(self) -> bool:
        return self.risk == "key"


@dataclass
class Pairing:
    id: str
    mentee: Mentee
    mentor: DemoUser
    start: Date
    end: Date | None = None
    outcome: str | None = None
    follows: Pairing | None = None  # the closed (转介) pairing this one takes over from
    activities: list[dict[str, Any]] = field(default_factory=list)


class _Demo:
    def __init__(self, db: sqlite_utils.Database, today: Date) -> None:
        self.db = db
        self.today = today
        self.first_day = today - datetime.timedelta(days=DAYS)
        self.rng = random.Random(SEED)
        self.unit_ids: dict[str, str] = {}
        self.actors: dict[str, Actor] = {}
        self.mentees: list[Mentee] = []
        self.pairings: list[Pairing] = []

    # helpers
    def day(self, offset: int) -> Date:
        return self.first_day + datetime.timedelta(days=offset)

    @staticmethod
    def iso(d: Date) -> str:
        return d.isoformat()

    def staff_of(self, unit: str) -> Actor:
        login = next(u.login for u in DEMO_USERS if u.role == "staff" and u.unit == unit)
        return self.actors[login]

    def user(self, login: str) -> DemoUser:
        return next(u for u in DEMO_USERS if u.login == login)

    # 1. units
    def units(self) -> None:
        muts = []
        cid = new_id()
        self.unit_ids["county"] = cid
        muts.append(_mutation("unit", {k: COUNTY[k] for k in ("name", "kind", "phone", "address")}, cid))
        for town in TOWNS:
            tid = new_id()
            self.unit_ids[town.key] = tid
            muts.append(_mutation("unit", {"name": town.name, "kind": "town", "parent_id": cid, "phone": town.phone,
                                           "address": town.address}, tid))
            sid, kid = new_id(), new_id()
            self.unit_ids[f"{town.key}.station"] = sid
            self.unit_ids[f"{town.key}.school"] = kid
            muts.append(_mutation("unit", {"name": town.station, "kind": "station", "parent_id": tid,
                                           "address": town.station_address, "phone": town.station_phone}, sid))
            muts.append(_mutation("unit", {"name": town.school, "kind": "school", "parent_id": tid,
                                           "address": town.school_address, "phone": town.school_phone}, kid))
        _apply(self.db, SYSTEM, muts)

    # 2. accounts
    def users(self) -> None:
        password_hash = hash_password(DEMO_PASSWORD)  # argon2 is slow: hash once, share it
        for u in DEMO_USERS:
            uid = create_user(self.db, login=u.login, name=u.name, role=u.role, unit_id=self.unit_ids[u.unit],
                              password_hash=password_hash, phone=u.phone)
            self.actors[u.login] = actor_for({"id": uid, "role": u.role, "unit_id": self.unit_ids[u.unit], "name": u.name})

    # 3. children, their screenings and pairings
    def children(self) -> None:
        rng = self.rng
        units = [f"{t.key}.{k}" for t in TOWNS for k in ("station", "school")]
        picks = list(PROFILES) + rng.choices(PROFILES, k=6 * len(units) - len(PROFILES))
        rng.shuffle(picks)
        names = rng.sample([(s, g, "male") for s in SURNAMES for g in BOY_NAMES]
                           + [(s, g, "female") for s in SURNAMES for g in GIRL_NAMES], 6 * len(units))
        for index, profile in enumerate(picks):
            unit = units[index // 6]
            slot = index % 6
            town = next(t for t in TOWNS if t.key == unit.split(".")[0])
            surname, given, gender = names[index]
            if unit.endswith(".school"):
                school = town.school
                grade = rng.choice(PRIMARY_GRADES if town.school_level == "primary" else JUNIOR_GRADES)
            else:
                school = rng.choice(town.nearby_schools)
                grade = rng.choice(JUNIOR_GRADES if "初级中学" in school else PRIMARY_GRADES)
            risk = rng.choice(profile.risks)
            initial = risk
            if risk == "normal" and "psych" in profile.categories:
                initial = "watch"
            elif risk == "watch" and rng.random() < 0.25:
                initial = "key"
            rel = rng.choice(profile.guardians)
            if rel in ("父亲", "爷爷", "叔叔"):
                g_surname = surname
            else:
                g_surname = rng.choice([s for s in SURNAMES if s != surname])
            g_given = rng.choice(ELDER_MEN if rel == "爷爷" else ELDER_WOMEN if rel in ("奶奶", "外婆")
                                 else MEN if rel in ("父亲", "叔叔") else WOMEN)
            ctx = {
                "ta": "他" if gender == "male" else "她",
                "rel": RELATION_WORD[rel],
                "hobby": rng.choice(HOBBIES),
                "sport": rng.choice(SPORTS),
                "city": rng.choice(CITIES),
                "book": rng.choice(BOOKS),
                "village": rng.choice(town.villages),
            }
            # Slots 0-3 were screened at the start of the period, 4 mid-way, 5 recently.
            if slot <= 3:
                registered = self.day(rng.randint(-8, 16))
            elif slot == 4:
                registered = self.day(rng.randint(50, 95))
            else:
                registered = self.today - datetime.timedelta(days=rng.randint(35, 60))
            self.mentees.append(Mentee(
                new_id(), unit, profile, surname + given, gender, grade, school, risk, initial, rel,
                f"{g_surname}{g_given}（{rel}）", ctx, registered,
            ))
        for number, m in enumerate(sorted(self.mentees, key=lambda m: (m.registered, m.name)), start=1):
            m.code = f"RD-{m.registered.year}-{number:04d}"

        mentors_by_unit: dict[str, list[DemoUser]] = {}
        for u in DEMO_USERS:
            if u.role == "mentor":
                mentors_by_unit.setdefault(u.unit, []).append(u)
        for index, m in enumerate(self.mentees):
            mentor = mentors_by_unit[m.unit][index % 2]
            start = m.registered + datetime.timedelta(days=rng.randint(2, 7))
            self.pairings.append(Pairing(new_id(), m, mentor, start))
        self._plan_closures(mentors_by_unit)

    def _plan_closures(self, mentors_by_unit: dict[str, list[DemoUser]]) -> None:
        """Close five early pairings: two 好转, two 稳定, one 转介 (re-paired with another volunteer)."""
        rng = self.rng
        early = [p for p in self.pairings if p.start <= self.day(25)]
        wanted = [("improved", lambda p: p.mentee.risk == "normal"), ("improved", lambda p: p.mentee.risk != "key"),
                  ("stable", lambda p: p.mentee.risk != "key"), ("stable", lambda p: p.mentee.risk != "key"),
                  ("referred", lambda p: p.mentee.risk == "key")]
        used_units: list[str] = []
        for outcome, fits in wanted:
            candidates = [p for p in early if p.outcome is None and fits(p)]
            fresh = [p for p in candidates if p.mentee.unit not in used_units] or candidates
            if not fresh:
                continue
            p = fresh[0]
            p.outcome = outcome
            p.end = self.today - datetime.timedelta(days=rng.randint(25, 70))
            used_units.append(p.mentee.unit)
            if outcome == "referred":
                other = next(u for u in mentors_by_unit[p.mentee.unit] if u.login != p.mentor.login)
                self.pairings.append(Pairing(new_id(), p.mentee, other, p.end + datetime.timedelta(days=3), follows=p))

    def register(self) -> None:
        """Staff register their children, screen them (摸排) and pair them; enrolments and events too."""
        by_unit: dict[str, list[dict[str, Any]]] = {}
        for m in self.mentees:
            town = m.unit.split(".")[0]
            birth = self.today.year - 6 - GRADE_NUMBER[m.grade] - (1 if self.today.month < 9 else 0)
            muts = by_unit.setdefault(m.unit, [])
            muts.append(_mutation("mentee", {
                "unit_id": self.unit_ids[m.unit], "code": m.code, "name": m.name, "school": m.school,
                "grade": m.grade, "gender": m.gender, "birth_year": birth, "categories": list(m.profile.categories),
                "risk_level": m.risk, "plan": m.profile.plan.format(**m.ctx),
                "guardian_name": m.guardian, "guardian_contact": _phone(self.rng),
                "notes": "摸排情况：" + m.profile.situation.format(**m.ctx)
                + f"（家住{next(t.name[:-3] for t in TOWNS if t.key == town)}{m.ctx['village']}）",
                "status": "active",
            }, m.id))
            muts.append(_mutation("screening", {
                "mentee_id": m.id, "date": self.iso(m.registered),
                "psych_problem": "psych" in m.profile.categories or m.initial_risk != "normal",
                "risk_level": m.initial_risk, "intervention_success": False,
                "needs": _needs(m), "notes": self.rng.choice((
                    "开学心理健康大排查中由班主任上报。", "学校心理健康普查问卷得分偏高，经心理老师复核后登记。",
                    "辅导站摸排走访时发现，经与学校核实后登记。", "村（社区）关工委反映，辅导站上门核实后登记。",
                )),
            }))
        for p in self.pairings:
            m = p.mentee
            goals = m.profile.goals
            by_unit[m.unit].append(_mutation("pairing", {
                "mentor_id": self.actors[p.mentor.login].user_id, "mentee_id": m.id, "start_date": self.iso(p.start),
                "approach": m.profile.approach, "goals": goals, "status": "active",
            }, p.id))
        for unit, muts in by_unit.items():
            muts.extend(self._enrolments(unit))
            muts.extend(self._events(unit))
            _apply(self.db, self.staff_of(unit), muts)

    def _enrolments(self, unit: str) -> list[dict[str, Any]]:
        students, parents = ENROLMENT[unit]
        return [
            _mutation("enrolment", {"unit_id": self.unit_ids[unit], "year": year,
                                    "students": students - (self.today.year - year) * 23,
                                    "parents": parents - (self.today.year - year) * 21})
            for year in range(self.first_day.year, self.today.year + 1)
        ]

    def _events(self, unit: str) -> list[dict[str, Any]]:
        rng = self.rng
        uid = self.unit_ids[unit]
        students, parents = ENROLMENT[unit]
        school = unit.endswith(".school")
        span = (self.today - self.first_day).days
        out: list[dict[str, Any]] = []

        def when(lo: float, hi: float) -> str:
            return self.iso(self.day(rng.randint(int(span * lo), int(span * hi))))

        def event(kind: str, date: str, title: str, participants: int = 0, copies: int = 0, *,
                  lecture_no: int | None = None, audience: str | None = None, online: bool = False,
                  notes: str | None = None) -> None:
            fields: dict[str, Any] = {"unit_id": uid, "kind": kind, "date": date, "title": title,
                                      "participants": participants, "copies": copies, "online": online}
            if lecture_no is not None:
                fields["lecture_no"] = lecture_no
            if audience is not None:
                fields["audience"] = audience
            if notes:
                fields["notes"] = notes
            out.append(_mutation("event", fields))

        if school:
            level = next(t.school_level for t in TOWNS if t.key == unit.split(".")[0])
            groups = ("三、四年级", "五、六年级") if level == "primary" else ("七年级", "八、九年级")
            shares = (0.47, 0.5)
            for group, share in zip(groups, shares):
                event("lecture", when(0.05, 0.35), f"心理健康教育第4讲《学会交往 和谐相处》（{group}）",
                      int(students * share), lecture_no=4, audience="students",
                      notes=rng.choice(("县关工委宣讲团成员主讲，班主任随班听讲。", "本校心理健康教师主讲，五老志愿者到场。")))
            event("lecture", when(0.4, 0.6), "家长学校第5讲《家长如何培养孩子良好的心理素质》",
                  int(parents * 0.46), lecture_no=5, audience="parents", notes="分年级在报告厅举办，会后分组讨论交流。")
            event("lecture", when(0.62, 0.8), "家长学校第5讲《家长如何培养孩子良好的心理素质》（线上微课）",
                  int(parents * 0.41), lecture_no=5, audience="parents", online=True,
                  notes="通过家校通推送县关工委、县心理协会制作的微课，按班级统计观看人次。")
            event("class_meeting", when(0.3, 0.55), "“学会交往 和谐相处”心理健康主题班会（全校各班）",
                  int(students * 0.96), notes="各班自行组织，五老志愿者分班参加。")
            event("class_meeting", when(0.7, 0.95), "“珍爱生命 健康成长”主题班会", int(students * 0.94))
            event("themed", when(0.15, 0.45), "“珍爱生命 健康成长”心理健康专题教育", int(students * 0.9),
                  notes="心理健康宣传月活动。")
            event("parent_meeting", when(0.45, 0.7), "心理健康专题家长会", int(parents * 0.72),
                  notes="班主任介绍学生心理健康排查情况，指导家长与孩子沟通的技巧。")
            event("brochure", when(0.45, 0.7), "发放《致家长的一封信——关注孩子心理健康》", copies=students,
                  notes="随家长会发放，未到会的由班主任带给学生。")
            event("brochure", when(0.75, 0.98), "发放心理健康宣传手册", copies=int(students * 0.6) // 10 * 10)
        else:
            event("lecture", when(0.2, 0.4), "暑期集中办班：心理健康教育第1–3讲补课", int(students * 0.35),
                  audience="students", notes="对上半年未系统接受心理健康教育的学生补课，拾遗补缺。")
            event("lecture", when(0.35, 0.55), "心理健康教育第4讲《学会交往 和谐相处》", int(students * 0.62),
                  lecture_no=4, audience="students", notes="五老志愿者主讲，结合辅导站兴趣活动进行。")
            event("lecture", when(0.5, 0.8), "青少年学生家长班：第5讲《家长如何培养孩子良好的心理素质》",
                  int(parents * 0.38), lecture_no=5, audience="parents", notes="讲后组织家长讨论交流。")
            event("themed", when(0.1, 0.9), "兴趣活动中渗透心理健康教育：“我的朋友”绘画展", int(students * 0.3))
            event("parent_meeting", when(0.6, 0.9), "留守儿童家长（监护人）座谈会", int(parents * 0.16),
                  notes="请祖辈监护人参加，部分在外务工家长视频参会。")
            event("brochure", when(0.3, 0.9), "在社区发放心理健康宣传手册和微课二维码", copies=rng.choice((200, 300, 350)),
                  notes="五老志愿者上门发放到户。")
        return out

    # 4. activities
    def plan_activities(self) -> None:
        rng = self.rng
        active_index = 0
        key_pairings = []
        for p in self.pairings:
            m = p.mentee
            if p.outcome is not None:
                assert p.end is not None
                last = p.end - datetime.timedelta(days=rng.randint(0, 5))
                due = None
            else:
                kind_of_due = ("overdue", "soon", "later", "later")[active_index % 4]
                active_index += 1
                if kind_of_due == "overdue":
                    due = self.today - datetime.timedelta(days=rng.randint(2, 15))
                    last = due - datetime.timedelta(days=rng.randint(10, 18))
                elif kind_of_due == "soon":
                    due = self.today + datetime.timedelta(days=rng.randint(0, 6))
                    last = min(self.today - datetime.timedelta(days=rng.randint(1, 12)), due - datetime.timedelta(days=4))
                else:
                    due = self.today + datetime.timedelta(days=rng.randint(8, 20))
                    last = self.today - datetime.timedelta(days=rng.randint(1, 10))
                if m.risk == "key":
                    key_pairings.append(p)
            dates = [last]
            while True:
                previous = dates[-1] - datetime.timedelta(days=rng.randint(12, 24))
                if previous < p.start:
                    break
                dates.append(previous)
            dates.reverse()
            if (dates[0] - p.start).days > 6:
                dates.insert(0, p.start + datetime.timedelta(days=rng.randint(1, 4)))
            for i, d in enumerate(dates):
                if i + 1 < len(dates):
                    follow_due: Date | None = dates[i + 1] + datetime.timedelta(days=rng.randint(0, 3))
                else:
                    follow_due = due
                p.activities.append(self._activity(p, i, len(dates), d, follow_due))
        # Urgent risk flags (自伤自残迹象) on three key children: two recent, one older and since calmer.
        for n, p in enumerate(key_pairings[:3]):
            acts = p.activities
            target = acts[-1] if n < 2 or len(acts) < 4 else acts[len(acts) // 2]
            if n < 2:
                d = self.today - datetime.timedelta(days=rng.randint(1, 4))
                target["date"] = self.iso(max(d, Date.fromisoformat(acts[-2]["date"]) + datetime.timedelta(days=3))
                                          if len(acts) > 1 else d)
                due = Date.fromisoformat(target["date"]) + datetime.timedelta(days=rng.randint(2, 3))
                target["follow_up_due"] = self.iso(due)
            m = p.mentee
            ctx = {**m.ctx, "due": _md(Date.fromisoformat(target["follow_up_due"])), "item": rng.choice(ITEMS)}
            target.update(
                risk_flag=True, kind="home_visit" if n != 2 else "talk",
                place=f"{m.ctx['village']}，孩子家中" if n != 2 else f"{m.school}心理咨询室",
                preparation=RISK_PREPARATIONS[n].format(**ctx),
                record=RISK_RECORDS[n].format(**ctx), follow_up=RISK_FOLLOW_UP.format(**ctx),
                moods=["低落", "沉默"], observations=["情绪有起伏", "睡眠不好"],
                review="approve" if n == 2 else "pending",
                comment="已知悉。辅导站已当天联系家长和班主任，孩子已到心理门诊就诊，请继续每周跟踪。",
            )
            target.pop("return", None)
            if target["entered_by_staff"]:
                target["record"] += f"（{p.mentor.name}电话口述，辅导站代录）"

    def _activity(self, p: Pairing, i: int, n: int, d: Date, due: Date | None) -> dict[str, Any]:
        rng = self.rng
        m = p.mentee
        cats = m.profile.categories
        cat = cats[0] if len(cats) == 1 or rng.random() < 0.6 else cats[1]
        stage = min(2, (3 * i) // max(n, 1))
        if m.slow or p.outcome == "referred":
            stage = min(stage, 1)
        kind = "home_visit" if i == 0 else rng.choices([k for k, _ in KIND_WEIGHTS], [w for _, w in KIND_WEIGHTS])[0]
        town = m.unit.split(".")[0]
        place = {
            "home_visit": f"{m.ctx['village']}，孩子家中",
            "talk": rng.choice((f"{m.school}心理咨询室", f"{_unit_name(town + '.station')}谈心室")),
            "remote": rng.choice(("电话", "微信视频")),
            "group": f"{_unit_name(town + '.station')}活动室",
        }[kind]
        ctx = {**m.ctx, "place": place, "item": rng.choice(ITEMS), "theme": rng.choice(GROUP_THEMES),
               "staff": self.user(next(u.login for u in DEMO_USERS if u.role == "staff" and u.unit == town + ".station"))
               .name[0] + "站长",
               "due": _md(due) if due else "下次"}
        ctx["focus"] = "、".join(f.format(**ctx) for f in rng.sample(FOCUS[cat], 2))
        preparation = rng.choice(_fitting(PREPARATION[kind], cat)).format(**ctx)
        if i == 0:
            if p.follows is not None:
                record = (f"接续结对后第一次上门。已和前一位结对的{p.follows.mentor.name}老师交接了情况，{{rel}}介绍了"
                          "{ta}在心理门诊复诊的情况，我说明了以后每周来看{ta}一次的安排。").format(**ctx)
            else:
                record = FIRST_RECORD.format(situation=m.profile.situation.format(**m.ctx), **ctx)
        else:
            opener = rng.choice(_fitting(OPENERS[kind], cat)).format(**ctx)
            if kind == "group":
                body = GROUP_BODIES[stage]
            else:
                body = rng.choice([text for where, text in BODIES[(cat, stage)] if where in BODY_PLACES[kind]])
            record = opener + body.format(**ctx)
        if due is None and p.outcome is not None:
            follow_up = CLOSING[p.outcome].format(**ctx)
            if p.outcome == "referred":
                record = rng.choice(_fitting(OPENERS[kind], cat)).format(**ctx) if kind != "group" else ""
                record += REFERRAL_RECORD.format(**ctx)
        else:
            follow_up = rng.choice(FOLLOW_UPS[cat]).format(**ctx)
        negative, positive = OBSERVATIONS[cat]
        if stage == 0:
            observations = rng.sample(negative, rng.randint(1, 2))
        elif stage == 1:
            observations = [rng.choice(negative), rng.choice(positive)]
        else:
            observations = rng.sample(positive, rng.randint(1, 2))
        moods = rng.sample(MOODS_BY_STAGE[stage], rng.randint(1, 2))
        tags: list[str] = []
        if kind == "group":
            tags = ["station"] + (["theme"] if rng.random() < 0.5 else [])
        elif kind == "remote" and rng.random() < 0.6:
            tags = ["online"]
        elif kind == "talk" and rng.random() < 0.4:
            tags = [rng.choice(("lessons", "peer"))]
        elif kind == "home_visit" and rng.random() < 0.35:
            tags = ["parents"]
        duration = {"home_visit": (40, 90), "talk": (30, 60), "remote": (15, 40), "group": (60, 120)}[kind]
        activity: dict[str, Any] = {
            "id": new_id(), "pairing_id": p.id, "kind": kind, "date": self.iso(d),
            "duration_min": rng.randrange(duration[0], duration[1] + 1, 5), "place": place,
            "preparation": preparation, "record": record, "follow_up": follow_up,
            "follow_up_due": self.iso(due) if due else None, "moods": moods, "observations": observations,
            "tags": tags, "risk_flag": False,
        }
        # 代录: the volunteer without a smartphone phones the station; a few others too.
        by_staff = not p.mentor.smartphone or rng.random() < 0.05
        activity["entered_by_staff"] = by_staff
        if by_staff:
            activity["record"] += f"（{p.mentor.name}电话口述，辅导站代录）"
        # Review plan: records older than ten days are mostly approved, a few returned.
        age = (self.today - d).days
        roll = rng.random()
        if age >= 10 and roll < 0.72:
            activity["review"] = "approve"
        elif age >= 10 and roll < 0.81 and not by_staff and 0 < i < n - 1:
            reason = rng.choice(tuple(RETURN_COMMENTS))
            activity["review"] = "return"
            activity["return"] = reason
            activity["fixed"] = rng.random() < 0.6
        else:
            activity["review"] = "pending"
        return activity

    def write_activities(self) -> None:
        by_actor: dict[str, list[dict[str, Any]]] = {}
        screenings: dict[str, list[dict[str, Any]]] = {}
        rng = self.rng
        for p in self.pairings:
            for a in p.activities:
                fields = {k: a[k] for k in ("pairing_id", "kind", "date", "duration_min", "place", "preparation",
                                            "record", "follow_up", "follow_up_due", "moods", "observations", "tags",
                                            "risk_flag")}
                if a.get("return") == "brief":
                    fields["record"] = BRIEF_RECORDS[a["kind"]]
                elif a.get("return") == "no_due":
                    fields["follow_up_due"] = None
                    fields["follow_up"] = "下次再去看看。"
                elif a.get("return") == "no_prep":
                    fields["preparation"] = None
                writer = f"staff:{p.mentee.unit}" if a["entered_by_staff"] else p.mentor.login
                by_actor.setdefault(writer, []).append(_mutation("activity", fields, a["id"]))
            # A follow-up 摸排 about three months in, by the volunteer (or staff for 代录).
            check = p.start + datetime.timedelta(days=rng.randint(75, 95))
            last_day = p.end if p.end else self.today - datetime.timedelta(days=1)
            if check <= last_day:
                m = p.mentee
                improved = not m.slow and p.outcome != "referred"
                writer = p.mentor.login if p.mentor.smartphone else f"staff:{m.unit}"
                screenings.setdefault(writer, []).append(_mutation("screening", {
                    "mentee_id": m.id, "date": self.iso(check),
                    "psych_problem": "psych" in m.profile.categories,
                    "risk_level": m.risk,
                    "intervention_success": improved and "psych" in m.profile.categories and rng.random() < 0.7,
                    "needs": _needs(m), "notes": (
                        "结对三个月复查：情绪和学习状态有明显好转，家长配合。" if improved else
                        "结对三个月复查：情绪仍有反复，继续按重点对象每周跟踪。"
                    ),
                }))
        # After each urgent flag, the station re-screens the child (risk stays 重点, referral advised).
        for p in self.pairings:
            for a in p.activities:
                if a["risk_flag"]:
                    screenings.setdefault(f"staff:{p.mentee.unit}", []).append(_mutation("screening", {
                        "mentee_id": p.mentee.id, "date": a["date"], "psych_problem": True, "risk_level": "key",
                        "intervention_success": False, "needs": "建议到县人民医院心理门诊评估；家校每日互通情况。",
                        "notes": "五老志愿者上报自伤风险，辅导站当天联系家长和班主任核实。",
                    }))
        for writer in list(dict.fromkeys([*by_actor, *screenings])):
            actor = self.staff_of(writer[6:]) if writer.startswith("staff:") else self.actors[writer]
            _apply(self.db, actor, by_actor.get(writer, []) + screenings.get(writer, []))

    # 5. reviews
    def reviews(self) -> None:
        rng = self.rng
        returns: dict[str, list[dict[str, Any]]] = {}
        approvals: dict[str, list[dict[str, Any]]] = {}
        fixes: dict[str, list[tuple[dict[str, Any], Pairing]]] = {}
        for p in self.pairings:
            unit_staff = self.staff_of(p.mentee.unit)
            town_staff = self.staff_of(p.mentee.unit.split(".")[0])
            for a in p.activities:
                reviewer = town_staff if a["entered_by_staff"] else unit_staff
                if a["review"] == "return":
                    returns.setdefault(reviewer.user_id, []).append(_mutation("review", {
                        "target_entity": "activity", "target_id": a["id"], "decision": "return",
                        "comment": RETURN_COMMENTS[a["return"]],
                    }))
                    if a["fixed"]:
                        fixes.setdefault(p.mentor.login, []).append((a, p))
                        approvals.setdefault(reviewer.user_id, []).append(_mutation("review", {
                            "target_entity": "activity", "target_id": a["id"], "decision": "approve",
                            "comment": "已补充，同意。",
                        }))
                elif a["review"] == "approve":
                    comment = a.get("comment") or rng.choice(APPROVE_COMMENTS)
                    fields = {"target_entity": "activity", "target_id": a["id"], "decision": "approve"}
                    if comment:
                        fields["comment"] = comment
                    approvals.setdefault(reviewer.user_id, []).append(_mutation("review", fields))
            # The town committee confirms pairings that have run for a few weeks.
            if p.start <= self.today - datetime.timedelta(days=20):
                approvals.setdefault(town_staff.user_id, []).append(_mutation("review", {
                    "target_entity": "pairing", "target_id": p.id, "decision": "approve",
                    "comment": "结对安排合理，同意。",
                }))
        staff_by_id = {a.user_id: a for a in self.actors.values()}
        for uid, muts in returns.items():
            _apply(self.db, staff_by_id[uid], muts)
        for login, items in fixes.items():
            muts = []
            for a, p in items:
                fields: dict[str, Any] = {}
                if a["return"] == "brief":
                    fields["record"] = a["record"] + "（已按辅导站意见补充）"
                elif a["return"] == "no_due":
                    fields["follow_up"] = a["follow_up"]
                    fields["follow_up_due"] = a["follow_up_due"]
                else:
                    fields["preparation"] = a["preparation"]
                muts.append(_mutation("activity", fields, a["id"], _version(self.db, "activities", a["id"])))
            _apply(self.db, self.actors[login], muts)
        for uid, muts in approvals.items():
            _apply(self.db, staff_by_id[uid], muts)

    # 6. closing pairings
    def closures(self) -> None:
        by_unit: dict[str, list[dict[str, Any]]] = {}
        for p in self.pairings:
            if p.outcome is None:
                continue
            assert p.end is not None
            m = p.mentee
            muts = by_unit.setdefault(m.unit, [])
            muts.append(_mutation("pairing", {"status": "closed", "end_date": self.iso(p.end), "outcome": p.outcome},
                                  p.id, _version(self.db, "pairings", p.id)))
            if p.outcome == "referred":
                notes = "已转介县人民医院心理门诊，定期复诊；原结对已结束，由同站另一位五老志愿者接续结对关爱。"
                muts.append(_mutation("mentee", {"notes": notes}, m.id, _version(self.db, "mentees", m.id)))
            else:
                muts.append(_mutation("mentee", {"status": "closed"}, m.id, _version(self.db, "mentees", m.id)))
        for unit, muts in by_unit.items():
            _apply(self.db, self.staff_of(unit), muts)

    # 7. statistics returns: one approved, one returned by the county
    def stats_returns(self) -> None:
        first_of_month = self.today.replace(day=1)
        prev_end = first_of_month - datetime.timedelta(days=1)
        prev_start = prev_end.replace(day=1)
        reviewer = self.actors["county"]
        reviews = []
        for unit, remarks, decision, comment in (
            ("bencha.school", "结对帮扶档案齐全；第4讲宣讲已覆盖七至九年级。", "approve",
             "数据与活动台账一致，同意。"),
            ("chahe.school", "家长会人次含线上参会家长。", "return", "家长会参与人次与签到表不一致，请核实后重新上报。"),
        ):
            staff_login = next(u.login for u in DEMO_USERS if u.role == "staff" and u.unit == unit)
            staff = self.user(staff_login)
            rid = new_id()
            _apply(self.db, self.actors[staff_login], [_mutation("stats_return", {
                "unit_id": self.unit_ids[unit], "period_from": self.iso(prev_start), "period_to": self.iso(prev_end),
                "remarks": remarks, "filled_by": staff.name, "phone": staff.phone,
            }, rid)])
            reviews.append(_mutation("review", {"target_entity": "stats_return", "target_id": rid,
                                                "decision": decision, "comment": comment}))
        _apply(self.db, reviewer, reviews)


def _fitting(templates: tuple[str, ...], category: str) -> list[str]:
    """Templates that fit the child: talk of parents working away only for left-behind children."""
    if category == "left_behind":
        return list(templates)
    return [t for t in templates if "父母" not in t]


def _md(d: Date) -> str:
    return f"{d.month}月{d.day}日"


def _needs(m: Mentee) -> str:
    cats = m.profile.categories
    parts = []
    if "psych" in cats:
        parts.append("持续心理疏导" if m.risk != "key" else "专业心理评估与每周面对面疏导")
    if "hardship" in cats:
        parts.append("助学资助和课后作业辅导")
    if "left_behind" in cats:
        parts.append("亲情陪伴，协调父母定期视频联系")
    return "需要" + "；".join(parts) + "。"


def load_demo(db: sqlite_utils.Database, *, today: Date | None = None) -> None:
    """Load the demo county into an empty database, inside the caller's write transaction."""
    demo = _Demo(db, today or local_today())
    demo.units()
    demo.users()
    demo.children()
    demo.register()
    demo.plan_activities()
    demo.write_activities()
    demo.reviews()
    demo.closures()
    demo.stats_returns()


def demo_logins(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every demo account present in ``db``: login, role, name, password and unit name."""
    logins = [u.login for u in DEMO_USERS]
    rows = db.execute(
        f"SELECT u.login, u.role, u.name, un.name FROM users u LEFT JOIN units un ON un.id = u.unit_id"
        f" WHERE u.login IN ({', '.join('?' * len(logins))})",
        logins,
    ).fetchall()
    found = {r[0]: r for r in rows}
    ordered: Sequence[DemoUser] = sorted(DEMO_USERS, key=lambda u: ROLE_ORDER[u.role])
    return [
        {"login": u.login, "role": found[u.login][1], "name": found[u.login][2], "password": DEMO_PASSWORD,
         "unit": found[u.login][3]}
        for u in ordered if u.login in found
    ]
