"""The WeChat brief's chart as a PNG, drawn with Pillow: horizontal bars, each value written at the
end of its bar, a title and the period; no metadata chunk (nothing but pixels leaves the server).
Every text is laid out within the picture's width by measuring it in the font it is drawn with
(``layout``): a long unit name wraps onto a second line, shrinking a little if two are not enough,
and a number too long to follow its bar goes under it, so nothing runs off the edge or overlaps.

The Chinese text needs a CJK font: Noto Sans CJK SC (Debian ``fonts-noto-cjk``) at its known path,
else any font ``fc-list`` says covers Simplified Chinese. Without one the chart is still drawn
with Pillow's built-in font, and the labels fall back to their position number (1, 2, …) so
nothing prints as boxes.
"""
from __future__ import annotations

import functools
import io
import math
import pathlib
import re
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from PIL import Image, ImageDraw, ImageFont

WIDTH = 1080
INK, PAPER, MUTED = (11, 79, 138), (255, 255, 255), (51, 51, 51)
KNOWN_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@functools.cache
def cjk_font_path() -> str | None:
    """A font file with Simplified Chinese glyphs (sans-serif preferred), or None."""
    known = next((p for p in KNOWN_FONTS if pathlib.Path(p).is_file()), None)
    if known or not shutil.which("fc-list"):
        return known
    try:
        listed = subprocess.run(["fc-list", ":lang=zh-cn", "-f", "%{file}\n"], capture_output=True, text=True,
                                timeout=5).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return None
    files = sorted((f for f in listed if pathlib.Path(f).is_file()), key=lambda f: ("Sans" not in f, f))
    return files[0] if files else None


def _font(size: int) -> tuple[Font, bool]:
    path = cjk_font_path()
    if path:
        return ImageFont.truetype(path, size), True
    return ImageFont.load_default(size), False


# A line never starts with these: a closing mark or a comma alone at the head of a line reads as
# a stray mark, so the character before it goes down with it.
NO_LINE_START = set("，。、；：？！）》」』】〕,.;:?!)]%")
# Digits, Latin letters and the marks inside a number stay together when a line has room for them:
# 12,345 split as 12, / 345 reads as two numbers.
WORD = re.compile(r"[0-9A-Za-z][0-9A-Za-z,.%\-]*|.", re.S)


@dataclass(frozen=True)
class Text:
    text: str
    x: int
    y: int
    font: Font
    fill: tuple[int, int, int]


@dataclass
class Layout:
    """Where everything goes: each text line at its top-left corner, each bar as a box."""
    height: int
    texts: list[Text] = field(default_factory=list)
    bars: list[tuple[int, int, int, int]] = field(default_factory=list)


def wrap(text: str, font: Font, width: float) -> list[str]:
    """``text`` broken into lines each no wider than ``width`` (Chinese breaks between any two
    characters; a number or Latin word is broken only when it alone is wider than a line)."""
    lines: list[str] = []
    line = ""
    for word in WORD.findall(text):
        if font.getlength(line + word) <= width:
            line += word
            continue
        if font.getlength(word) > width:  # longer than a line on its own: broken between characters
            for ch in word:
                if line and font.getlength(line + ch) > width:
                    lines.append(line)
                    line = ""
                line += ch
            continue
        if word[0] in NO_LINE_START and len(line) > 1:
            lines.append(line[:-1])
            line = line[-1]
            if font.getlength(line + word) > width:
                lines.append(line)
                line = ""
        else:
            lines.append(line)
            line = ""
        line += word
    if line or not lines:
        lines.append(line)
    return lines


def fit(font_at: Callable[[int], Font], text: str, size: int, width: float, max_lines: int, min_size: int
        ) -> tuple[Font, list[str], int]:
    """(font, lines, line height): ``text`` at the largest size from ``size`` down to ``min_size``
    that needs at most ``max_lines`` lines of ``width``; at ``min_size`` it takes as many lines as it
    needs, so nothing is ever cut off."""
    for s in range(size, min_size - 1, -2):
        font = font_at(s)
        lines = wrap(text, font, width)
        if len(lines) <= max_lines or s - 2 < min_size:
            return font, lines, round(s * 1.5)
    raise AssertionError("unreachable")  # pragma: no cover


def layout(title: str, subtitle: str, labels: Sequence[str], values: Sequence[int], unit: str) -> Layout:
    """The picture's plan: a long unit name wraps (or shrinks a little), a long number goes under its
    bar when it does not fit after it, and the picture grows to hold it all."""
    _, cjk = _font(12)
    # Each size is loaded once per picture (a FreeType face is not shared between the threads that
    # draw two pictures at once).
    font_at = functools.cache(lambda size: _font(size)[0])

    def say(text: str) -> str:
        # One line per label: the text shaper (raqm) refuses a carriage return or a paragraph
        # separator, which a unit name pasted from a spreadsheet can carry, and a 500 here would
        # break the whole county's picture.
        text = " ".join(text.split())
        return text if cjk or text.isascii() else ""

    margin = 48
    inner = WIDTH - 2 * margin
    plan = Layout(height=0)
    y = 40

    def put(text: str, size: int, max_lines: int, min_size: int, fill: tuple[int, int, int]) -> None:
        nonlocal y
        font, lines, line_h = fit(font_at, text, size, inner, max_lines, min_size)
        for line in lines:
            plan.texts.append(Text(line, margin, y, font, fill))
            y += line_h

    put(say(title) or "Banxing", 44, 2, 34, (17, 17, 17))
    y += 8
    put(say(subtitle), 28, 2, 24, MUTED)
    y += 24
    texts = [f"{value:,}{say(unit)}" for value in values]
    value_font, _, value_h = fit(font_at, max(texts, key=len, default=""), 34, inner, 1, 26)
    widest = max([0.0, *(value_font.getlength(t) for t in texts)])
    # The bars leave room for the widest number after the longest bar, unless that would leave the
    # bars less than half the width: then a number that does not fit goes under its bar.
    span = max(inner - 14 - math.ceil(widest), inner // 2)
    peak = max([1, *values])
    for i, (label, value, text) in enumerate(zip(labels, values, texts, strict=True)):
        put(say(label) or str(i + 1), 34, 2, 28, (17, 17, 17))
        bar_y = y + 2
        width = int(span * value / peak) if value else 0
        if width:
            plan.bars.append((margin, bar_y, margin + max(width, 4), bar_y + 44))
        after = margin + width + 14
        value_lines = wrap(text, value_font, inner)
        if len(value_lines) == 1 and after + value_font.getlength(text) <= WIDTH - margin:
            plan.texts.append(Text(text, after, bar_y + (44 - value_h) // 2, value_font, (17, 17, 17)))
            y = bar_y + 44 + 14
        else:
            y = bar_y + 44 + 6
            for line in value_lines:
                plan.texts.append(Text(line, margin, y, value_font, (17, 17, 17)))
                y += value_h
            y += 8
    y += 20
    put(say("伴行 · 数字来自各单位的记录，只含人次、场次等数量"), 28, 2, 24, MUTED)
    plan.height = y + 24
    return plan


def bar_png(title: str, subtitle: str, labels: Sequence[str], values: Sequence[int], unit: str) -> bytes:
    """A PNG of one bar per label with its value; ``title``/``subtitle`` on top."""
    plan = layout(title, subtitle, labels, values, unit)
    image = Image.new("RGB", (WIDTH, plan.height), PAPER)
    draw = ImageDraw.Draw(image)
    for box in plan.bars:
        draw.rectangle(box, fill=INK, outline=INK)
    for t in plan.texts:
        draw.text((t.x, t.y), t.text, font=t.font, fill=t.fill)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)  # no pnginfo: no text chunks
    return out.getvalue()
