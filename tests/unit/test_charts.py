"""Server-drawn charts: valid SVG, every number written as text, a title and a description,
series told apart by pattern and name (not colour alone), labels escaped."""
from __future__ import annotations

import xml.etree.ElementTree as ET

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
