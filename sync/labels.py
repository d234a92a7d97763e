"""The Chinese words records are shown in: each enumeration's stored values and their labels, the
roles and kinds of volunteer, and "this one" with its measure word for each noun a sentence names.

Labels are Chinese because they end up in the reasons a mentor or staff member reads on screen.
"""
from __future__ import annotations

ROLES = ("mentor", "staff", "reviewer", "admin")
ROLE_LABELS = {
    "mentor": "五老志愿者", "staff": "镇/街道、辅导站或学校工作人员", "reviewer": "县关工委/教体局",
    "admin": "系统管理员",
}
# The one ``staff`` role (the permission) works at a town's office, a station or a school; an account
# is written by its unit's kind (a town's clerk read as 辅导站/学校工作人员), ``ROLE_LABELS`` where no
# unit is at hand (the role pickers, an audit of the role alone).
STAFF_LABELS = {"town": "镇/街道工作人员", "station": "辅导站工作人员", "school": "学校工作人员"}


def role_label(role: str | None, unit_kind: str | None = None) -> str:
    """An account's role in words, a staff account's by the kind of its unit."""
    if role == "staff" and unit_kind in STAFF_LABELS:
        return STAFF_LABELS[unit_kind]
    return ROLE_LABELS.get(role or "", role or "")
# Who a volunteer is (Rudong notice 三: "五老"志愿者与学校教师及社会各界人士联动), so that a county can
# report how many 五老 take part and of which kind. An account stored before it was asked has none (未填).
MENTOR_KINDS = {
    "cadre": "老干部", "veteran": "老战士", "expert": "老专家", "teacher": "老教师", "model": "老模范",
    "school_teacher": "学校教师", "public": "社会各界人士",
}
WU_LAO = ("cadre", "veteran", "expert", "teacher", "model")

# Enumerations: stored value -> Chinese label.
# "This record" for each kind a sentence names, with its measure word: 找不到这个帮扶对象, not 这条帮扶对象.
# By the noun, since the pages name some records that are no synced entity (账号, 手机, 冲突记录).
THIS = {
    "单位": "这个单位", "上级单位": "这个上级单位", "帮扶对象": "这个帮扶对象", "结对": "这个结对",
    "帮扶活动": "这条帮扶活动", "摸排": "这条摸排记录", "集体活动": "这次集体活动", "在校人数": "这组在校人数",
    "统计表": "这份统计表", "统计表报送": "这份统计表", "审核": "这条审核记录", "转介": "这条转介记录",
    "爱心捐助": "这条爱心捐助记录", "转交人": "这位转交人",
    "督查": "这次督查", "督查记录": "这条督查记录", "账号": "这个账号", "志愿者": "这位志愿者",
    "五老志愿者": "这位五老志愿者", "手机": "这台手机", "冲突记录": "这条冲突记录", "风险提示": "这条风险提示",
    "记录": "这条记录", "骨干学生": "这个班级的骨干学生",
}


def this(noun: str) -> str:
    """``noun`` as "this one" with its measure word (``THIS``); a noun not listed is 这条…记录."""
    return THIS.get(noun) or f"这条{noun.removesuffix('记录')}记录"


UNIT_KINDS = {"county": "县", "town": "镇/街道", "station": "辅导站", "school": "学校"}
# The units that are rows of the statistics form; a child's talks and screenings count in the row of
# the child's unit, so a child belongs to one of these.
ROW_KINDS = ("station", "school")
CATEGORIES = {"psych": "心理行为问题", "hardship": "家庭经济困难", "left_behind": "留守/特殊家庭"}
APPROACHES = {"fuxin": "扶心扶志", "zhuxue": "助学扶志", "guanai": "关爱扶志"}
RISK_LEVELS = {"normal": "一般", "watch": "关注", "key": "重点"}
GENDERS = {"male": "男", "female": "女"}
# 已结束帮扶, not 结束: on a list beside pairings, a bare 结束 read as if her pairing had ended (the
# pairing's own is PAIRING_STATUSES' 已结束). The phone never shows a child's 状态 (it holds running pairings).
MENTEE_STATUSES = {"active": "在帮", "closed": "已结束帮扶"}
PAIRING_STATUSES = {"active": "结对中", "closed": "已结束"}
# mentor_left: the pairing ended because its volunteer stopped serving, not for the child's sake;
# it says nothing of how the child is (so it never counts as 成功干预).
OUTCOMES = {"improved": "好转", "stable": "稳定", "referred": "转介", "mentor_left": "志愿者停止服务"}
ACTIVITY_KINDS = {"home_visit": "上门家访", "talk": "面对面谈心", "remote": "电话或线上", "group": "集体活动"}
SIX_LINKS = {  # 六结合 (Rudong notice, part 二.2)
    "theme": "与主题教育结合",
    "station": "与辅导站活动结合",
    "peer": "与三好标兵评选结合",
    "online": "与网上关工委结合",
    "parents": "与家长学校结合",
    "lessons": "与课程教学、兴趣活动结合",
}
REVIEW_STATUSES = {"pending": "待审核", "approved": "已通过", "returned": "已退回"}
EVENT_KINDS = {
    "lecture": "宣讲",
    "themed": "专题教育",
    "class_meeting": "主题班会",
    "parent_meeting": "家长会",
    "brochure": "发放宣传手册",
    # Kaizhou notice 四 names 心理健康教育专兼职教师培训 among the carriers; 参与人次 are the teachers trained.
    "teacher_training": "教师培训",
    # Rudong notice 一.2(4): the county's 心理健康教育微课 watched at a school; 参与人次 are the viewers.
    "micro_lesson": "收看微课",
}
# A 补课 (Rudong notice 一.2(1): 暑假…补课…确保上半年宣讲内容覆盖率达到100%) makes up a first-half lecture.
MAKE_UP_LECTURES = (1, 2, 3)
AUDIENCES = {"students": "学生", "parents": "家长"}
REVIEW_TARGETS = {"activity": "帮扶活动", "pairing": "结对", "stats_return": "统计表"}
DECISIONS = {"approve": "通过", "return": "退回"}
RETURN_STATUSES = {"draft": "草稿", "submitted": "已上报", "approved": "已通过", "returned": "已退回"}
# A return as the level above gathers it (a town's 汇总 row of a school): a draft is not filed yet,
# and ``none`` is a unit that made no return for the period.
FILED_STATUSES = {"none": "未报", "draft": "未报（草稿）", "submitted": "待审", "approved": "已通过",
                  "returned": "退回"}
# 转介 (Kaizhou notice 五(三)): where a child is referred, and how far the referral has got.
REFERRAL_TARGETS = {"counselling_room": "学校心理辅导室", "medical": "医疗机构", "other": "其他机构"}
REFERRAL_STATUSES = {"referred": "已转介", "received": "已接收", "concluded": "已结束"}
# On-site inspection (督查, Rudong notice part 四): why the inspectors came, and what they check.
INSPECTION_KINDS = {
    "routine": "常态化督查",
    "full": "全面督查",
    "mutual": "互查",
    "star": "星级辅导站复查/验收",
}
CHECK_ITEMS = {  # each item is a sentence of the notice the inspectors look for on site
    "records": "活动台帐资料齐全",
    "lectures": "第4讲、第5讲宣讲全覆盖",
    "parent_class": "开设家长班（家长学校）",
    "counselling_room": "心理健康咨询室建立并使用",
    "micro_lessons": "组织收看心理健康微课",
    "screening": "重点对象摸排、建档立卡",
    "one_plan": "重点对象“一人一策”",
    "archives": "结对帮扶档案完整（准备、记录、跟踪）",
    "six_links": "落实“六结合”",
    "peer_helpers": "配备心理健康骨干学生",
}
