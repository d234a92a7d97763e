"""A sentence built in Python (a refusal, a flash, a notice) is plain text; on a page its days,
times and children's codes must each stay on one line, and nothing else in it turns into markup."""
from __future__ import annotations

from markupsafe import Markup

from server.templating import day_parts, whole_pieces, whole_units


def test_whole_pieces_keeps_each_day_time_month_and_code_on_one_line() -> None:
    said = whole_pieces("已归入原结对：BX-2026-0014 2026年11月30日的帮扶；"
                        "送来于2026年12月4日 23:32，本月（2026年11月），截至12月3日")
    assert said == ('已归入原结对：<span class="nowrap">BX-2026-0014</span> '
                    '<span class="nowrap">2026年11月30日</span>的帮扶；'
                    '送来于<span class="nowrap">2026年12月4日 23:32</span>，'
                    '本月（<span class="nowrap">2026年11月</span>），截至<span class="nowrap">12月3日</span>')


def test_whole_pieces_lets_an_id_too_long_for_a_phone_line_wrap() -> None:
    said = whole_pieces("找不到结对 01a242e3-48f0-73b6-a48f-d0a32e38d79a（BX-2026-0014）")
    assert said == '找不到结对 01a242e3-48f0-73b6-a48f-d0a32e38d79a（<span class="nowrap">BX-2026-0014</span>）'


def test_whole_pieces_escapes_the_rest_of_the_message() -> None:
    said = whole_pieces('编号“<b>A&B-1</b>”不能用')
    assert said == '编号“&lt;b&gt;A&amp;<span class="nowrap">B-1</span>&lt;/b&gt;”不能用'


def test_whole_pieces_leaves_markup_and_nothing_alone() -> None:
    made = Markup('<span class="code">BX-1</span>')
    assert whole_pieces(made) is made
    assert whole_pieces(None) == "" and whole_pieces("没有日期") == "没有日期"


def test_day_parts_parts_a_day_only_after_its_year() -> None:
    assert day_parts("2026-11-07") == ('<span class="nowrap parts"><span class="nowrap">2026年</span>'
                                       '<span class="nowrap">11月7日</span></span>')
    assert day_parts("第3周") == '<span class="nowrap">第3周</span>'  # no day: whole, as it came
    assert day_parts(None) == ""


def test_whole_units_keeps_each_bracketed_unit_of_a_heading_on_one_line_and_escapes_the_rest() -> None:
    assert whole_units("参与专题家长会（人次）") == '参与专题家长会<span class="nowrap">（人次）</span>'
    assert whole_units("<b>A</b>（册）与（人）") == ('&lt;b&gt;A&lt;/b&gt;<span class="nowrap">（册）</span>'
                                                  '与<span class="nowrap">（人）</span>')
    assert whole_units("备注") == "备注"
