"""取消 on a new-record form leads back where the person came from: a form a child's file or a
pairing's archive opened for that record (为这个孩子结对, 登记转介, 代录一次帮扶) led to the lists of every
pairing or referral, and the clerk had to find the child again."""
from __future__ import annotations

import html
import re

from .conftest import Site


def cancel(page: str) -> str:
    (href,) = re.findall(r'<a class="button" href="([^"]+)">取消</a>', page)
    return html.unescape(href)


def test_cancel_on_a_form_opened_for_a_child_or_a_pairing_leads_back_to_it(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    assert cancel(browser.get(f"/pairings/new?mentee_id={w.mentee1}").text) == f"/mentees/{w.mentee1}"
    assert cancel(browser.get(f"/referrals/new?mentee_id={w.mentee1}").text) == f"/mentees/{w.mentee1}"
    assert cancel(browser.get(f"/activities/new?pairing_id={w.pairing1}").text) == f"/pairings/{w.pairing1}"


def test_cancel_on_a_form_opened_from_the_menu_leads_to_its_list(site: Site) -> None:
    w = site.w
    browser = site.as_(w.staff_st11)
    assert cancel(browser.get("/pairings/new").text) == "/pairings"
    assert cancel(browser.get("/referrals/new").text) == "/referrals"
    assert cancel(browser.get("/activities/new").text) == "/pairings"
    # an id that is no id, or another station's child, is no place to go back to
    assert cancel(browser.get("/referrals/new?mentee_id=x%22%3E").text) == "/referrals"
    assert cancel(browser.get(f"/referrals/new?mentee_id={w.mentee3}").text) == "/referrals"
    assert cancel(browser.get(f"/activities/new?pairing_id={w.pairing3}").text) == "/pairings"
