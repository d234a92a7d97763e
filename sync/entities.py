"""What each synced entity holds: fields, types, who may write them, and its table.

Values on the wire are JSON; dates are ISO ``YYYY-MM-DD`` local dates (Asia/Shanghai),
lists are JSON arrays stored as JSON text. Labels are Chinese because they end up in
the reasons a mentor or staff member reads on screen.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .birthyears import birth_year_refused
from .labels import (
    ACTIVITY_KINDS,
    APPROACHES,
    AUDIENCES,
    CATEGORIES,
    CHECK_ITEMS,
    DECISIONS,
    EVENT_KINDS,
    GENDERS,
    INSPECTION_KINDS,
    MENTEE_STATUSES,
    OUTCOMES,
    PAIRING_STATUSES,
    REFERRAL_STATUSES,
    REFERRAL_TARGETS,
    RETURN_STATUSES,
    REVIEW_STATUSES,
    REVIEW_TARGETS,
    RISK_LEVELS,
    SIX_LINKS,
    UNIT_KINDS,
)

TEXT_MAX = 20_000
SHORT_MAX = 200


@dataclass(frozen=True)
class Field:
    """One field of an entity.

    ``kind`` is one of: text, short, enum, enums, strs, date, int, bool, ref, json (an object
    only the server writes).
    ``writers`` are the roles that may set it from a mutation; an empty tuple marks a
    field only the server sets (author, review state, denormalised scope keys).
    """

    name: str
    label: str
    kind: str
    required: bool = False
    choices: dict[str, str] | None = None
    ref: str | None = None
    writers: tuple[str, ...] = ("staff", "admin")
    max_value: int = 1_000_000
    min_value: int = 0
    nullable: bool = True
    phone: bool = False  # a telephone: stored in ``sync.phones.phone_form``, whoever writes it
    # The field's own words for a number past its bounds, where "应在 … 到 … 之间" would name bounds
    # that are only SQLite's (a birth year: no pupil is born in year 0 or in a 13-digit year either).
    out_of_range: Callable[[object], str | None] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Entity:
    """A synced record type and the rules every writer meets."""

    name: str
    label: str
    table: str
    fields: tuple[Field, ...]
    creators: tuple[str, ...]
    deleters: tuple[str, ...]
    # Activities (and statistics returns) are locked once approved: no edit and no delete after that.
    locks_when_approved: bool = False
    approval_field: str = "review_status"  # the field that reads "approved" once approved
    # Fields that stay writable after approval: the station's handling of a risk flag must be
    # recordable on an activity that was already approved (and locked) before anyone acted.
    open_after_approval: tuple[str, ...] = ()
    by_name: dict[str, Field] = field(default_factory=dict, compare=False, repr=False)
    columns: tuple[str, ...] = field(default=(), compare=False, repr=False)
    # Read by the writer for every mutation, so worked out once here (sync/apply.py): the required
    # fields, the references (field name, entity or "user"), and the fields each role may write.
    required: tuple[Field, ...] = field(default=(), compare=False, repr=False)
    refs: tuple[tuple[str, str], ...] = field(default=(), compare=False, repr=False)
    writable: dict[str, frozenset[str]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.by_name.update({f.name: f for f in self.fields})
        object.__setattr__(self, "columns", tuple(f.name for f in self.fields))
        object.__setattr__(self, "required", tuple(f for f in self.fields if f.required))
        object.__setattr__(self, "refs", tuple((f.name, f.ref) for f in self.fields if f.kind == "ref" and f.ref))
        roles = {role for f in self.fields for role in f.writers}
        self.writable.update({role: frozenset(f.name for f in self.fields if role in f.writers) for role in roles})


S, A, M, R = "staff", "admin", "mentor", "reviewer"
SERVER: tuple[str, ...] = ()

UNIT = Entity(
    "unit", "单位", "units",
    (
        Field("parent_id", "上级单位", "ref", ref="unit", writers=(A,)),
        Field("name", "名称", "short", required=True, writers=(A,), nullable=False),
        Field("kind", "类型", "enum", required=True, choices=UNIT_KINDS, writers=(A,), nullable=False),
        Field("phone", "联系电话", "short", writers=(A, S), phone=True),
        Field("address", "地址", "short", writers=(A, S)),
    ),
    creators=(A,), deleters=(A,),
)

# A child's file and her 摸排 screenings are written by staff (and by her volunteer, as far as the
# phone goes), never by the admin: the admin reads children by pseudonymous code only
# (server/pages/visits.py CHILD_FILE), and a write as the admin could set a name it may not read.
# The rule lives here so that no page, present or future, can get round it.
MENTEE = Entity(
    "mentee", "帮扶对象", "mentees",
    (
        Field("unit_id", "所属学校/辅导站", "ref", required=True, ref="unit", nullable=False, writers=(S,)),
        Field("code", "编号", "short", required=True, nullable=False, writers=(S,)),
        Field("name", "姓名", "short", writers=(S,)),
        Field("school", "学校", "short", writers=(S,)),
        Field("grade", "年级", "short", writers=(S,)),
        Field("gender", "性别", "enum", choices=GENDERS, writers=(S,)),
        # Which years a pupil may be born in moves with the calendar (rules.children.birth_year_refused),
        # so it is checked where a year is written, not here: a year stored under last year's rule must
        # not make the child's file uneditable. These bounds only keep the number to what SQLite holds,
        # and a number past them is refused in the same words as any other year no pupil has.
        Field("birth_year", "出生年份", "int", min_value=-(10**12), max_value=10**12, writers=(S,),
              out_of_range=birth_year_refused),
        Field("categories", "类别", "enums", choices=CATEGORIES, nullable=False, writers=(S,)),
        Field("risk_level", "关注等级", "enum", choices=RISK_LEVELS, nullable=False, writers=(S,)),
        Field("plan", "一人一策", "text", writers=(S,)),
        Field("guardian_name", "监护人", "short", writers=(S, M)),
        Field("guardian_contact", "监护人联系方式", "short", writers=(S, M), phone=True),
        Field("notes", "备注", "text", writers=(S, M)),
        Field("status", "状态", "enum", choices=MENTEE_STATUSES, nullable=False, writers=(S,)),
    ),
    creators=(S,), deleters=(S,),
)

PAIRING = Entity(
    "pairing", "结对", "pairings",
    (
        Field("mentor_id", "五老志愿者", "ref", required=True, ref="user", nullable=False),
        Field("mentee_id", "帮扶对象", "ref", required=True, ref="mentee", nullable=False),
        Field("unit_id", "所属单位", "ref", ref="unit", writers=SERVER),
        Field("start_date", "开始日期", "date", required=True, nullable=False),
        Field("end_date", "结束日期", "date"),
        Field("approach", "帮扶方式", "enum", choices=APPROACHES),
        Field("goals", "帮扶目标", "text"),
        Field("status", "状态", "enum", choices=PAIRING_STATUSES, nullable=False),
        Field("outcome", "结束结果", "enum", choices=OUTCOMES),
        Field("review_status", "审核状态", "enum", choices=REVIEW_STATUSES, writers=SERVER),
    ),
    creators=(S, A), deleters=(S, A),
)

ACTIVITY = Entity(
    "activity", "帮扶活动", "activities",
    (
        Field("pairing_id", "结对", "ref", required=True, ref="pairing", writers=(M, S, A), nullable=False),
        Field("mentee_id", "帮扶对象", "ref", ref="mentee", writers=SERVER),
        Field("unit_id", "所属单位", "ref", ref="unit", writers=SERVER),
        Field("kind", "帮扶方式", "enum", required=True, choices=ACTIVITY_KINDS, writers=(M, S, A), nullable=False),
        Field("date", "日期", "date", required=True, writers=(M, S, A), nullable=False),
        Field("duration_min", "时长（分钟）", "int", writers=(M, S, A), max_value=24 * 60),
        Field("place", "地点", "short", writers=(M, S, A)),
        Field("preparation", "事前准备", "text", writers=(M, S, A)),
        Field("record", "过程记录", "text", writers=(M, S, A)),
        Field("follow_up", "事后跟踪", "text", writers=(M, S, A)),
        Field("follow_up_due", "下次跟踪日期", "date", writers=(M, S, A)),
        Field("moods", "情绪", "strs", writers=(M, S, A), nullable=False),
        Field("observations", "观察", "strs", writers=(M, S, A), nullable=False),
        Field("tags", "六结合", "enums", choices=SIX_LINKS, writers=(M, S, A), nullable=False),
        Field("risk_flag", "发现自伤自残风险", "bool", writers=(M, S, A), nullable=False),
        # The server sets it (the phone's volunteer; for 代录 the pairing's); staff may name a former
        # volunteer of the pairing for a visit made while the child was hers (rules.visits._entered_for, handover.py).
        Field("author_id", "记录人", "ref", ref="user", writers=(S, A)),
        Field("entered_by", "代录人", "ref", ref="user", writers=SERVER),
        Field("review_status", "审核状态", "enum", choices=REVIEW_STATUSES, writers=SERVER),
        Field("review_comment", "审核意见", "text", writers=SERVER),
        # 处理记录: what the station did about a risk flag; a flag stays "open" on the station
        # home page until this is written.
        Field("risk_action", "风险处理记录", "text", writers=(S, A)),
        Field("risk_action_on", "处理日期", "date", writers=(S, A)),
        Field("risk_action_by", "处理人", "ref", ref="user", writers=SERVER),
    ),
    creators=(M, S, A), deleters=(M, S, A), locks_when_approved=True,
    open_after_approval=("risk_action", "risk_action_on"),
)

SCREENING = Entity(
    "screening", "摸排", "screenings",
    (
        Field("mentee_id", "帮扶对象", "ref", required=True, ref="mentee", writers=(M, S), nullable=False),
        Field("unit_id", "所属单位", "ref", ref="unit", writers=SERVER),
        Field("date", "日期", "date", required=True, writers=(M, S), nullable=False),
        Field("psych_problem", "存在心理问题", "bool", writers=(M, S), nullable=False),
        Field("risk_level", "关注等级", "enum", choices=RISK_LEVELS, writers=(M, S)),
        Field("intervention_success", "成功干预疏导", "bool", writers=(M, S), nullable=False),
        Field("needs", "需求", "text", writers=(M, S)),
        Field("notes", "备注", "text", writers=(M, S)),
        Field("author_id", "记录人", "ref", ref="user", writers=SERVER),
    ),
    creators=(M, S), deleters=(S,),
)

EVENT = Entity(
    "event", "集体活动", "events",
    (
        Field("unit_id", "举办单位", "ref", required=True, ref="unit", nullable=False),
        Field("kind", "类型", "enum", required=True, choices=EVENT_KINDS, nullable=False),
        Field("title", "主题", "short"),
        Field("lecture_no", "讲次", "int", max_value=100),
        Field("audience", "对象", "enum", choices=AUDIENCES),
        Field("date", "日期", "date", required=True, nullable=False),
        Field("participants", "参与人次", "int", nullable=False),
        Field("copies", "手册册数", "int", nullable=False),
        Field("online", "线上", "bool", nullable=False),
        Field("notes", "备注", "text"),
        # Added later (m047), so optional: an event stored before, or sent in the old shape, has none.
        Field("plan", "活动方案", "text"),
        Field("make_up", "补课", "bool", nullable=False),
        Field("forwarded", "转发家长（人）", "int"),
    ),
    creators=(S, A), deleters=(S, A),
)

ENROLMENT = Entity(
    "enrolment", "在校人数", "enrolments",
    (
        Field("unit_id", "单位", "ref", required=True, ref="unit", nullable=False),
        Field("year", "年度", "int", required=True, min_value=2000, max_value=2100, nullable=False),
        Field("students", "学生人数", "int", required=True, nullable=False),
        Field("parents", "家长人数", "int", required=True, nullable=False),
    ),
    creators=(S, A), deleters=(S, A),
)

STATS_RETURN = Entity(
    "stats_return", "统计表", "stats_returns",
    (
        Field("unit_id", "填表单位", "ref", required=True, ref="unit", nullable=False),
        Field("period_from", "起始日期", "date", required=True, nullable=False),
        Field("period_to", "截止日期", "date", required=True, nullable=False),
        Field("remarks", "备注", "text"),
        # The period's 活动总结, sent up with the form (Kaizhou notice 六); frozen with it on approval.
        Field("summary", "活动总结", "text"),
        Field("filled_by", "填表人", "short"),
        Field("phone", "填表电话", "short", phone=True),
        # A unit moves its own return between draft and submitted (sync/returns.py); reviews set
        # approved / returned.
        Field("status", "状态", "enum", choices=RETURN_STATUSES, writers=(S, A)),
        # The statistics form as it stood when the return was approved (frozen by the server in
        # the approval's transaction; cleared when it is returned).
        Field("figures", "审核通过时的数字", "json", writers=SERVER),
    ),
    # Approved by the level above, then locked per unit and period (docs/sync-protocol.md §9a).
    creators=(S, A), deleters=(S, A), locks_when_approved=True, approval_field="status",
)

REVIEW = Entity(
    "review", "审核", "reviews",
    (
        Field("target_entity", "审核对象类型", "enum", required=True, choices=REVIEW_TARGETS,
              writers=(S, R, A), nullable=False),
        Field("target_id", "审核对象", "ref", required=True, writers=(S, R, A), nullable=False),
        Field("decision", "结论", "enum", required=True, choices=DECISIONS, writers=(S, R, A), nullable=False),
        Field("comment", "意见", "text", writers=(S, R, A)),
        # The target's version the reviewer read; a changed target is refused (sync/rules.py).
        Field("target_version", "审核时的版本", "int", writers=(S, R, A)),
        Field("unit_id", "所属单位", "ref", ref="unit", writers=SERVER),
        # The target's mentee (none for a statistics return): a review moves and drops with the
        # child's file like the activity or pairing it judges (issue 8, item 9).
        Field("mentee_id", "帮扶对象", "ref", ref="mentee", writers=SERVER),
        Field("reviewer_id", "审核人", "ref", ref="user", writers=SERVER),
    ),
    creators=(S, R, A), deleters=(),
)

REFERRAL = Entity(
    "referral", "转介", "referrals",
    (
        Field("mentee_id", "帮扶对象", "ref", required=True, ref="mentee", nullable=False),
        Field("unit_id", "所属单位", "ref", ref="unit", writers=SERVER),
        Field("target", "转介去向", "enum", required=True, choices=REFERRAL_TARGETS, nullable=False),
        Field("institution", "接收机构", "short"),
        Field("contact", "联系人及电话", "short", phone=True),
        Field("reason", "转介原因", "text"),
        Field("referred_on", "转介日期", "date", required=True, nullable=False),
        Field("received_on", "接收日期", "date"),
        Field("concluded_on", "结束日期", "date"),
        Field("status", "状态", "enum", choices=REFERRAL_STATUSES, nullable=False),
        Field("outcome", "转介结果", "text"),
        Field("author_id", "登记人", "ref", ref="user", writers=SERVER),
    ),
    # Staff keep referrals; a volunteer's phone does not hold them (not in sync.scope.MENTOR_ENTITIES):
    # they are health details about a child the volunteer does not act on, and the phone is the
    # device most likely to be lost.
    creators=(S, A), deleters=(S, A),
)

# Written by the county (reviewers) and by a town's staff for the stations and schools below it;
# edited by the inspecting unit or a level above it; the inspected unit's own staff report only the
# rectification (sync/rules.py).
INSPECTION = Entity(
    "inspection", "督查", "inspections",
    (
        Field("unit_id", "被督查单位", "ref", required=True, ref="unit", writers=(R, S, A), nullable=False),
        Field("date", "督查日期", "date", required=True, writers=(R, S, A), nullable=False),
        Field("kind", "督查类型", "enum", choices=INSPECTION_KINDS, writers=(R, S, A), nullable=False),
        Field("inspectors", "督查人员", "short", required=True, writers=(R, S, A), nullable=False),
        Field("passed", "达标项目", "enums", choices=CHECK_ITEMS, writers=(R, S, A), nullable=False),
        Field("failed", "未达标项目", "enums", choices=CHECK_ITEMS, writers=(R, S, A), nullable=False),
        Field("findings", "督查情况", "text", writers=(R, S, A)),
        Field("highlights", "先进事例与创新举措", "text", writers=(R, S, A)),
        Field("score", "得分", "int", writers=(R, S, A), max_value=100),
        Field("rectify", "整改要求", "text", writers=(R, S, A)),
        Field("rectify_due", "整改期限", "date", writers=(R, S, A)),
        Field("fixed", "已整改项目", "enums", choices=CHECK_ITEMS, writers=(R, S, A), nullable=False),
        Field("rectify_notes", "整改情况", "text", writers=(R, S, A)),
        Field("author_id", "记录人", "ref", ref="user", writers=SERVER),
        # The unit that made the inspection, kept as it was on the day: the author may later move to
        # another unit, and the archive (and who may edit or decide a conflict) must not follow them.
        Field("inspecting_unit_id", "督查单位", "ref", ref="unit", writers=SERVER),
    ),
    creators=(R, S, A), deleters=(R, A),
)

# 心理健康骨干学生 (Rudong notice 二.2(3)): each class of a school, and each station, has a boy and a girl
# who help with mental-health education, guided by a 五老 of the unit. One record a class. Pupils' names:
# written and read by staff only (the admin, like the county, reads the register as counts), never on a
# volunteer's phone (not in sync.scope.MENTOR_ENTITIES). Lengths: sync/rules/peers.py.
PEER_HELPER = Entity(
    "peer_helper", "骨干学生", "peer_helpers",
    (
        Field("unit_id", "学校/辅导站", "ref", required=True, ref="unit", nullable=False, writers=(S,)),
        Field("class_name", "班级", "short", required=True, nullable=False, writers=(S,)),
        Field("boy_name", "男生姓名", "short", writers=(S,)),
        Field("boy_grade", "男生年级", "short", writers=(S,)),
        Field("girl_name", "女生姓名", "short", writers=(S,)),
        Field("girl_grade", "女生年级", "short", writers=(S,)),
        Field("mentor_id", "指导的五老志愿者", "ref", ref="user", writers=(S,)),
    ),
    creators=(S,), deleters=(S,),
)

# 爱心捐助 (Rudong notice 三: 发动社会各界人士、离退休干部捐物捐款): money or goods a family in hardship
# received for the child. Money is kept in whole 分, never a float: a county adds hundreds of gifts of
# 50.50 元 and its 捐款 total must come out to the fen the committees report, and 分 keep the
# two decimals a receipt shows without a second column. One gift above 10 万元 for one child is a slip
# of a few zeros; goods are counted in 件 as the reports count them.
DONATION_MAX_FEN = 100_000 * 100
DONATION = Entity(
    "donation", "爱心捐助", "donations",
    (
        Field("mentee_id", "帮扶对象", "ref", required=True, ref="mentee", nullable=False, writers=(S,)),
        Field("unit_id", "所属单位", "ref", ref="unit", writers=SERVER),
        Field("date", "捐助日期", "date", required=True, nullable=False, writers=(S,)),
        Field("amount_fen", "捐款（分）", "int", max_value=DONATION_MAX_FEN, writers=(S,)),
        Field("goods", "捐物", "short", writers=(S,)),
        Field("items", "捐物件数", "int", max_value=10_000, writers=(S,)),
        Field("donor", "捐助人", "short", writers=(S,)),
        Field("handed_by", "转交人", "ref", ref="user", writers=(S,)),
        Field("notes", "备注", "text", writers=(S,)),
        Field("author_id", "登记人", "ref", ref="user", writers=SERVER),
    ),
    # Like a referral, the station's and the county's record, never on a volunteer's phone (not in
    # sync.scope.MENTOR_ENTITIES): what a poor family was given is not the volunteer's to carry around.
    # Like a child's file (MENTEE), written by staff only: the admin reads children by code alone.
    creators=(S,), deleters=(S,),
)

ENTITIES: dict[str, Entity] = {
    e.name: e
    for e in (UNIT, MENTEE, PAIRING, ACTIVITY, SCREENING, EVENT, ENROLMENT, STATS_RETURN, REVIEW, REFERRAL,
              INSPECTION, PEER_HELPER, DONATION)
}

# Defaults applied on create for fields the writer left out.
DEFAULTS: dict[str, dict[str, object]] = {
    "mentee": {"risk_level": "normal", "status": "active", "categories": []},
    "pairing": {"status": "active", "review_status": "pending"},
    "activity": {"risk_flag": False, "review_status": "pending", "moods": [], "observations": [], "tags": []},
    "screening": {"psych_problem": False, "intervention_success": False},
    "event": {"participants": 0, "copies": 0, "online": False, "make_up": False},
    "stats_return": {"status": "draft"},
    "referral": {"status": "referred"},
    "inspection": {"kind": "routine", "passed": [], "failed": [], "fixed": []},
}
