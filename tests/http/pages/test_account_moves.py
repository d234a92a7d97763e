"""An account changed by the admin while its owner is signed in: the next page already works in the
new scope. A session holds no copy of the unit or role; each page reads the account afresh."""
from __future__ import annotations

from .conftest import Site


def test_staff_moved_to_another_station_while_signed_in_see_its_children_at_once_and_none_of_the_old(
        site: Site) -> None:
    w = site.w
    staff = site.as_(w.staff_st11)
    assert staff.get(f"/mentees/{w.mentee1}").status_code == 200
    assert staff.get(f"/mentees/{w.mentee3}").status_code == 404
    moved = site.as_(w.admin).post(f"/admin/users/{w.staff_st11.user_id}", {
        "login": site.login_of(w.staff_st11), "name": "站员一一", "role": "staff", "unit_id": w.st21})
    assert moved.status_code == 303
    listed = staff.get("/mentees").text
    assert "小芳" in listed and "小明" not in listed and "小红" not in listed
    assert staff.get(f"/mentees/{w.mentee3}").status_code == 200
    assert staff.get(f"/mentees/{w.mentee1}").status_code == 404
