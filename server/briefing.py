"""Texts drafted from the figures (``queries.progress.period_figures``): the WeChat brief and the
paragraphs of a year-end summary. Every sentence states a figure or a change between two figures;
nothing is added that the records do not say, and no child is named or coded.
"""
from __future__ import annotations

import datetime
from typing import Any

from sync.labels import ACTIVITY_KINDS, MENTOR_KINDS, OUTCOMES, ROW_KINDS, WU_LAO
from sync.timeutil import local_today

from .money import yuan_figure
from .queries.coverage import AUDIENCE_WORDS, HALF_SPANS
from .queries.leavers import Leavers
from .queries.leaving import LEAVING_REASONS, UNRECORDED
from .queries.progress import NO_OUTCOME
from .queries.volunteers import TookPart

NUMERALS = "一二三四五六七八九十"


def period_words(date_from: str, date_to: str) -> str:
    """``2026-11-01``–``2026-11-30`` → ``2026年11月1日至11月30日``."""
    a, b = datetime.date.fromisoformat(date_from), datetime.date.fromisoformat(date_to)
    end = f"{b.month}月{b.day}日" if a.year == b.year else f"{b.year}年{b.month}月{b.day}日"
    return f"{a.year}年{a.month}月{a.day}日至{end}"


def change(now: int | float, before: int | float | None, unit: str) -> str:
    """How ``now`` compares with ``before``: ``比上年增加3场`` / ``减少`` / ``与上年持平``."""
    if before is None:
        return ""
    if now == before:
        return "，与上年持平"
    word = "增加" if now > before else "减少"
    return f"，比上年{word}{_n(abs(now - before))}{unit}"


def _n(value: int | float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def brief_text(f: dict[str, Any], *, today: datetime.date | None = None) -> str:
    """A short progress note for the 微信工作群: counts only."""
    s = f["stats"]
    # (who, did what): 共 goes between them in the first clause, so a brief whose first figure is
    # the volunteers' reads 如东县“五老”志愿者共开展, never 如东县共“五老”志愿者开展.
    parts: list[tuple[str, str]] = []
    if s["lectures"]:
        parts.append(("", f"开展专题宣传教育{s['lectures']}场、参与{s['lecture_people']}人次"))
    if s["parent_meetings"]:
        parts.append(("", f"组织专题家长会{s['parent_meetings']}场、参与家长{s['parent_people']}人次"))
    if f["activities"]:
        parts.append(("“五老”志愿者",
                      f"开展结对帮扶活动{f['activities']}次（其中上门家访和面对面谈心{s['talks']}次）"))
    if s["brochures"]:
        parts.append(("", f"发放宣传手册{s['brochures']}册"))
    head = f"【{f['unit_name']}心理健康教育工作简报】{period_words(f['date_from'], f['date_to'])}，{f['unit_name']}"
    clauses = [who + ("共" if i == 0 else "") + what for i, (who, what) in enumerate(parts)]
    body = ("；".join(clauses) + "。") if clauses else "暂无新的活动记录。"
    # The pairings are counted as they stood at the period's end: "now" only for a period not yet over.
    end = datetime.date.fromisoformat(f["date_to"])
    when = "目前" if end >= (today or local_today()) else f"截至{end.month}月{end.day}日"
    tail = [f"{when}在结对帮扶{f['pairings_active']}对"]
    if f["pairings_new"]:
        tail.append(f"本期新结对{f['pairings_new']}对")
    if s["screened"] or s["helped"]:
        tail.append(f"排查出存在心理问题的学生{s['screened']}人、成功干预疏导{s['helped']}人")
    if f["inspections"]:
        tail.append(f"开展督查{f['inspections']}次")
    return head + body + "，".join(tail) + "。"


def took_part_words(t: TookPart) -> str:
    """The volunteers who took part, by kind, as one clause of the summary (the kinds nobody is of left out):
    ``全年参与帮扶的志愿者5人，其中“五老”3人（老干部1人、老教师2人）、学校教师2人``."""
    if not t.total:
        return "全年没有志愿者参与帮扶"
    parts = []
    if t.wu_lao:
        five = "、".join(f"{MENTOR_KINDS[k]}{t.kinds[k]}人" for k in WU_LAO if t.kinds.get(k))
        parts.append(f"“五老”{t.wu_lao}人（{five}）")
    parts += [f"{label}{t.kinds[k]}人" for k, label in MENTOR_KINDS.items() if k not in WU_LAO and t.kinds.get(k)]
    if t.unset:
        parts.append(f"未填类别{t.unset}人")
    return f"全年参与帮扶的志愿者{t.total}人，其中" + "、".join(parts)


def leavers_words(t: Leavers) -> str:
    """The children who left care in the year, by why, as one sentence of the summary (the reasons
    nobody left for left out; empty when nobody left):
    ``全年结束帮扶的孩子3人，其中毕业离校2人、未记原因1人。``"""
    if not t.total:
        return ""
    # In a list joined by 、 a reason's own comma would split it: 情况好转不再需要帮扶.
    words = {**{k: w.replace("，", "") for k, w in LEAVING_REASONS.items()}, UNRECORDED: "未记原因"}
    parts = "、".join(f"{words[k]}{n}人" for k, n in t.reasons.items() if n)
    return f"全年结束帮扶的孩子{t.total}人，其中{parts}。"


def summary_paragraphs(f: dict[str, Any], before: dict[str, Any] | None, coverage: dict[str, Any] | None,
                       took_part: TookPart | None = None, leavers: Leavers | None = None) -> list[tuple[str, str]]:
    """(heading, paragraph) of a year-end summary drafted from this year's figures ``f`` and last
    year's ``before`` (changes are stated against it), with lecture coverage, the volunteers
    who took part by kind and the children who left care by why if known."""
    s, b = f["stats"], (before or {}).get("stats")
    year = f["date_from"][:4]
    name = f["unit_name"]
    # A station's or school's summary is of itself: not "1 个辅导站和学校纳入统计", nor "1 个未达到 100%".
    own = f.get("unit_kind") in ROW_KINDS
    out = []
    overview = (f"{year}年，{name}" + ("" if own else f"共有{f['rows']}个辅导站和学校纳入统计。")
                + f"全年开展专题宣传教育{s['lectures']}场"
                f"{change(s['lectures'], b and b['lectures'], '场')}，参与{s['lecture_people']}人次；"
                f"组织专题家长会{s['parent_meetings']}场"
                f"{change(s['parent_meetings'], b and b['parent_meetings'], '场')}，"
                f"参与家长{s['parent_people']}人次；发放宣传手册{s['brochures']}册。")
    r = f["registers"]
    if r["trainings"]:
        overview += f"组织心理健康教育教师培训{r['trainings']}场，参训教师{r['trained']}人次。"
    if r["micro_lessons"]:
        overview += (f"组织收看心理健康微课{r['micro_lessons']}场、{r['viewers']}人次"
                     + (f"，转发学生家长{r['forwarded']}人" if r["forwarded"] else "") + "。")
    out.append(("总体情况", overview))
    if coverage:
        text = ""
        for half in coverage["halves"]:
            lines = []
            for c in half["lectures"]:
                label = f"{AUDIENCE_WORDS[c['audience']]}第{c['no']}讲"
                if c["enrolled"] == 0:  # nobody to reach: met, as /coverage says 无需覆盖
                    lines.append(f"{label}无需覆盖（在校人数为0）")
                elif c["percent"] is None:
                    lines.append(f"{label}宣讲覆盖率因未填在校人数无法计算")
                else:
                    lines.append(f"{label}宣讲覆盖率{_n(c['percent'])}%")
            text += f"{half['name']}（{HALF_SPANS[half['half']]}）" + "，".join(lines) + "。"
        below = [f"{half['name']}有{half['below']}个" for half in coverage["halves"] if half["below"]]
        if below and own:
            halves = "、".join(half["name"] for half in coverage["halves"] if half["below"])
            text += f"{halves}本单位有讲次未达到100%，需继续补课、拾遗补缺。"
        elif below:
            text += f"覆盖率未达到100%的学校和辅导站，{'，'.join(below)}，需继续补课、拾遗补缺。"
        out.append(("宣讲覆盖", text))
    kinds = "、".join(f"{label}{f['activity_kinds'].get(k, 0)}次" for k, label in ACTIVITY_KINDS.items()
                      if f["activity_kinds"].get(k, 0))
    closed = f["pairings_closed"]
    closed_text = "、".join(f"{label}{closed[k]}对" for k, label in (*OUTCOMES.items(), (NO_OUTCOME, "结果未填"))
                            if closed.get(k))
    pairing = (f"年末在结对帮扶{f['pairings_active']}对，全年新结对{f['pairings_new']}对"
               + (f"，结束结对{sum(closed.values())}对（{closed_text}）" if closed_text else "") + "。"
               + (leavers_words(leavers) if leavers is not None else "")
               + (took_part_words(took_part) + "。" if took_part is not None else "")
               + f"“五老”志愿者全年开展帮扶活动{f['activities']}次"
               + change(f["activities"], before["activities"] if before else None, "次")
               + (f"，其中{kinds}" if kinds else "") + "；"
               + f"开展面对面谈心（含上门家访）{s['talks']}场次{change(s['talks'], b and b['talks'], '场次')}"
               # 代录 is every record the station entered (entered_by): for a volunteer without a smartphone,
               # or from the export of a phone that broke; the figure says no more than that.
               + (f"；辅导站替志愿者代录{f['proxy']}次" if f["proxy"] else "") + "。")
    if r["helped_children"]:
        gave = "、".join(part for part in (f"捐款{yuan_figure(r['donated_fen'])}元" if r["donated_fen"] else "",
                                           f"捐物{r['donated_items']}件" if r["donated_items"] else "") if part)
        pairing += f"发动社会各界人士、离退休干部{gave}，资助家庭经济困难学生{r['helped_children']}人。"
    out.append(("结对帮扶", pairing))
    care = (f"全年排查出存在心理问题的学生{s['screened']}人{change(s['screened'], b and b['screened'], '人')}，"
            f"成功干预、疏导{s['helped']}人{change(s['helped'], b and b['helped'], '人')}。")
    if f["risk_flags"]:
        care += f"志愿者报告自伤自残风险{f['risk_flags']}次，已写处理记录{f['risk_handled']}次。"
    care += f"目前重点对象{f['key_mentees']}人。"
    out.append(("排查与干预", care))
    if f["inspections"]:
        score = f"，平均得分{_n(f['inspection_score'])}分" if f["inspection_score"] is not None else ""
        text = f"全年开展现场督查{f['inspections']}次{score}"
        text += (f"；尚有{f['rectifications_open']}次督查的整改未完成。" if f["rectifications_open"]
                 else "；督查发现的问题均已整改。")
        out.append(("督查", text))
    # Numbered as they are printed: a year without coverage figures has no 宣讲覆盖 section, and
    # 一、三、四 would read as a page missing from the report.
    return [(f"{NUMERALS[i]}、{head}", body) for i, (head, body) in enumerate(out)]
