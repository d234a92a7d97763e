"""Charts drawn on the server as SVG: horizontal bars and a line, readable without colour.

Every chart carries its numbers as text (a value at the end of each bar, beside each point, clear of the line),
a ``<title>`` and a ``<desc>`` for screen readers, and the table behind it (``Chart.rows``),
which the page shows beside the picture. Series are told apart by pattern (solid, hatched)
and by the series name written beside each value, never by colour alone. Only presentation
attributes are used (no ``style``), so the page's CSP (``style-src 'self'``) holds; sizes and
colours can still be set from ``static/charts.css`` through the classes.
"""
from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from markupsafe import Markup, escape

Number = int | float

INK = "#0b4f8a"  # 9.4:1 on white
PATTERNS = ("solid", "hatch", "dots")
WIDTH = 340  # bars: drawn 1:1 at phone width (the text stays 18 px)
FONT = 18
SMALL = 18


@dataclass(frozen=True)
class Series:
    """One series; a value of None has no bar, and ``missing`` written in its place — or, where
    ``words`` gives one, that value's own word (not every value without a number is unknown)."""

    name: str
    values: tuple[Number | None, ...]
    words: tuple[str | None, ...] = ()


@dataclass(frozen=True)
class Chart:
    """A chart and the table behind it, ready for ``templates/_chart.html``."""

    key: str  # unique on its page: the ids of <title> and <desc> derive from it
    title: str
    desc: str
    svg: Markup
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    notes: tuple[str, ...] = field(default=())


def fmt(value: Number, unit: str = "") -> str:
    """A value as the chart and its table write it: ``1,234``, ``87%``."""
    if isinstance(value, float) and not value.is_integer():
        text = f"{value:,.1f}"
    else:
        text = f"{int(value):,}"
    return text + unit


def text_width(text: str, size: int = FONT) -> float:
    """Roughly how wide ``text`` is drawn in bold: a Chinese character or full-width sign is a whole em,
    a digit or Latin letter about 0.62 of one. Counting every character at 0.62 em let a value such as
    学生（第4讲） 87.8% run past the right edge of the picture and be cut off."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else size * 0.62 for ch in text)


def _slug(key: str) -> str:
    return re.sub(r"[^a-z0-9-]", "-", key.lower())


def _frame(key: str, title: str, desc: str, width: int, height: int, body: list[str], kind: str) -> Markup:
    k = _slug(key)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg chart-{kind}" viewBox="0 0 {width} {height}"'
        f' width="{width}" height="{height}" role="img" aria-labelledby="{k}-title {k}-desc"'
        f' font-family="Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif">'
        f'<title id="{k}-title">{escape(title)}</title><desc id="{k}-desc">{escape(desc)}</desc>'
        f"{_defs(k)}"
    )
    return Markup(head + "".join(body) + "</svg>")


def _defs(k: str) -> str:
    return (
        "<defs>"
        f'<pattern id="{k}-hatch" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        f'<rect width="8" height="8" fill="#fff"/><rect width="3" height="8" fill="{INK}"/></pattern>'
        f'<pattern id="{k}-dots" width="8" height="8" patternUnits="userSpaceOnUse">'
        f'<rect width="8" height="8" fill="#fff"/><circle cx="4" cy="4" r="2.2" fill="{INK}"/></pattern>'
        "</defs>"
    )


def _fill(k: str, index: int) -> str:
    pattern = PATTERNS[index % len(PATTERNS)]
    return INK if pattern == "solid" else f"url(#{k}-{pattern})"


def _text(x: float, y: float, content: str, *, size: int = FONT, anchor: str = "start", bold: bool = False,
          cls: str = "") -> str:
    weight = ' font-weight="bold"' if bold else ""
    klass = f' class="{cls}"' if cls else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="#111"{weight}{klass}>'
            f"{escape(content)}</text>")


def _legend(k: str, series: Sequence[Series], y: float) -> list[str]:
    out: list[str] = []
    x = 0.0
    for i, s in enumerate(series):
        out.append(f'<rect x="{x:.1f}" y="{y - 15:.1f}" width="22" height="18" fill="{_fill(k, i)}"'
                   f' stroke="{INK}" stroke-width="2"/>')
        out.append(_text(x + 28, y, s.name, size=SMALL))
        x += 28 + FONT * len(s.name) + 20
    return out


def bar_chart(key: str, title: str, labels: Sequence[str], series: Sequence[Series], *, unit: str = "",
              target: Number | None = None, desc: str | None = None, label_header: str = "",
              missing: str = "未知") -> Chart:
    """Horizontal bars, one row per label (the label written above its bars, whole), one bar per
    series with its value (and, for several series, its name) at the end of the bar.

    ``target`` draws a dashed line with its value (e.g. a coverage goal of 100%).
    """
    k = _slug(key)
    many = len(series) > 1
    top = 30.0 if many else 6.0
    bar_h, gap = 24.0, 8.0
    row_h = FONT + 8 + len(series) * (bar_h + 4) + gap
    height = int(top + max(1, len(labels)) * row_h + (24 if target is not None else 4))
    known = [float(v) for s in series for v in s.values if v is not None]
    peak = max([0.0, *known, float(target or 0)])

    def shown(s: Series, i: int) -> str:
        value = s.values[i]
        if value is not None:
            return fmt(value, unit)
        word = s.words[i] if i < len(s.words) else None
        return word or missing

    value_room = max((text_width((f"{s.name} " if many else "") + shown(s, i)) for s in series
                      for i in range(len(s.values))), default=FONT) + 8
    span = WIDTH - value_room - 4
    scale = span / peak if peak else 0.0
    body: list[str] = _legend(k, series, 20) if many else []
    y = top
    for i, label in enumerate(labels):
        body.append(_text(0, y + FONT, label, bold=True, cls="chart-label"))
        by = y + FONT + 8
        for j, s in enumerate(series):
            value = s.values[i]
            w = max(2.0, float(value) * scale) if value else 0.0
            if w:
                body.append(f'<rect x="0" y="{by:.1f}" width="{w:.1f}" height="{bar_h:.0f}" fill="{_fill(k, j)}"'
                            f' stroke="{INK}" stroke-width="2"/>')
            text = (f"{s.name} " if many else "") + shown(s, i)
            body.append(_text(w + 6, by + bar_h - 5, text, bold=True, cls="chart-value"))
            by += bar_h + 4
        y += row_h
    if target is not None and scale:
        tx = float(target) * scale
        body.append(f'<line x1="{tx:.1f}" y1="{top - 2:.1f}" x2="{tx:.1f}" y2="{y:.1f}" stroke="#111"'
                    ' stroke-width="2" stroke-dasharray="6 4"/>')
        body.append(_text(tx, y + 18, f"目标 {fmt(target, unit)}", size=SMALL, anchor="middle"))
    if not labels:
        body.append(_text(0, top + FONT, "（没有数据）"))
    columns = (label_header or "项目", *(f"{s.name}" for s in series))
    rows = tuple((label, *(shown(s, i) for s in series)) for i, label in enumerate(labels))
    summary = desc or _describe(labels, series, unit)
    return Chart(key, title, summary, _frame(key, title, summary, WIDTH, height, body, "bar"), columns, rows)


def line_chart(key: str, title: str, labels: Sequence[str], values: Sequence[Number], *, unit: str = "",
               name: str = "数量", desc: str | None = None, label_header: str = "") -> Chart:
    """One line over ``labels`` (e.g. months), a marked point and its value at every label."""
    width, height = 640, 300
    left, right, top, bottom = 10.0, 10.0, 40.0, 56.0
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max([0.0, *(float(v) for v in values)])
    step = plot_w / max(1, len(labels) - 1) if len(labels) > 1 else 0.0
    points = []
    for i, v in enumerate(values):
        x = left + (i * step if len(labels) > 1 else plot_w / 2)
        y = top + plot_h - (float(v) / peak * plot_h if peak else 0.0)
        points.append((x, y))
    base = top + plot_h
    body = [f'<line x1="{left}" y1="{base}" x2="{width - right}" y2="{base}" stroke="#111" stroke-width="2"/>']
    if points:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        body.append(f'<polyline points="{path}" fill="none" stroke="{INK}" stroke-width="3"/>')
    line = Line(points, [x for x, _ in points], ((left, base), (width - right, base)))
    placed: list[Box] = []
    for i, ((x, y), v) in enumerate(zip(points, values, strict=True)):
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="6" fill="#fff" stroke="{INK}" stroke-width="3"/>')
        text = fmt(v, unit)
        valley = 0 < i < len(points) - 1 and y > max(points[i - 1][1], points[i + 1][1])  # y grows downwards
        lx, ly, lanchor, box = _value_place(text, (x, y), line, placed, (0.0, width, 0.0, base), valley=valley)
        placed.append(box)
        body.append(_text(lx, ly, text, size=SMALL, anchor=lanchor, bold=True, cls="chart-value"))
    body += _axis_labels([x for x, _ in points], labels, width, base)
    summary = desc or _describe(labels, [Series(name, tuple(values))], unit)
    columns = (label_header or "项目", name)
    rows = tuple((label, fmt(v, unit)) for label, v in zip(labels, values, strict=True))
    return Chart(key, title, summary, _frame(key, title, summary, width, height, body, "line"), columns, rows)


def _axis_labels(xs: Sequence[float], labels: Sequence[str], width: float, base: float) -> list[str]:
    """The labels under the axis, on one line where every one fits there, else on two in turn.

    On two lines always, twelve months zigzagged (1月 above 2月, 3月 above 4月 …) where one line had room. A
    label is kept inside the picture, and on two lines left out where it would touch the one before it
    on its line (a unit's inspections are one point each, labelled with their dates: past a dozen, each
    label centred on its point ran off the picture's edge and over its neighbours); the table beside the
    chart names every point."""
    widths = [text_width(label, SMALL) for label in labels]
    centres = [min(max(x, w / 2), width - w / 2) for x, w in zip(xs, widths, strict=True)]
    if all(b - wb / 2 >= a + wa / 2 + CLEAR
           for a, wa, b, wb in zip(centres, widths, centres[1:], widths[1:], strict=False)):
        return [_text(c, base + 24, label, size=SMALL, anchor="middle", cls="chart-label")
                for c, label in zip(centres, labels, strict=True)]
    out: list[str] = []
    ends: list[float] = [-CLEAR, -CLEAR]  # where the last label written on each of the two lines ends
    for i, (x, w, centre, label) in enumerate(zip(xs, widths, centres, labels, strict=True)):
        anchor = "start" if i == 0 else ("end" if i == len(xs) - 1 else "middle")
        lx = centre if anchor == "middle" else x
        start = {"start": lx, "middle": lx - w / 2, "end": lx - w}[anchor]
        if start >= ends[i % 2] + CLEAR:
            ends[i % 2] = start + w
            out.append(_text(lx, base + 24 + (18 if i % 2 else 0), label, size=SMALL, anchor=anchor,
                             cls="chart-label"))
    return out


Box = tuple[float, float, float, float]  # left, right, top, bottom
Point = tuple[float, float]
DOT = 7.5  # a point's circle: radius 6 and half its 3 px stroke
CLEAR = 4.0  # the least room between a value and the line, a point or another value
# Past this far to either side of a value, a point or a stretch of the line leaves it more than CLEAR.
REACH = DOT + 2 * CLEAR


class Line(NamedTuple):
    """A line chart's points, left to right, their x, and the axis it stands on."""

    points: Sequence[Point]
    xs: Sequence[float]
    axis: tuple[Point, Point]

    def near(self, left: float, right: float) -> tuple[Sequence[Point], list[tuple[Point, Point]]]:
        """The points and segments (the axis among them) within ``REACH`` of ``left``–``right``: a value's
        room is decided by these alone (any farther leaves it more than CLEAR, so the place chosen is the
        same). Measuring every one for each place tried took seconds on the event loop for a unit's 60
        inspection scores that rose and fell in turn (nowhere clear, so all of a point's places are tried)."""
        lo, hi = bisect.bisect_left(self.xs, left - REACH), bisect.bisect_right(self.xs, right + REACH)
        spans = range(max(0, lo - 1), min(hi, len(self.points) - 1))  # segment i joins points i and i + 1
        return self.points[lo:hi], [*((self.points[i], self.points[i + 1]) for i in spans), self.axis]


def label_box(x: float, baseline: float, text: str, anchor: str, size: int = SMALL) -> Box:
    """Where a value written at ``x``/``baseline`` is drawn, by ``text_width``'s estimate: a Chinese
    character's ink reaches about 0.9 em above the baseline and a little below it."""
    w = text_width(text, size)
    start = x - {"start": 0.0, "middle": w / 2, "end": w}[anchor]
    return (start, start + w, baseline - size * 0.9, baseline + size * 0.15)


def _gap_to_segment(box: Box, a: Point, b: Point) -> float:
    """How far the segment ``a``–``b`` passes from ``box``: 0 when it enters it, else the least of
    its ends' distances to the box and the box's corners' distances to it (two convex shapes apart
    are nearest at a corner of one)."""
    left, right, top, bottom = box
    if _enters(box, a, b):
        return 0.0

    def to_box(p: Point) -> float:
        dx, dy = max(left - p[0], 0.0, p[0] - right), max(top - p[1], 0.0, p[1] - bottom)
        return float((dx * dx + dy * dy) ** 0.5)

    def to_segment(p: Point) -> float:
        ex, ey = b[0] - a[0], b[1] - a[1]
        length = ex * ex + ey * ey
        t = 0.0 if not length else min(1.0, max(0.0, ((p[0] - a[0]) * ex + (p[1] - a[1]) * ey) / length))
        return float(((p[0] - a[0] - t * ex) ** 2 + (p[1] - a[1] - t * ey) ** 2) ** 0.5)

    corners = ((left, top), (right, top), (left, bottom), (right, bottom))
    return min(to_box(a), to_box(b), *(to_segment(c) for c in corners))


def _enters(box: Box, a: Point, b: Point) -> bool:
    """Whether the segment ``a``–``b`` has a point inside ``box`` (Liang–Barsky clipping)."""
    left, right, top, bottom = box
    dx, dy = b[0] - a[0], b[1] - a[1]
    low, high = 0.0, 1.0
    for p, q in ((-dx, a[0] - left), (dx, right - a[0]), (-dy, a[1] - top), (dy, bottom - a[1])):
        if p == 0:
            if q < 0:
                return False
        elif p < 0:
            low = max(low, q / p)
        else:
            high = min(high, q / p)
    return low <= high


def _clearance(box: Box, line: Line, placed: Sequence[Box], frame: Box) -> float:
    """The least room between ``box`` and the line or a point; far below zero when it leaves the
    frame or covers a value already written, so that no crossing of the line ranks below those."""
    left, right, top, bottom = box
    if left < frame[0] or right > frame[1] or top < frame[2] or bottom > frame[3] - CLEAR:
        return -1000.0
    if any(left < o[1] + CLEAR and o[0] < right + CLEAR and top < o[3] + CLEAR and o[2] < bottom + CLEAR
           for o in placed):
        return -100.0
    points, segments = line.near(left, right)
    stroke = min((_gap_to_segment(box, a, b) - 1.5 for a, b in segments), default=float("inf"))
    dots = min((_gap_to_segment(box, p, p) - DOT for p in points), default=float("inf"))
    return min(stroke, dots)


def _value_place(text: str, point: Point, line: Line, placed: Sequence[Box], frame: Box, *, valley: bool = False
                 ) -> tuple[float, float, str, Box]:
    """Where a point's value goes: just above the point if the line leaves it room there, else the
    nearest place above, below or beside it that keeps clear of the line, the points and the values
    already written. Written a fixed 12 px above, a value sat on the line wherever it rose or fell
    steeply out of the point (0次 before a jump to 36次), and neighbours' values touched it.

    A ``valley`` (a point below both its neighbours) tries below first: above it, between the two
    segments rising out of it, a value clear of both read as the line's rather than the point's."""
    x, y = point
    beside = y + SMALL * 0.375  # the baseline that centres the ink on the point
    best: tuple[float, int, float, float, str, Box] | None = None
    for lift in range(0, 80, 4):
        above = [(x, y - DOT - CLEAR - SMALL * 0.15 - lift, anchor) for anchor in ("middle", "end", "start")]
        below = [(x, y + DOT + CLEAR + SMALL * 0.9 + lift, anchor) for anchor in ("middle", "end", "start")]
        places = below + above if valley else above + below
        for dy in dict.fromkeys((-lift, lift)):
            places += [(x + DOT + CLEAR, beside + dy, "start"), (x - DOT - CLEAR, beside + dy, "end")]
        for lx, baseline, anchor in places:
            box = label_box(lx, baseline, text, anchor)
            clear = _clearance(box, line, placed, frame)
            if clear >= CLEAR:
                return lx, baseline, anchor, box
            if best is None or (clear, -lift) > best[:2]:
                best = (clear, -lift, lx, baseline, anchor, box)
    # Nowhere clear (a crowded, steep line): the place with the most room, the nearest of equals.
    assert best is not None
    return best[2], best[3], best[4], best[5]


def _describe(labels: Sequence[str], series: Sequence[Series], unit: str) -> str:
    if not labels:
        return "没有数据。"
    parts = []
    for s in series:
        pairs = [(label, v) for label, v in zip(labels, s.values, strict=True) if v is not None]
        if not pairs:
            continue
        high = max(pairs, key=lambda p: p[1])
        low = min(pairs, key=lambda p: p[1])
        name = f"{s.name}：" if len(series) > 1 else ""
        if high[1] == low[1] and len(pairs) > 1:  # a year with no visits: not "最高 1月 0次，最低 1月 0次"
            parts.append(f"{name}每项都是 {fmt(high[1], unit)}")
        else:
            parts.append(f"{name}最高 {high[0]} {fmt(high[1], unit)}，最低 {low[0]} {fmt(low[1], unit)}")
    return f"共 {len(labels)} 项；" + "；".join(parts) + "。"
