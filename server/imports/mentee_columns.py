"""The columns of a children's roster, as the import reads them and its template shows them: the
names schools give each, and the yes/no columns (是否留守儿童 …) each adding one category."""
from __future__ import annotations

from sync.labels import CATEGORIES, GENDERS, RISK_LEVELS

from .columns import Column

COLUMNS: tuple[Column, ...] = (
    Column("code", "编号", help="已登记的孩子填系统里的编号（按编号找到同一人）；新登记的留空，导入时自动生成。",
           aliases=("系统编号", "帮扶对象编号"), ambiguous=("学生编号", "编码")),
    Column("name", "姓名", required=True, help="孩子的真实姓名。县级页面只显示编号，不显示姓名。", width=12,
           aliases=("学生姓名", "孩子姓名", "帮扶对象姓名", "帮扶对象", "对象姓名", "受助学生姓名")),
    Column("unit", "所属单位", help="学校或辅导站的名称，与系统中的名称一致；留空表示您所在的学校或辅导站。", width=24),
    Column("school", "学校", help="孩子就读的学校（辅导站的孩子填就读学校）。", width=20,
           aliases=("就读学校", "学校名称", "所在学校")),
    Column("grade", "年级", help="如：四年级、七年级（写初一、7年级也可以，统一记作七年级）。", width=10,
           aliases=("就读年级",), fallbacks=("班级", "年级班级")),
    Column("gender", "性别", help="男 或 女（学籍系统导出的 1、2 也可以：1 男，2 女）。",
           choices=tuple(GENDERS.values()), width=8),
    Column("birth_year", "出生年份", width=10,
           help="四位数字，如 2014；填出生日期（2014-05-01、20140501、2014年5月）也可以，只记年份。",
           aliases=("出生日期", "出生年月", "出生年月日", "出生时间", "生日", "出生年")),
    Column("categories", "类别", width=26, aliases=("帮扶类别", "帮扶类型", "困难类型"),
           help="心理行为问题、家庭经济困难、留守/特殊家庭；可填多个，用顿号（、）分开。"),
    Column("risk_level", "关注等级", help="一般、关注 或 重点；新登记留空为“一般”。",
           choices=tuple(RISK_LEVELS.values()), width=10, aliases=("关注程度",)),
    Column("plan", "一人一策", help="针对这个孩子的帮扶重点和方法。", width=30, aliases=("帮扶措施", "帮扶计划")),
    Column("guardian_name", "监护人", help="如：王秀英（奶奶）。", width=14,
           aliases=("监护人姓名", "家长姓名", "家长", "监护人（家长）")),
    Column("guardian_contact", "监护人联系方式", help="手机号或电话。", width=16,
           aliases=("监护人电话", "监护人手机", "监护人手机号", "家长电话", "家长手机", "家长手机号", "家长联系电话",
                    "家长联系方式", "联系电话", "联系方式", "家庭电话")),
    Column("notes", "备注", help="其他情况。", width=30),
)
# A school's yes/no columns, each with the category its 是 means. 单亲 and 孤儿 are 特殊家庭, 低保 and
# 建档立卡 are 家庭经济困难; a column whose 是 says no category clearly (是否残疾) stays unread.
FLAGS = (
    ("is_left_behind", "是否留守儿童", ("留守儿童", "是否留守", "留守"), "left_behind"),
    ("is_single_parent", "是否单亲家庭", ("是否单亲", "单亲", "单亲家庭", "是否单亲儿童"), "left_behind"),
    ("is_orphan", "是否孤儿", ("孤儿", "是否孤儿或事实无人抚养", "是否事实无人抚养儿童"), "left_behind"),
    ("is_hardship", "是否困难家庭", ("困难家庭", "是否家庭经济困难", "家庭经济困难", "是否贫困家庭", "是否贫困"),
     "hardship"),
    ("is_low_income", "是否低保", ("低保", "是否低保户", "低保户", "是否低保家庭"), "hardship"),
    ("is_poverty_listed", "是否建档立卡", ("建档立卡", "是否建档立卡户", "建档立卡户"), "hardship"),
    ("is_psych", "是否有心理行为问题", ("是否心理行为问题", "心理行为问题", "是否有心理问题", "是否心理问题"), "psych"),
)


def _flag_help(category: str) -> str:
    """How to fill a yes/no column, in the words ``flag_categories`` reads."""
    return (f"填“是”或“否”（√、×、1、0、Y、N 也可以），不填算“否”。填“是”的孩子加上类别“{CATEGORIES[category]}”；"
            "填“否”不会去掉已有的类别。")


COLUMNS = (*COLUMNS, *(Column(key, header, aliases=aliases, in_template=False, help=_flag_help(category))
                       for key, header, aliases, category in FLAGS))
LABELS = {c.key: c.header for c in COLUMNS}
