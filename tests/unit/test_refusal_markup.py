"""A refusal beside a group of choices is named by the group, so a screen reader entering the group says why
it was refused (the browser walk, tests/e2e/test_a11y.py, reaches the single fields; these groups are
refused only in rare states, so their markup is checked here)."""
from __future__ import annotations

import re

from server.paths import resolve
from server.templating import build_templates

ENV = build_templates(resolve()).env  # the pages' own filters (whole_pieces, ...) and settings


def described_by(html: str, tag: str) -> str:
    match = re.search(rf'<{tag}[^>]*aria-describedby="([^"]+)"', html)
    assert match, html
    return match.group(1)


def test_a_refused_inspection_checklist_names_its_refusal_on_the_checklist() -> None:
    html = ENV.from_string('{% from "_checklist.html" import checklist_fields %}'
                           '{{ checklist_fields(items, choices, "达标项和未达标项合计不对") }}').render(
        items=[{"key": "k1", "label": "有结对档案", "value": None}], choices=[("pass", "达标")])
    ref = described_by(html, "fieldset")
    assert re.search(rf'<p class="field-error" role="alert" id="{ref}">', html)


def test_a_refused_group_of_choices_names_its_refusal_on_its_fieldset_and_a_field_is_marked_invalid() -> None:
    field = ENV.from_string('{% from "_form.html" import field %}{{ field(f) }}')
    chips = field.render(f={"name": "kind", "label": "帮扶方式", "widget": "radios",
                            "options": [("home_visit", "家访")], "value": None, "required": True,
                            "error": "请选择帮扶方式。", "hint": None})
    ref = described_by(chips, "fieldset")
    assert re.search(rf'<p class="field-error" role="alert" id="{ref}">', chips)
    text = field.render(f={"name": "place", "label": "地点", "widget": "text", "options": None, "value": "",
                           "required": False, "error": "地点太长了。", "hint": "写村、组。"})
    assert described_by(text, "input") == "h-place e-place" and 'aria-invalid="true"' in text
