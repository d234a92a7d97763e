"""The accessibility checks every page must pass, for readers of 60 to 80 and whoever helps them: shared by
tests/e2e/test_a11y.py and any walk that wants them.

``audit`` reads the page as it is drawn: the page says it is Chinese (lang="zh-CN"), its headings go down
one level at a time from an h1, every control and image has a name in words (an icon alone is not one),
and every piece of text (body text, hints, disabled-looking text, error and warning text, a field's
placeholder) has a contrast of at least 4.5:1 against the colour actually behind it, worked out from the
computed styles. ``focus_walk`` presses Tab through the page and asks that each stop shows a ring of at
least 3:1 against what is around it. ``bigger_default_font`` sets the browser's own font size, as a
reader who chose 很大 in Chromium's settings has it, and ``ZOOM_200`` is a PC window at 200% zoom.
"""
from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

# A 1280×900 PC window zoomed to 200%: half as many CSS px, each drawn twice as large.
ZOOM_200: dict[str, Any] = {"viewport": {"width": 640, "height": 450}, "device_scale_factor": 2}

# Shared by both scripts: sRGB colours parsed from computed styles, their luminance and contrast, and
# the colour behind an element (its own and its ancestors' backgrounds laid over the white page).
COLOUR = """
  const rgba = (c) => { const m = /rgba?\\(([^)]+)\\)/.exec(c || ''); if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const over = (top, under) => [0, 1, 2].map((i) => top[i] * top[3] + under[i] * (1 - top[3])).concat(1);
  const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const contrast = (a, b) => { const x = lum(a), y = lum(b);
    return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  // null when a picture or gradient lies behind: its colour cannot be read from styles.
  const behind = (el) => { const layers = [];
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) { const s = getComputedStyle(e);
      if (s.backgroundImage !== 'none') return null;
      const c = rgba(s.backgroundColor); if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; } }
    return layers.reverse().reduce((under, top) => over(top, under), [255, 255, 255, 1]); };
"""

AUDIT = """() => {""" + COLOUR + """
  const problems = [];
  const shown = (el) => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    return r.width > 1 && r.height > 1 && el.checkVisibility({visibilityProperty: true})
      && !el.closest('[aria-hidden=true]'); };
  const say = (el) => el.tagName.toLowerCase() + ' ' + (el.innerText || el.value || el.getAttribute('aria-label')
    || el.getAttribute('name') || '').trim().replace(/\\s+/g, ' ').slice(0, 30);

  if (document.documentElement.lang !== 'zh-CN') problems.push(`lang is "${document.documentElement.lang}"`);

  let last = 0;
  for (const h of document.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
    if (!shown(h)) continue;
    const level = Number(h.tagName[1]);
    if (level > last + 1) problems.push(`heading h${level} after ${last ? 'h' + last : 'no heading'}: ${say(h)}`);
    last = level;
  }

  // A name in words: letters or digits, not an arrow, a cross or a warning sign alone.
  const words = (s) => /[\\p{L}\\p{N}]/u.test(s || '');
  const labelled = (el) => words(el.getAttribute('aria-label')) || words(el.getAttribute('title'))
    || (el.getAttribute('aria-labelledby') || '').split(/\\s+/)
      .some((id) => words(document.getElementById(id)?.textContent));
  const controls = 'a[href], button, [role=button], summary, input[type=submit], input[type=button]';
  for (const el of document.querySelectorAll(controls)) {
    if (!shown(el)) continue;
    const own = el.matches('input') ? el.value
      : [...el.querySelectorAll('img[alt]')].map((i) => i.alt).join('') + el.innerText;
    if (!words(own) && !labelled(el)) problems.push(`no name in words: ${el.outerHTML.slice(0, 80)}`);
  }
  for (const img of document.querySelectorAll('img, [role=img]')) {
    if (shown(img) && !img.hasAttribute('alt') && !labelled(img))
      problems.push(`image without alt: ${img.outerHTML.slice(0, 80)}`);
  }
  const fields = 'input:not([type=hidden]):not([type=submit]):not([type=button]), select, textarea';
  for (const el of document.querySelectorAll(fields)) {
    if (![...(el.labels || [])].some((l) => words(l.textContent)) && !labelled(el))
      problems.push(`field without label: ${el.outerHTML.slice(0, 80)}`);
  }

  // A refusal beside a field is read with the field: the field says it is wrong and names the refusal
  // as its description (aria-describedby), so a screen reader on the field says why. A group of check
  // boxes or radio buttons names it on its fieldset (which cannot be marked invalid itself).
  for (const line of document.querySelectorAll('.field-error')) {
    if (!shown(line)) continue;
    const box = line.closest('.field') || line.parentElement;
    const tied = [box, ...box.querySelectorAll('input:not([type=hidden]), select, textarea, fieldset')].some((el) =>
      line.id && (el.getAttribute('aria-describedby') || '').split(/\\s+/).includes(line.id)
      && (el.matches('fieldset') || el.getAttribute('aria-invalid') === 'true'));
    if (!tied) problems.push(`refusal not tied to its field: ${say(line)}`);
  }

  // Contrast of every piece of text against what is really behind it.
  const check = (el, colour, what) => {
    const bg = behind(el), fg = rgba(colour);
    if (!bg || !fg) return;
    const ratio = contrast(over(fg, bg), bg);
    if (ratio < 4.5)
      problems.push(`contrast ${ratio.toFixed(2)}:1 (${colour} on rgb(${bg.slice(0, 3)})) ${what}: ${say(el)}`);
  };
  for (const el of document.body.querySelectorAll('*')) {
    if (!shown(el)) continue;
    const s = getComputedStyle(el);
    if (s.clip === 'rect(0px, 0px, 0px, 0px)' || s.clipPath === 'inset(50%)') continue;  // for screen readers only
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    // Text drawn in a chart (SVG) is painted with its fill, not its color.
    const ink = el instanceof SVGElement ? s.fill : s.color;
    if (own || (el.matches('input, select, textarea') && el.value)) check(el, ink, 'text');
    if (el.matches('input[placeholder], textarea[placeholder]') && !el.value)
      check(el, getComputedStyle(el, '::placeholder').color, 'placeholder');
  }
  return problems;
}"""

# The element that has the focus, and whether a reader can see where it is.
FOCUSED = """() => {""" + COLOUR + """
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  const r = el.getBoundingClientRect();
  const what = el.tagName.toLowerCase() + ' ' + (el.innerText || el.getAttribute('aria-label') || el.name || '')
    .trim().replace(/\\s+/g, ' ').slice(0, 30);
  if (r.width === 0 && r.height === 0) return {what, problem: 'focus on something not shown'};
  // Tab never stops on tabindex=-1: a screen drawn between two presses put the focus on its heading (for
  // screen readers, ringless on purpose). The walk goes on from there, as a keyboard user's would.
  if (el.tabIndex < 0 && el.matches('h1')) return {what, problem: null};
  // The calendar button inside a date field is the browser's own: it draws its own ring, and the field
  // does not match :focus while it has it.
  if (el.matches('input[type=date]') && !el.matches(':focus')) return {what, problem: null};
  // Chromium's own ring (outline-style auto) is two colours, seen on any background.
  if (s.outlineStyle === 'auto') return {what, problem: null};
  const bg = behind(el.parentElement || el) || [255, 255, 255, 1];
  if (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) {
    const ratio = contrast(rgba(s.outlineColor), bg);
    const weak = `focus ring ${s.outlineColor} only ${ratio.toFixed(2)}:1 against rgb(${bg.slice(0, 3)})`;
    return {what, problem: ratio >= 3 ? null : weak};
  }
  if (s.boxShadow !== 'none') return {what, problem: null};
  return {what, problem: 'no visible focus'};
}"""


def audit(page: Page, screen: str) -> list[str]:
    """Every accessibility problem of the page as drawn now, each prefixed with ``screen``."""
    page.evaluate("document.fonts.ready")
    return [f"[{screen}] {p}" for p in page.evaluate(AUDIT)]


def focus_walk(page: Page, screen: str, stops: int = 40) -> list[str]:
    """Tab from the top of the page through up to ``stops`` stops; each must show where the focus is."""
    # From the very top, always: a blur leaves Chromium's starting point where the focus was (the heading a
    # screen focuses when drawn), so the walk skipped what comes before it, such as 返回 in the title bar,
    # unless the screen was drawn again between the two; a stop taken then removed starts it at the top.
    page.evaluate("""() => { const top = document.createElement('span'); top.tabIndex = -1;
        document.body.prepend(top); top.focus(); top.remove(); }""")
    problems: list[str] = []
    seen: set[str] = set()
    for _ in range(stops):
        page.keyboard.press("Tab")
        found = page.evaluate(FOCUSED)
        if found is None:
            break
        if found["problem"] and found["problem"] not in seen:
            seen.add(found["problem"])
            problems.append(f"[{screen}] {found['problem']}: {found['what']}")
    return problems


def skips_to_content(page: Page, screen: str) -> list[str]:
    """The first Tab from the top offers 跳到正文, and Enter on it brings the next Tab into the page's own
    content, past the header and the menu. Call it on a page just opened: Tab starts from the top."""
    page.keyboard.press("Tab")
    first = page.evaluate("document.activeElement.innerText.trim()")
    if first != "跳到正文":
        return [f"[{screen}] the first Tab reaches “{first}”, not 跳到正文"]
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    if not page.evaluate("!!document.activeElement.closest('main')"):
        return [f"[{screen}] after 跳到正文 the next Tab is outside the page's content"]
    return []


def tab_to(page: Page, selector: str, text: str = "", stops: int = 150) -> bool:
    """Press Tab until the focus is on an element matching ``selector`` (whose words are ``text``, if given),
    as a keyboard user gets there; False if it is never reached."""
    for _ in range(stops):
        page.keyboard.press("Tab")
        if page.evaluate("([sel, text]) => { const el = document.activeElement;"
                         " return el.matches(sel) && (!text || el.innerText.trim() === text); }", [selector, text]):
            return True
    return False


def bigger_default_font(page: Page, standard: int = 24) -> None:
    """The browser's default font size set to ``standard`` px (Chromium's 很大 is 24, its 中 16)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Page.enable")
    cdp.send("Page.setFontSizes", {"fontSizes": {"standard": standard, "fixed": standard - 3}})


def smaller_than_chosen(page: Page, screen: str, standard: int = 24) -> list[str]:
    """A page whose body text stays under the font size the reader chose (``bigger_default_font``): the
    setting ignored, as when the page fixes its root size in px."""
    body = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    return [f"[{screen}] body text {body}px under the browser's chosen {standard}px"] if body < standard else []


def announced(page: Page) -> list[str]:
    """The words of the page's live regions (role=alert or status, aria-live): what a screen reader says."""
    texts: list[str] = page.evaluate("""() => [...document.querySelectorAll(
        '[role=alert], [role=status], [aria-live=assertive], [aria-live=polite]')]
        .map((el) => el.innerText.trim()).filter(Boolean)""")
    return texts
