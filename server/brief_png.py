"""The WeChat brief's chart as a PNG, drawn with Pillow: horizontal bars, each value written at the
end of its bar, a title and the period; no metadata chunk (nothing but pixels leaves the server).

The Chinese text needs a CJK font: Noto Sans CJK SC (Debian ``fonts-noto-cjk``) at its known path,
else any font ``fc-list`` says covers Simplified Chinese. Without one the chart is still drawn
with Pillow's built-in font, and the labels fall back to their position number (1, 2, …) so
nothing prints as boxes.
"""
from __future__ import annotations

import functools
import io
import pathlib
import shutil
import subprocess
from collections.abc import Sequence

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


def bar_png(title: str, subtitle: str, labels: Sequence[str], values: Sequence[int], unit: str) -> bytes:
    """A PNG of one bar per label with its value; ``title``/``subtitle`` on top."""
    title_font, cjk = _font(44)
    text_font, _ = _font(34)
    small_font, _ = _font(28)
    row_h, top = 104, 190
    height = top + max(1, len(labels)) * row_h + 90
    image = Image.new("RGB", (WIDTH, height), PAPER)
    draw = ImageDraw.Draw(image)
    margin = 48

    def say(text: str) -> str:
        # One line per label: the text shaper (raqm) refuses a carriage return or a paragraph
        # separator, which a unit name pasted from a spreadsheet can carry, and a 500 here would
        # break the whole county's picture.
        text = " ".join(text.split())
        return text if cjk or text.isascii() else ""

    draw.text((margin, 40), say(title) or "Banxing", font=title_font, fill=(17, 17, 17))
    draw.text((margin, 110), say(subtitle), font=small_font, fill=MUTED)
    peak = max([1, *values])
    span = WIDTH - 2 * margin - 200
    y = top
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        draw.text((margin, y), say(label) or str(i + 1), font=text_font, fill=(17, 17, 17))
        bar_y = y + 46
        width = int(span * value / peak) if value else 0
        if width:
            draw.rectangle((margin, bar_y, margin + max(width, 4), bar_y + 44), fill=INK, outline=INK)
        draw.text((margin + width + 14, bar_y + 2), f"{value:,}{say(unit)}", font=text_font, fill=(17, 17, 17))
        y += row_h
    draw.text((margin, height - 60), say("伴行 · 数字来自各单位的记录，只含人次、场次等数量"), font=small_font,
              fill=MUTED)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)  # no pnginfo: no text chunks
    return out.getvalue()
