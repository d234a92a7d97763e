from __future__ import annotations

import re

from .conftest import Site


def test_favicon_is_the_phone_apps_icon_kept_a_week_without_signing_in(site: Site) -> None:
    response = site.browser().get("/favicon.ico")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert response.content == site.browser().get("/app/icons/icon-192.png").content
    max_age = re.search(r"max-age=(\d+)", response.headers["cache-control"])
    assert max_age and int(max_age.group(1)) >= 86400


def test_every_page_names_the_site_icon(site: Site) -> None:
    signed_in = site.as_(site.w.admin)
    for page in (site.browser().get("/login").text, signed_in.get("/admin/backup").text):
        assert '<link rel="icon" type="image/png" href="/favicon.ico">' in page
