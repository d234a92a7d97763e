"""The phone app's benchmark still runs end to end (``make bench`` is not part of ``make test``).

It drives the app in Chromium as a volunteer would; when the app changed under it (one tab at a
time, a child to choose on a phone with several) it stopped halfway, unnoticed until the next
bench. A tiny county keeps this to seconds; the figures themselves are the bench's business.
"""
from __future__ import annotations

import pathlib
import re
import subprocess
import sys

import pytest

pytestmark = pytest.mark.e2e

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_the_phone_app_bench_runs_to_its_last_lines() -> None:
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "pwa_bench.py"), "--mentees", "4",
                          "--activities", "12", "--years", "1"],
                         capture_output=True, text=True, timeout=240, cwd=ROOT)
    assert run.returncode == 0, run.stderr[-2000:]
    last = run.stdout.strip().splitlines()[-2:]
    assert re.fullmatch(r"first load: \d+\.\d\d KB", last[0]), last
    assert re.fullmatch(r"offline open: \d+\.\d+ s", last[1]), last


def test_the_phone_after_years_bench_runs_to_its_last_line() -> None:
    """bench/phone_year.py at a tenth of its size: enough visits that a child's history folds."""
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "phone_year.py"), "--years", "1", "--per-year", "12"],
                         capture_output=True, text=True, timeout=240, cwd=ROOT)
    assert run.returncode == 0, run.stderr[-2000:]
    out = run.stdout.strip().splitlines()
    assert any("the older history unfolded" in line for line in out), out
    assert re.fullmatch(r"unlock, one\.year: \d+\.\d+ s", out[-1]), out[-1:]
