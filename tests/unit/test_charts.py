"""Server-drawn charts: valid SVG, every number written as text, a title and a description,
series told apart by pattern and name (not colour alone), labels escaped."""
from __future__ import annotations

import itertools
import time
import xml.etree.ElementTree as ET

import pytest

from server.charts import Series, bar_chart, fmt, line_chart

SVG = "{http://www.w3.org/2000/svg}"


def _texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def test_bar_chart_is_valid_svg_with_each_value_and_label_as_text() -> None:
    chart = bar_chart("t", "在结对数", ["掘港街道", "栟茶镇"], [Series("结对数", (12, 3))], unit="对")
    root = ET.fromstring(chart.svg)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "在结对数"
    assert "掘港街道 12对" in root.find(f"{SVG}desc").text
    texts = _texts(chart.svg)
    assert {"掘港街道", "栟茶镇", "12对", "3对"} <= set(texts)
    assert chart.rows == (("掘港街道", "12对"), ("栟茶镇", "3对"))


def test_bar_chart_series_differ_by_pattern_and_carry_their_names() -> None:
    chart = bar_chart("cov", "覆盖率", ["甲镇"], [Series("学生", (95,)), Series("家长", (60,))], unit="%",
                      target=100)
    root = ET.fromstring(chart.svg)
    fills = {r.get("fill") for r in root.iter(f"{SVG}rect") if r.get("height") == "24"}
    assert len(fills) == 2 and any(f.startswith("url(#cov-hatch") for f in fills)
    texts = _texts(chart.svg)
    assert "学生 95%" in texts and "家长 60%" in texts and "目标 100%" in texts
    assert chart.columns == ("项目", "学生", "家长")


def test_line_chart_writes_every_point_value() -> None:
    values = [0, 5, 1234, 7]
    chart = line_chart("m", "每月活动", ["9月", "10月", "11月", "12月"], values, unit="次")
    texts = _texts(chart.svg)
    for v in values:
        assert fmt(v, "次") in texts
    assert "1,234次" in texts
    assert ET.fromstring(chart.svg).find(f"{SVG}polyline") is not None


def test_a_chart_of_equal_values_says_so_rather_than_naming_one_month_highest_and_lowest() -> None:
    chart = line_chart("m", "每月活动", ["1月", "2月", "3月"], [0, 0, 0], unit="次")
    assert chart.desc == "共 3 项；每项都是 0次。"
    rising = line_chart("m", "每月活动", ["1月", "2月"], [3, 5], unit="次")
    assert rising.desc == "共 2 项；最高 2月 5次，最低 1月 3次。"


def test_chart_labels_are_escaped() -> None:
    chart = bar_chart("x", "<script>", ["<b>镇</b>&"], [Series("n", (1,))])
    root = ET.fromstring(chart.svg)  # would not parse if the label broke out
    assert "<b>镇</b>&" in _texts(chart.svg)
    assert root.find(f"{SVG}title").text == "<script>"


def test_empty_chart_says_so() -> None:
    chart = bar_chart("e", "空", [], [Series("n", ())])
    assert "（没有数据）" in _texts(chart.svg)
    assert chart.desc == "没有数据。"


def test_unknown_values_draw_no_bar_and_say_so() -> None:
    chart = bar_chart("u", "覆盖率", ["甲镇", "乙镇"], [Series("学生", (None, 50))], unit="%", missing="未填在校人数")
    root = ET.fromstring(chart.svg)
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("height") == "24"]
    assert len(bars) == 1
    assert "未填在校人数" in _texts(chart.svg)
    assert chart.rows == (("甲镇", "未填在校人数"), ("乙镇", "50%"))


def test_bar_values_with_chinese_series_names_stay_inside_the_picture() -> None:
    # The dashboard's second-half coverage: "学生（第4讲） 87.8%" ran past the right edge at phone width.
    chart = bar_chart("cov", "覆盖率", ["岔河镇关工委", "栟茶镇关工委"],
                      [Series("学生（第4讲）", (87.8, 88.4)), Series("家长（第5讲）", (74.2, 75.0))], unit="%",
                      target=100)
    root = ET.fromstring(chart.svg)
    width = float(root.get("width") or 0)
    values = [t for t in root.iter(f"{SVG}text") if t.get("class") == "chart-value"]
    assert len(values) == 4
    for t in values:
        text = "".join(t.itertext())
        # by the font: a Chinese character or full-width bracket is one em (18 px), a digit, % or space ~0.62 em
        drawn = sum(18 if "\u3000" <= ch <= "\uffef" or "\u4e00" <= ch <= "\u9fff" else 18 * 0.62 for ch in text)
        assert float(t.get("x") or 0) + drawn <= width, text


def _drawn(text: str, size: float = 18) -> float:
    return sum(size if "\u3000" <= ch <= "\uffef" or "\u4e00" <= ch <= "\u9fff" else size * 0.62 for ch in text)


def _ink(t: ET.Element) -> tuple[float, float, float, float]:
    """A value's ink as drawn: left, right, top, bottom (a Chinese character reaches ~0.9 em up)."""
    text, x, y = "".join(t.itertext()), float(t.get("x") or 0), float(t.get("y") or 0)
    w = _drawn(text)
    left = x - {"start": 0.0, "middle": w / 2, "end": w}[t.get("text-anchor") or "start"]
    return left, left + w, y - 16.2, y + 2.7


def _gap(box: tuple[float, float, float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    """How near the segment a–b comes to the box, walked in steps of a tenth of a pixel."""
    left, right, top, bottom = box
    steps = max(1, int(10 * max(abs(b[0] - a[0]), abs(b[1] - a[1]))))
    best = float("inf")
    for n in range(steps + 1):
        px, py = a[0] + (b[0] - a[0]) * n / steps, a[1] + (b[1] - a[1]) * n / steps
        dx, dy = max(left - px, 0.0, px - right), max(top - py, 0.0, py - bottom)
        best = min(best, (dx * dx + dy * dy) ** 0.5)
    return best


@pytest.mark.parametrize("values", [
    (0, 0, 0, 0, 0, 36, 42, 48, 49, 59, 41, 14),  # the demo county's year: flat, a jump, a peak, a fall
    (5, 60, 2, 58, 1, 61, 0, 59, 3, 60, 4, 57),  # a zigzag at every month
    (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12),
    (90, 0, 90),
    (50, 45, 50, 45, 50),  # shallow valleys: their values go under them
    (7,),
])
def test_line_values_keep_clear_of_the_line_the_points_and_each_other(values: tuple[int, ...]) -> None:
    labels = [f"{m}月" for m in range(1, len(values) + 1)]
    root = ET.fromstring(line_chart("m", "每月活动", labels, values, unit="次").svg)
    width, height = float(root.get("width") or 0), float(root.get("height") or 0)
    dots = [(float(c.get("cx") or 0), float(c.get("cy") or 0)) for c in root.iter(f"{SVG}circle")
            if c.get("r") == "6"]
    polyline = root.find(f"{SVG}polyline")
    assert polyline is not None
    line = [(float(a), float(b)) for a, b in (p.split(",") for p in (polyline.get("points") or "").split())]
    segments = list(itertools.pairwise(line))
    inks = [_ink(t) for t in root.iter(f"{SVG}text") if t.get("class") == "chart-value"]
    assert len(inks) == len(values) == len(dots)
    for ink, v in zip(inks, values, strict=True):
        assert 0 <= ink[0] and ink[1] <= width and 0 <= ink[2] and ink[3] <= height, v
        for a, b in segments:
            assert _gap(ink, a, b) >= 1.5 + 3, f"{v}次 touches the line {a}–{b}: {ink}"  # the stroke is 3 px
        for other in dots:
            assert _gap(ink, other, other) >= 7.5 + 3, f"{v}次 touches the point at {other}"  # r 6 + the stroke
    for i, a in enumerate(inks):
        for b in inks[i + 1:]:
            assert a[1] <= b[0] or b[1] <= a[0] or a[3] <= b[2] or b[3] <= a[2], f"values overlap: {a} {b}"


@pytest.mark.parametrize("values", [
    (50, 45, 50, 45, 50),
    (60, 30, 60, 20, 60),
    (5, 60, 20, 58, 25, 61, 0, 59),  # the last valley is on the axis: no room under it
])
def test_a_valleys_value_is_written_under_its_point_when_there_is_room(values: tuple[int, ...]) -> None:
    """In a shallow V the value of its lowest point fitted above it, clear of both segments, and so sat
    between them, read as the line's; a valley's value goes under its point where the axis leaves room."""
    root = ET.fromstring(line_chart("m", "每月活动", [f"{m}月" for m in range(1, len(values) + 1)], values,
                                    unit="次").svg)
    axis = root.find(f"{SVG}line")
    assert axis is not None
    base = float(axis.get("y1") or 0)
    dots = [(float(c.get("cx") or 0), float(c.get("cy") or 0)) for c in root.iter(f"{SVG}circle")
            if c.get("r") == "6"]
    inks = [_ink(t) for t in root.iter(f"{SVG}text") if t.get("class") == "chart-value"]
    valleys = [i for i in range(1, len(values) - 1) if values[i] < min(values[i - 1], values[i + 1])]
    roomy = [i for i in valleys if dots[i][1] + 7.5 + 4 + 18.9 + 4 <= base]  # a value's height under its dot
    assert roomy, values
    for i in roomy:
        (x, y), (left, right, top, _) = dots[i], inks[i]
        assert top > y and left < x < right, f"{values[i]}次 is not under its point {dots[i]}: {inks[i]}"
    for i in set(valleys) - set(roomy):
        assert inks[i][3] < dots[i][1], f"{values[i]}次 on the axis still goes above its point"


def test_a_long_line_rising_and_falling_at_every_point_is_drawn_well_within_a_second() -> None:
    """A unit's inspection scores are one point each, however many: 60 that rose and fell in turn took
    2.4 s of the event loop, each place tried for a value measured against every point and segment."""
    values = tuple(0 if i % 2 else 100 for i in range(60))
    started = time.process_time()  # this process's CPU: other work on the machine does not count
    chart = line_chart("scores", "历次督查得分", [f"第{i}次" for i in range(1, 61)], values, unit="分")
    assert time.process_time() - started < 1.0
    assert len([t for t in _texts(chart.svg) if t in ("0分", "100分")]) == 60


@pytest.mark.parametrize("count", [12, 20, 60])
def test_line_labels_stay_inside_the_picture_and_never_cover_each_other(count: int) -> None:
    """A unit's inspection history labels each score with its date: past a dozen, the dates centred on
    their points ran off the picture's edges and over each other."""
    dates = [f"2026年{1 + i % 12}月{10 + i % 18}日" for i in range(count)]
    root = ET.fromstring(line_chart("scores", "历次督查得分", dates, tuple(80 + i % 7 for i in range(count)),
                                    unit="分").svg)
    width = float(root.get("width") or 0)
    labels = [(t.get("y"), _ink(t)) for t in root.iter(f"{SVG}text") if t.get("class") == "chart-label"]
    assert labels and labels[0][1][0] >= 0
    for i, (row, ink) in enumerate(labels):
        assert 0 <= ink[0] and ink[1] <= width, ink
        assert all(b[0] >= ink[1] or b[1] <= ink[0] for other, b in labels[i + 1:] if other == row), ink
    months = line_chart("m", "每月活动", [f"{m}月" for m in range(1, 13)], tuple(range(12)), unit="次")
    assert [t for t in _texts(months.svg) if t.endswith("月")] == [f"{m}月" for m in range(1, 13)]  # all fit
