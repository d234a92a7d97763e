"""The brief's picture keeps every text inside the picture and apart, measured with the real font:
a county's long unit names (如东县掘港街道社区青少年校外辅导站（关工委五老工作室）) and long numbers
once ran off the right edge, cut in half."""
from __future__ import annotations

import io
import itertools

import pytest
from PIL import Image, ImageDraw

from server.brief_png import WIDTH, _font, bar_png, cjk_font_path, layout, wrap

pytestmark = pytest.mark.skipif(cjk_font_path() is None, reason="needs a CJK font (fonts-noto-cjk)")

LONG = "如东县掘港街道社区青少年校外辅导站（关工委五老工作室）"
LONGER = "岔河镇中心小学校外教育辅导站（关心下一代工作委员会五老志愿者工作室）"
TITLE = f"{LONG} 结对帮扶活动（次）"
LABELS = [LONG, "栟茶镇初级中学", LONGER, "12345678901234567890123456789012345678901234567890"]
VALUES = [12_345_678_901, 3, 0, 987_654]


def test_a_long_unit_name_and_a_long_number_leave_the_pictures_edges_blank() -> None:
    image = Image.open(io.BytesIO(bar_png(TITLE, "2026年11月1日至11月30日", LABELS, VALUES, "次"))).convert("L")
    # The 48 px margin on the right stays paper: nothing ran past it (and so nothing was cut off).
    edge = image.crop((WIDTH - 40, 0, WIDTH, image.height))
    assert edge.getextrema() == (255, 255), "ink in the right margin: a text ran off the picture"
    bottom = image.crop((0, image.height - 12, WIDTH, image.height))
    assert bottom.getextrema() == (255, 255), "ink at the bottom edge: the picture is too short for its text"


def test_no_two_texts_or_bars_of_the_picture_overlap() -> None:
    plan = layout(TITLE, "2026年11月1日至11月30日", LABELS, VALUES, "次")
    draw = ImageDraw.Draw(Image.new("RGB", (WIDTH, plan.height)))
    boxes = [(t.text, draw.textbbox((t.x, t.y), t.text, font=t.font)) for t in plan.texts]
    boxes += [("bar", bar) for bar in plan.bars]
    for name, (left, top, right, bottom) in boxes:
        assert 0 <= left and right <= WIDTH - 48 and 0 <= top and bottom <= plan.height, (name, left, right)
    for (a, p), (b, q) in itertools.combinations(boxes, 2):
        apart = p[2] <= q[0] or q[2] <= p[0] or p[3] <= q[1] or q[3] <= p[1]
        assert apart, f"{a!r} {p} overlaps {b!r} {q}"
    drawn = "".join(t.text for t in plan.texts)
    for text in [*LABELS, "12,345,678,901次", "987,654次"]:
        assert text in drawn, text  # wrapped, never shortened


def test_a_short_title_and_short_labels_stay_one_line_at_full_size() -> None:
    plan = layout("栟茶镇 开展活动（场次）", "2026年11月", ["专题宣传教育", "专题家长会"], [12, 3], "")
    assert [t.text for t in plan.texts][:4] == ["栟茶镇 开展活动（场次）", "2026年11月", "专题宣传教育", "12"]
    assert plan.texts[0].font.size == 44  # type: ignore[union-attr]


@pytest.mark.parametrize("width", [200, 400, 984])
def test_wrapped_lines_fit_the_width_keep_numbers_whole_and_start_with_no_closing_mark(width: int) -> None:
    font = _font(34)[0]
    text = f"{LONGER}，共开展活动12,345次。"
    lines = wrap(text, font, width)
    assert "".join(lines) == text
    assert all(font.getlength(line) <= width for line in lines), lines
    assert not any(line[0] in "，。）" for line in lines[1:]), lines
    assert any("12,345" in line for line in lines), lines
